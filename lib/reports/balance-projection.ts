import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { projectOrgs } from "../billing/projection";
import { type Caller } from "../core/caller";
import { parseReportPeriod, requireReportsAccess } from "./reports";

/**
 * The Reports tab's balance chart looks ahead: from now, the balance falls at the org's current rate
 * (lib/billing/projection.ts) until it reaches zero. Each point is the projected balance at the end of a UTC day
 * (today's is the balance now, where the real line ends), computed in SQL as exact decimals and never below zero.
 * The line stops at the day the balance reaches zero, or after as many days as the period is long.
 */
export interface BalanceProjection {
  /** Today (UTC): the real line ends here and the projection starts. */
  today: string;
  /** The projected balance per day, from today. */
  points: { day: string; balance: string }[];
  /** The day the balance reaches zero, when within the horizon. */
  zeroDay: string | null;
}

/**
 * Null when there is nothing to project: the period doesn't include today, or the org isn't spending (or has
 * nothing left). Managers and admins, as the rest of the Reports tab.
 */
export async function getBalanceProjection(
  db: Db,
  caller: Caller,
  orgName: string,
  query: unknown,
  now: Date = new Date(),
): Promise<BalanceProjection | null> {
  const access = await requireReportsAccess(db, caller, orgName);
  const { period } = parseReportPeriod(query, now);
  const today = now.toISOString().slice(0, 10);
  if (today < period.from || today > period.to) return null;
  const [p] = await projectOrgs(db, [access.org.id], now);
  if (!p || p.state !== "spending") return null;
  const at = sql`${now.toISOString()}::timestamptz`;
  const rows = await rawRows<{ day: string; balance: string }>(
    db,
    sql`
    with s as (
      select d::date as day,
        case when d::date = ${today}::date then ${p.balance}::numeric
          else greatest(round(${p.balance}::numeric - ${p.ratePerHour}::numeric
            * extract(epoch from ((d + interval '1 day') at time zone 'UTC' - ${at})) / 3600, 8), 0) end as balance
      from generate_series(${today}::timestamp, ${today}::timestamp + ${period.days} * interval '1 day',
        interval '1 day') as d
    )
    select to_char(day, 'YYYY-MM-DD') as day, balance::text as balance from s
    where day <= coalesce((select min(day) from s where balance = 0), 'infinity'::date)
    order by day`,
  );
  const last = rows.at(-1);
  return { today, points: rows, zeroDay: last && /^0(\.0*)?$/.test(last.balance) ? last.day : null };
}
