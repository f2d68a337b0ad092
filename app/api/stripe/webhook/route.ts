import { NextResponse } from "next/server";
import { services } from "@/app/_server/services";
import { getDb } from "@/db";
import { internal, stripeFromEnv } from "@/lib/billing";
import { systemCaller } from "@/lib/core";

export const dynamic = "force-dynamic";

/**
 * Stripe's webhook (Dashboard → Developers → Webhooks: `<AUTH_URL>/api/stripe/webhook`, events
 * checkout.session.completed, .async_payment_succeeded, .async_payment_failed, .expired). Exists only when
 * Stripe is configured. Authenticated by the Stripe-Signature over the raw body; no cookies involved.
 */
export async function POST(req: Request) {
  const stripe = stripeFromEnv(process.env);
  if (!stripe) return NextResponse.json({ error: "Not found" }, { status: 404 });
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
      },
    );
    // Money moved but nothing was credited: a person has to refund or grant (payment ids only, no personal data).
    if (result.body.outcome === "mismatch") {
      console.warn("[stripe] a paid Checkout Session disagrees with its payment; marked failed, nothing credited");
    } else if (result.body.outcome === "already" && result.body.status !== "paid") {
      console.warn(`[stripe] a Checkout Session was paid for a payment already ${String(result.body.status)}`);
    }
    return NextResponse.json(result.body, { status: result.status, headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    // 500 makes Stripe retry the delivery later; completion is idempotent.
    console.error("[stripe] webhook failed:", err);
    return NextResponse.json({ error: "Internal error" }, { status: 500 });
  }
}
