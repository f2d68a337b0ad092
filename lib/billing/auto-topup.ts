/**
 * Automatic top-up: "when the balance falls below X, add Y", at most a monthly cap of automatic top-ups per
 * calendar month (UTC).
 *
 * How it works:
 * - Settings (org_auto_topups, one row per org): admins edit them ("org.updateSettings"); managers read them
 *   ("settings.open"). While enabled, org_wallets.auto_topup_below holds the threshold.
 * - The charge path (lib/billing/ledger.ts postLedger / chargesSql) only marks the crossing: the balance update
 *   that takes the balance below the threshold sets org_wallets.auto_topup_due_at (once).
 * - The credits worker (lib/billing/worker.ts, every instance) calls runAutoTopUps: for each org with
 *   auto_topup_due_at set it creates at most one automatic payment (payments.kind = 'auto', idempotency key
 *   `auto-topup:<org id>:<crossing time>`, at most one pending per org) unless the balance is back at or above
 *   the threshold or the monthly cap would be passed (then automatic top-up turns off, with the reason, an audit
 *   row and a mail to the admins). With the sandbox provider the payment completes at once through settlePayment;
 *   with Stripe it is an off-session PaymentIntent on the card saved through Checkout in setup mode, credited by
 *   the signed webhook (payment_intent.succeeded) through settlePayment, exactly once. Every failure of an
 *   automatic payment — a declined card, payment_intent.payment_failed or .canceled, an amount or currency
 *   Stripe reports that disagrees, a payment still pending after AUTO_TOPUP_PENDING_LIMIT_MS — marks it failed
 *   and turns automatic top-up off the same way, once (lib/billing/auto-topup-off.ts). An error that is not an
 *   answer (network, a bad key) leaves it pending, retried each pass, with the error shown in Settings.
 * - The ledger row of an automatic top-up has kind "auto_topup" and the payment's reference in its note.
 */
import { and, desc, eq, isNotNull, isNull, lt, ne, sql } from "drizzle-orm";
import Stripe from "stripe";
import { z } from "zod";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { orgAutoTopups, orgs, orgWallets, payments } from "@/db/schema";
import { allowed, requireOrgAccess, withOrgLock } from "../core/authz";
import { requireSystem, type Caller } from "../core/caller";
import { compareCredits, formatCredits, isCreditAmount } from "../core/credits-amount";
import { Invalid } from "../core/errors";
import { creditAmountSchema, priceInMinorUnits } from "../core/money";
import type { Services } from "../core/services";
import { parseInput } from "../core/validation";
import { enqueueMail, mailCommitted } from "../mail/mail";
import { recordAudit } from "../orgs/audit";
import type { PaymentProvider, Pricing } from "./payments";
import { settlePayment } from "./settlement";
import { failAutoPaymentInTx, turnAutoTopUpOff } from "./auto-topup-off";

export const autoTopUpSettingsSchema = z
  .object({
    enabled: z.boolean(),
    /** "When the balance falls below …" (0 … 1,000,000). */
    threshold: creditAmountSchema("0", "1000000", "Threshold"),
    /** "… add …" (1 … 100,000, like a manual top-up). */
    amount: creditAmountSchema("1", "100000", "Amount"),
    /** At most this many credits of automatic top-ups per calendar month (UTC); at least `amount`. */
    monthlyCap: creditAmountSchema("1", "10000000", "Monthly cap"),
  })
  // Exact decimal comparison (never floats on credits).
  .refine(
    (v) => !isCreditAmount(v.monthlyCap) || !isCreditAmount(v.amount) || compareCredits(v.monthlyCap, v.amount) >= 0,
    {
      path: ["monthlyCap"],
      message: "The monthly cap must be at least the amount of one top-up.",
    },
  );

export interface AutoTopUpPaymentView {
  id: string;
  createdAt: Date;
  credits: string;
  status: "pending" | "paid" | "failed" | "cancelled";
  failureReason: string | null;
  /** Stripe PaymentIntent id; null in the sandbox. */
  ref: string | null;
}

