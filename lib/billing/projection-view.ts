/**
 * What the pages show of an org's projection (lib/billing/projection.ts): the figures with the authorization in
 * the query, and a pure description in words ("At the current rate, credits last about 4 days (until Dec 4,
 * 14:00 UTC)") with a tone for its colour. Numbers here only size durations (whole seconds); credits stay strings.
 */
import type { Db } from "@/db";
import { orgMembers, orgs, orgWallets } from "@/db/schema";
import { and, asc, eq, isNull } from "drizzle-orm";
import { requireOrgAccess, type OrgRef } from "../core/authz";
import { requireUser, type Caller } from "../core/caller";
import { formatCreditsFine, isNonPositive } from "../core/credits-amount";
import { projectOrgs, type Projection } from "./projection";

/** Apolo's default `balance_projection_seconds`: 7 days, 3 days, 1 day (the column's default). */
export const DEFAULT_PROJECTION_SECONDS = [604_800, 259_200, 86_400] as const;

export interface OrgProjection {
  /** The org's name (the header keys its balances by name). */
  org: string;
  /** The org's warning intervals, whole seconds, descending. */
  intervals: number[];
  projection: Projection;
}

/**
 * The projections of every org the caller belongs to (the header's balance tooltip): membership is the query's
 * join, so only the caller's own orgs come back; one projectOrgs statement for all of them. A token limited to
 * one org sees that org only.
 */
export async function getMyOrgProjections(db: Db, caller: Caller, at: Date = new Date()): Promise<OrgProjection[]> {
  const { userId } = requireUser(caller, "read");
  const only = caller?.kind === "token" && caller.orgId ? caller.orgId : null;
  const mine = await db
    .select({ id: orgs.id, name: orgs.name, intervals: orgs.balanceProjectionSeconds })
    .from(orgMembers)
    .innerJoin(orgs, and(eq(orgs.id, orgMembers.orgId), isNull(orgs.deletedAt)))
    .where(and(eq(orgMembers.userId, userId), only ? eq(orgs.id, only) : undefined))
    .orderBy(asc(orgs.name));
  const projections = new Map(
    (
      await projectOrgs(
        db,
        mine.map((o) => o.id),
        at,
      )
    ).map((p) => [p.orgId, p]),
  );
  return mine.flatMap((o) => {
    const projection = projections.get(o.id);
    return projection ? [{ org: o.name, intervals: o.intervals, projection }] : [];
  });
}

/** One org's projection and warning intervals, for any member (the Credits page, the overview, the banner). */
export async function getOrgProjection(
  db: Db,
  caller: Caller,
  org: OrgRef,
  at: Date = new Date(),
): Promise<OrgProjection> {
  const access = await requireOrgAccess(db, caller, org, "org.view");
  const [projection] = await projectOrgs(db, [access.org.id], at);
  return {
    org: access.org.name,
    intervals: access.org.balanceProjectionSeconds,
    projection: projection ?? {
      orgId: access.org.id,
      balance: "0",
      rates: { last24h: "0", last7d: "0", running: "0", storage: "0" },
      runningJobs: 0,
      ratePerHour: "0",
      state: "depleted",
      secondsLeft: null,
      runsOutAt: null,
    },
  };
}

/**
 * The banner on every org page, decided from the wallet and the projection now:
 * - "out": the balance is zero or below (after a low-balance or projection warning);
 * - "projection": a warning by projection was sent (projection_notified_seconds = N) and, at the current rate, the
 *   balance still runs out within N. A warning stays armed until a top-up re-arms it (projection-notices.ts), but
 *   the banner tells the present: once the jobs stop or the rate falls so the zero is further out than N, it says
 *   nothing about the projection;
 * - "amount": a low-balance threshold was crossed (notified_threshold set) — "low on credits: N left";
 * - null: nothing to say.
 */
export type BalanceBanner =
  | { kind: "out"; balance: string }
  | { kind: "projection"; balance: string; outlook: ProjectionDescription }
  | { kind: "amount"; balance: string };

export async function getBalanceBanner(
  db: Db,
  caller: Caller,
  org: OrgRef,
  at: Date = new Date(),
): Promise<BalanceBanner | null> {
  const access = await requireOrgAccess(db, caller, org, "org.view");
  const [w] = await db
    .select({
      balance: orgWallets.balance,
      threshold: orgWallets.notifiedThreshold,
      projected: orgWallets.projectionNotifiedSeconds,
    })
    .from(orgWallets)
    .where(eq(orgWallets.orgId, access.org.id));
  if (!w || (w.threshold === null && w.projected === null)) return null;
  if (isNonPositive(w.balance)) return { kind: "out", balance: w.balance };
  if (w.projected !== null) {
    const [p] = await projectOrgs(db, [access.org.id], at);
    if (p && p.state === "spending" && p.secondsLeft !== null && p.secondsLeft <= w.projected) {
      return {
        kind: "projection",
        balance: w.balance,
        outlook: describeProjection(p, at, access.org.balanceProjectionSeconds),
      };
    }
  }
  return w.threshold !== null ? { kind: "amount", balance: w.balance } : null;
}

