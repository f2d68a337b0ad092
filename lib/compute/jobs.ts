import { withTransaction, type Db } from "@/db";
import {
  clusters,
  jobs,
  orgClusters,
  orgMembers,
  orgWallets,
  presets,
  projectMembers,
  projects,
  users,
} from "@/db/schema";
import { and, desc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { allowed, authorize, requireOrgAccess, withOrgLock } from "../core/authz";
import { type Caller } from "../core/caller";
import { Invalid, NotFound, QuotaExceeded } from "../core/errors";
import type { Services } from "../core/services";
import { cursorLimitSchema, decodeKeyset, encodeKeyset } from "../core/keyset";
import { filterText, MAX_LENGTH, pagingShape, parseInput, safeText } from "../core/validation";
import { effectiveProjectRole, projectAllowed } from "../projects/access";
import { resolveProjectFilter, type ProjectFilter } from "../projects/choices";
import { enqueueMail, mailCommitted } from "../mail/mail";
import { jobRefusedMail } from "../mail/mail-templates";
import { chargeUsage } from "./metering";

export const startSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name the job.")
    .max(MAX_LENGTH.jobName, `At most ${MAX_LENGTH.jobName} characters.`)
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "Use lowercase letters, digits and inner hyphens."),
  cluster: safeText().trim().min(1, "Choose a cluster."),
  preset: safeText().trim().min(1, "Choose a preset."),
  /** The project's name on `cluster`; empty or absent: no project. */
  project: safeText()
    .trim()
    .max(MAX_LENGTH.orgName, "No such project.")
    .optional()
    .transform((v) => v || undefined),
});

/**
 * Starts a job on one of the org's clusters. The quota and credit checks and the insert are one transaction
 * with the org row locked, so concurrent starts can't exceed a quota, and the wallet read FOR SHARE (lock order:
 * lib/billing/ledger.ts), so a charge that empties the wallet and stops the org's jobs either comes first (and
 * the start is refused) or waits for the start (and stops the new job too). Refusals use Apolo's messages, in its
 * order; a refusal for credits is also mailed to the member.
 *
 * With `project`, the job runs in that project of the org on `cluster`: the caller needs project role writer
 * or more (project.runJobs; org managers and admins act as project admins). A project an org user doesn't
 * belong to is answered like one that doesn't exist; a reader is told to ask for writer access (both Invalid
 * on `project`). Project membership and deletion change under the org row's lock too (withProjectLock), which
 * this transaction holds: the project can't change between the check and the insert.
 */