export interface AutoTopUpView {
  /** False until an admin saved settings once (the form then shows suggested values). */
  configured: boolean;
  enabled: boolean;
  threshold: string | null;
  amount: string | null;
  monthlyCap: string | null;
  provider: "sandbox" | "stripe";
  /** Stripe: the saved card, if any. */
  card: { label: string | null; savedAt: Date } | null;
  /** Why the system turned it off (card declined, monthly cap reached), until it is turned on again. */
  disabledReason: string | null;
  disabledAt: Date | null;
  /** Credits of automatic top-ups this calendar month (paid + pending). */
  usedThisMonth: string;
  /** An automatic top-up is in flight. */
  pending: boolean;
  /** The last automatic top-ups, newest first (at most 5). */
  recent: AutoTopUpPaymentView[];
  /** The caller may change the settings (admins). */
  canEdit: boolean;
}

export type AutoTopUpServices = Pick<Services, "mailer" | "appUrl"> & { provider: PaymentProvider; pricing: Pricing };

/** Values a card setup stores before an admin saved settings (the same the form suggests). */
const SUGGESTED = { threshold: "10", amount: "100", monthlyCap: "1000" } as const;

/** Credits of automatic top-ups (paid + pending) in the calendar month (UTC) of `at`, as exact numeric text. */
function usedInMonthSql(orgId: string, at: Date | null) {
  const month = at ? sql`${at.toISOString()}::timestamptz` : sql`now()`;
  return sql`(select coalesce(sum(p.credits), 0) from ${payments} p
    where p.org_id = ${orgId} and p.kind = 'auto' and p.status in ('paid', 'pending')
      and p.created_at >= date_trunc('month', ${month} at time zone 'UTC') at time zone 'UTC'
      and p.created_at < (date_trunc('month', ${month} at time zone 'UTC') + interval '1 month') at time zone 'UTC')`;
}

/** Settings → General: the org's automatic top-up as managers and admins see it. */
export async function getAutoTopUp(
  db: Db,
  caller: Caller,
  orgName: string,
  svc: { provider: PaymentProvider },
): Promise<AutoTopUpView> {
  const access = await requireOrgAccess(db, caller, orgName, "settings.open");
  const orgId = access.org.id;
  const [[row], [month], recent] = await Promise.all([
    db.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, orgId)),
    rawRows<{ used: string; pending: boolean }>(
      db,
      sql`select ${usedInMonthSql(orgId, null)}::numeric(24, 8)::text as used,
        exists (select 1 from ${payments} p where p.org_id = ${orgId} and p.kind = 'auto' and p.status = 'pending') as pending`,
    ),
    db
      .select({
        id: payments.id,
        createdAt: payments.createdAt,
        credits: payments.credits,
        status: payments.status,
        failureReason: payments.failureReason,
        ref: payments.providerRef,
      })
      .from(payments)
      .where(and(eq(payments.orgId, orgId), eq(payments.kind, "auto")))
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(5),
  ]);
  return {
    configured: Boolean(row),
    enabled: row?.enabled ?? false,
    threshold: row?.threshold ?? null,
    amount: row?.amount ?? null,
    monthlyCap: row?.monthlyCap ?? null,
    provider: svc.provider.kind,
    card: row?.stripePaymentMethodId && row.cardSavedAt ? { label: row.cardLabel, savedAt: row.cardSavedAt } : null,
    disabledReason: row?.disabledReason ?? null,
    disabledAt: row?.disabledAt ?? null,
    usedThisMonth: month?.used ?? "0",
    pending: month?.pending ?? false,
    recent,
    canEdit: allowed(access, "org.updateSettings"),
  };
}

/** The settings an audit row records (and whose change makes a save a change). */
function auditShape(r: { enabled: boolean; threshold: string; amount: string; monthlyCap: string } | undefined) {
  return r ? { enabled: r.enabled, threshold: r.threshold, amount: r.amount, monthlyCap: r.monthlyCap } : null;
}

