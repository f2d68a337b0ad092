import type { Db, Tx } from "@/db";
import { rawRows } from "@/db/client";
import { jobs, orgWallets } from "@/db/schema";
import { and, asc, inArray, sql } from "drizzle-orm";
import { chargesSql, finishCharges, stopExhaustedJobs, type ChargesSummary } from "../billing/ledger";
import { uniqueViolation } from "../core/db-errors";
import { Conflict } from "../core/errors";
import { isNonPositive } from "../core/money";
import type { Services } from "../core/services";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";

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
 * Internal: callers authorized the charge first (lib/compute/internal.ts `meterUsage` for the runners, a stop
 * its job's stopper, the usage API its cluster token). The one way usage is charged, for the embedded runner
 * and external runners alike. Usage is cumulative —
 * a job is due runtime × credits/hour (rounded to 8 decimals) up to `until`, and each record charges the
 * difference to what was charged before — so ticks of any length add up without loss. A batch is one
 * transaction; wallets are locked in org id order so concurrent batches can't deadlock (lock order:
 * lib/billing/ledger.ts). After charging, jobs of orgs at or below zero, and of members past their limit, stop
 * with QuotaExhausted; `stop` lists every job of the batch that is no longer running, for an external runner
 * to stop.
 */
export async function chargeUsage(db: Db, records: UsageRecord[], svc: Pick<Services, "mailer" | "appUrl">) {
  for (let attempt = 1; ; attempt++) {
    let mailIds: number[] = [];
    try {
      const result = await db.transaction(async (tx) => {
        const { mails, ...metered } = await chargeUsageIn(tx, records, svc.appUrl);
        mailIds = await enqueueMail(tx, mails);
        return metered;
      });
      await mailCommitted(svc, db, mailIds);
      return result;
    } catch (err) {
      // Keys are unique across the installation, but only a batch's own orgs are locked: a batch of another org
      // committing the same key first fails this one's insert. The key is recorded now, so the batch again
      // reports it as a replay — which is what it is. A few tries, then 409 for the runner to retry.
      if (uniqueViolation(err) !== "usage_records_pkey") throw err;
      if (attempt >= KEY_RACE_TRIES) {
        throw new Conflict("Another report with the same idempotency key was being recorded. Send the batch again.");
      }
    }
  }
}

/** Tries of a batch that lost a race for one of its keys to a batch of another org (chargeUsage). */
const KEY_RACE_TRIES = 3;

/**
 * chargeUsage inside the caller's transaction (closing an org settles its embedded jobs this way): returns the
 * outcomes, the jobs to stop, and the low-balance mails for the caller to queue or drop.
 */
export async function chargeUsageIn(tx: Tx, records: UsageRecord[], appUrl?: string) {
  const mails: MailMessage[] = [];
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
  const posted = charges ? await finishCharges(tx, charges, appUrl) : { mails: [], exhaustedOrgIds: [] };
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
    // A replayed key never charges (usage_records keeps every accepted key); it reports "duplicate" when it would
    // have charged something, else "nothing_due".
    if (!d || !owes(d)) return { ...base, outcome: "nothing_due" };
    return d.dup ? { ...base, outcome: "duplicate" } : { ...base, outcome: "charged", amount: d.delta };
  });
  // Every reported job that is no longer running (the job rows are locked: nothing changed them meanwhile).
  return { outcomes, stop: [...stopped].sort(), mails };
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
 * Locks the wallets of the reported jobs' orgs, then the jobs, both in id order (every writer of a balance
 * locks its wallet first), in one statement: the wallets' lock is an InitPlan of the jobs' scan, so it is
 * taken before any job row.
 */
async function lockOrgsAndJobs(tx: Tx, ids: string[]) {
  const reported = inArray(jobs.id, ids);
  const locked = tx.$with("locked_wallets").as(
    tx
      .select({ id: orgWallets.orgId })
      .from(orgWallets)
      .where(inArray(orgWallets.orgId, tx.select({ orgId: jobs.orgId }).from(jobs).where(reported)))
      .orderBy(asc(orgWallets.orgId))
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
 * One statement for the whole batch: drops keys already recorded in usage_records (and repeats within the batch),
 * charged or not, then per job
 * in record order the cumulative due — runtime up to the record's time (capped at the stop time) × credits
 * per hour, rounded to 8 decimals, never below what was charged — and what each record adds to it; settles
 * each job (credits_charged, charged_until) up to its latest record that isn't a duplicate; and posts every
 * record that adds something as a charge (lib/billing/ledger.ts chargesSql). The caller holds the wallet and job locks.
 */
async function chargeRecords(
  tx: Tx,
  records: (UsageRecord & { ord: number })[],
): Promise<{ due: DueRow[]; charges: ChargesSummary }> {
  const values = sql.join(
    records.map(
      (r) => sql`(${r.jobId}::uuid, ${r.until.toISOString()}::timestamptz, ${r.idempotencyKey}::text, ${r.ord}::int)`,
    ),
    sql`, `,
  );
  const post = chargesSql(
    sql`select org_id, user_id, job_id, key, delta, ord, settled from owed where not dup and delta > 0`,
  );
  const [row] = await rawRows<{ due: DueRow[]; charges: ChargesSummary }>(
    tx,
    sql`
    with r(job_id, until, key, ord) as (values ${values}),
    calc as (
      select r.job_id, r.key, r.ord, j.org_id, j.user_id, j.credits_charged,
             -- a key posted before, or repeated from an earlier record of this batch, charges nothing
             exists (select 1 from usage_records u where u.idempotency_key = r.key)
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
    -- every accepted key, including those that charged nothing: the same key again changes nothing
    recorded as (
      insert into usage_records (idempotency_key, job_id, org_id, until, amount, outcome)
      select key, job_id, org_id, settled, greatest(delta, 0),
             case when delta > 0 then 'charged' else 'nothing_due' end
      from owed where not dup
    ),
    settle as (
      update jobs j set credits_charged = greatest(j.credits_charged, t.due),
                        charged_until = greatest(j.charged_until, t.settled)
      from (select job_id, max(due) as due, max(settled) as settled from chain where not dup group by job_id) t
      where j.id = t.job_id
    ),
    ${post.ctes}
    select (select coalesce(json_agg(json_build_object('ord', ord, 'dup', dup, 'delta', delta::text) order by ord),
                            '[]'::json) from owed) as due,
           ${post.summary} as charges`,
  );
  return row!;
}