export async function startJob(
  db: Db,
  caller: Caller,
  orgName: string,
  input: unknown,
  svc: Pick<Services, "mailer" | "appUrl">,
) {
  const data = parseInput(startSchema, input);
  try {
    return await withOrgLock(db, caller, orgName, "jobs.run", async (tx, access) => {
      const [target] = await tx
        .select({ cluster: clusters, quota: orgClusters.maxRunningJobs })
        .from(orgClusters)
        .innerJoin(clusters, eq(clusters.id, orgClusters.clusterId))
        .where(and(eq(orgClusters.orgId, access.org.id), eq(clusters.name, data.cluster)));
      if (!target) throw new Invalid({ cluster: [`${orgName} has no cluster named '${data.cluster}'.`] });
      const [preset] = await tx
        .select()
        .from(presets)
        .where(and(eq(presets.clusterId, target.cluster.id), eq(presets.name, data.preset)));
      if (!preset) throw new Invalid({ preset: [`${data.cluster} has no preset named '${data.preset}'.`] });
      let projectId: string | null = null;
      if (data.project) {
        const [p] = await tx
          .select({ id: projects.id, memberRole: projectMembers.role })
          .from(projects)
          .leftJoin(
            projectMembers,
            and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, access.caller.id)),
          )
          .where(
            and(
              eq(projects.orgId, access.org.id),
              eq(projects.clusterId, target.cluster.id),
              eq(projects.name, data.project),
            ),
          );
        const role = p ? effectiveProjectRole(access.role, p.memberRole) : null;
        if (!p || !role)
          throw new Invalid({ project: [`No project named '${data.project}' on cluster '${data.cluster}'.`] });
        if (!projectAllowed({ projectRole: role, caller: access.caller }, "project.runJobs"))
          throw new Invalid({
            project: [`You can only read project '${data.project}': ask a project manager for writer access.`],
          });
        projectId = p.id;
      }
      const [me] = await tx
        .select({
          limit: orgMembers.creditLimit,
          maxJobs: orgMembers.maxRunningJobs,
          exhausted: sql<boolean>`${orgMembers.creditLimit} is not null and ${orgMembers.spent} >= ${orgMembers.creditLimit}`,
        })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, access.caller.id)));
      const [counts] = await tx
        .select({
          mine: sql<number>`count(*) filter (where ${jobs.userId} = ${access.caller.id})::int`,
          onCluster: sql<number>`count(*) filter (where ${jobs.clusterId} = ${target.cluster.id})::int`,
        })
        .from(jobs)
        .where(and(eq(jobs.orgId, access.org.id), eq(jobs.status, "running")));
      const [{ broke } = { broke: false }] = await tx
        .select({ broke: sql<boolean>`${orgWallets.balance} <= 0` })
        .from(orgWallets)
        .where(eq(orgWallets.orgId, access.org.id))
        .for("share");
      if (me!.maxJobs !== null && counts!.mine >= me!.maxJobs)
        throw new QuotaExceeded(`Jobs limit quota exceeded for user '${access.caller.username}'`, false, {
          scope: "user",
          running: counts!.mine,
          limit: me!.maxJobs,
        });
      if (target.quota !== null && counts!.onCluster >= target.quota)
        throw new QuotaExceeded(`Jobs limit quota exceeded for org '${orgName}'`, false, {
          scope: "org",
          running: counts!.onCluster,
          limit: target.quota,
        });
      if (me!.exhausted) throw new QuotaExceeded(`No credits left for user '${access.caller.username}'`, true);
      if (broke) throw new QuotaExceeded(`No credits left for org '${orgName}'`, true);
      const [job] = await tx
        .insert(jobs)
        .values({
          orgId: access.org.id,
          userId: access.caller.id,
          clusterId: target.cluster.id,
          presetId: preset.id,
          presetName: preset.name,
          projectId,
          name: data.name,
          creditsPerHour: preset.creditsPerHour,
          chargedUntil: sql`now()`,
          startedAt: sql`now()`,
        })
        .returning();
      return job!;
    });
  } catch (err) {
    if (
      err instanceof QuotaExceeded &&
      err.credits &&
      caller &&
      caller.kind !== "cluster" &&
      caller.kind !== "system"
    ) {
      const [u] = await db.select({ email: users.email }).from(users).where(eq(users.id, caller.userId));
      // The refusal rolled the transaction back: the notice is queued on its own (one insert is atomic).
      const to = u?.email;
      if (to) {
        const mailIds = await withTransaction(db, (tx) =>
          enqueueMail(tx, [
            jobRefusedMail({
              to,
              orgName,
              jobName: data.name,
              reason: err.message,
              link: `${svc.appUrl}/orgs/${orgName}/credits`,
            }),
          ]),
        );
        await mailCommitted(svc, db, mailIds);
      }
    }
    throw err;
  }
}

/**
 * Stops a job: its owner, or a manager/admin for anyone's. With `opts.settle` (the embedded runner is on), a
 * job on an embedded cluster is charged up to its stop at once (key `stop:<id>`), so the balance is final when
 * the stop returns; otherwise, or if that charge fails, the runner's next tick settles it. External runners
 * report a stopped job's last usage themselves. The job remembers who stopped it (jobs.stopped_by: "Stopped by
 * <username>"); the API's stop endpoint and the Jobs page both come through here.
 */