/**
 * Saves the settings (admins). Turning it on with Stripe needs a saved card (a field error on `enabled`
 * otherwise). Audit: credits.auto_topup_enabled / _disabled / _changed. Clears a system disabledReason when
 * turned on again. Keeps org_wallets.auto_topup_below in step; if the balance is already below the new
 * threshold, marks the crossing so the worker tops up.
 */
export async function setAutoTopUp(
  db: Db,
  caller: Caller,
  orgName: string,
  input: unknown,
  svc: AutoTopUpServices,
): Promise<{ changed: boolean; enabled: boolean }> {
  const v = parseInput(autoTopUpSettingsSchema, input);
  // Lock order (lib/billing/ledger.ts): the org row (withOrgLock), then its settings (1c), then the wallet (2).
  return withOrgLock(db, caller, orgName, "org.updateSettings", async (tx, access) => {
    const orgId = access.org.id;
    const [before] = await tx.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, orgId)).for("update");
    if (v.enabled && svc.provider.kind === "stripe" && !before?.stripePaymentMethodId) {
      throw new Invalid({ enabled: ["Save a card first: automatic top-ups are charged to it."] });
    }
    // Numerics are compared as the database stores them (scale 8), in SQL.
    const [same] = before
      ? await rawRows<{ same: boolean }>(
          tx,
          sql`select ${before.threshold}::numeric = ${v.threshold}::numeric
                 and ${before.amount}::numeric = ${v.amount}::numeric
                 and ${before.monthlyCap}::numeric = ${v.monthlyCap}::numeric as same`,
        )
      : [{ same: false }];
    const changed = !before || before.enabled !== v.enabled || !same!.same;
    if (!changed) return { changed: false, enabled: v.enabled };
    const turnedOn = v.enabled && !before?.enabled;
    const values = {
      enabled: v.enabled,
      threshold: v.threshold,
      amount: v.amount,
      monthlyCap: v.monthlyCap,
      updatedBy: access.caller.id,
      updatedAt: new Date(),
      // Turning it on again is the admin's answer to why the system turned it off.
      ...(turnedOn ? { disabledReason: null, disabledAt: null } : {}),
    };
    const [after] = await tx
      .insert(orgAutoTopups)
      .values({ orgId, ...values })
      .onConflictDoUpdate({ target: orgAutoTopups.orgId, set: values })
      .returning();
    await tx
      .update(orgWallets)
      .set(
        v.enabled
          ? {
              autoTopupBelow: v.threshold,
              // Already below the new threshold: that is a crossing to top up for.
              autoTopupDueAt: sql`case when ${orgWallets.balance} < ${v.threshold}::numeric
                then coalesce(${orgWallets.autoTopupDueAt}, now()) else null end`,
            }
          : { autoTopupBelow: null, autoTopupDueAt: null },
      )
      .where(eq(orgWallets.orgId, orgId));
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action:
        v.enabled && !before?.enabled
          ? "credits.auto_topup_enabled"
          : !v.enabled && before?.enabled
            ? "credits.auto_topup_disabled"
            : "credits.auto_topup_changed",
      target: { type: "org", id: orgId, label: access.org.name },
      before: auditShape(before),
      after: auditShape(after),
    });
    return { changed: true, enabled: v.enabled };
  });
}

