import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRows } from "@/db/client";
import { creditLedger, orgWallets, payments } from "@/db/schema";
import { createTopUp } from "./top-ups";
import type { CheckoutRequest, PaymentProvider } from "./payments";
import { handleStripeWebhook, StripeProvider, stripeFromConfig } from "./stripe";
import { parseConfig } from "../core/config";
import { Malformed } from "../core/errors";
import { as, makeOrg, makeUser, testServices, withTestDatabase, type RecordingMailer, SYSTEM } from "../test/fixtures";

const t = withTestDatabase();
const SECRET = "whsec_test_secret_for_apolo";
const PRICING = { pricePerCredit: "1.00", currency: "usd" };

/** A Stripe-kind provider that makes no network call: the session id is ours to choose. */
class FakeStripeProvider implements PaymentProvider {
  readonly kind = "stripe";
  readonly requests: CheckoutRequest[] = [];
  nextRef = "";
  async createCheckout(req: CheckoutRequest) {
    this.requests.push(req);
    return { url: `https://checkout.stripe.test/${this.nextRef}`, ref: this.nextRef };
  }
}

function sessionEvent(
  session: { id: string; amount_total: number | null; currency: string | null; payment_id?: string | null },
  opts: { type?: string; paymentStatus?: string; eventId?: string } = {},
) {
  return JSON.stringify({
    id: opts.eventId ?? `evt_test_${randomBytes(8).toString("hex")}`,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: opts.type ?? "checkout.session.completed",
    data: {
      object: {
        id: session.id,
        object: "checkout.session",
        mode: "payment",
        status: "complete",
        payment_status: opts.paymentStatus ?? "paid",
        amount_total: session.amount_total,
        currency: session.currency,
        client_reference_id: session.payment_id ?? null,
        metadata: session.payment_id ? { payment_id: session.payment_id } : {},
      },
    },
  });
}

const sign = (payload: string, secret = SECRET) => Stripe.webhooks.generateTestHeaderString({ payload, secret });

async function deliver(payload: string, signature: string | null = sign(payload), mailer?: RecordingMailer) {
  const svc = testServices(mailer);
  const body = await handleStripeWebhook(t.db, SYSTEM, payload, signature, { webhookSecret: SECRET, svc });
  return { body, svc };
}

/** The domain error a refused delivery throws (the route answers it 400: app/_server/http-errors.ts). */
async function refusedDelivery(payload: string, signature: string | null) {
  const svc = testServices();
  const err = await handleStripeWebhook(t.db, SYSTEM, payload, signature, { webhookSecret: SECRET, svc }).then(
    () => expect.fail("the delivery was accepted"),
    (e: unknown) => e,
  );
  expect(svc.mailer.sent).toHaveLength(0);
  return err;
}

/** An org with an admin, and a pending Stripe payment of `credits` for it created through createTopUp. */
async function pendingTopUp(credits = "100") {
  const admin = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin });
  const provider = new FakeStripeProvider();
  provider.nextRef = `cs_test_${randomBytes(12).toString("hex")}`;
  const top = await createTopUp(
    t.db,
    as(admin),
    org.name,
    { credits },
    { ...testServices(), provider, pricing: PRICING },
  );
  return { admin, org, top, ref: provider.nextRef, provider };
}

async function state(orgId: string, paymentId: string) {
  const [o] = await t.db.select({ balance: orgWallets.balance }).from(orgWallets).where(eq(orgWallets.orgId, orgId));
  const [p] = await t.db.select().from(payments).where(eq(payments.id, paymentId));
  const ledger = await t.db.select().from(creditLedger).where(eq(creditLedger.orgId, orgId));
  return { balance: o!.balance, payment: p!, ledger };
}