export async function stopJob(
  db: Db,
  caller: Caller,
  orgName: string,
  input: unknown,
  opts: { settle?: Pick<Services, "mailer" | "appUrl"> } = {},
) {
  const { id } = parseInput(z.object({ id: z.uuid("Unknown job.") }), input);
  const access = await requireOrgAccess(db, caller, orgName, "jobs.stop");
  const [job] = await db
    .select({ name: jobs.name, userId: jobs.userId, runner: clusters.runner })
    .from(jobs)
    .innerJoin(clusters, eq(clusters.id, jobs.clusterId))
    .where(and(eq(jobs.id, id), eq(jobs.orgId, access.org.id)));
  if (!job) throw new NotFound("Job not found");
  // The job's owner or a manager; a user doesn't learn about other people's jobs (NotFound).
  authorize(access, "jobs.stop", { ownerId: job.userId });
  const [stopped] = await db
    .update(jobs)
    .set({ status: "stopped", stoppedAt: sql`now()`, stopReason: "UserStopped", stoppedBy: access.caller.id })
    .where(and(eq(jobs.id, id), eq(jobs.status, "running")))
    .returning({ id: jobs.id, stoppedAt: jobs.stoppedAt });
  if (stopped?.stoppedAt && opts.settle && job.runner === "embedded") {
    // Charging is capped at the stop (microseconds in the database; a JS Date holds milliseconds): ask for a
    // moment past it.
    const until = new Date(stopped.stoppedAt.getTime() + 1000);
    const settle = { jobId: id, until, idempotencyKey: `stop:${id}` };
    await chargeUsage(db, [settle], opts.settle).catch((err: unknown) => {
      // The job is stopped either way; its charged_until stays before the stop, so the next tick settles it.
      console.error(`[jobs] settling stopped job ${id} failed; the runner's next tick will:`, err);
    });
  }
  return { id, name: job.name, stopped: Boolean(stopped) };
}

export const listSchema = z.object({
  scope: z.enum(["mine", "all"]).catch("mine"),
  /** "<cluster>/<project>", "none" (jobs without a project), or absent: every project. */
  project: filterText(MAX_LENGTH.orgName * 2 + 1)
    .optional()
    .catch(undefined),
  status: z.enum(["running", "stopped", "any"]).catch("any"),
  ...pagingShape(25),
});

function projectCondition(filter: ProjectFilter): SQL | undefined {
  if (filter.kind === "none") return isNull(jobs.projectId);
  if (filter.kind === "project") return eq(jobs.projectId, filter.id);
  if (filter.kind === "hidden") return sql`false`;
  return undefined;
}

/**
 * The caller's jobs (managers: everyone's with scope=all), newest first, with runtime and credits so far, and
 * each job's project (null: no project). `project` filters by project: a project the caller can see, or
 * "none"; a project they can't see lists nothing. Filtered to one project, its members (any project role) may
 * list everyone's jobs in it with scope=all: a project's readers see its jobs.
 */
export async function listJobs(db: Db, caller: Caller, orgName: string, query: unknown) {
  const { access, q, where, all, canSeeAll } = await jobsWhere(db, caller, orgName, query);
  const [rows, [total]] = await Promise.all([
    jobSelect(db, access.caller.id)
      .where(where)
      .orderBy(desc(jobs.startedAt), desc(jobs.id))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(where),
  ]);
  return {
    // A job runs on its project's cluster (startJob looks the project up on the job's cluster).
    rows: rows.map(jobOut),
    total: total?.n ?? 0,
    query: { ...q, scope: all ? ("all" as const) : ("mine" as const) },
    canSeeAll,
    /** Managers and admins stop anyone's job; others only their own (`mine`). */
    canStopAll: allowed(access, "jobs.manageAll"),
  };
}

