/**
 * Warnings by projection: when an org's projected zero (lib/billing/projection.ts) comes within one of its
 * orgs.balance_projection_seconds intervals, its admins and managers are mailed once per crossing; a top-up that
 * pushes the projection back out re-arms the warnings. The credits worker (lib/billing/worker.ts) calls
 * notifyProjections on every instance, so each decision is a conditional UPDATE of the org's wallet row.
 *
 * The rules, with N = org_wallets.projection_notified_seconds and T = projection_notified_at:
 * - Candidates (one statement): open orgs with a running job, or a charge in the 24 hours before `now`, or N set.
 * - `crossed` = the smallest interval with secondsLeft <= interval, while the state is "spending" (else null).
 * - Re-arm: N is set, a positive ledger row (top-up, automatic top-up, grant, positive adjustment) was posted
 *   after T, and the projection is now outside N (not spending, or secondsLeft > N): N becomes `crossed` (usually
 *   null; T = now when it isn't), and the next crossing mails again. A rate that merely dips without a top-up
 *   doesn't re-arm, so a projection wobbling around an interval mails once. A depleted org doesn't re-arm.
 * - Notify: crossed is not null and (N is null or crossed < N): `update … where N is null or N > crossed
 *   returning` claims it, so of two workers at once only one mails. The mail is queued in the same transaction.
 * The projections are computed in one statement for all candidates before the per-org transactions: a top-up
 * landing in between is at most one tick late (its row is after T, so the next tick re-arms).
 */
import type { Db, Tx } from "@/db";
import { rawRows } from "@/db/client";
import { orgMembers, users } from "@/db/schema";
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { requireSystem, type Caller } from "../core/caller";
import type { Services } from "../core/services";
import { enqueueMail, mailCommitted } from "../mail/mail";
import { creditsRunOutSoonMail } from "../mail/mail-templates";
import { projectOrgs, type Projection } from "./projection";

interface Candidate {
  id: string;
  name: string;
  intervals: number[];
  notified: number | null;
}

/** The smallest interval the projection is within (spending only), or null. */
export function crossedInterval(p: Pick<Projection, "state" | "secondsLeft">, intervals: readonly number[]) {
  if (p.state !== "spending" || p.secondsLeft === null) return null;
  const within = intervals.filter((i) => p.secondsLeft! <= i);
  return within.length === 0 ? null : Math.min(...within);
}

export async function notifyProjections(
  db: Db,
  caller: Caller,
  now: Date,
  svc: Pick<Services, "mailer" | "appUrl">,
): Promise<{ notified: number; rearmed: number }> {
  requireSystem(caller);
  const at = sql`${now.toISOString()}::timestamptz`;
  const candidates = await rawRows<Candidate>(
    db,
    sql`
    select o.id, o.name, o.balance_projection_seconds as intervals, w.projection_notified_seconds as notified
    from orgs o join org_wallets w on w.org_id = o.id
    where o.deleted_at is null
      and (w.projection_notified_seconds is not null
        or exists (select 1 from jobs j where j.org_id = o.id and j.status = 'running')
        or exists (select 1 from credit_ledger l where l.org_id = o.id and l.kind = 'charge'
                     and l.created_at > ${at} - interval '24 hours' and l.created_at <= ${at}))
    order by o.id`,
  );
  if (candidates.length === 0) return { notified: 0, rearmed: 0 };
  const projections = new Map(
    (
      await projectOrgs(
        db,
        candidates.map((c) => c.id),
        now,
      )
    ).map((p) => [p.orgId, p]),
  );
  let notified = 0;
  let rearmed = 0;
  for (const c of candidates) {
    const p = projections.get(c.id);
    if (!p) continue;
    const crossed = crossedInterval(p, c.intervals);
    const mayRearm =
      c.notified !== null && (p.state === "not_spending" || (p.state === "spending" && p.secondsLeft! > c.notified));
    const mayNotify = crossed !== null && (c.notified === null || crossed < c.notified);
    if (!mayRearm && !mayNotify) continue;
    const outcome = await decide(db, c, p, crossed, now, svc);
    if (outcome.rearmed) rearmed++;
    if (outcome.notified) notified++;
  }
  return { notified, rearmed };
}

/** One org's re-arm and notice, in one transaction: the conditional updates decide (see the file comment). */
async function decide(
  db: Db,
  c: Candidate,
  p: Projection,
  crossed: number | null,
  now: Date,
  svc: Pick<Services, "mailer" | "appUrl">,
): Promise<{ rearmed: boolean; notified: boolean }> {
  const at = sql`${now.toISOString()}::timestamptz`;
  let mailIds: number[] = [];
  const outcome = await db.transaction(async (tx) => {
    const outside =
      p.state === "not_spending"
        ? sql`true`
        : p.state === "spending"
          ? sql`${p.secondsLeft}::bigint > w.projection_notified_seconds`
          : sql`false`;
    const rearm = await rawRows<{ org_id: string }>(
      tx,
      sql`
      update org_wallets w
      set projection_notified_seconds = ${crossed}::int,
          projection_notified_at = case when ${crossed}::int is null then null else ${at} end
      where w.org_id = ${c.id} and w.projection_notified_seconds is not null and ${outside}
        and exists (select 1 from credit_ledger l
                    where l.org_id = w.org_id and l.amount > 0
                      and l.kind in ('topup', 'auto_topup', 'grant', 'adjustment')
                      and l.created_at > w.projection_notified_at)
      returning w.org_id`,
    );
    if (crossed === null) return { rearmed: rearm.length > 0, notified: false };
    const claimed = await rawRows<{ org_id: string }>(
      tx,
      sql`
      update org_wallets w set projection_notified_seconds = ${crossed}::int, projection_notified_at = ${at}
      where w.org_id = ${c.id} and (w.projection_notified_seconds is null or w.projection_notified_seconds > ${crossed}::int)
      returning w.org_id`,
    );
    if (claimed.length === 0) return { rearmed: rearm.length > 0, notified: false };
    mailIds = await enqueueMail(tx, await noticeMails(tx, c, p, crossed, svc.appUrl));
    return { rearmed: rearm.length > 0, notified: true };
  });
  await mailCommitted(svc, db, mailIds);
  return outcome;
}

/** The notice to each admin and manager of the org with an email address (users get none). */
async function noticeMails(tx: Tx, c: Candidate, p: Projection, crossed: number, appUrl = "") {
  const recipients = await tx
    .select({ email: users.email })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(orgMembers.orgId, c.id), inArray(orgMembers.role, ["manager", "admin"]), isNotNull(users.email)))
    .orderBy(users.email);
  return recipients.map((m) =>
    creditsRunOutSoonMail({
      to: m.email!,
      orgName: c.name,
      credits: p.balance,
      appliedThreshold: crossed,
      secondsLeft: p.secondsLeft!,
      ratePerHour: p.ratePerHour,
      runsOutAt: p.runsOutAt!,
      creditsLink: `${appUrl}/orgs/${c.name}/credits`,
      settingsLink: `${appUrl}/orgs/${c.name}/settings/general`,
    }),
  );
}
