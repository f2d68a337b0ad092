import { and, asc, desc, eq, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { clusters, clusterTokens, jobs, orgClusters, orgMembers, orgs, presets, users } from "@/db/schema";
import { can, requireOrgAccess, withOrgLock, type Actor } from "./authz";
import { Invalid, NotFound, QuotaExceeded } from "./errors";
import { chargesSql, finishCharges, stopExhaustedJobs, type ChargesSummary } from "./ledger";
import { enqueueMail, mailCommitted, type MailMessage } from "./mail";
import { jobRefusedMail } from "./mail-templates";
import { isNonPositive } from "./money";
import type { Services } from "./services";
import { hashToken } from "./tokens";
import { MAX_LENGTH, pagingShape, parseInput } from "./validation";

const startSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name the job.")
    .max(MAX_LENGTH.jobName, `At most ${MAX_LENGTH.jobName} characters.`)
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "Use lowercase letters, digits and inner hyphens."),
  cluster: z.string().trim().min(1, "Choose a cluster."),
  preset: z.string().trim().min(1, "Choose a preset."),
});

/**
 * Starts a job on one of the org's clusters. The quota and credit checks and the insert are one transaction
 * with the org row locked, so concurrent starts can't exceed a quota. Refusals use Apolo's messages, in its
 * order; a refusal for credits is also mailed to the member.
 */
export async function startJob(
  db: Db,
  actor: Actor,
  orgName: string,
  input: unknown,
  svc: Pick<Services, "mailer" | "appUrl">,
) {
  const data = parseInput(startSchema, input);
  try {
    return await withOrgLock(db, actor, orgName, "jobs.run", async (tx, access) => {
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
      const [me] = await tx
        .select({
          username: users.username,
          limit: orgMembers.creditLimit,
          maxJobs: orgMembers.maxRunningJobs,
          exhausted: sql<boolean>`${orgMembers.creditLimit} is not null and ${orgMembers.spent} >= ${orgMembers.creditLimit}`,
        })
        .from(orgMembers)
        .innerJoin(users, eq(users.id, orgMembers.userId))
        .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, actor!.userId)));
      const [counts] = await tx
        .select({
          mine: sql<number>`count(*) filter (where ${jobs.userId} = ${actor!.userId})::int`,
          onCluster: sql<number>`count(*) filter (where ${jobs.clusterId} = ${target.cluster.id})::int`,
        })
        .from(jobs)
        .where(and(eq(jobs.orgId, access.org.id), eq(jobs.status, "running")));
      const [{ broke } = { broke: false }] = await tx
        .select({ broke: sql<boolean>`${orgs.balance} <= 0` })
        .from(orgs)
        .where(eq(orgs.id, access.org.id));
      if (me!.maxJobs !== null && counts!.mine >= me!.maxJobs)
        throw new QuotaExceeded(`Jobs limit quota exceeded for user '${me!.username}'`);
      if (target.quota !== null && counts!.onCluster >= target.quota)
        throw new QuotaExceeded(`Jobs limit quota exceeded for org '${orgName}'`);
      if (me!.exhausted) throw new QuotaExceeded(`No credits left for user '${me!.username}'`, true);
      if (broke) throw new QuotaExceeded(`No credits left for org '${orgName}'`, true);
      const [job] = await tx
        .insert(jobs)
        .values({
          orgId: access.org.id,
          userId: actor!.userId,
          clusterId: target.cluster.id,
          presetId: preset.id,
          presetName: preset.name,
          name: data.name,
          creditsPerHour: preset.creditsPerHour,
          chargedUntil: sql`now()`,
          startedAt: sql`now()`,
        })
        .returning();
      return job!;
    });
  } catch (err) {
    if (err instanceof QuotaExceeded && err.credits && actor) {
      const [u] = await db.select({ email: users.email }).from(users).where(eq(users.id, actor.userId));
      // The refusal rolled the transaction back: the notice is queued on its own (one insert is atomic).
      if (u?.email) {
        const mailIds = await enqueueMail(db, [
          jobRefusedMail({
            to: u.email,
            orgName,
            jobName: data.name,
            reason: err.message,
            link: `${svc.appUrl}/orgs/${orgName}/credits`,
          }),
        ]);
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
 * report a stopped job's last usage themselves.
 */
export async function stopJob(
  db: Db,
  actor: Actor,
  orgName: string,
  input: unknown,
  opts: { settle?: Pick<Services, "mailer" | "appUrl"> } = {},
) {
  const { id } = parseInput(z.object({ id: z.uuid("Unknown job.") }), input);
  const access = await requireOrgAccess(db, actor, orgName, "jobs.run");
  const [job] = await db
    .select({ name: jobs.name, userId: jobs.userId, runner: clusters.runner })
    .from(jobs)
    .innerJoin(clusters, eq(clusters.id, jobs.clusterId))
    .where(and(eq(jobs.id, id), eq(jobs.orgId, access.org.id)));
  if (!job) throw new NotFound("Job not found");
  if (job.userId !== actor!.userId && !can(access.role, "jobs.manageAll")) {
    // A user doesn't learn about other people's jobs.
    throw new NotFound("Job not found");
  }
  const [stopped] = await db
    .update(jobs)
    .set({ status: "stopped", stoppedAt: sql`now()`, stopReason: "UserStopped" })
    .where(and(eq(jobs.id, id), eq(jobs.status, "running")))
    .returning({ id: jobs.id, stoppedAt: jobs.stoppedAt });
  if (stopped?.stoppedAt && opts.settle && job.runner === "embedded") {
    // Charging is capped at the stop (microseconds in the database; a JS Date holds milliseconds): ask for a
    // moment past it.
    const until = new Date(stopped.stoppedAt.getTime() + 1000);
    const settle = { jobId: id, until, idempotencyKey: `stop:${id}` };
    await meterUsage(db, [settle], opts.settle).catch((err: unknown) => {
      // The job is stopped either way; its charged_until stays before the stop, so the next tick settles it.
      console.error(`[jobs] settling stopped job ${id} failed; the runner's next tick will:`, err);
    });
  }
  return { id, name: job.name, stopped: Boolean(stopped) };
}

const listSchema = z.object({
  scope: z.enum(["mine", "all"]).catch("mine"),
  status: z.enum(["running", "stopped", "any"]).catch("any"),
  ...pagingShape(25),
});

/** The caller's jobs (managers: everyone's with scope=all), newest first, with runtime and credits so far. */
export async function listJobs(db: Db, actor: Actor, orgName: string, query: unknown) {
  const access = await requireOrgAccess(db, actor, orgName, "org.view");
  const q = listSchema.parse(query ?? {});
  const all = q.scope === "all" && can(access.role, "jobs.manageAll");
  const where = and(
    eq(jobs.orgId, access.org.id),
    all ? undefined : eq(jobs.userId, actor!.userId),
    q.status === "any" ? undefined : eq(jobs.status, q.status),
  );
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: jobs.id,
        name: jobs.name,
        owner: users.username,
        cluster: clusters.name,
        preset: jobs.presetName,
        status: jobs.status,
        stopReason: jobs.stopReason,
        creditsPerHour: jobs.creditsPerHour,
        creditsCharged: jobs.creditsCharged,
        startedAt: jobs.startedAt,
        stoppedAt: jobs.stoppedAt,
        runtimeSeconds: sql<number>`extract(epoch from (coalesce(${jobs.stoppedAt}, now()) - ${jobs.startedAt}))::float8`,
      })
      .from(jobs)
      .innerJoin(users, eq(users.id, jobs.userId))
      .innerJoin(clusters, eq(clusters.id, jobs.clusterId))
      .where(where)
      .orderBy(desc(jobs.startedAt))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(where),
  ]);
  return {
    rows,
    total: total?.n ?? 0,
    query: { ...q, scope: all ? "all" : "mine" },
    canSeeAll: can(access.role, "jobs.manageAll"),
  };
}

