/**
 * Stripe Checkout: the payment provider used when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set, and the
 * webhook that completes its payments. Crediting goes through settlePayment (lib/billing/settlement.ts) only.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import Stripe from "stripe";
import { z } from "zod";
import type { Db } from "@/db";
import { payments } from "@/db/schema";
import { settlePayment } from "./settlement";
import { failAutoTopUpPayment, saveAutoTopUpCard } from "./auto-topup";
import { requireSystem, type Caller } from "../core/caller";
import type { CardSetupRequest, CheckoutRequest, PaymentProvider, SavedCardCharge, SavedCardResult } from "./payments";
import type { Services } from "../core/services";
import type { AppConfig } from "../core/config";
import { Malformed } from "../core/errors";

/** Where the Stripe client sends its requests: Stripe's API by default; a local fake in tests. */
export interface StripeClientOptions {
  host?: string;
  port?: number;
  protocol?: "http" | "https";
  /** Per request, in ms (default 20 s). */
  timeout?: number;
  /** Retries of failed requests (default 2; safe: every checkout carries an idempotency key). */
  maxNetworkRetries?: number;
}

export class StripeProvider implements PaymentProvider {
  readonly kind = "stripe";
  readonly stripe: Stripe;

  constructor(
    secretKey: string,
    /** The signing secret of the webhook endpoint (whsec_…): handleStripeWebhook verifies with it. */
    readonly webhookSecret: string,
    client: StripeClientOptions = {},
  ) {
    this.stripe = new Stripe(secretKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      telemetry: false,
      appInfo: { name: "Apolo Console" },
      ...client,
    });
  }

  /**
   * A Checkout Session for one top-up: one line item priced in the payment's currency and minor units, the
   * payer's email prefilled, and the org, payment id and credits in its metadata (the webhook reads them back).
   */
  async createCheckout(req: CheckoutRequest): Promise<{ url: string; ref: string }> {
    const metadata = { org: req.orgName, payment_id: req.paymentId, credits: req.credits };
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: "payment",
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: req.currency,
              unit_amount: req.amountMinor,
              product_data: { name: `${req.credits} Apolo credits for ${req.orgName}` },
            },
          },
        ],
        customer_email: req.payerEmail ?? undefined,
        client_reference_id: req.paymentId,
        metadata,
        // The same on the PaymentIntent, so the payment is recognizable in Stripe's dashboard too.
        payment_intent_data: { metadata },
        success_url: req.successUrl,
        cancel_url: req.cancelUrl,
      },
      // One session per payment row, even when a request is retried.
      { idempotencyKey: `apolo-checkout-${req.paymentId}` },
    );
    if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a URL`);
    return { url: session.url, ref: session.id };
  }

  /**
   * A Checkout Session in setup mode for the org's Stripe customer (created once, here, when the org has none:
   * the idempotency key keeps a retried or concurrent first setup on one customer). The SetupIntent carries the
   * org id and our purpose in its metadata: the webhook's setup_intent.succeeded stores the card from it.
   */
  async createCardSetup(req: CardSetupRequest): Promise<{ url: string; customerId: string }> {
    const customerId =
      req.customerId ??
      (
        await this.stripe.customers.create(
          { name: req.orgName, metadata: { org_id: req.orgId, org: req.orgName } },
          { idempotencyKey: `apolo-customer-${req.orgId}` },
        )
      ).id;
    const metadata = { org_id: req.orgId, purpose: AUTO_TOPUP_PURPOSE };
    const session = await this.stripe.checkout.sessions.create({
      mode: "setup",
      customer: customerId,
      allowed_payment_method_types: ["card"],
      metadata,
      setup_intent_data: { metadata, description: `Automatic top-ups of Apolo credits for ${req.orgName}` },
      success_url: req.successUrl,
      cancel_url: req.cancelUrl,
    });
    if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a URL`);
    return { url: session.url, customerId };
  }

  /**
   * One automatic top-up: an off-session PaymentIntent on the saved card, confirmed at once. The idempotency key
   * is the payment's, so a retried request (or a second worker) never charges twice. A decline (card error,
   * or a request Stripe refuses, such as a detached card) is an answer, not an exception; a network or API
   * failure throws (the payment stays pending and is charged again, with the same key, on a later tick).
   */
  async chargeSaved(req: SavedCardCharge): Promise<SavedCardResult> {
    try {
      const pi = await this.stripe.paymentIntents.create(
        {
          amount: req.amountMinor,
          currency: req.currency,
          customer: req.customerId,
          payment_method: req.paymentMethodId,
          off_session: true,
          confirm: true,
          description: `${req.credits} Apolo credits for ${req.orgName} (automatic top-up)`,
          metadata: { payment_id: req.paymentId, org: req.orgName, credits: req.credits, purpose: AUTO_TOPUP_PURPOSE },
        },
        { idempotencyKey: `apolo-auto-${req.paymentId}` },
      );
      if (pi.status === "canceled" || pi.status === "requires_payment_method") {
        return { ok: false, reason: declineReason(pi.last_payment_error?.message), ref: pi.id };
      }
      // Nobody is there to authenticate an off-session charge: the admin has to save the card again.
      if (pi.status === "requires_action" || pi.status === "requires_confirmation") {
        return { ok: false, reason: "The card needs authentication; save it again in Settings.", ref: pi.id };
      }
      return { ok: true, ref: pi.id, status: pi.status };
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeError)) throw err;
      const pi = (err.raw as { payment_intent?: { id?: string } } | undefined)?.payment_intent;
      const ref = typeof pi?.id === "string" ? pi.id : null;
      // Another worker's identical request (same idempotency key) is still in flight: Stripe answers 409
      // (code idempotency_key_in_use), which stripe-node classifies by status alone — a StripeAPIError in
      // generateV1Error, after retrying it as a conflict. Not a decline: the payment stays pending, and the
      // webhook (or the next charge, with the same key) settles it.
      if (err.statusCode === 409 || err.code === "idempotency_key_in_use") {
        return { ok: true, ref, status: "in_flight" };
      }
      if (err instanceof Stripe.errors.StripeCardError || err instanceof Stripe.errors.StripeInvalidRequestError) {
        return { ok: false, reason: declineReason(err.message), ref };
      }
      throw err;
    }
  }

  /**
   * Cancels the PaymentIntent of an automatic top-up that stayed pending too long. Stripe refuses to cancel one
   * that succeeded or is processing (400): it is read back then, and only a cancelled one counts as over; one
   * Stripe doesn't know (404) can't succeed either.
   */
  async cancelSaved(ref: string): Promise<boolean> {
    try {
      const pi = await this.stripe.paymentIntents.cancel(
        ref,
        { cancellation_reason: "abandoned" },
        { idempotencyKey: `apolo-cancel-${ref}` },
      );
      return pi.status === "canceled";
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw err;
      if (err.statusCode === 404 || err.code === "resource_missing") return true;
      const pi = await this.stripe.paymentIntents.retrieve(ref);
      return pi.status === "canceled";
    }
  }

  /** "visa •••• 4242" for a saved card; null when Stripe doesn't say (or can't be asked right now). */
  async describePaymentMethod(paymentMethodId: string): Promise<string | null> {
    try {
      return cardLabel(await this.stripe.paymentMethods.retrieve(paymentMethodId));
    } catch {
      return null;
    }
  }

  /**
   * Closes an open Checkout Session so it can no longer be paid (for a payer who cancels: a session stays
   * payable for 24 hours otherwise). False when Stripe refuses — typically because it was paid meanwhile, in
   * which case the webhook completes the payment.
   */
  async expireCheckout(ref: string): Promise<boolean> {
    try {
      const session = await this.stripe.checkout.sessions.expire(ref, {}, { idempotencyKey: `apolo-expire-${ref}` });
      return session.status === "expired";
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError) return false;
      throw err;
    }
  }
}

