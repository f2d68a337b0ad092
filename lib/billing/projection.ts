/**
 * Where an org's balance is heading: its spending rate, computed in SQL from the ledger and the running jobs, and
 * when the balance reaches zero at that rate. Every figure is an exact decimal (numeric in PostgreSQL, strings
 * here); only `secondsLeft` is a number (whole seconds).
 *
 * The rates, in credits per hour:
 * - `last24h`: the org's charges over the 24 hours before `at`, divided by 24;
 * - `last7d`: its charges over the 7 days before `at`, divided by 168;
 * - `running`: Σ credits/hour of the jobs running now (the price each job started with);
 * - `storage`: charges with no job (disk storage) over the last 24 hours, divided by 24.
 *
 * The rate the projection uses ("the current rate"): with jobs running, the greatest of `running + storage`,
 * `last24h` and `last7d` — a burst of short jobs today is not forgotten because none runs this very second, and a
 * week of heavy use is not forgotten because today was quiet (a team that trains every night and runs one small
 * job now will spend at its weekly pace, not at the small job's). Each is a fair estimate of what comes next; taking
 * the greatest warns early rather than late, which is the side a prepaid balance should err on. With none running,
 * `storage` alone — an org whose jobs all stopped is "not spending" unless its disks still cost something.
 *
 * The windows: a charge counts when `at - window < its time <= at` (a row exactly 24 hours old is out of the
 * 24-hour window and in the 7-day one; a row after `at` counts nowhere). Only rows of kind "charge" are spending:
 * top-ups, grants and adjustments move the balance, not the rate. Each rate is rounded to 8 decimals (half up).
 *
 * A charge row's time is its last charge: `coalesce(updated_at, created_at)`. A job's hourly row (period_start
 * set) is inserted by the hour's first charge and grows until the hour ends or the job stops, so its created_at
 * is up to an hour before most of what it holds; counted at created_at, a job that ran the whole hour 24 h ago
 * would drop out of the 24-hour window at once, as if it had stopped spending an hour early. Counted at its last
 * growth (updated_at), the row stays in a window while any of its charges is in it, and whole: at a window's
 * start the error is at most one hour of one job's charges, and always towards counting them (the rate is not
 * understated, the projection not too rosy). We chose this over prorating the row over its hour — that would
 * assume the job charged evenly through it, which a job starting or stopping mid-hour, or a runner reporting
 * late, doesn't — for the same bounded error with a simpler, checkable rule. Rows written once (updated_at null:
 * top-ups, adjustments, storage and direct charges) count at created_at as before. Rows are read through the
 * (org, created_at) index with one more day of created_at than the window: a row grows only while its job is
 * charged within its own UTC hour, so its last growth comes within about an hour of its first charge (a runner's
 * report delay more), never a day later.
 *
 * The state and the projected zero, in SQL: "depleted" when the balance is ≤ 0; else "spending" when the rate is
 * > 0, with secondsLeft = floor(balance × 3600 / rate); else "not_spending". runsOutAt = at + secondsLeft.
 */
import type { Db, Tx } from "@/db";
import { rawRows } from "@/db/client";
import { sql } from "drizzle-orm";
import { requireOrgAccess, type OrgRef } from "../core/authz";
import type { Caller } from "../core/caller";

export interface SpendingRates {
  last24h: string;
  last7d: string;
  running: string;
  storage: string;
}

export type ProjectionState =
  /** Nothing is being spent at the current rate. */
  | "not_spending"
  /** Spending: secondsLeft / runsOutAt say when the balance reaches zero. */
  | "spending"
  /** The balance is zero or below. */
  | "depleted";

export interface Projection {
  orgId: string;
  balance: string;
  rates: SpendingRates;
  /** How many jobs of the org run now. */
  runningJobs: number;
  /** The rate the projection uses, credits per hour (see the file comment); "0.00000000" when not spending. */
  ratePerHour: string;
  state: ProjectionState;
  /** Whole seconds until the balance reaches zero at `ratePerHour` (spending only). */
  secondsLeft: number | null;
  /** `at` + secondsLeft (spending only). */
  runsOutAt: Date | null;
}