export interface UsageRecord {
  jobId: string;
  /** Charge the job's usage up to this moment (capped at its stop time). */
  until: Date;
  /** The same key again changes nothing. */
  idempotencyKey: string;
  /** When set, the record counts only for a job on this cluster (the reporting runner's); else unknown_job. */
  clusterId?: string;
}

export type UsageOutcome = "charged" | "duplicate" | "nothing_due" | "unknown_job";

export interface UsageResult {
  jobId: string;
  idempotencyKey: string;
  outcome: UsageOutcome;
  /** What a charged record cost (decimal string). */
  amount?: string;
}

/**
 * The one way usage is charged, for the embedded runner and external runners alike. Usage is cumulative —
 * a job is due runtime × credits/hour (rounded to 8 decimals) up to `until`, and each record charges the
 * difference to what was charged before — so ticks of any length add up without loss. A batch is one
 * transaction; orgs are locked in id order so concurrent batches can't deadlock. After charging, jobs of
 * orgs at or below zero, and of members past their limit, stop with QuotaExhausted; `stop` lists every job of
 * the batch that is no longer running, for an external runner to stop.
 */
export async function meterUsage(db: Db, records: UsageRecord[], svc: Pick<Services, "mailer" | "appUrl">) {
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await db.transaction(async (tx) => {
    const ids = [...new Set(records.map((r) => r.jobId))];
    const byId = new Map((ids.length ? await lockOrgsAndJobs(tx, ids) : []).map((j) => [j.id, j]));
    // A record is about a known job when the job exists on the record's cluster (if the record names one).
    const knownAt = records.map((r) => {
      const job = byId.get(r.jobId);
      return job !== undefined && (r.clusterId === undefined || r.clusterId === job.clusterId);
    });
    const knownIds = new Set(records.filter((_, i) => knownAt[i]).map((r) => r.jobId));
    // Each record keeps its position in the request: outcomes are reported in that order.
    const mine = records.map((r, ord) => ({ ...r, ord })).filter((r) => knownAt[r.ord]);
    // One statement: what each record owes, the jobs settled up to their latest record, the charges posted.
    const { due, charges } = mine.length ? await chargeRecords(tx, mine) : { due: [], charges: undefined };
    const byOrd = new Map(due.map((d) => [d.ord, d]));
    const owes = (d: DueRow) => !isNonPositive(d.delta);
    const posted = charges ? await finishCharges(tx, charges, svc.appUrl) : { mails: [], exhaustedOrgIds: [] };
    mails.push(...posted.mails);
    // Stopping scans the org's running jobs: only where a balance or a charged member's limit ran out.
    const stopped = new Set([...knownIds].filter((id) => byId.get(id)!.status === "stopped"));
    for (const orgId of posted.exhaustedOrgIds) {
      for (const id of await stopExhaustedJobs(tx, orgId)) if (knownIds.has(id)) stopped.add(id);
    }
    const outcomes = records.map((r, i): UsageResult => {
      const d = byOrd.get(i);
      const base = { jobId: r.jobId, idempotencyKey: r.idempotencyKey };
      if (!knownAt[i]) return { ...base, outcome: "unknown_job" };
      // A replayed key is a duplicate only if it would have charged something; else there was nothing due.
      if (!d || !owes(d)) return { ...base, outcome: "nothing_due" };
      return d.dup ? { ...base, outcome: "duplicate" } : { ...base, outcome: "charged", amount: d.delta };
    });
    mailIds = await enqueueMail(tx, mails);
    // Every reported job that is no longer running (the job rows are locked: nothing changed them meanwhile).
    return { outcomes, stop: [...stopped].sort() };
  });
  await mailCommitted(svc, db, mailIds);
  return result;
}