/** metadata.purpose of the SetupIntents and PaymentIntents of automatic top-up. */
export const AUTO_TOPUP_PURPOSE = "apolo_auto_topup";

/** What Settings and the mail say about a declined charge: Stripe's message ("Your card was declined."). */
function declineReason(message: string | null | undefined): string {
  const text = (message ?? "").replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  return text ? text.slice(0, 300) : "The card was declined.";
}

/** What Settings and the mail say about a PaymentIntent cancelled at Stripe (by a person, or by us as stale). */
function canceledReason(why: string | null | undefined): string {
  const text = typeof why === "string" ? why.replace(/[^a-z_]/g, "").replaceAll("_", " ") : "";
  return text ? `The payment was cancelled at Stripe (${text}).` : "The payment was cancelled at Stripe.";
}

function cardLabel(pm: { card?: { brand?: string | null; last4?: string | null } | null } | null | undefined) {
  const card = pm?.card;
  if (!card?.last4) return null;
  return `${card.brand ?? "card"} •••• ${card.last4}`;
}

/**
 * The Stripe provider when both keys are set (AppConfig.stripe), else null (the sandbox is used). Its requests go
 * to STRIPE_API_URL when that is set (AppConfig.stripe.api), else to api.stripe.com.
 */
export function stripeFromConfig(
  config: Pick<AppConfig, "stripe">,
  client: StripeClientOptions = {},
): StripeProvider | null {
  if (!config.stripe) return null;
  return new StripeProvider(config.stripe.secretKey, config.stripe.webhookSecret, { ...config.stripe.api, ...client });
}

