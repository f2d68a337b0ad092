/**
 * Automatic top-up: "when the balance falls below X, add Y", at most a monthly cap of automatic top-ups per
 * calendar month (UTC). CONTRACT ONLY in this commit: the functions below are implemented by the auto-top-up
 * work (see the issue); their signatures are what app/ builds on.
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
 *   the signed webhook (payment_intent.succeeded) through settlePayment, exactly once. A declined card (or
 *   payment_intent.payment_failed) marks the payment failed and turns automatic top-up off the same way.
 * - The ledger row of an automatic top-up has kind "auto_topup" and the payment's reference in its note.
 */
import type { Db } from "@/db";
import { z } from "zod";
import type { Caller } from "../core/caller";
import { creditAmountSchema } from "../core/money";
import type { Services } from "../core/services";
import type { PaymentProvider, Pricing } from "./payments";

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
  .refine((v) => Number(v.monthlyCap) >= Number(v.amount), {
    path: ["monthlyCap"],
    message: "The monthly cap must be at least the amount of one top-up.",
  });

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

/** Settings → General: the org's automatic top-up as managers and admins see it. */
export async function getAutoTopUp(
  _db: Db,
  _caller: Caller,
  _orgName: string,
  _svc: { provider: PaymentProvider },
): Promise<AutoTopUpView> {
  throw new Error("getAutoTopUp: not implemented yet");
}

/**
 * Saves the settings (admins). Turning it on with Stripe needs a saved card (a field error on `enabled`
 * otherwise). Audit: credits.auto_topup_enabled / _disabled / _changed. Clears a system disabledReason when
 * turned on again. Keeps org_wallets.auto_topup_below in step; if the balance is already below the new
 * threshold, marks the crossing so the worker tops up.
 */
export async function setAutoTopUp(
  _db: Db,
  _caller: Caller,
  _orgName: string,
  _input: unknown,
  _svc: AutoTopUpServices,
): Promise<{ changed: boolean; enabled: boolean }> {
  throw new Error("setAutoTopUp: not implemented yet");
}

/** Stripe only (admins): a Checkout Session in setup mode that saves a card for automatic top-ups. */
export async function startCardSetup(
  _db: Db,
  _caller: Caller,
  _orgName: string,
  _svc: AutoTopUpServices,
): Promise<{ url: string }> {
  throw new Error("startCardSetup: not implemented yet");
}

/** The credits worker's automatic top-up pass (system caller). Safe with several workers at once. */
export async function runAutoTopUps(
  _db: Db,
  _caller: Caller,
  _now: Date,
  _svc: AutoTopUpServices,
): Promise<{ created: number; completed: number; failed: number }> {
  throw new Error("runAutoTopUps: not implemented yet");
}