async function jobsWhere(db: Db, caller: Caller, orgName: string, query: unknown) {
  const access = await requireOrgAccess(db, caller, orgName, "org.view");
  const q = listSchema.parse(query ?? {});
  const filter = await resolveProjectFilter(db, caller, access, q.project);
  const canSeeAll = allowed(access, "jobs.manageAll") || filter.kind === "project";
  const all = q.scope === "all" && canSeeAll;
  const where = and(
    eq(jobs.orgId, access.org.id),
    all ? undefined : eq(jobs.userId, access.caller.id),
    q.status === "any" ? undefined : eq(jobs.status, q.status),
    projectCondition(filter),
  );
  return { access, q, where, all, canSeeAll };
}

/** The member who stopped a job (jobs.stopped_by), joined beside its owner. */
const stopper = alias(users, "stopper");

function jobSelect(db: Db, callerId: string) {
  return db
    .select({
      id: jobs.id,
      name: jobs.name,
      owner: users.username,
      /** The caller's own job (they may stop it). */
      mine: sql<boolean>`${jobs.userId} = ${callerId}`,
      cluster: clusters.name,
      preset: jobs.presetName,
      status: jobs.status,
      stopReason: jobs.stopReason,
      /** Who stopped it (username); null for automatic stops, a deleted account or rows from before 0016. */
      stoppedBy: stopper.username,
      creditsPerHour: jobs.creditsPerHour,
      creditsCharged: jobs.creditsCharged,
      startedAt: jobs.startedAt,
      stoppedAt: jobs.stoppedAt,
      projectName: projects.name,
      runtimeSeconds: sql<number>`extract(epoch from (coalesce(${jobs.stoppedAt}, now()) - ${jobs.startedAt}))::float8`,
      /** The exact start (microseconds), for a keyset cursor. */
      startedAtText: sql<string>`${jobs.startedAt}::text`,
    })
    .from(jobs)
    .innerJoin(users, eq(users.id, jobs.userId))
    .innerJoin(clusters, eq(clusters.id, jobs.clusterId))
    .leftJoin(projects, eq(projects.id, jobs.projectId))
    .leftJoin(stopper, eq(stopper.id, jobs.stoppedBy));
}

// A job runs on its project's cluster (startJob looks the project up on the job's cluster).
function jobOut(row: Awaited<ReturnType<ReturnType<typeof jobSelect>["execute"]>>[number]) {
  const { projectName, ...r } = row;
  delete (r as Partial<typeof r>).startedAtText;
  return { ...r, project: projectName === null ? null : { name: projectName, cluster: r.cluster } };
}

/** Rows per page of the cursor-paged job list (the API's `limit`). */
export const JOB_CURSOR_LIMITS = { default: 25, max: 100 } as const;

/**
 * The same list as listJobs (filters, scope and visibility), newest first, paged by an opaque cursor on
 * (started_at, id) instead of a page number (the API). `nextCursor` is null on the last page.
 */
export async function listJobsByCursor(db: Db, caller: Caller, orgName: string, query: unknown) {
  const { cursor, limit, ...filters } = (query ?? {}) as Record<string, unknown>;
  const paging = parseInput(cursorLimitSchema(JOB_CURSOR_LIMITS.default, JOB_CURSOR_LIMITS.max), { cursor, limit });
  const { access, q, where, all } = await jobsWhere(db, caller, orgName, filters);
  const after = paging.cursor ? decodeKeyset(paging.cursor, "uuid") : null;
  const rows = await jobSelect(db, access.caller.id)
    .where(
      and(
        where,
        after ? sql`(${jobs.startedAt}, ${jobs.id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(jobs.startedAt), desc(jobs.id))
    .limit(paging.limit + 1);
  const more = rows.length > paging.limit;
  const page = more ? rows.slice(0, paging.limit) : rows;
  const last = page.at(-1);
  return {
    rows: page.map(jobOut),
    nextCursor: more && last ? encodeKeyset(last.startedAtText, last.id) : null,
    limit: paging.limit,
    scope: all ? ("all" as const) : ("mine" as const),
    status: q.status,
  };
}
