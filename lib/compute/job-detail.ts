import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { clusters, jobs, projects, users } from "@/db/schema";
import { and, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { allowed, requireOrgAccess, type OrgRef } from "../core/authz";
import { type Caller } from "../core/caller";
import { NotFound } from "../core/errors";

/** Usage records a job page lists (newest first); the per-hour totals cover all of them. */
export const JOB_USAGE_LIMIT = 100;

const jobRef = z.object({ job: z.uuid() });

/** The member who stopped the job (jobs.stopped_by). */
const stopper = alias(users, "stopper");

/**
 * One job of an org, for its detail page: name, status, preset, cluster, project, who started it, started and
 * stopped (and by whom), runtime, credits per hour and charged so far, and its charges over time from usage_records (each tick
 * or runner report, newest first, at most JOB_USAGE_LIMIT; and per UTC hour — the hours of its ledger rows).
 *
 * Who may see it follows the jobs list (listJobs): a member sees their own jobs, managers and admins everyone's,
 * and a project's members (any project role) the jobs in that project. Anything else — another org's job, someone
 * else's job for a user, a malformed id — is NotFound, so the answer never tells a hidden job from a missing one.
 */
export async function getJob(db: Db, caller: Caller, input: { org: OrgRef; job: unknown }) {
  const access = await requireOrgAccess(db, caller, input.org, "org.view");
  const ref = jobRef.safeParse({ job: input.job });
  if (!ref.success) throw new NotFound("No such job.");
  const seeAll = allowed(access, "jobs.manageAll");
  const [job] = await db
    .select({
      id: jobs.id,
      name: jobs.name,
      status: jobs.status,
      stopReason: jobs.stopReason,
      /** Who stopped it (username); null for automatic stops, a deleted account or rows from before 0016. */
      stoppedBy: stopper.username,
      preset: jobs.presetName,
      cluster: clusters.name,
      projectName: projects.name,
      owner: users.username,
      ownerName: users.name,
      mine: sql<boolean>`${jobs.userId} = ${access.caller.id}`,
      startedAt: jobs.startedAt,
      stoppedAt: jobs.stoppedAt,
      runtimeSeconds: sql<number>`extract(epoch from (coalesce(${jobs.stoppedAt}, now()) - ${jobs.startedAt}))::float8`,
      creditsPerHour: jobs.creditsPerHour,
      creditsCharged: jobs.creditsCharged,
      chargedUntil: jobs.chargedUntil,
    })
    .from(jobs)
    .innerJoin(users, eq(users.id, jobs.userId))
    .innerJoin(clusters, eq(clusters.id, jobs.clusterId))
    .leftJoin(projects, eq(projects.id, jobs.projectId))
    .leftJoin(stopper, eq(stopper.id, jobs.stoppedBy))
    .where(
      and(
        eq(jobs.id, ref.data.job),
        eq(jobs.orgId, access.org.id),
        seeAll
          ? undefined
          : sql`(${jobs.userId} = ${access.caller.id} or exists (select 1 from project_members pm
                   where pm.project_id = ${jobs.projectId} and pm.user_id = ${access.caller.id}))`,
      ),
    )
    .limit(1);
  if (!job) throw new NotFound("No such job.");
  const [records, hours] = await Promise.all([
    rawRows<{ until: string; amount: string; outcome: "charged" | "nothing_due"; key: string; total: number }>(
      db,
      sql`select until, amount::text as amount, outcome, idempotency_key as key, count(*) over ()::int as total
          from usage_records where job_id = ${job.id}
          order by until desc, created_at desc limit ${JOB_USAGE_LIMIT}`,
    ),
    rawRows<{ hour: string; amount: string; records: number; last: string }>(
      db,
      sql`select date_trunc('hour', until at time zone 'UTC') at time zone 'UTC' as hour,
                 sum(amount)::text as amount, count(*)::int as records, max(until) as last
          from usage_records where job_id = ${job.id} and outcome = 'charged'
          group by 1 order by 1 desc`,
    ),
  ]);
  const { projectName, ...rest } = job;
  return {
    org: access.org.name,
    job: { ...rest, project: projectName === null ? null : { name: projectName, cluster: job.cluster } },
    /** Each tick or runner report, newest first (at most JOB_USAGE_LIMIT of `total`). */
    usage: {
      rows: records.map((r) => ({ until: new Date(r.until), amount: r.amount, outcome: r.outcome, key: r.key })),
      total: records[0]?.total ?? 0,
    },
    /** What it was charged per UTC hour, newest first: one ledger row each. */
    hours: hours.map((h) => ({ hour: new Date(h.hour), amount: h.amount, records: h.records, last: new Date(h.last) })),
  };
}