/** Stripe only (admins): a Checkout Session in setup mode that saves a card for automatic top-ups. */
export async function startCardSetup(
  db: Db,
  caller: Caller,
  orgName: string,
  svc: AutoTopUpServices,
): Promise<{ url: string }> {
  const access = await requireOrgAccess(db, caller, orgName, "org.updateSettings");
  const provider = svc.provider;
  if (provider.kind !== "stripe" || !provider.createCardSetup) {
    throw new Invalid(
      { card: ["No card is needed: in the sandbox, automatic top-ups complete at once."] },
      "No card is needed in the sandbox.",
    );
  }
  const orgId = access.org.id;
  // The settings row holds the Stripe customer: created with the suggested values if none was saved yet.
  await db
    .insert(orgAutoTopups)
    .values({ orgId, ...SUGGESTED, enabled: false, updatedBy: access.caller.id })
    .onConflictDoNothing();
  const [row] = await db
    .select({ customerId: orgAutoTopups.stripeCustomerId })
    .from(orgAutoTopups)
    .where(eq(orgAutoTopups.orgId, orgId));
  const back = `${svc.appUrl}/orgs/${orgName}/settings/general`;
  const setup = await provider.createCardSetup({
    orgId,
    orgName,
    customerId: row?.customerId ?? null,
    successUrl: `${back}?card=saved`,
    cancelUrl: `${back}?card=cancelled`,
  });
  if (!row?.customerId) {
    await db
      .update(orgAutoTopups)
      .set({ stripeCustomerId: setup.customerId })
      .where(and(eq(orgAutoTopups.orgId, orgId), isNull(orgAutoTopups.stripeCustomerId)));
  }
  return { url: setup.url };
}

/**
 * The webhook's setup_intent.succeeded (lib/billing/stripe.ts): stores the saved card. An older event than the
 * card already stored changes nothing (deliveries may come out of order); so does a SetupIntent of another
 * customer than the org's. Internal: the caller verified the signature.
 */
export async function saveAutoTopUpCard(
  db: Db,
  card: { orgId: string; customerId: string | null; paymentMethodId: string; label: string | null; savedAt: Date },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, card.orgId)).for("update");
    if (!before) return false;
    if (before.stripeCustomerId && card.customerId && before.stripeCustomerId !== card.customerId) return false;
    if (before.stripePaymentMethodId === card.paymentMethodId) return false;
    if (before.cardSavedAt && before.cardSavedAt > card.savedAt) return false;
    await tx
      .update(orgAutoTopups)
      .set({
        stripePaymentMethodId: card.paymentMethodId,
        stripeCustomerId: before.stripeCustomerId ?? card.customerId,
        cardLabel: card.label,
        cardSavedAt: card.savedAt,
        updatedAt: new Date(),
      })
      .where(eq(orgAutoTopups.orgId, card.orgId));
    const [org] = await tx.select({ id: orgs.id, name: orgs.name }).from(orgs).where(eq(orgs.id, card.orgId));
    await recordAudit(tx, {
      org: org ?? null,
      actor: null,
      action: "credits.auto_topup_card_saved",
      target: { type: "org", id: card.orgId, label: org?.name },
      before: before.stripePaymentMethodId ? { card: before.cardLabel } : null,
      after: { card: card.label },
    });
    return true;
  });
}

/**
 * An automatic payment failed (a declined card, Stripe's payment_intent.payment_failed): marks it failed
 * (pending → failed, once) and turns automatic top-up off with the reason, an audit row and a mail to the
 * admins. False when the payment was no longer pending (a replay, or it completed): nothing changes.
 */
export async function failAutoTopUpPayment(
  db: Db,
  which: { paymentId: string } | { provider: "stripe"; ref: string },
  reason: string,
  svc: Pick<Services, "mailer" | "appUrl">,
): Promise<boolean> {
  const where =
    "paymentId" in which
      ? eq(payments.id, which.paymentId)
      : and(eq(payments.provider, which.provider), eq(payments.providerRef, which.ref));
  let mailIds: number[] = [];
  const failed = await db.transaction(async (tx) => {
    // Lock order: the settings (1c), the wallet (2), the payment (5).
    const [found] = await tx
      .select({ id: payments.id, orgId: payments.orgId })
      .from(payments)
      .where(and(where, eq(payments.kind, "auto")));
    if (!found) return false;
    await tx
      .select({ orgId: orgAutoTopups.orgId })
      .from(orgAutoTopups)
      .where(eq(orgAutoTopups.orgId, found.orgId))
      .for("update");
    await tx
      .select({ orgId: orgWallets.orgId })
      .from(orgWallets)
      .where(eq(orgWallets.orgId, found.orgId))
      .for("update");
    const mails = await failAutoPaymentInTx(tx, found.id, reason, svc.appUrl);
    if (!mails) return false;
    mailIds = await enqueueMail(tx, mails);
    return true;
  });
  await mailCommitted(svc, db, mailIds);
  return failed;
}

