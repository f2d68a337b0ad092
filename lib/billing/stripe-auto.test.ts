/**
 * Automatic top-up with Stripe: the card saved through Checkout in setup mode, off-session PaymentIntents against
 * a local stand-in for api.stripe.com (accepted, processing, declined), and the signed webhook events
 * (setup_intent.succeeded, payment_intent.succeeded — once, replay answers "already" — and
 * payment_intent.payment_failed — off, audit, mail, once). Events are signed with the stripe library's own
 * test helper.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, creditLedger, orgAutoTopups, orgWallets, payments } from "@/db/schema";
import { AUTO_TOPUP_PENDING_LIMIT_MS, getAutoTopUp, runAutoTopUps, setAutoTopUp, startCardSetup } from "./auto-topup";
import { postLedger } from "./ledger";
import { handleStripeWebhook, StripeProvider } from "./stripe";
import { Invalid } from "../core/errors";
import {
  as,
  fundOrg,
  ledgerTotals,
  makeOrg,
  makeUser,
  RecordingMailer,
  SYSTEM,
  TEST_PRICING,
  testServices,
  withTestDatabase,
  paymentServices,
} from "../test/fixtures";

const t = withTestDatabase();
const SECRET = "whsec_test_auto_topup";
const PURPOSE = "apolo_auto_topup";

// ------------------------------------------------------------------------------------- a local Stripe API
const seen: { method: string; path: string; headers: IncomingHttpHeaders; form: URLSearchParams }[] = [];
let server: Server;
let port = 0;
let customers = 0;
let intents = 0;
/** PaymentIntents the local Stripe says succeeded (it refuses to cancel them). */
const succeededIntents = new Set<string>();

