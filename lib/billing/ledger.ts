/**
 * The one way a balance changes. Internal to lib/: called inside the transaction of an operation that has
 * already authorized the caller (top-up completion, grant, usage charge, closing an org).
 *
 * LOCK ORDER — every transaction that takes more than one of these row locks takes them in this order, and
 * several rows of one kind in id order, so no two transactions can wait on each other in a cycle:
 *
 *   1. orgs          the org row: membership changes, job starts, org settings, closing (withOrgLock), always
 *                    FOR NO KEY UPDATE (never FOR UPDATE): a charge's second update of a job or wallet row in
 *                    one transaction re-checks that row's foreign key to the org (KEY SHARE), which must never
 *                    wait for the org lock (with FOR UPDATE it did, and deadlocked against job starts)
 *   1b. projects     a project row: project membership changes and deletion (withProjectLock in
 *                    lib/projects/access.ts), after its org row, FOR NO KEY UPDATE
 *   1c. org_auto_topups  an org's automatic top-up settings (lib/billing/auto-topup.ts): saving them (after the
 *                    org row), the credits worker claiming a crossing and turning it off after a failure
 *   2. org_wallets   the wallet: every balance change (postLedger, chargesSql), closing; a job start reads it
 *                    FOR SHARE (so a charge that stops an org's jobs can't miss a job started meanwhile)
 *   3. jobs          job rows: metering (after its wallets), stopping, closing
 *   4. org_members   member rows: a charge's spending update, removals
 *   5. payments      a payment being completed (completePayment reads it unlocked to find its org, locks the
 *                    wallet, then the payment)
 *
 * Charges lock the wallet and never the org row (credit_ledger.org_id references the wallet, so even the
 * foreign key check of a ledger insert stays off the org row): charges and membership changes don't queue on
 * each other. Balance = Σ ledger holds because nothing but this file writes org_wallets.balance.
 */
import { and, eq, inArray, isNotNull, or, sql, type SQL } from "drizzle-orm";
import type { Tx } from "@/db";
import { rawRows } from "@/db/client";
import { creditLedger, jobs, ledgerKind, orgMembers, orgs, orgWallets, users } from "@/db/schema";
import type { MailMessage } from "../mail/mail";
import { lowBalanceMail } from "../mail/mail-templates";

/** Every kind of ledger row (credit_ledger.kind). */
export const LEDGER_KINDS = ledgerKind.enumValues;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntry {
  orgId: string;
  kind: LedgerKind;
  /** Signed decimal string. */
  amount: string;
  actorId?: string | null;
  memberId?: string | null;
  jobId?: string | null;
  /** The project a charge is for (its job's or disk's). */
  projectId?: string | null;
  /** The disk whose storage a charge is for. */
  artifactId?: string | null;
  paymentId?: string | null;
  idempotencyKey?: string | null;
  note?: string | null;
}

export interface Posted {
  ledgerId: number;
  balanceBefore: string;
  balanceAfter: string;
  /** Low-balance notices to send once the transaction has committed. */
  mails: MailMessage[];
}

/**
 * Locks the org's wallet, skips the entry when its idempotency key was already posted (a replay: returns null),
 * else moves the balance (and `spent` for charges) and appends the ledger row, in the caller's transaction.
 * Balance = Σ ledger holds because nothing else writes org_wallets.balance.
 */
export async function postLedger(tx: Tx, e: LedgerEntry, appUrl?: string): Promise<Posted | null> {
  const [org] = await tx
    .select({ balance: orgWallets.balance, name: orgs.name })
    .from(orgWallets)
    .innerJoin(orgs, eq(orgs.id, orgWallets.orgId))
    .where(eq(orgWallets.orgId, e.orgId))
    .for("update", { of: orgWallets });
  if (!org) throw new Error(`postLedger: org ${e.orgId} has no wallet`);
  if (e.idempotencyKey) {
    const [seen] = await tx
      .select({ id: creditLedger.id })
      .from(creditLedger)
      .where(eq(creditLedger.idempotencyKey, e.idempotencyKey))
      .limit(1);
    if (seen) return null;
  }
  const isCharge = e.kind === "charge";
  const [updated] = await tx
    .update(orgWallets)
    .set({
      balance: sql`${orgWallets.balance} + ${e.amount}::numeric`,
      spent: isCharge ? sql`${orgWallets.spent} - ${e.amount}::numeric` : orgWallets.spent,
      // Automatic top-up: the update that takes the balance below the threshold marks the crossing (once).
      autoTopupDueAt: sql`case when ${orgWallets.autoTopupBelow} is not null
        and ${orgWallets.balance} + ${e.amount}::numeric < ${orgWallets.autoTopupBelow}
        then coalesce(${orgWallets.autoTopupDueAt}, now()) else ${orgWallets.autoTopupDueAt} end`,
      updatedAt: sql`now()`,
    })
    .where(eq(orgWallets.orgId, e.orgId))
    .returning({ balance: orgWallets.balance, notified: orgWallets.notifiedThreshold });
  const [row] = await tx
    .insert(creditLedger)
    .values({ ...e, balanceAfter: updated!.balance })
    .returning({ id: creditLedger.id });
  if (isCharge && e.memberId) {
    await tx
      .update(orgMembers)
      .set({ spent: sql`${orgMembers.spent} - ${e.amount}::numeric` })
      .where(and(eq(orgMembers.orgId, e.orgId), eq(orgMembers.userId, e.memberId)));
  }
  const mails = await trackLowBalance(tx, e.orgId, org.name, org.balance, updated!, appUrl);
  return { ledgerId: row!.id, balanceBefore: org.balance, balanceAfter: updated!.balance, mails };
}