interface Row {
  org_id: string;
  balance: string;
  last24h: string;
  last7d: string;
  running: string;
  storage: string;
  running_jobs: number;
  rate: string;
  depleted: boolean;
  seconds_left: string | null;
}

/**
 * Projections of many orgs in one statement (the header's balance tooltip for every org of a person, the credits
 * worker's pass over the orgs that spend). Orgs without a wallet are left out. Internal: no authorization.
 */
export async function projectOrgs(db: Db | Tx, orgIds: string[], at: Date = new Date()): Promise<Projection[]> {
  if (orgIds.length === 0) return [];
  const ids = sql`array[${sql.join(
    orgIds.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
  const now = sql`${at.toISOString()}::timestamptz`;
  const rows = await rawRows<Row>(
    db,
    sql`
    with w as (select org_id, balance from org_wallets where org_id = any(${ids})),
    c as (
      select w.org_id,
        coalesce(-sum(l.amount) filter (where l.at > ${now} - interval '24 hours'), 0) as spent24h,
        coalesce(-sum(l.amount), 0) as spent7d,
        coalesce(-sum(l.amount) filter (where l.at > ${now} - interval '24 hours' and l.job_id is null), 0)
          as storage24h
      from w left join lateral (
        -- a charge row's time is its last charge (see the file comment)
        select l.amount, l.job_id, coalesce(l.updated_at, l.created_at) as at
        from credit_ledger l
        where l.org_id = w.org_id and l.kind = 'charge'
          and l.created_at > ${now} - interval '8 days' and l.created_at <= ${now}
      ) l on l.at > ${now} - interval '7 days' and l.at <= ${now}
      group by w.org_id
    ),
    j as (
      select w.org_id, coalesce(sum(j.credits_per_hour), 0) as running, count(j.id)::int as n
      from w left join jobs j on j.org_id = w.org_id and j.status = 'running'
      group by w.org_id
    ),
    r as (
      select w.org_id, w.balance, j.n,
        round(c.spent24h / 24, 8) as last24h, round(c.spent7d / 168, 8) as last7d,
        round(j.running, 8) as running, round(c.storage24h / 24, 8) as storage
      from w join c on c.org_id = w.org_id join j on j.org_id = w.org_id
    ),
    p as (
      select r.*, case when r.n > 0 then greatest(r.running + r.storage, r.last24h, r.last7d) else r.storage end as rate
      from r
    )
    select org_id, balance::text, last24h::text, last7d::text, running::text, storage::text, n as running_jobs,
      rate::text, balance <= 0 as depleted,
      case when balance > 0 and rate > 0 then floor(balance * 3600 / rate)::text end as seconds_left
    from p`,
  );
  return rows.map((r) => {
    const secondsLeft = r.seconds_left === null ? null : Number(r.seconds_left);
    return {
      orgId: r.org_id,
      balance: r.balance,
      rates: { last24h: r.last24h, last7d: r.last7d, running: r.running, storage: r.storage },
      runningJobs: r.running_jobs,
      ratePerHour: r.rate,
      state: r.depleted ? "depleted" : secondsLeft === null ? "not_spending" : "spending",
      secondsLeft,
      runsOutAt: secondsLeft === null ? null : new Date(at.getTime() + secondsLeft * 1000),
    };
  });
}

/** The org's projection, for any member (the Credits page, the overview, the header). */
export async function getCreditProjection(db: Db, caller: Caller, org: OrgRef, at: Date = new Date()) {
  const access = await requireOrgAccess(db, caller, org, "org.view");
  const [p] = await projectOrgs(db, [access.org.id], at);
  return p ?? emptyProjection(access.org.id);
}

function emptyProjection(orgId: string): Projection {
  const zero = "0.00000000";
  return {
    orgId,
    balance: zero,
    rates: { last24h: zero, last7d: zero, running: zero, storage: zero },
    runningJobs: 0,
    ratePerHour: zero,
    state: "depleted",
    secondsLeft: null,
    runsOutAt: null,
  };
}