describe("Stripe webhook", () => {
  it("credits the org once for a signed checkout.session.completed", async () => {
    const { org, top, ref, admin, provider } = await pendingTopUp("100");
    expect(provider.requests[0]).toMatchObject({ orgName: org.name, amountMinor: 10000, currency: "usd" });
    const before = await state(org.id, top.paymentId);
    expect(before.payment).toMatchObject({ status: "pending", providerRef: ref, provider: "stripe" });

    const payload = sessionEvent({ id: ref, amount_total: 10000, currency: "usd", payment_id: top.paymentId });
    const res = await deliver(payload);
    expect(res).toMatchObject({ body: { received: true, outcome: "paid" } });

    const after = await state(org.id, top.paymentId);
    expect(after.payment.status).toBe("paid");
    expect(after.payment.completedAt).not.toBeNull();
    expect(Number(after.balance)).toBe(100);
    expect(after.ledger).toHaveLength(1);
    expect(after.ledger[0]).toMatchObject({
      kind: "topup",
      paymentId: top.paymentId,
      actorId: admin.id,
      idempotencyKey: `payment:${top.paymentId}`,
    });
    expect(Number(after.ledger[0]!.amount)).toBe(100);
    // The receipt goes to the payer.
    expect(res.svc.mailer.to(admin.email)).toHaveLength(1);
  });

  it("refuses a missing or bad signature (Malformed, answered 400) and writes nothing", async () => {
    const { org, top, ref } = await pendingTopUp("10");
    const payload = sessionEvent({ id: ref, amount_total: 1000, currency: "usd", payment_id: top.paymentId });
    const cases: (string | null)[] = [
      null,
      "",
      "garbage",
      sign(payload, "whsec_someone_else"),
      // A valid signature, over a different body.
      sign(sessionEvent({ id: ref, amount_total: 1, currency: "usd" })),
      // A signature that is too old (beyond the 300 s tolerance).
      Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: SECRET,
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      }),
    ];
    for (const signature of cases) {
      const err = await refusedDelivery(payload, signature);
      expect(err, String(signature)).toBeInstanceOf(Malformed);
      expect((err as Malformed).message).toBeTruthy();
    }
    // A tampered body under the original signature.
    const signature = sign(payload);
    const tampered = payload.replace('"amount_total":1000', '"amount_total":1001');
    expect(await refusedDelivery(tampered, signature)).toBeInstanceOf(Malformed);

    const after = await state(org.id, top.paymentId);
    expect(after.payment.status).toBe("pending");
    expect(after.balance).toBe("0.00000000");
    expect(after.ledger).toHaveLength(0);
  });

  it("a replayed event (same body, same or fresh signature) credits nothing more", async () => {
    const { org, top, ref } = await pendingTopUp("10");
    const payload = sessionEvent({ id: ref, amount_total: 1000, currency: "usd", payment_id: top.paymentId });
    const signature = sign(payload);
    expect((await deliver(payload, signature)).body.outcome).toBe("paid");
    const replay = await deliver(payload, signature);
    expect(replay).toMatchObject({ body: { outcome: "already", status: "paid" } });
    expect(replay.svc.mailer.sent).toHaveLength(0);
    // Another event for the same session (Stripe may send async_payment_succeeded too), concurrently.
    const again = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        deliver(
          sessionEvent(
            { id: ref, amount_total: 1000, currency: "usd", payment_id: top.paymentId },
            { type: i % 2 ? "checkout.session.async_payment_succeeded" : "checkout.session.completed" },
          ),
        ),
      ),
    );
    expect(again.map((r) => r.body.outcome)).toEqual(Array(5).fill("already"));
    const after = await state(org.id, top.paymentId);
    expect(Number(after.balance)).toBe(10);
    expect(after.ledger).toHaveLength(1);
  });

  it("an unknown session answers 200 (so Stripe stops retrying) and changes nothing", async () => {
    const { org, top } = await pendingTopUp("10");
    const counts = async () =>
      (
        await rawRows<{ p: number; l: number }>(
          t.db,
          sql`select (select count(*)::int from payments) as p, (select count(*)::int from credit_ledger) as l`,
        )
      )[0];
    const before = await counts();
    for (const paymentId of [null, randomUUID(), "not-a-uuid"]) {
      const res = await deliver(
        sessionEvent({ id: "cs_test_unknown", amount_total: 1000, currency: "usd", payment_id: paymentId }),
      );
      expect(res).toMatchObject({ body: { ignored: "unknown session" } });
    }
    const after = await state(org.id, top.paymentId);
    expect(after.payment.status).toBe("pending");
    expect(after.ledger).toHaveLength(0);
    expect(await counts()).toEqual(before);
  });

  it("an amount or currency that disagrees with the stored payment fails it and credits nothing", async () => {
    for (const wrong of [
      { amount_total: 5000, currency: "usd" },
      { amount_total: 10000, currency: "eur" },
      { amount_total: null, currency: "usd" },
    ]) {
      const { org, top, ref } = await pendingTopUp("100");
      const res = await deliver(sessionEvent({ id: ref, ...wrong, payment_id: top.paymentId }));
      expect(res).toMatchObject({ body: { outcome: "mismatch" } });
      const after = await state(org.id, top.paymentId);
      expect(after.payment.status).toBe("failed");
      expect(after.balance).toBe("0.00000000");
      expect(after.ledger).toHaveLength(0);
      // And a later correct event can't revive it.
      const retry = await deliver(
        sessionEvent({ id: ref, amount_total: 10000, currency: "usd", payment_id: top.paymentId }),
      );
      expect(retry.body.outcome).toBe("already");
      expect((await state(org.id, top.paymentId)).ledger).toHaveLength(0);
    }
  });

  it("metadata naming another payment than the session's is a mismatch", async () => {
    const a = await pendingTopUp("10");
    const b = await pendingTopUp("10");
    const res = await deliver(
      sessionEvent({ id: a.ref, amount_total: 1000, currency: "usd", payment_id: b.top.paymentId }),
    );
    expect(res.body.outcome).toBe("mismatch");
    expect((await state(a.org.id, a.top.paymentId)).payment.status).toBe("failed");
    expect((await state(b.org.id, b.top.paymentId)).payment.status).toBe("pending");
  });

  it("waits for async_payment_succeeded when the completed session isn't paid yet", async () => {
    const { org, top, ref } = await pendingTopUp("10");
    const s = { id: ref, amount_total: 1000, currency: "usd", payment_id: top.paymentId };
    const first = await deliver(sessionEvent(s, { paymentStatus: "unpaid" }));
    expect(first).toMatchObject({ body: { ignored: "not paid yet" } });
    expect((await state(org.id, top.paymentId)).payment.status).toBe("pending");
    const paid = await deliver(sessionEvent(s, { type: "checkout.session.async_payment_succeeded" }));
    expect(paid.body.outcome).toBe("paid");
    expect(Number((await state(org.id, top.paymentId)).balance)).toBe(10);
  });

  it("async_payment_failed fails and expired cancels a pending payment; other events are ignored", async () => {
    const failed = await pendingTopUp("10");
    const res = await deliver(
      sessionEvent(
        { id: failed.ref, amount_total: 1000, currency: "usd", payment_id: failed.top.paymentId },
        { type: "checkout.session.async_payment_failed", paymentStatus: "unpaid" },
      ),
    );
    expect(res.body.outcome).toBe("failed");
    expect((await state(failed.org.id, failed.top.paymentId)).payment.status).toBe("failed");

    const expired = await pendingTopUp("10");
    const s = { id: expired.ref, amount_total: 1000, currency: "usd", payment_id: expired.top.paymentId };
    expect(
      (await deliver(sessionEvent(s, { type: "checkout.session.expired", paymentStatus: "unpaid" }))).body.outcome,
    ).toBe("cancelled");
    expect((await state(expired.org.id, expired.top.paymentId)).payment.status).toBe("cancelled");
    // A completion after expiry (can't happen at Stripe, but a replay order might) credits nothing.
    expect((await deliver(sessionEvent(s))).body.outcome).toBe("already");

    const other = JSON.stringify({
      id: "evt_x",
      object: "event",
      type: "customer.created",
      data: { object: { id: "cus_1" } },
    });
    expect(await deliver(other)).toMatchObject({ body: { ignored: "event type" } });
    expect((await state(expired.org.id, expired.top.paymentId)).ledger).toHaveLength(0);
  });

  it("a pending payment whose session id was never stored adopts it from the signed metadata", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const [p] = await t.db
      .insert(payments)
      .values({
        orgId: org.id,
        userId: admin.id,
        provider: "stripe",
        credits: "25",
        amountMinor: 2500,
        currency: "usd",
      })
      .returning();
    const res = await deliver(
      sessionEvent({ id: "cs_test_lost_ref", amount_total: 2500, currency: "usd", payment_id: p!.id }),
    );
    expect(res.body.outcome).toBe("paid");
    const after = await state(org.id, p!.id);
    expect(after.payment).toMatchObject({ status: "paid", providerRef: "cs_test_lost_ref" });
    expect(Number(after.balance)).toBe(25);
  });
});