/**
 * Low-balance thresholds: crossing one downward notifies the org's managers and admins once; going back
 * above the notified threshold re-arms it. Comparisons happen in SQL (exact numerics).
 */
async function trackLowBalance(
  tx: Tx,
  orgId: string,
  orgName: string,
  before: string,
  after: { balance: string; notified: string | null },
  appUrl = "",
): Promise<MailMessage[]> {
  // One query decides: the lowest threshold crossed downward, whether the balance rose above the notified
  // threshold (re-arm), and whether the crossing is news (below what was notified, or nothing notified).
  const [r] = await rawRows<{ crossed: string | null; rearm: boolean; news: boolean }>(
    tx,
    sql`
    with d as (
      select (select min(t) from unnest(${orgs.lowBalanceThresholds}) t
              where ${before}::numeric > t and ${after.balance}::numeric <= t) as crossed,
             ${after.notified}::numeric is not null and ${after.balance}::numeric > ${after.notified}::numeric as rearm
      from ${orgs} where ${orgs.id} = ${orgId}
    )
    select crossed::text as crossed, rearm,
           crossed is not null and (rearm or ${after.notified}::numeric is null or crossed < ${after.notified}::numeric) as news
    from d`,
  );
  if (!r) return [];
  if (r.rearm && !r.news) {
    await tx.update(orgWallets).set({ notifiedThreshold: null }).where(eq(orgWallets.orgId, orgId));
  }
  if (!r.news) return [];
  await tx.update(orgWallets).set({ notifiedThreshold: r.crossed }).where(eq(orgWallets.orgId, orgId));
  const recipients = await tx
    .select({ email: users.email })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(orgMembers.orgId, orgId), inArray(orgMembers.role, ["manager", "admin"]), isNotNull(users.email)));
  return recipients.map((m) =>
    lowBalanceMail({
      to: m.email!,
      orgName,
      threshold: r.crossed!,
      balance: after.balance,
      link: `${appUrl}/orgs/${orgName}/credits`,
    }),
  );
}

/**
 * Stops, with reason QuotaExhausted, every running job of the org when its balance is ≤ 0, and the running
 * jobs of members whose spending reached their limit. Runs inside the caller's transaction; returns the ids.
 */
export async function stopExhaustedJobs(tx: Tx, orgId: string): Promise<string[]> {
  const stopped = await tx
    .update(jobs)
    .set({ status: "stopped", stoppedAt: sql`now()`, stopReason: "QuotaExhausted" })
    .where(
      and(
        eq(jobs.orgId, orgId),
        eq(jobs.status, "running"),
        or(
          sql`(select balance from org_wallets where org_id = ${orgId}) <= 0`,
          sql`exists (select 1 from org_members m where m.org_id = ${jobs.orgId} and m.user_id = ${jobs.userId}
                      and m.credit_limit is not null and m.spent >= m.credit_limit)`,
        ),
      ),
    )
    .returning({ id: jobs.id });
  return stopped.map((j) => j.id);
}

/** What the charge CTEs of chargesSql report: the orgs they charged and the orgs where a member hit a limit. */
export interface ChargesSummary {
  orgs: {
    id: string;
    name: string;
    before: string;
    after: string;
    notified: string | null;
    lowBalanceEvent: boolean;
    dry: boolean;
  }[];
  overLimit: string[];
}

/**
 * Posts many usage charges at once, set-based, as CTEs of the caller's statement. `charges` is a query (it may
 * read the caller's earlier CTEs) whose rows are the charges, in this column order: org_id, member_id, job_id,
 * key, amount, ord, at (amount positive; keys not posted before; `at` the moment the usage is charged up to).
 *
 * A job's charges go into ONE ledger row per job per UTC hour (issue 14): period_start = date_trunc('hour', at)
 * in UTC — the hour of the moment the usage was charged *up to* (the record's `until`, capped at the job's stop),
 * so a late report lands in the hour it settles, not the hour it arrived. The row is inserted by the hour's
 * first charge and grows by every later one (`insert … on conflict (job_id, period_start) do update`: amount +=
 * charge, balance_after = the new balance, updated_at = now()), in this statement, which also moves the
 * wallet: balance = Σ ledger holds at every instant. The batch's charges are first summed per job and hour (one
 * statement can't update a row twice); a charge without a job (none today) gets a row of its own. balance_after
 * is a running sum per org in `ord` order of each row's last charge (its project_id the job's project, null for a
 * job without one). The fine-grained usage, with each record's idempotency key, is in usage_records; the ledger
 * rows of charges carry no key. One balance update for all wallets and one spending update for all members. The
 * parts share one snapshot, so balance_after runs from the balance before this statement. The caller holds the
 * wallet locks — which also serializes concurrent reports of one job, so the upsert never races.
 *
 * `ctes` continues the statement's WITH list (it defines `charge_rows`, `charge_hours`, `charge_ledger`,
 * `charge_per_org`, `charge_balances`, `charge_per_member` and `charge_spending`: the caller must not use those
 * names); `summary` is an expression for the select list that yields the ChargesSummary as json, to hand to
 * finishCharges.
 */