/** What Stripe is told about a delivery it may stop retrying (the route answers it as JSON, 200). */
export interface WebhookResult {
  received: true;
  outcome?: string;
  /** For `outcome: "already"`: the payment's status. */
  status?: string;
  ignored?: string;
}

const COMPLETING_EVENTS = new Set(["checkout.session.completed", "checkout.session.async_payment_succeeded"]);

/**
 * Handles one delivery to the Stripe webhook (system only: the webhook route, authenticated by the signature). `rawBody` must be the request body exactly as received: the
 * signature is over those bytes.
 *
 * - Missing or bad signature (or a body that isn't a Stripe event): Malformed (the route answers 400), nothing
 *   read or written. Every other delivery resolves to what Stripe is told, with 200.
 * - `checkout.session.completed` / `checkout.session.async_payment_succeeded` with payment_status "paid":
 *   settlePayment with the session's id, amount_total, currency and metadata.payment_id — credits the org
 *   once. A replay answers `{ outcome: "already" }` and changes nothing. A completed session that is not
 *   paid yet (delayed payment methods) is acknowledged and waits for async_payment_succeeded.
 * - An amount or currency that disagrees with the stored payment: the payment is marked failed, nothing is
 *   credited, `{ outcome: "mismatch" }` (retrying can't fix it; it needs a person and a refund).
 * - A session we don't know: `{ ignored: "unknown session" }`, so Stripe stops retrying (it may belong to
 *   another integration on the same account).
 * - `async_payment_failed` marks a pending payment failed; `expired` marks it cancelled. Other events are
 *   ignored.
 * - A database error propagates (the route answers 500 and Stripe retries later).
 *
 * - Automatic top-up (metadata.purpose "apolo_auto_topup"): `setup_intent.succeeded` stores the saved card on
 *   the org's settings; `payment_intent.succeeded` credits the automatic payment through settlePayment (the
 *   PaymentIntent's id, amount_received, currency, metadata.payment_id), once; `payment_intent.payment_failed`
 *   and `payment_intent.canceled` mark it failed and turn automatic top-up off (reason, audit, mail to the
 *   admins), once. A checkout.session.* event
 *   of a setup-mode session is acknowledged and changes nothing.
 *
 * If the server stopped between creating the session and storing its id on the payment, the signed event's
 * metadata.payment_id identifies the payment: a pending Stripe payment without a reference adopts the session
 * id, then completes through the same checks.
 */
export async function handleStripeWebhook(
  db: Db,
  caller: Caller,
  rawBody: string,
  signature: string | null,
  opts: {
    webhookSecret: string;
    /** Anything with Stripe's `webhooks` helpers; the library's own by default. */
    stripe?: { webhooks: Stripe.Webhooks };
    svc: Pick<Services, "mailer" | "appUrl">;
    /** Accepted age of a signature, in seconds (Stripe's default: 300). */
    toleranceSec?: number;
    /** Reads a saved card's label (brand and last 4) for setup_intent.succeeded; optional, failures ignored. */
    provider?: Pick<PaymentProvider, "describePaymentMethod">;
  },
): Promise<WebhookResult> {
  requireSystem(caller);
  if (!signature) throw new Malformed("Missing Stripe-Signature header.");
  let event: Stripe.Event;
  try {
    event = (opts.stripe ?? Stripe).webhooks.constructEvent(rawBody, signature, opts.webhookSecret, opts.toleranceSec);
  } catch {
    // Don't echo the library's message: it is about our secret's signature, not useful to a caller.
    throw new Malformed("Invalid Stripe signature.");
  }

  switch (event.type) {
    case "setup_intent.succeeded":
      return setupIntentSucceeded(db, event, opts.provider);
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed":
    case "payment_intent.canceled":
      return autoTopUpPaymentEvent(db, event, opts.svc);
  }
  if (!event.type.startsWith("checkout.session.")) {
    return { received: true, ignored: "event type" };
  }
  const session = event.data.object as Stripe.Checkout.Session;
  if (typeof session?.id !== "string") {
    return { received: true, ignored: "no session" };
  }
  // A card saved for automatic top-up: the SetupIntent's own event (setup_intent.succeeded) stores it.
  if (session.mode === "setup") {
    return { received: true, ignored: "setup session" };
  }

  if (event.type === "checkout.session.async_payment_failed" || event.type === "checkout.session.expired") {
    const status = event.type === "checkout.session.expired" ? "cancelled" : "failed";
    const updated = await db
      .update(payments)
      .set({ status, completedAt: new Date() })
      .where(and(eq(payments.provider, "stripe"), eq(payments.providerRef, session.id), eq(payments.status, "pending")))
      .returning({ id: payments.id });
    return { received: true, outcome: updated.length ? status : "unchanged" };
  }
  if (!COMPLETING_EVENTS.has(event.type)) {
    return { received: true, ignored: "event type" };
  }
  if (session.payment_status !== "paid") {
    return { received: true, ignored: "not paid yet" };
  }

  const paymentId = z.uuid().safeParse(session.metadata?.payment_id).data ?? null;
  if (paymentId) await adoptSession(db, paymentId, session.id);
  const result = await settlePayment(
    db,
    {
      provider: "stripe",
      ref: session.id,
      amountMinor: session.amount_total,
      currency: session.currency,
      paymentId,
    },
    opts.svc,
  );
  return webhookAnswer(result, "unknown session");
}