/** What one record owes (its position in the batch: ord). */
interface DueRow {
  ord: number;
  /** What this record adds (decimal string; 0 or less: nothing to charge). For a dup: what it would add. */
  delta: string;
  /** Its key was posted before or repeats an earlier record of the batch: never charged. */
  dup: boolean;
}

/**
 * Locks the orgs of the reported jobs, then the jobs, both in id order (every writer of a balance locks its org
 * first), in one statement: the orgs' lock is an InitPlan of the jobs' scan, so it is taken before any job row.
 */
async function lockOrgsAndJobs(tx: Db, ids: string[]) {
  const reported = inArray(jobs.id, ids);
  const locked = tx.$with("locked_orgs").as(
    tx
      .select({ id: orgs.id })
      .from(orgs)
      .where(inArray(orgs.id, tx.select({ orgId: jobs.orgId }).from(jobs).where(reported)))
      .orderBy(asc(orgs.id))
      .for("update"),
  );
  return tx
    .with(locked)
    .select({ id: jobs.id, orgId: jobs.orgId, clusterId: jobs.clusterId, status: jobs.status })
    .from(jobs)
    .where(and(reported, sql`(select count(*) from ${locked}) >= 0`))
    .orderBy(asc(jobs.id))
    .for("update", { of: jobs });
}

/**
 * One statement for the whole batch: drops keys already posted (and repeats within the batch), then per job
 * in record order the cumulative due — runtime up to the record's time (capped at the stop time) × credits
 * per hour, rounded to 8 decimals, never below what was charged — and what each record adds to it; settles
 * each job (credits_charged, charged_until) up to its latest record that isn't a duplicate; and posts every
 * record that adds something as a charge (lib/ledger.ts chargesSql). The caller holds the org and job locks.
 */