export type ProjectionTone = "ok" | "warn" | "danger";

export interface ProjectionDescription {
  /** The sentence: "At the current rate, credits last about 4 days (until Dec 4, 14:00 UTC)." */
  text: string;
  /** "about 4 days" (spending only). */
  duration: string | null;
  /** "Dec 4, 14:00 UTC" (spending within the horizon only). */
  until: string | null;
  /** "Dec 4" (spending within the horizon only): the banner's short date. */
  day: string | null;
  /** ok; warn within the org's largest warning interval; danger within its smallest, or when depleted. */
  tone: ProjectionTone;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
/** Beyond this the date says nothing useful ("more than 2 years"). */
const HORIZON = 730 * DAY;

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** Whole seconds in words: "less than a minute", "about 40 minutes", "about 9 hours", "about 4 days", … */
export function describeDuration(seconds: number): string {
  if (seconds < MINUTE) return "less than a minute";
  if (seconds < HOUR) return `about ${plural(Math.round(seconds / MINUTE), "minute")}`;
  if (seconds < 48 * HOUR) return `about ${plural(Math.round(seconds / HOUR), "hour")}`;
  if (seconds < 60 * DAY) return `about ${plural(Math.round(seconds / DAY), "day")}`;
  if (seconds < HORIZON) return `about ${plural(Math.round(seconds / (30.44 * DAY)), "month")}`;
  return "more than 2 years";
}

const dayFormat = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const dayYearFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  year: "numeric",
  timeZone: "UTC",
});
const timeFormat = new Intl.DateTimeFormat("en-US", {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

/** "Dec 4" (the year only when it isn't `now`'s). */
function formatDay(at: Date, now: Date): string {
  return (at.getUTCFullYear() === now.getUTCFullYear() ? dayFormat : dayYearFormat).format(at);
}

/**
 * The projection in words, with a tone. `intervals` are the org's warning intervals (seconds): within the largest
 * the tone is warn, within the smallest danger. Pure: `now` is the instant the projection was made at.
 */
export function describeProjection(
  p: Pick<Projection, "balance" | "state" | "secondsLeft" | "runsOutAt" | "runningJobs">,
  now: Date,
  intervals: readonly number[] = DEFAULT_PROJECTION_SECONDS,
): ProjectionDescription {
  if (p.state === "depleted") {
    // Below zero the jobs ran past the balance (and were stopped); at zero there is simply nothing to spend.
    const text = p.balance.startsWith("-") ? "Credits have run out." : "No credits left: top up to run jobs.";
    return { text, duration: null, until: null, day: null, tone: "danger" };
  }
  if (p.state === "not_spending" || p.secondsLeft === null) {
    const why = p.runningJobs === 0 ? "no jobs are running" : "the running jobs cost nothing";
    return { text: `Not spending: ${why}.`, duration: null, until: null, day: null, tone: "ok" };
  }
  const seconds = p.secondsLeft;
  const duration = describeDuration(seconds);
  const tone: ProjectionTone =
    intervals.length > 0 && seconds <= Math.min(...intervals)
      ? "danger"
      : intervals.length > 0 && seconds <= Math.max(...intervals)
        ? "warn"
        : "ok";
  const end = seconds < HORIZON ? (p.runsOutAt ?? new Date(now.getTime() + seconds * 1000)) : null;
  if (!end) return { text: `At the current rate, credits last ${duration}.`, duration, until: null, day: null, tone };
  const day = formatDay(end, now);
  const until = `${day}, ${timeFormat.format(end)} UTC`;
  return { text: `At the current rate, credits last ${duration} (until ${until}).`, duration, until, day, tone };
}

/** A rate for display: "2.50", or four decimals when it is below 0.01 but not zero ("0.0042"). */
export function formatRate(rate: string): string {
  return formatCreditsFine(rate);
}

/** Warning intervals in words, largest first: "7 days", "1 day 12 hours", "6 hours". */
export function describeInterval(seconds: number): string {
  const days = Math.floor(seconds / DAY);
  const hours = Math.floor((seconds % DAY) / HOUR);
  const minutes = Math.floor((seconds % HOUR) / MINUTE);
  const parts = [
    days > 0 ? plural(days, "day") : "",
    hours > 0 ? plural(hours, "hour") : "",
    minutes > 0 ? plural(minutes, "minute") : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" ") : plural(seconds, "second");
}