type Claim = "created" | "skipped" | "cleared" | "waiting" | "capped";

/**
 * One crossing of one org, in one transaction: the settings row is claimed FOR UPDATE SKIP LOCKED (another
 * worker holding it has this org: skip), then the wallet is locked; then either the crossing is over (off,
 * balance back at or above the threshold: cleared), an automatic payment is already in flight (waiting), the
 * month's cap would be passed (turned off: capped), or the pending automatic payment is inserted under the
 * crossing's idempotency key.
 */
async function claimCrossing(db: Db, orgId: string, now: Date, svc: AutoTopUpServices): Promise<Claim> {
  let mailIds: number[] = [];
  const outcome = await db.transaction(async (tx): Promise<Claim> => {
    const [settings] = await tx
      .select()
      .from(orgAutoTopups)
      .where(eq(orgAutoTopups.orgId, orgId))
      .for("update", { skipLocked: true });
    if (!settings) {
      const [exists] = await tx
        .select({ orgId: orgAutoTopups.orgId })
        .from(orgAutoTopups)
        .where(eq(orgAutoTopups.orgId, orgId));
      if (exists) return "skipped"; // another worker holds it
    }
    const [w] = await rawRows<{ dueKey: string | null; above: boolean | null; name: string }>(
      tx,
      sql`select (extract(epoch from w.auto_topup_due_at) * 1000000)::bigint::text as "dueKey",
                 w.balance >= ${settings?.threshold ?? null}::numeric as above, o.name
          from ${orgWallets} w join ${orgs} o on o.id = w.org_id
          where w.org_id = ${orgId} for update of w`,
    );
    if (!w?.dueKey) return "skipped"; // settled or cleared meanwhile
    const clear = () => tx.update(orgWallets).set({ autoTopupDueAt: null }).where(eq(orgWallets.orgId, orgId));
    if (!settings?.enabled || w.above) {
      await clear();
      return "cleared";
    }
    const [inFlight] = await tx
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.orgId, orgId), eq(payments.kind, "auto"), eq(payments.status, "pending")))
      .limit(1);
    if (inFlight) return "waiting";
    const org = { id: orgId, name: w.name };
    const [cap] = await rawRows<{ over: boolean }>(
      tx,
      sql`select ${usedInMonthSql(orgId, now)} + ${settings.amount}::numeric > ${settings.monthlyCap}::numeric as over`,
    );
    if (cap!.over) {
      const reason = `Monthly cap of ${formatCredits(settings.monthlyCap)} credits reached.`;
      const mails = await turnAutoTopUpOff(tx, org, reason, { monthlyCap: settings.monthlyCap }, svc.appUrl);
      mailIds = await enqueueMail(tx, mails);
      return "capped";
    }
    if (svc.provider.kind === "stripe" && !settings.stripePaymentMethodId) {
      const mails = await turnAutoTopUpOff(tx, org, "No card is saved for automatic top-ups.", {}, svc.appUrl);
      mailIds = await enqueueMail(tx, mails);
      return "capped";
    }
    const key = `auto-topup:${orgId}:${w.dueKey}`;
    const inserted = await tx
      .insert(payments)
      .values({
        orgId,
        userId: null,
        provider: svc.provider.kind,
        kind: "auto",
        credits: settings.amount,
        amountMinor: priceInMinorUnits(settings.amount, svc.pricing.pricePerCredit, svc.pricing.currency),
        currency: svc.pricing.currency,
        // One payment per crossing, whatever the number of workers.
        idempotencyKey: key,
      })
      .onConflictDoNothing()
      .returning({ id: payments.id });
    if (inserted.length) return "created";
    // This crossing already had its payment, and it is over (nothing is pending, checked above): a paid one
    // cleared the crossing when it settled and a failed one when it turned automatic top-up off, so this is only
    // a safety net — never wait for a payment that can't come.
    const [done] = await tx
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.idempotencyKey, key), ne(payments.status, "pending")));
    if (!done) return "waiting";
    await clear();
    return "cleared";
  });
  await mailCommitted(svc, db, mailIds);
  return outcome;
}

