import { errorResponse, jsonError } from "@/app/_server/http-errors";
import { services } from "@/app/_server/services";
import { getDb } from "@/db";
import { internal, stripeFromConfig } from "@/lib/billing";
import { appConfig } from "@/app/_server/config";
import { systemCaller } from "@/lib/core";

export const dynamic = "force-dynamic";

/**
 * Stripe's webhook (Dashboard → Developers → Webhooks: `<AUTH_URL>/api/stripe/webhook`, events
 * checkout.session.completed, .async_payment_succeeded, .async_payment_failed, .expired; for automatic top-up
 * also setup_intent.succeeded, payment_intent.succeeded, payment_intent.payment_failed). Exists only when
 * Stripe is configured. Authenticated by the Stripe-Signature over the raw body; no cookies involved.
 */
export async function POST(req: Request) {
  const stripe = stripeFromConfig(appConfig());
  if (!stripe) return jsonError(404, "not_found", "Not found");
  // The exact bytes Stripe signed: read as text, never parsed and re-serialized before verification.
  const rawBody = await req.text();
  try {
    const result = await internal.handleStripeWebhook(
      await getDb(),
      systemCaller("stripe-webhook"),
      rawBody,
      req.headers.get("stripe-signature"),
      {
        webhookSecret: stripe.webhookSecret,
        svc: await services(),
        // Reads a saved card's brand and last 4 for automatic top-up (setup_intent.succeeded).
        provider: stripe,
      },
    );
    // Money moved but nothing was credited: a person has to refund or grant (payment ids only, no personal data).
    if (result.outcome === "mismatch") {
      console.warn("[stripe] a paid Checkout Session disagrees with its payment; marked failed, nothing credited");
    } else if (result.outcome === "already" && result.status !== "paid") {
      console.warn(`[stripe] a Checkout Session was paid for a payment already ${String(result.status)}`);
    }
    return Response.json(result, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    // A bad signature is a 400; anything else a 500, which makes Stripe retry the delivery later (completion is
    // idempotent).
    return errorResponse(err, { context: "stripe webhook" });
  }
}