function answer(res: import("node:http").ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const form = new URLSearchParams(body);
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, form });
      const url = req.url!;
      if (req.method === "POST" && url === "/v1/customers") {
        return answer(res, 200, { id: `cus_local_${++customers}`, object: "customer" });
      }
      if (req.method === "POST" && url === "/v1/checkout/sessions") {
        const id = `cs_test_setup_${seen.length}`;
        return answer(res, 200, {
          id,
          object: "checkout.session",
          mode: form.get("mode"),
          url: `https://checkout.stripe.com/c/${id}`,
        });
      }
      if (req.method === "GET" && url.startsWith("/v1/payment_methods/")) {
        const id = url.split("/")[3]!.split("?")[0]!;
        if (id === "pm_unreadable") return answer(res, 500, { error: { type: "api_error", message: "boom" } });
        return answer(res, 200, { id, object: "payment_method", type: "card", card: { brand: "visa", last4: "4242" } });
      }
      const cancel = /^\/v1\/payment_intents\/([^/?]+)\/cancel$/.exec(url);
      if (req.method === "POST" && cancel) {
        // Stripe refuses to cancel a PaymentIntent that succeeded (400, payment_intent_unexpected_state).
        if (succeededIntents.has(cancel[1]!)) {
          return answer(res, 400, {
            error: {
              type: "invalid_request_error",
              code: "payment_intent_unexpected_state",
              message: "This PaymentIntent's status is succeeded, so it cannot be canceled.",
            },
          });
        }
        return answer(res, 200, { id: cancel[1], object: "payment_intent", status: "canceled" });
      }
      const read = /^\/v1\/payment_intents\/([^/?]+)$/.exec(url);
      if (req.method === "GET" && read) {
        const status = succeededIntents.has(read[1]!) ? "succeeded" : "canceled";
        return answer(res, 200, { id: read[1], object: "payment_intent", status });
      }
      if (req.method === "POST" && url === "/v1/payment_intents") {
        const id = `pi_local_${++intents}`;
        const pm = form.get("payment_method");
        if (pm === "pm_in_flight") {
          // What Stripe answers while another request with the same idempotency key is in progress.
          return answer(res, 409, {
            error: {
              type: "invalid_request_error",
              code: "idempotency_key_in_use",
              message:
                "There is currently another in-progress request using this Stripe-Idempotency-Key, please try again later.",
            },
          });
        }
        if (pm === "pm_bad_key") {
          return answer(res, 401, {
            error: { type: "invalid_request_error", message: "Invalid API Key provided: sk_test_****fake" },
          });
        }
        if (pm === "pm_card_declined") {
          return answer(res, 402, {
            error: {
              type: "card_error",
              code: "card_declined",
              decline_code: "generic_decline",
              message: "Your card was declined.",
              payment_intent: { id, object: "payment_intent", status: "requires_payment_method" },
            },
          });
        }
        return answer(res, 200, {
          id,
          object: "payment_intent",
          status: pm === "pm_processing" ? "processing" : "succeeded",
          amount: Number(form.get("amount")),
          amount_received: pm === "pm_processing" ? 0 : Number(form.get("amount")),
          currency: form.get("currency"),
        });
      }
      answer(res, 404, { error: { type: "invalid_request_error", message: "Unrecognized request URL" } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const stripeProvider = () =>
  new StripeProvider("sk_test_local_fake", SECRET, { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0 });
const stripeServices = (mailer = new RecordingMailer()) => ({
  ...testServices(mailer),
  provider: stripeProvider(),
  pricing: TEST_PRICING,
});

// ------------------------------------------------------------------------------------------ signed events
function event(type: string, object: Record<string, unknown>) {
  return JSON.stringify({
    id: `evt_test_${randomBytes(8).toString("hex")}`,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  });
}
const sign = (payload: string) => Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
async function deliver(payload: string, mailer = new RecordingMailer(), provider = stripeProvider()) {
  const svc = testServices(mailer);
  return handleStripeWebhook(t.db, SYSTEM, payload, sign(payload), { webhookSecret: SECRET, svc, provider });
}
const setupSucceeded = (orgId: string, customer: string, pm: string) =>
  event("setup_intent.succeeded", {
    id: `seti_${randomBytes(6).toString("hex")}`,
    object: "setup_intent",
    status: "succeeded",
    customer,
    payment_method: pm,
    metadata: { org_id: orgId, purpose: PURPOSE },
  });
const intentEvent = (
  type: "payment_intent.succeeded" | "payment_intent.payment_failed" | "payment_intent.canceled",
  pi: { id: string; amount: number; paymentId: string; currency?: string; message?: string; cancellation?: string },
) =>
  event(type, {
    id: pi.id,
    object: "payment_intent",
    status:
      type === "payment_intent.succeeded"
        ? "succeeded"
        : type === "payment_intent.canceled"
          ? "canceled"
          : "requires_payment_method",
    cancellation_reason: pi.cancellation ?? null,
    amount: pi.amount,
    amount_received: type === "payment_intent.succeeded" ? pi.amount : 0,
    currency: pi.currency ?? "usd",
    metadata: { payment_id: pi.paymentId, org: "x", credits: "100", purpose: PURPOSE },
    last_payment_error: pi.message ? { message: pi.message, type: "card_error" } : null,
  });

// ------------------------------------------------------------------------------------------------ helpers
/** An org with an admin and a manager, `balance` credits, and its card saved as `pm` (through the webhook). */
async function orgWithCard(pm = "pm_card_visa", balance = "100") {
  const [admin, manager] = await Promise.all([makeUser(t.db), makeUser(t.db)]);
  const org = await makeOrg(t.db, { admin, manager });
  await fundOrg(t.db, org, balance);
  await startCardSetup(t.db, as(admin), org.name, stripeServices());
  const [row] = await t.db.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, org.id));
  expect(await deliver(setupSucceeded(org.id, row!.stripeCustomerId!, pm))).toMatchObject({ outcome: "card saved" });
  return { admin, manager, org, customer: row!.stripeCustomerId! };
}
const ON = { enabled: true, threshold: "50", amount: "100", monthlyCap: "1000" };
/** An org with a saved card, automatic top-up ON (below 50, add 100) and a balance of 40: the next pass charges. */
async function belowThreshold(pm?: string) {
  const o = await orgWithCard(pm);
  const mailer = new RecordingMailer();
  const svc = stripeServices(mailer);
  await setAutoTopUp(t.db, as(o.admin), o.org.name, ON, svc);
  await charge(o.org, "60"); // 40: below 50
  return { ...o, mailer, svc };
}
const charge = (org: { id: string }, credits: string) =>
  t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "charge", amount: `-${credits}` }));