/**
 * Charges one pending automatic payment that has no provider reference yet: the sandbox completes it at once;
 * Stripe gets an off-session PaymentIntent (the webhook credits it) or declines (failed, turned off).
 */
async function chargeAutoPayment(
  db: Db,
  p: { id: string; orgId: string; credits: string; amountMinor: number; currency: string },
  svc: AutoTopUpServices,
): Promise<"completed" | "charged" | "failed" | "none"> {
  if (svc.provider.kind === "sandbox") {
    const r = await settlePayment(db, { provider: "sandbox", paymentId: p.id }, svc);
    return r.outcome === "paid" ? "completed" : "none";
  }
  if (!svc.provider.chargeSaved) return "none";
  const [s] = await db
    .select({ customer: orgAutoTopups.stripeCustomerId, card: orgAutoTopups.stripePaymentMethodId, name: orgs.name })
    .from(orgAutoTopups)
    .innerJoin(orgs, eq(orgs.id, orgAutoTopups.orgId))
    .where(eq(orgAutoTopups.orgId, p.orgId));
  if (!s?.customer || !s.card) {
    return (await failAutoTopUpPayment(db, { paymentId: p.id }, "No card is saved for automatic top-ups.", svc))
      ? "failed"
      : "none";
  }
  const r = await svc.provider.chargeSaved({
    paymentId: p.id,
    orgName: s.name,
    customerId: s.customer,
    paymentMethodId: s.card,
    credits: p.credits,
    amountMinor: p.amountMinor,
    currency: p.currency,
  });
  if (r.ref) {
    // The webhook may have adopted it already (metadata.payment_id); never two payments with one reference.
    await db
      .update(payments)
      .set({ providerRef: r.ref })
      .where(
        and(
          eq(payments.id, p.id),
          isNull(payments.providerRef),
          sql`not exists (select 1 from payments q where q.provider = 'stripe' and q.provider_ref = ${r.ref})`,
        ),
      );
  }
  if (!r.ok) return (await failAutoTopUpPayment(db, { paymentId: p.id }, r.reason, svc)) ? "failed" : "none";
  // Accepted: an error of an earlier attempt is no longer news.
  await db
    .update(payments)
    .set({ failureReason: null })
    .where(and(eq(payments.id, p.id), eq(payments.status, "pending"), isNotNull(payments.failureReason)));
  return "charged";
}

/** The credits worker's automatic top-up pass (system caller). Safe with several workers at once. */
export async function runAutoTopUps(
  db: Db,
  caller: Caller,
  now: Date,
  svc: AutoTopUpServices,
): Promise<{ created: number; completed: number; failed: number }> {
  requireSystem(caller);
  const counts = { created: 0, completed: 0, failed: 0 };
  // The crossings (the partial index org_wallets_auto_topup_due_idx), oldest first.
  const due = await db
    .select({ orgId: orgWallets.orgId })
    .from(orgWallets)
    .where(isNotNull(orgWallets.autoTopupDueAt))
    .orderBy(orgWallets.autoTopupDueAt)
    .limit(500);
  for (const { orgId } of due) {
    const outcome = await claimCrossing(db, orgId, now, svc);
    if (outcome === "created") counts.created++;
    if (outcome === "capped") counts.failed++;
  }
  // Charge what is pending and not yet charged: just created, or left by a worker that stopped before charging
  // (charging again is safe: the sandbox settles once, Stripe dedupes on the payment's idempotency key).
  const unpaid = await db
    .select({
      id: payments.id,
      orgId: payments.orgId,
      credits: payments.credits,
      amountMinor: payments.amountMinor,
      currency: payments.currency,
    })
    .from(payments)
    .where(and(pendingAutoPayment(svc), isNull(payments.providerRef)))
    .orderBy(payments.createdAt)
    .limit(500);
  for (const p of unpaid) {
    try {
      const r = await chargeAutoPayment(db, p, svc);
      if (r === "completed") counts.completed++;
      if (r === "failed") counts.failed++;
    } catch (err) {
      // The outcome is unknown (network, Stripe down, a bad key): the payment stays pending and is charged again
      // later; the error is on it meanwhile, so Settings shows why nothing arrived (and expiry below names it).
      console.error(`[credits] automatic top-up ${p.id} could not be charged now:`, err);
      await db
        .update(payments)
        .set({ failureReason: `${RETRYING}${chargeErrorText(err)}` })
        .where(and(eq(payments.id, p.id), eq(payments.status, "pending")));
    }
  }
  counts.failed += await expireStalePayments(db, now, svc);
  return counts;
}