/** setup_intent.succeeded of our card setup: the org's automatic top-up charges this card from now on. */
async function setupIntentSucceeded(
  db: Db,
  event: Stripe.Event,
  provider: Pick<PaymentProvider, "describePaymentMethod"> | undefined,
): Promise<WebhookResult> {
  const si = event.data.object as Stripe.SetupIntent;
  if (si?.metadata?.purpose !== AUTO_TOPUP_PURPOSE) return { received: true, ignored: "not ours" };
  const orgId = z.uuid().safeParse(si.metadata.org_id).data;
  const paymentMethod = typeof si.payment_method === "string" ? si.payment_method : si.payment_method?.id;
  const customer = typeof si.customer === "string" ? si.customer : (si.customer?.id ?? null);
  if (!orgId || !paymentMethod) return { received: true, ignored: "no card" };
  // The label is a courtesy: Stripe being slow or down here must not fail the delivery.
  let label: string | null = null;
  if (typeof si.payment_method === "object" && si.payment_method) label = cardLabel(si.payment_method);
  if (!label && provider?.describePaymentMethod) {
    label = await provider.describePaymentMethod(paymentMethod).catch(() => null);
  }
  const saved = await saveAutoTopUpCard(db, {
    orgId,
    customerId: customer,
    paymentMethodId: paymentMethod,
    label,
    savedAt: new Date(event.created * 1000),
  });
  return { received: true, outcome: saved ? "card saved" : "unchanged" };
}

/**
 * payment_intent.succeeded / payment_failed / canceled of an automatic top-up: credit it once, or fail it and turn
 * automatic top-up off once.
 */
async function autoTopUpPaymentEvent(
  db: Db,
  event: Stripe.Event,
  svc: Pick<Services, "mailer" | "appUrl">,
): Promise<WebhookResult> {
  const pi = event.data.object as Stripe.PaymentIntent;
  if (pi?.metadata?.purpose !== AUTO_TOPUP_PURPOSE || typeof pi.id !== "string") {
    return { received: true, ignored: "not ours" };
  }
  const paymentId = z.uuid().safeParse(pi.metadata.payment_id).data ?? null;
  if (paymentId) await adoptSession(db, paymentId, pi.id);
  if (event.type === "payment_intent.payment_failed" || event.type === "payment_intent.canceled") {
    const reason =
      event.type === "payment_intent.canceled"
        ? canceledReason(pi.cancellation_reason)
        : declineReason(pi.last_payment_error?.message);
    const failed = await failAutoTopUpPayment(db, { provider: "stripe", ref: pi.id }, reason, svc);
    return { received: true, outcome: failed ? "failed" : "unchanged" };
  }
  const result = await settlePayment(
    db,
    { provider: "stripe", ref: pi.id, amountMinor: pi.amount_received, currency: pi.currency, paymentId },
    svc,
  );
  return webhookAnswer(result, "unknown payment");
}

/**
 * A pending Stripe payment whose session (or PaymentIntent) id was never stored takes the id of its signed event's
 * object.
 */
async function adoptSession(db: Db, paymentId: string, sessionId: string) {
  await db
    .update(payments)
    .set({ providerRef: sessionId })
    .where(
      and(
        eq(payments.id, paymentId),
        eq(payments.provider, "stripe"),
        eq(payments.status, "pending"),
        isNull(payments.providerRef),
        // Never two payments with one session (the unique index would turn the delivery into a 500 loop).
        sql`not exists (select 1 from payments p where p.provider = 'stripe' and p.provider_ref = ${sessionId})`,
      ),
    );
}

/** What Stripe is told about a settlement (lib/billing/settlement.ts); `unknown`: what to say of a payment we don't know. */
function webhookAnswer(result: Awaited<ReturnType<typeof settlePayment>>, unknown: string): WebhookResult {
  switch (result.outcome) {
    case "paid":
      return { received: true, outcome: "paid" };
    case "already":
      return { received: true, outcome: "already", status: result.status };
    case "mismatch":
      return { received: true, outcome: "mismatch" };
    case "unknown":
      return { received: true, ignored: unknown };
  }
}