const autoPayments = (org: { id: string }) =>
  t.db
    .select()
    .from(payments)
    .where(and(eq(payments.orgId, org.id), eq(payments.kind, "auto")));
const auditOf = (org: { id: string }, action: string) =>
  t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, action as never)));

describe("saving a card (Checkout in setup mode, setup_intent.succeeded)", () => {
  it("creates the customer once, opens a setup-mode session with our metadata, and the webhook stores the card", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    await fundOrg(t.db, org, "100"); // above the threshold it is turned on with at the end
    const before = seen.length;
    const out = await startCardSetup(t.db, as(admin), org.name, stripeServices());
    const [cust, session] = seen.slice(before);
    expect(cust).toMatchObject({ method: "POST", path: "/v1/customers" });
    expect(cust!.headers["idempotency-key"]).toBe(`apolo-customer-${org.id}`);
    expect(Object.fromEntries(cust!.form)).toMatchObject({ name: org.name, "metadata[org_id]": org.id });
    expect(session).toMatchObject({ method: "POST", path: "/v1/checkout/sessions" });
    const customerId = Object.fromEntries(session!.form).customer!;
    expect(Object.fromEntries(session!.form)).toMatchObject({
      mode: "setup",
      customer: customerId,
      "setup_intent_data[metadata][org_id]": org.id,
      "setup_intent_data[metadata][purpose]": PURPOSE,
      success_url: `http://console.test/orgs/${org.name}/settings/general?card=saved`,
      cancel_url: `http://console.test/orgs/${org.name}/settings/general?card=cancelled`,
    });
    expect(out.url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/cs_test_setup_/);
    const [row] = await t.db.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, org.id));
    expect(row).toMatchObject({ stripeCustomerId: customerId, enabled: false, stripePaymentMethodId: null });

    // A second setup reuses the customer.
    const again = seen.length;
    await startCardSetup(t.db, as(admin), org.name, stripeServices());
    expect(seen.slice(again).map((r) => r.path)).toEqual(["/v1/checkout/sessions"]);

    // The session's own completion is only acknowledged: the SetupIntent's event does the work.
    const completed = event("checkout.session.completed", {
      id: "cs_test_setup_x",
      object: "checkout.session",
      mode: "setup",
      status: "complete",
      payment_status: "no_payment_required",
      amount_total: null,
      currency: null,
      metadata: { org_id: org.id, purpose: PURPOSE },
    });
    expect(await deliver(completed)).toEqual({ received: true, ignored: "setup session" });

    expect(await deliver(setupSucceeded(org.id, customerId, "pm_card_visa"))).toEqual({
      received: true,
      outcome: "card saved",
    });
    const view = await getAutoTopUp(t.db, as(admin), org.name, stripeServices());
    expect(view.card).toMatchObject({ label: "visa •••• 4242" });
    expect(view.card!.savedAt).toBeInstanceOf(Date);
    expect(await auditOf(org, "credits.auto_topup_card_saved")).toHaveLength(1);
    // Replayed: nothing changes.
    expect(await deliver(setupSucceeded(org.id, customerId, "pm_card_visa"))).toMatchObject({ outcome: "unchanged" });
    expect(await auditOf(org, "credits.auto_topup_card_saved")).toHaveLength(1);

    // Another customer's SetupIntent naming this org, or one without our purpose, changes nothing.
    expect(await deliver(setupSucceeded(org.id, "cus_someone_else", "pm_other"))).toMatchObject({
      outcome: "unchanged",
    });
    const foreign = event("setup_intent.succeeded", {
      id: "seti_foreign",
      object: "setup_intent",
      customer: customerId,
      payment_method: "pm_other",
      metadata: { org_id: org.id },
    });
    expect(await deliver(foreign)).toEqual({ received: true, ignored: "not ours" });
    const [after] = await t.db.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, org.id));
    expect(after!.stripePaymentMethodId).toBe("pm_card_visa");

    // Now it can be turned on.
    expect(await setAutoTopUp(t.db, as(admin), org.name, ON, stripeServices())).toEqual({
      changed: true,
      enabled: true,
    });
  });

  it("saves the card even when its label can't be read", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    await startCardSetup(t.db, as(admin), org.name, stripeServices());
    const [row] = await t.db.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, org.id));
    expect(await deliver(setupSucceeded(org.id, row!.stripeCustomerId!, "pm_unreadable"))).toMatchObject({
      outcome: "card saved",
    });
    const [after] = await t.db.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, org.id));
    expect(after).toMatchObject({ stripePaymentMethodId: "pm_unreadable", cardLabel: null });
  });

  it("is Stripe only: the sandbox needs no card", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    await expect(startCardSetup(t.db, as(admin), org.name, paymentServices())).rejects.toBeInstanceOf(Invalid);
  });
});