async function chargeRecords(
  tx: Db,
  records: (UsageRecord & { ord: number })[],
): Promise<{ due: DueRow[]; charges: ChargesSummary }> {
  const values = sql.join(
    records.map(
      (r) => sql`(${r.jobId}::uuid, ${r.until.toISOString()}::timestamptz, ${r.idempotencyKey}::text, ${r.ord}::int)`,
    ),
    sql`, `,
  );
  const post = chargesSql();
  const [row] = await rawRows<{ due: DueRow[]; charges: ChargesSummary }>(
    tx,
    sql`
    with r(job_id, until, key, ord) as (values ${values}),
    calc as (
      select r.job_id, r.key, r.ord, j.org_id, j.user_id, j.credits_charged,
             -- a key posted before, or repeated from an earlier record of this batch, charges nothing
             exists (select 1 from credit_ledger l where l.idempotency_key = r.key)
               or row_number() over (partition by r.key order by r.ord) > 1 as dup,
             least(r.until, coalesce(j.stopped_at, 'infinity')) as settled,
             greatest(j.credits_charged,
               round(j.credits_per_hour * extract(epoch from (least(r.until, coalesce(j.stopped_at, 'infinity')) - j.started_at)) / 3600, 8)
             ) as due_raw
      from r join jobs j on j.id = r.job_id
    ),
    chain as (
      select *, coalesce(max(case when not dup then due_raw end)
                           over (partition by job_id order by ord rows unbounded preceding), credits_charged) as due
      from calc
    ),
    prev as (
      select *, coalesce(lag(due) over (partition by job_id order by ord), credits_charged) as before from chain
    ),
    owed as (
      select *, case when dup then due_raw - before else due - before end as delta from prev
    ),
    settle as (
      update jobs j set credits_charged = greatest(j.credits_charged, t.due),
                        charged_until = greatest(j.charged_until, t.settled)
      from (select job_id, max(due) as due, max(settled) as settled from chain where not dup group by job_id) t
      where j.id = t.job_id
    ),
    c(org_id, member_id, job_id, key, amount, ord) as (
      select org_id, user_id, job_id, key, delta, ord from owed where not dup and delta > 0
    ),
    ${post.ctes}
    select (select coalesce(json_agg(json_build_object('ord', ord, 'dup', dup, 'delta', delta::text) order by ord),
                            '[]'::json) from owed) as due,
           ${post.summary} as charges`,
  );
  return row!;
}

/**
 * One tick of the embedded runner: charges every running job on embedded clusters up to `now`, and settles
 * stopped jobs not yet charged to their stop time. Keys are job + tick period, so two app instances ticking
 * the same period charge once.
 */
export async function runEmbeddedTick(db: Db, now: Date, intervalMs: number, svc: Pick<Services, "mailer" | "appUrl">) {
  const due = await db
    .select({ id: jobs.id, status: jobs.status })
    .from(jobs)
    .innerJoin(clusters, eq(clusters.id, jobs.clusterId))
    .where(
      and(
        eq(clusters.runner, "embedded"),
        or(eq(jobs.status, "running"), and(isNotNull(jobs.stoppedAt), lt(jobs.chargedUntil, jobs.stoppedAt))),
      ),
    )
    .limit(5000);
  const period = Math.floor(now.getTime() / intervalMs);
  let charged = 0;
  for (let i = 0; i < due.length; i += 200) {
    const batch = due.slice(i, i + 200).map((j) => ({
      jobId: j.id,
      until: now,
      idempotencyKey: j.status === "running" ? `tick:${j.id}:${period}` : `final:${j.id}`,
    }));
    const r = await meterUsage(db, batch, svc);
    charged += r.outcomes.filter((o) => o.outcome === "charged").length;
  }
  return { jobs: due.length, charged };
}

export interface RunnerIdentity {
  clusterId: string;
}

/** The cluster an external runner's bearer token belongs to, or null (revoked, unknown, malformed). */
export async function authenticateClusterToken(
  db: Db,
  bearer: string | null | undefined,
): Promise<RunnerIdentity | null> {
  if (!bearer) return null;
  return (await authenticateClusterTokens(db, [bearer])).get(bearer) ?? null;
}

/**
 * Several bearer tokens in one query (the usage API checks the tokens of concurrent requests together):
 * the cluster of each valid one; revoked, unknown and malformed tokens are absent from the map.
 */
export async function authenticateClusterTokens(db: Db, bearers: string[]): Promise<Map<string, RunnerIdentity>> {
  const byHash = new Map<string, string>();
  for (const bearer of bearers) {
    const token = bearer.startsWith("apc_") ? bearer.slice(4) : null;
    if (token && /^[A-Za-z0-9_-]{43}$/.test(token)) byHash.set(hashToken(token), bearer);
  }
  const found = new Map<string, RunnerIdentity>();
  if (byHash.size === 0) return found;
  const rows = await db
    .select({
      id: clusterTokens.id,
      hash: clusterTokens.tokenHash,
      clusterId: clusterTokens.clusterId,
      lastUsedAt: clusterTokens.lastUsedAt,
    })
    .from(clusterTokens)
    .where(and(inArray(clusterTokens.tokenHash, [...byHash.keys()]), sql`${clusterTokens.revokedAt} is null`));
  for (const row of rows) found.set(byHash.get(row.hash)!, { clusterId: row.clusterId });
  // "Last used" to the minute is enough: a write per request would make every runner queue on this row.
  const stale = rows.filter((r) => !r.lastUsedAt || Date.now() - r.lastUsedAt.getTime() > 60_000).map((r) => r.id);
  if (stale.length) {
    await db.update(clusterTokens).set({ lastUsedAt: new Date() }).where(inArray(clusterTokens.id, stale));
  }
  return found;
}