export function chargesSql(charges: SQL): { ctes: SQL; summary: SQL } {
  return {
    ctes: sql`
    charge_rows(org_id, member_id, job_id, key, amount, ord, at) as (${charges}),
    charge_hours as (
      select org_id, member_id, job_id, period_start, sum(amount) as amount, max(ord) as last_ord
      from (select c.*,
                   case when c.job_id is not null
                        then date_trunc('hour', c.at at time zone 'UTC') at time zone 'UTC' end as period_start,
                   case when c.job_id is null then c.ord end as solo
            from charge_rows c) c
      group by org_id, member_id, job_id, period_start, solo
    ),
    charge_ledger as (
      insert into ${creditLedger} as l (org_id, kind, amount, balance_after, member_id, job_id, project_id, period_start)
      select h.org_id, 'charge', -h.amount,
             o.balance - sum(h.amount) over (partition by h.org_id order by h.last_ord rows unbounded preceding),
             h.member_id, h.job_id, j.project_id, h.period_start
      from charge_hours h join ${orgWallets} o on o.org_id = h.org_id
        -- a job's charge is for the job's project (null: no project)
        left join ${jobs} j on j.id = h.job_id
      order by h.last_ord
      on conflict (job_id, period_start) where kind = 'charge' and job_id is not null and period_start is not null
      do update set amount = l.amount + excluded.amount, balance_after = excluded.balance_after, updated_at = now()
    ),
    charge_per_org as (select org_id, sum(amount) as total from charge_rows group by org_id),
    charge_balances as (
      update ${orgWallets} w set balance = w.balance - t.total, spent = w.spent + t.total, updated_at = now(),
        -- automatic top-up: mark the crossing below its threshold (once); the credits worker tops up
        auto_topup_due_at = case when w.auto_topup_below is not null and w.balance - t.total < w.auto_topup_below
                                 then coalesce(w.auto_topup_due_at, now()) else w.auto_topup_due_at end
      from charge_per_org t, ${orgs} o where w.org_id = t.org_id and o.id = w.org_id
      returning w.org_id as id, o.name, (w.balance + t.total)::text as before, w.balance::text as after,
                w.notified_threshold::text as notified,
                -- a threshold crossed downward, or back above the notified one: trackLowBalance decides
                exists (select 1 from unnest(o.low_balance_thresholds) th
                        where w.balance + t.total > th and w.balance <= th)
                  or (w.notified_threshold is not null and w.balance > w.notified_threshold) as "lowBalanceEvent",
                w.balance <= 0 as dry
    ),
    charge_per_member as (select org_id, member_id, sum(amount) as total from charge_rows group by org_id, member_id),
    charge_spending as (
      update ${orgMembers} m set spent = m.spent + t.total
      from charge_per_member t where m.org_id = t.org_id and m.user_id = t.member_id
      returning m.org_id, m.credit_limit is not null and m.spent >= m.credit_limit as used
    )`,
    summary: sql`json_build_object(
      'orgs', (select coalesce(json_agg(b), '[]'::json) from charge_balances b),
      'overLimit', (select coalesce(json_agg(distinct s.org_id) filter (where s.used), '[]'::json) from charge_spending s))`,
  };
}

/**
 * After chargesSql, in the same transaction: low-balance bookkeeping for the orgs where a threshold was crossed
 * or re-armed (the mails to send after commit), and the orgs whose balance or a charged member's limit ran out
 * (their jobs must stop).
 */
export async function finishCharges(
  tx: Tx,
  summary: ChargesSummary,
  appUrl?: string,
): Promise<{ mails: MailMessage[]; exhaustedOrgIds: string[] }> {
  const mails: MailMessage[] = [];
  for (const o of summary.orgs.filter((r) => r.lowBalanceEvent)) {
    mails.push(
      ...(await trackLowBalance(tx, o.id, o.name, o.before, { balance: o.after, notified: o.notified }, appUrl)),
    );
  }
  const exhaustedOrgIds = [...new Set([...summary.orgs.filter((o) => o.dry).map((o) => o.id), ...summary.overLimit])];
  return { mails, exhaustedOrgIds: exhaustedOrgIds.sort() };
}