describe("off-session automatic top-ups", () => {
  it("charges the saved card off-session once, and the signed payment_intent.succeeded credits it exactly once", async () => {
    const { admin, manager, org, customer, mailer, svc } = await belowThreshold();

    const before = seen.length;
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 1, completed: 0, failed: 0 });
    const requests = seen.slice(before);
    expect(requests.map((r) => r.path)).toEqual(["/v1/payment_intents"]);
    const [p] = await autoPayments(org);
    expect(requests[0]!.headers["idempotency-key"]).toBe(`apolo-auto-${p!.id}`);
    expect(Object.fromEntries(requests[0]!.form)).toMatchObject({
      amount: "10000",
      currency: "usd",
      customer,
      payment_method: "pm_card_visa",
      off_session: "true",
      confirm: "true",
      "metadata[payment_id]": p!.id,
      "metadata[org]": org.name,
      "metadata[credits]": "100.00000000",
      "metadata[purpose]": PURPOSE,
    });
    expect(p).toMatchObject({ status: "pending", provider: "stripe", kind: "auto", amountMinor: 10000 });
    expect(p!.providerRef).toMatch(/^pi_local_/);
    // Not credited before the webhook; a second pass doesn't charge again.
    expect((await ledgerTotals(t.db, org)).balance).toBe("40.00000000");
    const again = seen.length;
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 0, completed: 0, failed: 0 });
    expect(seen.length).toBe(again);

    const payload = intentEvent("payment_intent.succeeded", { id: p!.providerRef!, amount: 10000, paymentId: p!.id });
    expect(await deliver(payload, mailer)).toEqual({ received: true, outcome: "paid" });
    expect(await deliver(payload, mailer)).toEqual({ received: true, outcome: "already", status: "paid" });
    const totals = await ledgerTotals(t.db, org);
    expect(totals.balance).toBe("140.00000000");
    expect(totals.ledgerSum).toBe(totals.balance);
    const rows = await t.db
      .select()
      .from(creditLedger)
      .where(and(eq(creditLedger.orgId, org.id), eq(creditLedger.kind, "auto_topup")));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: "100.00000000", note: `Automatic top-up · ${p!.providerRef}` });
    const [w] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id));
    expect(w!.autoTopupDueAt).toBeNull();
    const toAdmin = mailer.to(admin.email).filter((m) => /added automatically/.test(m.subject));
    expect(toAdmin).toHaveLength(1);
    expect(toAdmin[0]!.text).toContain(p!.providerRef!);
    expect(toAdmin[0]!.text).toContain("100.00 USD");
    expect(mailer.to(manager.email).filter((m) => /added automatically/.test(m.subject))).toHaveLength(0);
  });

  it("a webhook that arrives before the PaymentIntent id was stored adopts it through metadata.payment_id", async () => {
    const { admin, org } = await orgWithCard();
    const svc = stripeServices();
    await setAutoTopUp(t.db, as(admin), org.name, ON, svc);
    await charge(org, "60");
    // The payment as the worker inserts it, before it charged (no reference yet).
    await t.db.transaction(async (tx) => {
      await tx.insert(payments).values({
        orgId: org.id,
        provider: "stripe",
        kind: "auto",
        credits: "100",
        amountMinor: 10000,
        currency: "usd",
        idempotencyKey: `auto-topup:${org.id}:early`,
      });
    });
    const [p] = await autoPayments(org);
    const payload = intentEvent("payment_intent.succeeded", { id: "pi_early_1", amount: 10000, paymentId: p!.id });
    expect(await deliver(payload)).toEqual({ received: true, outcome: "paid" });
    const [after] = await autoPayments(org);
    expect(after).toMatchObject({ status: "paid", providerRef: "pi_early_1" });
    expect((await ledgerTotals(t.db, org)).balance).toBe("140.00000000");
  });

  it("a declined card (card_declined) marks the payment failed, turns automatic top-up off, audits and mails", async () => {
    const { admin, manager, org, mailer, svc } = await belowThreshold("pm_card_declined");
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 1, completed: 0, failed: 1 });
    const [p] = await autoPayments(org);
    expect(p).toMatchObject({ status: "failed", failureReason: "Your card was declined." });
    expect(p!.providerRef).toMatch(/^pi_local_/);
    expect((await ledgerTotals(t.db, org)).balance).toBe("40.00000000");
    const view = await getAutoTopUp(t.db, as(manager), org.name, svc);
    expect(view).toMatchObject({ enabled: false, disabledReason: "Your card was declined.", canEdit: false });
    expect(view.recent[0]).toMatchObject({ status: "failed", failureReason: "Your card was declined." });
    const [w] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id));
    expect(w).toMatchObject({ autoTopupBelow: null, autoTopupDueAt: null });
    const audit = await auditOf(org, "credits.auto_topup_failed");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toMatchObject({ reason: "Your card was declined.", paymentId: p!.id });
    const off = mailer.to(admin.email).filter((m) => /turned off/.test(m.subject));
    expect(off).toHaveLength(1);
    expect(off[0]!.text).toContain("Your card was declined.");
    // Nothing more is charged.
    const n = seen.length;
    await charge(org, "1");
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 0, completed: 0, failed: 0 });
    expect(seen.length).toBe(n);
  });

  it("payment_intent.payment_failed marks it failed, turns it off, audits and mails, once", async () => {
    const { admin, org, mailer, svc } = await belowThreshold("pm_processing");
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 1, completed: 0, failed: 0 });
    const [p] = await autoPayments(org);
    expect(p).toMatchObject({ status: "pending" });
    const payload = intentEvent("payment_intent.payment_failed", {
      id: p!.providerRef!,
      amount: 10000,
      paymentId: p!.id,
      message: "Your card has insufficient funds.",
    });
    expect(await deliver(payload, mailer)).toEqual({ received: true, outcome: "failed" });
    expect(await deliver(payload, mailer)).toEqual({ received: true, outcome: "unchanged" });
    const [after] = await autoPayments(org);
    expect(after).toMatchObject({ status: "failed", failureReason: "Your card has insufficient funds." });
    const view = await getAutoTopUp(t.db, as(admin), org.name, svc);
    expect(view).toMatchObject({ enabled: false, disabledReason: "Your card has insufficient funds." });
    expect(await auditOf(org, "credits.auto_topup_failed")).toHaveLength(1);
    expect(mailer.to(admin.email).filter((m) => /turned off/.test(m.subject))).toHaveLength(1);
    expect((await ledgerTotals(t.db, org)).balance).toBe("40.00000000");
    // A success event for a failed payment credits nothing.
    const late = intentEvent("payment_intent.succeeded", { id: p!.providerRef!, amount: 10000, paymentId: p!.id });
    expect(await deliver(late, mailer)).toEqual({ received: true, outcome: "already", status: "failed" });
    expect((await ledgerTotals(t.db, org)).balance).toBe("40.00000000");

    // Turning it on again clears the reason.
    await setAutoTopUp(t.db, as(admin), org.name, { ...ON, threshold: "10" }, svc);
    expect((await getAutoTopUp(t.db, as(admin), org.name, svc)).disabledReason).toBeNull();
  });

  it("an amount Stripe reports that disagrees fails it like a decline: off, reason, audit, mail, once; not wedged", async () => {
    const { admin, org, mailer, svc } = await belowThreshold("pm_processing");
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 1, completed: 0, failed: 0 });
    const [p] = await autoPayments(org);
    const reason = "Stripe reported 99.99 USD, not the expected 100.00 USD; nothing was credited.";
    const wrong = intentEvent("payment_intent.succeeded", { id: p!.providerRef!, amount: 9999, paymentId: p!.id });
    expect(await deliver(wrong, mailer)).toEqual({ received: true, outcome: "mismatch" });
    expect(await deliver(wrong, mailer)).toEqual({ received: true, outcome: "already", status: "failed" });
    const [after] = await autoPayments(org);
    expect(after).toMatchObject({ status: "failed", failureReason: reason });
    expect((await ledgerTotals(t.db, org)).balance).toBe("40.00000000");
    expect(await getAutoTopUp(t.db, as(admin), org.name, svc)).toMatchObject({
      enabled: false,
      disabledReason: reason,
    });
    const [w] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id));
    expect(w).toMatchObject({ autoTopupBelow: null, autoTopupDueAt: null });
    const audit = await auditOf(org, "credits.auto_topup_failed");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toMatchObject({ reason, paymentId: p!.id });
    const off = mailer.to(admin.email).filter((m) => /turned off/.test(m.subject));
    expect(off).toHaveLength(1);
    expect(off[0]!.text).toContain(reason);
    // A currency that disagrees is the same path.
    const other = await orgWithCard("pm_processing");
    await setAutoTopUp(t.db, as(other.admin), other.org.name, ON, svc);
    await charge(other.org, "60");
    await runAutoTopUps(t.db, SYSTEM, new Date(), svc);
    const [q] = await autoPayments(other.org);
    const eur = intentEvent("payment_intent.succeeded", {
      id: q!.providerRef!,
      amount: 10000,
      paymentId: q!.id,
      currency: "eur",
    });
    expect(await deliver(eur, mailer)).toEqual({ received: true, outcome: "mismatch" });
    expect((await getAutoTopUp(t.db, as(other.admin), other.org.name, svc)).disabledReason).toBe(
      "Stripe reported 100.00 EUR, not the expected 100.00 USD; nothing was credited.",
    );

    // Turned on again, the balance still below: a new payment, not a wait on the failed one's key.
    await setAutoTopUp(t.db, as(admin), org.name, ON, svc);
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 1, completed: 0, failed: 0 });
    const next = (await autoPayments(org)).find((x) => x.id !== p!.id)!;
    expect(next).toMatchObject({ status: "pending" });
    const paid = intentEvent("payment_intent.succeeded", { id: next.providerRef!, amount: 10000, paymentId: next.id });
    expect(await deliver(paid, mailer)).toEqual({ received: true, outcome: "paid" });
    expect((await ledgerTotals(t.db, org)).balance).toBe("140.00000000");
  });

  it("payment_intent.canceled fails it like a decline: off, reason, audit, mail, once", async () => {
    const { admin, org, mailer, svc } = await belowThreshold("pm_processing");
    await runAutoTopUps(t.db, SYSTEM, new Date(), svc);
    const [p] = await autoPayments(org);
    const payload = intentEvent("payment_intent.canceled", {
      id: p!.providerRef!,
      amount: 10000,
      paymentId: p!.id,
      cancellation: "requested_by_customer",
    });
    const reason = "The payment was cancelled at Stripe (requested by customer).";
    expect(await deliver(payload, mailer)).toEqual({ received: true, outcome: "failed" });
    expect(await deliver(payload, mailer)).toEqual({ received: true, outcome: "unchanged" });
    expect((await autoPayments(org))[0]).toMatchObject({ status: "failed", failureReason: reason });
    expect(await getAutoTopUp(t.db, as(admin), org.name, svc)).toMatchObject({
      enabled: false,
      disabledReason: reason,
      usedThisMonth: "0.00000000",
      pending: false,
    });
    expect(await auditOf(org, "credits.auto_topup_failed")).toHaveLength(1);
    expect(mailer.to(admin.email).filter((m) => /turned off/.test(m.subject))).toHaveLength(1);
    const [w] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id));
    expect(w).toMatchObject({ autoTopupBelow: null, autoTopupDueAt: null });
  });

  it("Stripe's 409 for an idempotency key in use (another worker's request in flight) is not a decline", async () => {
    // stripe-node classifies a 409 by its status: a StripeAPIError, not a StripeInvalidRequestError.
    const r = await stripeProvider().chargeSaved({
      paymentId: "00000000-0000-4000-8000-000000000409",
      orgName: "x",
      customerId: "cus_x",
      paymentMethodId: "pm_in_flight",
      credits: "100",
      amountMinor: 10000,
      currency: "usd",
    });
    expect(r).toEqual({ ok: true, ref: null, status: "in_flight" });

    const { admin, org, mailer, svc } = await belowThreshold("pm_in_flight");
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toMatchObject({ created: 1, failed: 0 });
    expect((await autoPayments(org))[0]).toMatchObject({ status: "pending", failureReason: null, providerRef: null });
    expect(await getAutoTopUp(t.db, as(admin), org.name, svc)).toMatchObject({ enabled: true, disabledReason: null });
    expect(await auditOf(org, "credits.auto_topup_failed")).toHaveLength(0);
    expect(mailer.to(admin.email).filter((m) => /turned off/.test(m.subject))).toHaveLength(0);
    // The webhook settles it (it adopts the PaymentIntent through metadata.payment_id).
    const [p] = await autoPayments(org);
    const paid = intentEvent("payment_intent.succeeded", { id: "pi_in_flight_1", amount: 10000, paymentId: p!.id });
    expect(await deliver(paid, mailer)).toEqual({ received: true, outcome: "paid" });
    expect((await ledgerTotals(t.db, org)).balance).toBe("140.00000000");
  });

  it("an error that isn't a decline (a bad key) is shown in Settings; pending past the bound, it fails and turns off", async () => {
    const { admin, org, mailer, svc } = await belowThreshold("pm_bad_key");
    const start = new Date();
    await runAutoTopUps(t.db, SYSTEM, start, svc);
    const shown = "Stripe answered: Invalid API Key provided: sk_test_****fake";
    expect((await autoPayments(org))[0]).toMatchObject({
      status: "pending",
      failureReason: `Not charged yet, retrying: ${shown}`,
    });
    const view = await getAutoTopUp(t.db, as(admin), org.name, svc);
    expect(view).toMatchObject({ enabled: true, pending: true, usedThisMonth: "100.00000000" });
    expect(view.recent[0]).toMatchObject({ status: "pending", failureReason: `Not charged yet, retrying: ${shown}` });

    // Within the bound it is only retried.
    const later = (ms: number) => new Date(start.getTime() + ms);
    await runAutoTopUps(t.db, SYSTEM, later(AUTO_TOPUP_PENDING_LIMIT_MS - 60_000), svc);
    expect((await autoPayments(org))[0]).toMatchObject({ status: "pending" });
    expect(await auditOf(org, "credits.auto_topup_failed")).toHaveLength(0);

    // Past it: failed with the reason, off, audit, mail — once.
    await runAutoTopUps(t.db, SYSTEM, later(AUTO_TOPUP_PENDING_LIMIT_MS + 60_000), svc);
    await runAutoTopUps(t.db, SYSTEM, later(AUTO_TOPUP_PENDING_LIMIT_MS + 120_000), svc);
    const reason = `The automatic top-up did not complete within an hour: ${shown}`;
    expect((await autoPayments(org))[0]).toMatchObject({ status: "failed", failureReason: reason });
    expect(await getAutoTopUp(t.db, as(admin), org.name, svc)).toMatchObject({
      enabled: false,
      disabledReason: reason,
      pending: false,
      usedThisMonth: "0.00000000",
    });
    expect(await auditOf(org, "credits.auto_topup_failed")).toHaveLength(1);
    const off = mailer.to(admin.email).filter((m) => /turned off/.test(m.subject));
    expect(off).toHaveLength(1);
    expect(off[0]!.text).toContain(reason);
  });

  it("a PaymentIntent pending past the bound is cancelled at Stripe, then failed; one that succeeded stays for the webhook", async () => {
    const stale = await orgWithCard("pm_processing");
    const done = await orgWithCard("pm_processing");
    const mailer = new RecordingMailer();
    const svc = stripeServices(mailer);
    for (const o of [stale, done]) {
      await setAutoTopUp(t.db, as(o.admin), o.org.name, ON, svc);
      await charge(o.org, "60");
    }
    const start = new Date();
    await runAutoTopUps(t.db, SYSTEM, start, svc);
    const [p] = await autoPayments(stale.org);
    const [q] = await autoPayments(done.org);
    succeededIntents.add(q!.providerRef!);

    const before = seen.length;
    await runAutoTopUps(t.db, SYSTEM, new Date(start.getTime() + 2 * AUTO_TOPUP_PENDING_LIMIT_MS), svc);
    const cancels = seen.slice(before).filter((r) => r.path.endsWith("/cancel"));
    expect(cancels.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        `/v1/payment_intents/${p!.providerRef}/cancel`,
        `/v1/payment_intents/${q!.providerRef}/cancel`,
      ]),
    );
    const reason = "The automatic top-up did not complete within an hour.";
    expect((await autoPayments(stale.org))[0]).toMatchObject({ status: "failed", failureReason: reason });
    expect(await getAutoTopUp(t.db, as(stale.admin), stale.org.name, svc)).toMatchObject({
      enabled: false,
      disabledReason: reason,
    });
    expect(mailer.to(stale.admin.email).filter((m) => /turned off/.test(m.subject))).toHaveLength(1);
    // Stripe's own canceled event for it changes nothing more.
    const canceled = intentEvent("payment_intent.canceled", {
      id: p!.providerRef!,
      amount: 10000,
      paymentId: p!.id,
      cancellation: "abandoned",
    });
    expect(await deliver(canceled, mailer)).toEqual({ received: true, outcome: "unchanged" });
    expect(await auditOf(stale.org, "credits.auto_topup_failed")).toHaveLength(1);

    // The one that succeeded at Stripe is left pending, and its webhook credits it.
    expect((await autoPayments(done.org))[0]).toMatchObject({ status: "pending" });
    expect(await getAutoTopUp(t.db, as(done.admin), done.org.name, svc)).toMatchObject({ enabled: true });
    const paid = intentEvent("payment_intent.succeeded", { id: q!.providerRef!, amount: 10000, paymentId: q!.id });
    expect(await deliver(paid, mailer)).toEqual({ received: true, outcome: "paid" });
    expect((await ledgerTotals(t.db, done.org)).balance).toBe("140.00000000");
  });

  it("ignores PaymentIntents that aren't automatic top-ups and refuses a bad signature", async () => {
    const other = event("payment_intent.succeeded", {
      id: "pi_checkout",
      object: "payment_intent",
      amount: 100,
      amount_received: 100,
      currency: "usd",
      metadata: { payment_id: "x" },
    });
    expect(await deliver(other)).toEqual({ received: true, ignored: "not ours" });
    const payload = intentEvent("payment_intent.succeeded", {
      id: "pi_x",
      amount: 1,
      paymentId: "00000000-0000-4000-8000-000000000000",
    });
    await expect(
      handleStripeWebhook(t.db, SYSTEM, payload, "t=1,v1=bad", { webhookSecret: SECRET, svc: testServices() }),
    ).rejects.toThrow(/signature/i);
    expect(await deliver(payload)).toEqual({ received: true, ignored: "unknown payment" });
  });
});