/** The worker's automatic payments still pending with this provider (to charge, or to expire). */
function pendingAutoPayment(svc: AutoTopUpServices) {
  return and(eq(payments.kind, "auto"), eq(payments.status, "pending"), eq(payments.provider, svc.provider.kind));
}

/**
 * How long an automatic payment may stay pending: a card charged off-session settles in seconds, so one still
 * pending after this never reached the provider, or its webhook was lost. It blocks the org's next top-ups and
 * counts against the monthly cap, so the worker fails it (and turns automatic top-up off) — see
 * expireStalePayments.
 */
export const AUTO_TOPUP_PENDING_LIMIT_MS = 60 * 60 * 1000;

/** A pending automatic payment's failureReason while its charge is being retried after an error. */
const RETRYING = "Not charged yet, retrying: ";

/** What an admin is shown of an error charging the card: Stripe's own message; nothing internal otherwise. */
function chargeErrorText(err: unknown): string {
  if (err instanceof Stripe.errors.StripeConnectionError) return "Stripe could not be reached.";
  if (err instanceof Stripe.errors.StripeError) {
    const text = err.message
      .replace(/[\u0000-\u001f\u007f]/g, " ")
      .trim()
      .slice(0, 300);
    return text ? `Stripe answered: ${text}` : "Stripe refused the request.";
  }
  return "The payment provider could not be reached.";
}

/**
 * Fails every automatic payment pending for longer than AUTO_TOPUP_PENDING_LIMIT_MS (before `now`) through the
 * one failure path (reason, off, audit, mail). A Stripe payment with a PaymentIntent is cancelled at Stripe first,
 * so it can't succeed after it was failed here; one Stripe says succeeded or is processing stays pending (the
 * webhook settles it). Returns how many were failed.
 */
async function expireStalePayments(db: Db, now: Date, svc: AutoTopUpServices): Promise<number> {
  const stale = await db
    .select({ id: payments.id, ref: payments.providerRef, failureReason: payments.failureReason })
    .from(payments)
    .where(and(pendingAutoPayment(svc), lt(payments.createdAt, new Date(now.getTime() - AUTO_TOPUP_PENDING_LIMIT_MS))))
    .orderBy(payments.createdAt)
    .limit(500);
  let failed = 0;
  for (const p of stale) {
    try {
      if (p.ref && svc.provider.cancelSaved && !(await svc.provider.cancelSaved(p.ref))) continue;
      const lastError = p.failureReason?.startsWith(RETRYING) ? p.failureReason.slice(RETRYING.length) : null;
      const reason = `The automatic top-up did not complete within an hour${lastError ? `: ${lastError}` : "."}`;
      if (await failAutoTopUpPayment(db, { paymentId: p.id }, reason, svc)) failed++;
    } catch (err) {
      console.error(`[credits] stale automatic top-up ${p.id} could not be cancelled now:`, err);
    }
  }
  return failed;
}