describe("stripeFromConfig", () => {
  it("needs both keys", () => {
    expect(stripeFromConfig(parseConfig({}))).toBeNull();
    expect(stripeFromConfig(parseConfig({ STRIPE_SECRET_KEY: "sk_test_1" }))).toBeNull();
    expect(stripeFromConfig(parseConfig({ STRIPE_WEBHOOK_SECRET: "whsec_1" }))).toBeNull();
    expect(stripeFromConfig(parseConfig({ STRIPE_SECRET_KEY: " ", STRIPE_WEBHOOK_SECRET: "whsec_1" }))).toBeNull();
    const provider = stripeFromConfig(
      parseConfig({ STRIPE_SECRET_KEY: "sk_test_1", STRIPE_WEBHOOK_SECRET: "whsec_1" }),
    );
    expect(provider).toBeInstanceOf(StripeProvider);
    expect(provider).toMatchObject({ kind: "stripe", webhookSecret: "whsec_1" });
  });
});

/** A stand-in for api.stripe.com on loopback: records each request and answers like Checkout Sessions do. */
describe("StripeProvider.createCheckout against a local Stripe API", () => {
  const seen: { method: string; path: string; headers: IncomingHttpHeaders; form: URLSearchParams }[] = [];
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        seen.push({ method: req.method!, path: req.url!, headers: req.headers, form: new URLSearchParams(body) });
        res.setHeader("content-type", "application/json");
        if (req.method === "POST" && req.url === "/v1/checkout/sessions") {
          const id = `cs_test_${seen.length}`;
          res.end(JSON.stringify({ id, object: "checkout.session", url: `https://checkout.stripe.com/c/pay/${id}` }));
        } else if (req.method === "POST" && /^\/v1\/checkout\/sessions\/[^/]+\/expire$/.test(req.url!)) {
          const id = req.url!.split("/")[4]!;
          if (id === "cs_test_already_paid") {
            res.statusCode = 400;
            res.end(
              JSON.stringify({
                error: {
                  type: "invalid_request_error",
                  message: "Only Checkout Sessions with a status of open can be expired.",
                },
              }),
            );
          } else res.end(JSON.stringify({ id, object: "checkout.session", status: "expired", url: null }));
        } else {
          res.statusCode = 404;
          res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "Unrecognized request URL" } }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const provider = () =>
    new StripeProvider("sk_test_local_fake", SECRET, {
      host: "127.0.0.1",
      port,
      protocol: "http",
      maxNetworkRetries: 0,
    });

  it("creates a payment-mode session with the payer, the org, the amount and the return URLs", async () => {
    const before = seen.length;
    const paymentId = randomUUID();
    const out = await provider().createCheckout({
      paymentId,
      orgName: "acme",
      payerEmail: "payer@example.com",
      credits: "12.5",
      amountMinor: 1250,
      currency: "eur",
      successUrl: `https://console.test/orgs/acme/credits?payment=${paymentId}`,
      cancelUrl: `https://console.test/orgs/acme/credits?payment=${paymentId}&cancelled=1`,
    });
    expect(seen).toHaveLength(before + 1);
    const r = seen.at(-1)!;
    expect(out).toEqual({
      url: `https://checkout.stripe.com/c/pay/cs_test_${before + 1}`,
      ref: `cs_test_${before + 1}`,
    });
    expect(r.method).toBe("POST");
    expect(r.path).toBe("/v1/checkout/sessions");
    expect(r.headers.authorization).toBe("Bearer sk_test_local_fake");
    expect(r.headers["idempotency-key"]).toBe(`apolo-checkout-${paymentId}`);
    const f = Object.fromEntries(r.form);
    expect(f).toMatchObject({
      mode: "payment",
      customer_email: "payer@example.com",
      client_reference_id: paymentId,
      "metadata[org]": "acme",
      "metadata[payment_id]": paymentId,
      "metadata[credits]": "12.5",
      "payment_intent_data[metadata][org]": "acme",
      "line_items[0][quantity]": "1",
      "line_items[0][price_data][currency]": "eur",
      "line_items[0][price_data][unit_amount]": "1250",
      "line_items[0][price_data][product_data][name]": "12.5 Apolo credits for acme",
      success_url: `https://console.test/orgs/acme/credits?payment=${paymentId}`,
      cancel_url: `https://console.test/orgs/acme/credits?payment=${paymentId}&cancelled=1`,
    });
  });

  it("goes to STRIPE_API_URL when it is set (stripeFromConfig)", async () => {
    const before = seen.length;
    const configured = stripeFromConfig(
      parseConfig({
        STRIPE_SECRET_KEY: "sk_test_local_fake",
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_API_URL: `http://127.0.0.1:${port}`,
      }),
    )!;
    const paymentId = randomUUID();
    const out = await configured.createCheckout({
      paymentId,
      orgName: "acme",
      payerEmail: null,
      credits: "1",
      amountMinor: 100,
      currency: "usd",
      successUrl: "https://console.test/ok",
      cancelUrl: "https://console.test/cancel",
    });
    expect(seen).toHaveLength(before + 1);
    expect(seen.at(-1)!.form.get("client_reference_id")).toBe(paymentId);
    expect(out.ref).toBe(`cs_test_${before + 1}`);
  });

  it("through createTopUp: stores the session id, then the signed webhook credits the org", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const top = await createTopUp(
      t.db,
      as(admin),
      org.name,
      { credits: "100" },
      {
        ...testServices(),
        appUrl: "https://console.test",
        provider: provider(),
        pricing: { pricePerCredit: "0.50", currency: "usd" },
      },
    );
    const r = seen.at(-1)!;
    const ref = `cs_test_${seen.length}`;
    expect(top).toMatchObject({ url: `https://checkout.stripe.com/c/pay/${ref}`, amountMinor: 5000 });
    expect(r.form.get("customer_email")).toBe(admin.email);
    expect(r.form.get("metadata[org]")).toBe(org.name);
    expect(r.form.get("line_items[0][price_data][unit_amount]")).toBe("5000");
    expect(r.form.get("success_url")).toBe(`https://console.test/orgs/${org.name}/credits?payment=${top.paymentId}`);
    expect(r.form.get("cancel_url")).toBe(
      `https://console.test/orgs/${org.name}/credits?payment=${top.paymentId}&cancelled=1`,
    );
    expect((await state(org.id, top.paymentId)).payment.providerRef).toBe(ref);

    const res = await deliver(
      sessionEvent({ id: ref, amount_total: 5000, currency: "usd", payment_id: top.paymentId }),
    );
    expect(res.body.outcome).toBe("paid");
    expect(Number((await state(org.id, top.paymentId)).balance)).toBe(100);
  });

  it("sends the amount in the currency's own minor units: yen (0 decimals), fils (3)", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const topUp = (currency: string) =>
      createTopUp(
        t.db,
        as(admin),
        org.name,
        { credits: "12.5" },
        { ...testServices(), provider: provider(), pricing: { pricePerCredit: "150", currency } },
      );
    // 12.5 credits at 150 yen: 1875 yen, not 187,500.
    const jpy = await topUp("jpy");
    expect(jpy.amountMinor).toBe(1875);
    expect(seen.at(-1)!.form.get("line_items[0][price_data][currency]")).toBe("jpy");
    expect(seen.at(-1)!.form.get("line_items[0][price_data][unit_amount]")).toBe("1875");
    expect((await state(org.id, jpy.paymentId)).payment).toMatchObject({ amountMinor: 1875, currency: "jpy" });
    // 12.5 credits at 150 dinars: 1,875 dinars = 1,875,000 fils.
    const kwd = await topUp("kwd");
    expect(seen.at(-1)!.form.get("line_items[0][price_data][unit_amount]")).toBe("1875000");
    // The webhook's amount_total, in yen, matches the stored payment and credits the org.
    const ref = `cs_test_${seen.length - 1}`;
    const res = await deliver(
      sessionEvent({ id: ref, amount_total: 1875, currency: "jpy", payment_id: jpy.paymentId }),
    );
    expect(res.body.outcome).toBe("paid");
    expect((await state(org.id, kwd.paymentId)).payment.amountMinor).toBe(1_875_000);
  });

  it("expires an open session, and reports a session that can't be expired any more", async () => {
    expect(await provider().expireCheckout("cs_test_open")).toBe(true);
    expect(seen.at(-1)).toMatchObject({ method: "POST", path: "/v1/checkout/sessions/cs_test_open/expire" });
    expect(seen.at(-1)!.headers["idempotency-key"]).toBe("apolo-expire-cs_test_open");
    expect(await provider().expireCheckout("cs_test_already_paid")).toBe(false);
  });

  it("a Stripe API error surfaces as an error and leaves the payment pending without a reference", async () => {
    // Nothing listens on port 1: the request fails like an unreachable Stripe would.
    const closed = new StripeProvider("sk_test_local_fake", SECRET, {
      host: "127.0.0.1",
      port: 1,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    await expect(
      createTopUp(
        t.db,
        as(admin),
        org.name,
        { credits: "10" },
        { ...testServices(), provider: closed, pricing: PRICING },
      ),
    ).rejects.toThrow();
    const [row] = await t.db.select().from(payments).where(eq(payments.orgId, org.id));
    expect(row).toMatchObject({ status: "pending", providerRef: null });
  });
});
