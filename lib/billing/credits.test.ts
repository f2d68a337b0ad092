/**
 * Credits: exact amounts, the ledger invariant, top-ups (sandbox and the Stripe webhook path), grants by
 * platform admins, the ledger view and CSV, low-balance notices and member quotas. Real database, no mocks.
 */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rawRows } from "@/db/client";
import { auditEvents, creditLedger, jobs, orgMembers, orgs, payments } from "@/db/schema";
import { completePayment } from "./internal";
import { cancelPayment, createTopUp, getPayment, paySandboxPayment, TOP_UP_PRESETS } from "./top-ups";
import { exportLedgerCsv, getCreditsSummary, listLedger } from "./credits-view";
import { grantCredits } from "./grants";
import { setMemberQuota } from "./quotas";
import { setOrgCreditSettings } from "./org-credit-settings";
import { Forbidden, Invalid, NotFound, RateLimited, Unauthenticated } from "../core/errors";
import { acceptInvitation } from "../orgs/invitations";
import { meterUsage } from "../compute/internal";
import { formatCredits, priceInMinorUnits } from "../core/money";
import {
  addMember,
  as,
  FakeStripeProvider,
  fundOrg,
  joinByUsername,
  ledgerTotals,
  makeCluster,
  makeInvitation,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  paymentServices,
  plusSeconds,
  RecordingMailer,
  TEST_APP_URL,
  testServices,
  uniqueName,
  withTestDatabase,
  withConfig,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();

async function team() {
  const admin = await makeUser(t.db);
  const manager = await makeUser(t.db);
  const user = await makeUser(t.db);
  const outsider = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  return { org, admin, manager, user, outsider };
}

/** The Invalid an operation throws, for asserting on its field messages. */
async function invalid(p: Promise<unknown>): Promise<Record<string, string[]>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Invalid);
  return (err as Invalid).fieldErrors;
}

async function ledgerOf(orgId: string) {
  return t.db.select().from(creditLedger).where(eq(creditLedger.orgId, orgId)).orderBy(asc(creditLedger.id));
}

async function paymentRow(id: string) {
  const [p] = await t.db.select().from(payments).where(eq(payments.id, id));
  return p!;
}

async function memberRow(orgId: string, userId: string) {
  const [m] = await t.db
    .select()
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)));
  return m!;
}

/** A job at `creditsPerHour` in the org, started an hour ago on a whole second; charge(n) meters n more seconds. */
/**
 * A job metered by the system, started two minutes before an exact UTC hour in the past: its charges up to 120 s
 * fall in one hour's ledger row, later ones in the next hour's (issue 14: one row per job per UTC hour).
 */
async function meteredJob(org: { id: string }, owner: { id: string }, creditsPerHour: string) {
  const cluster = await makeCluster(t.db, { presets: { p: creditsPerHour } });
  const start = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000 - 120_000);
  const job = await makeJob(t.db, { org, user: owner, cluster, preset: cluster.presets.p!, startedAt: start });
  let seconds = 0;
  return {
    job,
    cluster,
    async charge(n: number, mailer = new RecordingMailer()) {
      seconds += n;
      return meterUsage(
        t.db,
        SYSTEM,
        [{ jobId: job.id, until: plusSeconds(start, seconds), idempotencyKey: `test:${job.id}:${seconds}` }],
        testServices(mailer),
      );
    },
  };
}

describe("exact amounts", () => {
  it("adds grants of 0.1 and 0.2 to exactly 0.30", async () => {
    const { org } = await team();
    const op = await makePlatformAdmin(t.db);
    const svc = testServices();
    await grantCredits(t.db, as(op), { org: org.name, amount: "0.1" }, svc);
    const r = await grantCredits(t.db, as(op), { org: org.name, amount: "0.2" }, svc);
    expect(r.balance).toBe("0.30000000");
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "0.30000000", ledgerSum: "0.30000000" });
    expect((await ledgerOf(org.id)).map((l) => [l.amount, l.balanceAfter])).toEqual([
      ["0.10000000", "0.10000000"],
      ["0.20000000", "0.30000000"],
    ]);
  });

  it("adds sandbox top-ups of 1.10 and 2.20 to exactly 3.30", async () => {
    const { org, user } = await team();
    const svc = paymentServices();
    for (const credits of ["1.1", "2.20"]) {
      const { paymentId } = await createTopUp(t.db, as(user), org.name, { credits }, svc);
      await paySandboxPayment(t.db, as(user), org.name, paymentId, svc);
    }
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "3.30000000", ledgerSum: "3.30000000" });
  });

  it("keeps balance = Σ ledger, and spent = Σ charges, through top-ups, grants, set, charges and replays", async () => {
    const { org, admin, manager, user } = await team();
    const op = await makePlatformAdmin(t.db);
    const svc = paymentServices();
    const { paymentId } = await createTopUp(t.db, as(user), org.name, { credits: "12.34" }, svc);
    await paySandboxPayment(t.db, as(user), org.name, paymentId, svc);
    await completePayment(t.db, SYSTEM, { provider: "sandbox", paymentId }, svc);
    await grantCredits(t.db, as(op), { org: org.name, amount: "0.07" }, svc);
    const a = await meteredJob(org, user, "1.2345");
    const b = await meteredJob(org, manager, "7");
    for (let i = 0; i < 5; i++) {
      await a.charge(7);
      await b.charge(13);
    }
    await grantCredits(t.db, as(op), { org: org.name, mode: "set", amount: "3.03" }, svc);
    await a.charge(61);
    await grantCredits(t.db, as(op), { org: org.name, amount: "99.99", note: "goodwill" }, svc);
    const totals = await ledgerTotals(t.db, org);
    expect(totals.balance).toBe(totals.ledgerSum);
    expect(totals.spent).toBe(totals.charged);
    // Members' spending is the sum of their own charges.
    for (const m of [admin, manager, user]) {
      const [row] = await rawRows<{ charged: string }>(
        t.db,
        sql`select coalesce(-sum(amount), 0)::numeric(24, 8)::text as charged from credit_ledger
            where org_id = ${org.id} and member_id = ${m.id} and kind = 'charge'`,
      );
      expect((await memberRow(org.id, m.id)).spent).toBe(row!.charged);
    }
    // A job's charges grow one row per UTC hour (issue 14), whose balance_after is the balance after its last
    // charge; the row written last carries the balance as it is.
    const rows = await ledgerOf(org.id);
    expect(rows.filter((r) => r.jobId === a.job.id)).toHaveLength(1); // 5 × 7 s, then 61 s more: 96 s, one hour
    expect(rows.filter((r) => r.jobId === b.job.id)).toHaveLength(1); // 5 × 13 s, all before the hour
    const last = rows.reduce((x, y) => ((y.updatedAt ?? y.createdAt) >= (x.updatedAt ?? x.createdAt) ? y : x));
    expect(last).toMatchObject({ note: "goodwill", balanceAfter: totals.balance });
  });
});

describe("money helpers (exact, from the decimal strings)", () => {
  it("formats credits with grouping, rounding half away from zero, at any size", () => {
    expect(formatCredits("1234.5")).toBe("1,234.50");
    expect(formatCredits("0.30000000")).toBe("0.30");
    expect(formatCredits("0.00499999")).toBe("0.00");
    expect(formatCredits("0.005")).toBe("0.01");
    expect(formatCredits("999.995")).toBe("1,000.00");
    expect(formatCredits("-5.00000000")).toBe("-5.00");
    expect(formatCredits("-0.004")).toBe("0.00");
    expect(formatCredits("-1.005")).toBe("-1.01");
    expect(formatCredits("1234567890123456.78901234")).toBe("1,234,567,890,123,456.79");
    expect(formatCredits("100000", 0)).toBe("100,000");
    expect(formatCredits(null)).toBe("Unlimited");
  });

  it("prices credits in minor units without floating point", () => {
    expect(priceInMinorUnits("0.1", "1.00", "usd") + priceInMinorUnits("0.2", "1.00", "usd")).toBe(30);
    expect(priceInMinorUnits("100000", "1.00", "usd")).toBe(10_000_000);
    expect(priceInMinorUnits("10.5", "0.0125", "usd")).toBe(13);
    expect(priceInMinorUnits("1", "0.0049", "usd")).toBe(0);
    expect(priceInMinorUnits("1", "0.005", "usd")).toBe(1);
    expect(priceInMinorUnits("99999.99", "9999.9999", "usd")).toBe(99_999_989_000);
  });
});

describe("top-up", () => {
  it("offers 10, 100 and 1000", () => {
    expect([...TOP_UP_PRESETS]).toEqual(["10", "100", "1000"]);
  });

  it("takes 1 to 100,000 credits with at most two decimals, and writes nothing for anything else", async () => {
    const { org, user } = await team();
    const svc = paymentServices();
    const cases: [string, string][] = [
      ["0.99", "Amount must be at least 1."],
      ["0", "Amount must be at least 1."],
      ["100000.01", "Amount must be at most 100,000."],
      ["1.234", "Amount must be a number with at most two decimals."],
      ["abc", "Amount must be a number with at most two decimals."],
      ["-5", "Amount must be a number with at most two decimals."],
      ["1e3", "Amount must be a number with at most two decimals."],
      ["", "Enter an amount."],
    ];
    for (const [credits, message] of cases) {
      const fields = await invalid(createTopUp(t.db, as(user), org.name, { credits }, svc));
      expect(fields.credits, credits).toEqual([message]);
    }
    expect(await t.db.select().from(payments).where(eq(payments.orgId, org.id))).toEqual([]);

    for (const [credits, stored, minor] of [
      ["1", "1.00000000", 100],
      ["100000", "100000.00000000", 10_000_000],
      [" 10.5 ", "10.50000000", 1050],
      ["007.25", "7.25000000", 725],
    ] as const) {
      const r = await createTopUp(t.db, as(user), org.name, { credits }, svc);
      expect(r.amountMinor, credits).toBe(minor);
      expect(r.currency).toBe("usd");
      const p = await paymentRow(r.paymentId);
      expect(p).toMatchObject({ credits: stored, amountMinor: minor, status: "pending", provider: "sandbox" });
      expect(p.userId).toBe(user.id);
    }
  });

  it("prices at the configured price per credit, exactly", async () => {
    const { org, user } = await team();
    const svc = { ...paymentServices(), pricing: { pricePerCredit: "0.0125", currency: "eur" } };
    const r = await createTopUp(t.db, as(user), org.name, { credits: "10.5" }, svc);
    // 10.5 × 0.0125 = 0.13125 → 13 cents (half up).
    expect(r).toMatchObject({ amountMinor: 13, currency: "eur" });
  });

  it("sends the payer to the sandbox checkout page of the payment", async () => {
    const { org, user } = await team();
    const r = await createTopUp(t.db, as(user), org.name, { credits: "10" }, paymentServices());
    expect(r.url).toBe(`${TEST_APP_URL}/orgs/${org.name}/credits/checkout/${r.paymentId}`);
    const p = await getPayment(t.db, as(user), org.name, r.paymentId);
    expect(p).toMatchObject({ status: "pending", amount: "10.00", credits: "10.00000000" });
  });

  it("is open to every member by default; an admin can restrict it to managers and above", async () => {
    const { org, admin, manager, user, outsider } = await team();
    const svc = paymentServices();
    for (const m of [user, manager, admin]) {
      await createTopUp(t.db, as(m), org.name, { credits: "10" }, svc);
    }
    expect((await getCreditsSummary(t.db, as(user), org.name)).canTopUp).toBe(true);
    await expect(createTopUp(t.db, as(outsider), org.name, { credits: "10" }, svc)).rejects.toBeInstanceOf(NotFound);
    await expect(createTopUp(t.db, null, org.name, { credits: "10" }, svc)).rejects.toBeInstanceOf(Unauthenticated);

    // Only admins change who may top up; a manager's save of both fields is refused whole (the default limit,
    // which a manager may set alone, is not changed either).
    await expect(setOrgCreditSettings(t.db, as(manager), org.name, { topUpMinRole: "manager" })).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(
      setOrgCreditSettings(t.db, as(manager), org.name, { defaultUserCreditLimit: "42", topUpMinRole: "manager" }),
    ).rejects.toBeInstanceOf(Forbidden);
    const [untouched] = await t.db.select().from(orgs).where(eq(orgs.id, org.id));
    expect(untouched).toMatchObject({ defaultUserCreditLimit: null, topUpMinRole: "user" });
    expect(await setOrgCreditSettings(t.db, as(admin), org.name, { topUpMinRole: "manager" })).toEqual({
      changed: true,
    });
    const refused = createTopUp(t.db, as(user), org.name, { credits: "10" }, svc);
    await expect(refused).rejects.toBeInstanceOf(Forbidden);
    await expect(refused).rejects.toThrow(`In ${org.name}, only managers and above can top up.`);
    await createTopUp(t.db, as(manager), org.name, { credits: "10" }, svc);
    expect((await getCreditsSummary(t.db, as(user), org.name)).canTopUp).toBe(false);
    expect((await getCreditsSummary(t.db, as(manager), org.name)).canTopUp).toBe(true);
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "org.credit_settings_changed")));
    expect(audit).toMatchObject({ actorId: admin.id, after: { topUpMinRole: "manager" } });
    // The refused top-up wrote no payment.
    const rows = await t.db
      .select()
      .from(payments)
      .where(and(eq(payments.orgId, org.id), eq(payments.userId, user.id)));
    expect(rows).toHaveLength(1);
  });

  it("is rate-limited per account", async () => {
    const { org, user } = await team();
    const svc = paymentServices();
    for (let i = 0; i < 20; i++) await createTopUp(t.db, as(user), org.name, { credits: "1" }, svc);
    await expect(createTopUp(t.db, as(user), org.name, { credits: "1" }, svc)).rejects.toBeInstanceOf(RateLimited);
  });

  it("credits a sandbox payment exactly once and mails the payer a receipt", async () => {
    const { org, user, manager } = await team();
    const mailer = new RecordingMailer();
    const svc = paymentServices(mailer);
    await fundOrg(t.db, org, "500");
    const { paymentId } = await createTopUp(t.db, as(user), org.name, { credits: "10" }, svc);
    expect((await ledgerTotals(t.db, org)).balance).toBe("500.00000000");

    const paid = await paySandboxPayment(t.db, as(user), org.name, paymentId, svc);
    expect(paid).toEqual({ outcome: "paid", orgName: org.name, credits: "10.00000000", balance: "510.00000000" });
    const p = await paymentRow(paymentId);
    expect(p.status).toBe("paid");
    expect(p.completedAt).toBeInstanceOf(Date);
    const topups = (await ledgerOf(org.id)).filter((l) => l.kind === "topup");
    expect(topups).toHaveLength(1);
    expect(topups[0]).toMatchObject({
      amount: "10.00000000",
      balanceAfter: "510.00000000",
      actorId: user.id,
      paymentId,
      idempotencyKey: `payment:${paymentId}`,
    });
    expect(mailer.sent).toHaveLength(1);
    const [receipt] = mailer.to(user.email);
    expect(receipt!.subject).toBe(`Receipt: 10.00 credits for ${org.name}`);
    expect(receipt!.text).toContain("Paid: 10.00 USD");
    expect(receipt!.text).toContain("New balance: 510.00 credits");
    expect(receipt!.text).toContain(`${TEST_APP_URL}/orgs/${org.name}/credits`);

    // Replays (a second click, a webhook delivered twice) change nothing and mail nothing.
    expect(await completePayment(t.db, SYSTEM, { provider: "sandbox", paymentId }, svc)).toEqual({
      outcome: "already",
      status: "paid",
    });
    expect(await paySandboxPayment(t.db, as(user), org.name, paymentId, svc)).toMatchObject({ outcome: "already" });
    expect((await ledgerOf(org.id)).filter((l) => l.kind === "topup")).toHaveLength(1);
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "510.00000000", ledgerSum: "510.00000000" });
    expect(mailer.sent).toHaveLength(1);
    // Only the payer pays their checkout; other members don't see it.
    const other = await createTopUp(t.db, as(user), org.name, { credits: "5" }, svc);
    await expect(paySandboxPayment(t.db, as(manager), org.name, other.paymentId, svc)).rejects.toBeInstanceOf(NotFound);
    expect((await paymentRow(other.paymentId)).status).toBe("pending");
  });

  it("moves a payment pending → cancelled, and a cancelled or paid payment nowhere else", async () => {
    const { org, user } = await team();
    const svc = paymentServices();
    const a = await createTopUp(t.db, as(user), org.name, { credits: "10" }, svc);
    expect(await cancelPayment(t.db, as(user), org.name, a.paymentId)).toEqual({
      cancelled: true,
      status: "cancelled",
    });
    expect((await paymentRow(a.paymentId)).completedAt).toBeInstanceOf(Date);
    expect(await cancelPayment(t.db, as(user), org.name, a.paymentId)).toEqual({
      cancelled: false,
      status: "cancelled",
    });
    expect(await paySandboxPayment(t.db, as(user), org.name, a.paymentId, svc)).toEqual({
      outcome: "already",
      status: "cancelled",
    });
    expect((await paymentRow(a.paymentId)).status).toBe("cancelled");

    const b = await createTopUp(t.db, as(user), org.name, { credits: "10" }, svc);
    await paySandboxPayment(t.db, as(user), org.name, b.paymentId, svc);
    expect(await cancelPayment(t.db, as(user), org.name, b.paymentId)).toEqual({ cancelled: false, status: "paid" });
    expect((await paymentRow(b.paymentId)).status).toBe("paid");
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "10.00000000", ledgerSum: "10.00000000" });
  });

  it("shows a payment only to its payer, in its org", async () => {
    const { org, user, manager, admin } = await team();
    const otherOrg = await makeOrg(t.db, { admin: user });
    const svc = paymentServices();
    const { paymentId } = await createTopUp(t.db, as(user), org.name, { credits: "10" }, svc);
    await expect(getPayment(t.db, as(manager), org.name, paymentId)).rejects.toBeInstanceOf(NotFound);
    await expect(getPayment(t.db, as(admin), org.name, paymentId)).rejects.toBeInstanceOf(NotFound);
    await expect(getPayment(t.db, as(user), otherOrg.name, paymentId)).rejects.toBeInstanceOf(NotFound);
    await expect(getPayment(t.db, as(user), org.name, "not-a-uuid")).rejects.toBeInstanceOf(NotFound);
    await expect(cancelPayment(t.db, as(admin), org.name, paymentId)).rejects.toBeInstanceOf(NotFound);
    expect((await paymentRow(paymentId)).status).toBe("pending");
  });

  it("answers unknown payments as unknown", async () => {
    const svc = testServices();
    expect(
      await completePayment(
        t.db,
        SYSTEM,
        { provider: "sandbox", paymentId: "00000000-0000-4000-8000-000000000000" },
        svc,
      ),
    ).toEqual({ outcome: "unknown" });
    expect(
      await completePayment(
        t.db,
        SYSTEM,
        { provider: "stripe", ref: "cs_test_nope", amountMinor: 100, currency: "usd" },
        svc,
      ),
    ).toEqual({ outcome: "unknown" });
  });

  it("through the Stripe path: credits a matching completion once, fails a mismatching one without credit", async () => {
    const { org, user } = await team();
    const stripe = new FakeStripeProvider();
    const mailer = new RecordingMailer();
    const svc = paymentServices(mailer, stripe);
    const start = async () => {
      const r = await createTopUp(t.db, as(user), org.name, { credits: "10" }, svc);
      const p = await paymentRow(r.paymentId);
      expect(p.provider).toBe("stripe");
      expect(r.url).toBe(`https://checkout.stripe.test/c/${p.providerRef}`);
      return { id: r.paymentId, ref: p.providerRef! };
    };
    expect(stripe.sessions[0]).toBeUndefined();

    // The amount disagrees with the stored payment: failed, nothing credited, no receipt.
    const a = await start();
    expect(stripe.sessions[0]).toMatchObject({ payerEmail: user.email, orgName: org.name, amountMinor: 1000 });
    expect(
      await completePayment(t.db, SYSTEM, { provider: "stripe", ref: a.ref, amountMinor: 999, currency: "usd" }, svc),
    ).toEqual({ outcome: "mismatch" });
    expect((await paymentRow(a.id)).status).toBe("failed");
    // Replaying it, even with the right amount, changes nothing.
    expect(
      await completePayment(t.db, SYSTEM, { provider: "stripe", ref: a.ref, amountMinor: 1000, currency: "usd" }, svc),
    ).toEqual({ outcome: "already", status: "failed" });

    // The currency disagrees, or the metadata names another payment.
    const b = await start();
    expect(
      await completePayment(t.db, SYSTEM, { provider: "stripe", ref: b.ref, amountMinor: 1000, currency: "eur" }, svc),
    ).toEqual({ outcome: "mismatch" });
    const c = await start();
    expect(
      await completePayment(
        t.db,
        SYSTEM,
        { provider: "stripe", ref: c.ref, amountMinor: 1000, currency: "usd", paymentId: a.id },
        svc,
      ),
    ).toEqual({ outcome: "mismatch" });
    expect(await ledgerOf(org.id)).toEqual([]);
    expect(mailer.sent).toEqual([]);

    // A matching completion (currency in any case) credits once.
    const d = await start();
    const event = { provider: "stripe" as const, ref: d.ref, amountMinor: 1000, currency: "USD", paymentId: d.id };
    expect(await completePayment(t.db, SYSTEM, event, svc)).toMatchObject({ outcome: "paid", balance: "10.00000000" });
    expect(await completePayment(t.db, SYSTEM, event, svc)).toEqual({ outcome: "already", status: "paid" });
    expect(mailer.to(user.email)).toHaveLength(1);
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "10.00000000", ledgerSum: "10.00000000" });

    // A Stripe payment can't be completed through the sandbox.
    const e = await start();
    expect(await completePayment(t.db, SYSTEM, { provider: "sandbox", paymentId: e.id }, svc)).toEqual({
      outcome: "unknown",
    });
    await expect(paySandboxPayment(t.db, as(user), org.name, e.id, svc)).rejects.toBeInstanceOf(Forbidden);
    expect((await paymentRow(e.id)).status).toBe("pending");
  });
});

describe("grantCredits (platform admins)", () => {
  it("is refused to everyone else, org admins included, and writes nothing", async () => {
    const { org, admin, manager, user, outsider } = await team();
    const svc = testServices();
    for (const who of [admin, manager, user, outsider]) {
      await expect(grantCredits(t.db, as(who), { org: org.name, amount: "100" }, svc)).rejects.toBeInstanceOf(NotFound);
    }
    await expect(grantCredits(t.db, null, { org: org.name, amount: "100" }, svc)).rejects.toBeInstanceOf(
      Unauthenticated,
    );
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "0.00000000", entries: 0 });
  });

  it("adds credits as a grant with the admin as actor, audited", async () => {
    const { org } = await team();
    const op = await makePlatformAdmin(t.db);
    const r = await grantCredits(t.db, as(op), { org: org.name, amount: "250.5", note: "pilot" }, testServices());
    expect(r).toEqual({ org: org.name, balance: "250.50000000", delta: "250.5" });
    const [row] = await ledgerOf(org.id);
    expect(row).toMatchObject({ kind: "grant", amount: "250.50000000", actorId: op.id, note: "pilot" });
    expect(row!.memberId).toBeNull();
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "credits.granted")));
    expect(audit).toMatchObject({ actorId: op.id, before: { balance: "0.00000000" } });
  });

  it("sets the balance, recording the difference (up or down) as an adjustment", async () => {
    const { org } = await team();
    const op = await makePlatformAdmin(t.db);
    const svc = testServices();
    await fundOrg(t.db, org, "3.3");
    expect(await grantCredits(t.db, as(op), { org: org.name, mode: "set", amount: "10" }, svc)).toMatchObject({
      balance: "10.00000000",
      delta: "6.70000000",
    });
    expect(await grantCredits(t.db, as(op), { org: org.name, mode: "set", amount: "2.5" }, svc)).toMatchObject({
      balance: "2.50000000",
      delta: "-7.50000000",
    });
    const grants = (await ledgerOf(org.id)).filter((l) => l.actorId === op.id);
    expect(grants.map((g) => [g.kind, g.amount, g.note])).toEqual([
      ["adjustment", "6.70000000", "balance set to 10"],
      ["adjustment", "-7.50000000", "balance set to 2.5"],
    ]);
    // Setting below zero is allowed for an operator correcting a balance.
    await grantCredits(t.db, as(op), { org: org.name, mode: "set", amount: "-1" }, svc);
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "-1.00000000", ledgerSum: "-1.00000000" });
  });

  it("refuses non-positive additions, bad amounts and unknown orgs", async () => {
    const { org } = await team();
    const op = await makePlatformAdmin(t.db);
    const svc = testServices();
    for (const amount of ["0", "0.00", "-5"]) {
      expect((await invalid(grantCredits(t.db, as(op), { org: org.name, amount }, svc))).amount).toEqual([
        "A grant must be positive.",
      ]);
    }
    for (const amount of ["1.234", "abc", ""]) {
      expect((await invalid(grantCredits(t.db, as(op), { org: org.name, amount }, svc))).amount).toEqual([
        "Enter an amount with at most two decimals.",
      ]);
    }
    expect((await invalid(grantCredits(t.db, as(op), { org: "no-such-org", amount: "5" }, svc))).org).toEqual([
      "No organization named 'no-such-org'.",
    ]);
    expect(await ledgerTotals(t.db, org)).toMatchObject({ entries: 0 });
  });

  it("accepts platform admins named in PLATFORM_ADMINS (any case)", async () => {
    const { org } = await team();
    const named = await makeUser(t.db);
    await withConfig({ PLATFORM_ADMINS: ` someone-else , ${named.username.toUpperCase()} ` }, async () => {
      const r = await grantCredits(t.db, as(named), { org: org.name, amount: "1" }, testServices());
      expect(r.balance).toBe("1.00000000");
    });
    await expect(grantCredits(t.db, as(named), { org: org.name, amount: "1" }, testServices())).rejects.toBeInstanceOf(
      NotFound,
    );
  });
});

describe("the ledger view and CSV", () => {
  async function ledgerWorld() {
    const w = await team();
    const op = await makePlatformAdmin(t.db);
    const svc = paymentServices();
    await grantCredits(t.db, as(op), { org: w.org.name, amount: "100", note: '=HYPERLINK("http://x")' }, svc);
    const { paymentId } = await createTopUp(t.db, as(w.user), w.org.name, { credits: "20" }, svc);
    await paySandboxPayment(t.db, as(w.user), w.org.name, paymentId, svc);
    const mine = await meteredJob(w.org, w.user, "36");
    const theirs = await meteredJob(w.org, w.manager, "72");
    await mine.charge(100); // 1.00
    await theirs.charge(100); // 2.00
    await mine.charge(50); // 0.50
    return { ...w, op, mine, theirs };
  }

  it("shows managers and admins every entry, newest first, with who and which job", async () => {
    const w = await ledgerWorld();
    for (const viewer of [w.manager, w.admin]) {
      const r = await listLedger(t.db, as(viewer), w.org.name, {});
      expect(r.total).toBe(5);
      expect(r.rows.map((x) => [x.kind, x.amount])).toEqual([
        ["charge", "-0.50000000"],
        ["charge", "-2.00000000"],
        ["charge", "-1.00000000"],
        ["topup", "20.00000000"],
        ["grant", "100.00000000"],
      ]);
      expect(r.rows[0]).toMatchObject({ member: w.user.username, jobName: w.mine.job.name, actor: null });
      expect(r.rows[3]).toMatchObject({ actor: w.user.username, balanceAfter: "120.00000000" });
      expect(r.rows[4]).toMatchObject({ actor: w.op.username });
    }
  });

  it("shows users the balance's additions and their own charges only", async () => {
    const w = await ledgerWorld();
    const r = await listLedger(t.db, as(w.user), w.org.name, {});
    expect(r.rows.map((x) => [x.kind, x.amount])).toEqual([
      ["charge", "-0.50000000"],
      ["charge", "-1.00000000"],
      ["topup", "20.00000000"],
      ["grant", "100.00000000"],
    ]);
    expect(r.total).toBe(4);
    // Asking for someone else's charges finds nothing.
    expect((await listLedger(t.db, as(w.user), w.org.name, { member: w.manager.username })).rows).toEqual([]);
    const csv = await exportLedgerCsv(t.db, as(w.user), w.org.name, {});
    expect(csv.trimEnd().split("\r\n")).toHaveLength(5);
    await expect(listLedger(t.db, as(w.outsider), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(exportLedgerCsv(t.db, null, w.org.name, {})).rejects.toBeInstanceOf(Unauthenticated);
  });

  it("filters by kind, member and date, and pages", async () => {
    const w = await ledgerWorld();
    const m = as(w.manager);
    expect((await listLedger(t.db, m, w.org.name, { kind: "charge" })).total).toBe(3);
    expect((await listLedger(t.db, m, w.org.name, { kind: "topup" })).rows.map((r) => r.amount)).toEqual([
      "20.00000000",
    ]);
    expect((await listLedger(t.db, m, w.org.name, { member: w.manager.username.toUpperCase() })).total).toBe(1);
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await listLedger(t.db, m, w.org.name, { from: today, to: today })).total).toBe(5);
    expect((await listLedger(t.db, m, w.org.name, { from: tomorrow })).total).toBe(0);
    const page = await listLedger(t.db, m, w.org.name, { pageSize: "25", page: "2" });
    expect(page.rows).toEqual([]);
    expect(page.total).toBe(5);
    // Nonsense in the query falls back to the defaults instead of failing.
    const odd = await listLedger(t.db, m, w.org.name, { kind: "bogus", page: "-3", pageSize: "7", from: "yesterday" });
    expect(odd.query).toMatchObject({ kind: undefined, page: 1, pageSize: 50, from: undefined });
    expect(odd.total).toBe(5);
  });

  it("exports CSV with a header, CRLF lines, quoted cells and spreadsheet formulas neutralized", async () => {
    const w = await ledgerWorld();
    const csv = await exportLedgerCsv(t.db, as(w.admin), w.org.name, {});
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(
      "time,hour,last_updated,kind,amount,amount_exact,balance_after,balance_after_exact,actor,member,job,project,cluster,note",
    );
    expect(lines.at(-1)).toBe("");
    expect(lines).toHaveLength(7);
    // A job's hourly row: its hour span, a readable kind, 2 decimals next to the exact value, job and cluster.
    const [job] = await t.db
      .select()
      .from(creditLedger)
      .where(eq(creditLedger.jobId, w.mine.job.id))
      .orderBy(desc(creditLedger.id));
    const hh = job!.periodStart!.getUTCHours().toString().padStart(2, "0");
    expect(lines[1]).toBe(
      [
        job!.createdAt.toISOString(),
        `${hh}:00–${hh}:59`,
        "",
        "Charge",
        "-0.50",
        "-0.50000000",
        "116.50",
        "116.50000000",
      ]
        .concat(["", w.user.username, w.mine.job.name, "", w.mine.cluster.name, ""])
        .map((v) => `"${v}"`)
        .join(","),
    );
    expect(lines[4]).toContain(`"Top-up","20.00","20.00000000","120.00","120.00000000","${w.user.username}"`);
    // The operator's note "=HYPERLINK(...)" can't run as a formula, and quotes are doubled.
    expect(lines[5]).toContain(
      `"Grant","100.00","100.00000000","100.00","100.00000000","${w.op.username}","","","","","'=HYPERLINK(""http://x"")"`,
    );
    const charges = await exportLedgerCsv(t.db, as(w.admin), w.org.name, { kind: "charge" });
    expect(charges.trimEnd().split("\r\n")).toHaveLength(4);
  });
});

describe("getCreditsSummary", () => {
  it("gives the org's balance and spending and the caller's own limit and spending", async () => {
    const { org, user, manager, outsider } = await team();
    await fundOrg(t.db, org, "10.5");
    await setMemberQuota(t.db, as(manager), org.name, {
      username: user.username,
      creditLimit: "5",
      maxRunningJobs: "2",
    });
    const job = await meteredJob(org, user, "3600");
    await job.charge(3);
    const s = await getCreditsSummary(t.db, as(user), org.name);
    expect(s).toEqual({
      org: org.name,
      role: "user",
      balance: "7.50000000",
      spent: "3.00000000",
      lowBalance: true, // 10.5 → 7.5 crossed the 10 threshold
      projectionNotifiedSeconds: null, // no warning by projection sent
      me: { creditLimit: "5.00000000", spent: "3.00000000", maxRunningJobs: 2 },
      canTopUp: true,
      seesAllLedger: false,
      topUpMinRole: "user",
      defaultUserCreditLimit: null,
    });
    const m = await getCreditsSummary(t.db, as(manager), org.name);
    expect(m).toMatchObject({
      seesAllLedger: true,
      me: { creditLimit: null, spent: "0.00000000", maxRunningJobs: null },
    });
    await expect(getCreditsSummary(t.db, as(outsider), org.name)).rejects.toBeInstanceOf(NotFound);
    await expect(getCreditsSummary(t.db, null, org.name)).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("low-balance notifications", () => {
  it("mails managers and admins once per threshold crossed downward, and re-arms after a top-up", async () => {
    const { org, admin, manager, user } = await team();
    await fundOrg(t.db, org, "150");
    const job = await meteredJob(org, admin, "3600"); // 1 credit a second
    const mailer = new RecordingMailer();
    const notices = () => mailer.sent.filter((m) => m.subject.startsWith(`${org.name}: credit balance fell to`));
    const lowBalance = async () => (await getCreditsSummary(t.db, as(user), org.name)).lowBalance;
    expect(await lowBalance()).toBe(false);

    await job.charge(60, mailer); // 150 → 90: crosses 100
    expect(
      notices()
        .map((m) => m.to)
        .sort(),
    ).toEqual([admin.email, manager.email].sort());
    expect(mailer.to(user.email)).toEqual([]);
    expect(notices()[0]!.subject).toBe(`${org.name}: credit balance fell to 90.00`);
    expect(notices()[0]!.text).toContain("fell below 100.00 and is now 90.00");
    expect(await lowBalance()).toBe(true);

    await job.charge(10, mailer); // 90 → 80: still below 100, no new crossing
    await job.charge(30, mailer); // 80 → 50
    expect(notices()).toHaveLength(2);

    await job.charge(45, mailer); // 50 → 5: crosses 10
    expect(notices()).toHaveLength(4);
    expect(notices()[3]!.text).toContain("fell below 10.00 and is now 5.00");

    await fundOrg(t.db, org, "195"); // → 200: re-armed, and top-ups never notify
    expect(await lowBalance()).toBe(false);
    await job.charge(50, mailer); // 200 → 150
    expect(notices()).toHaveLength(4);
    await job.charge(55, mailer); // 150 → 95: crosses 100 again
    expect(notices()).toHaveLength(6);

    // 95 → -5 crosses 10 and 0 in one charge: one notice each, for the lowest threshold crossed.
    const r = await job.charge(100, mailer);
    expect(notices()).toHaveLength(8);
    expect(notices()[7]!.text).toContain("fell below 0.00 and is now -5.00");
    expect(notices()[7]!.text).toContain("Running jobs are stopped");
    expect(r.stop).toEqual([job.job.id]);
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "-5.00000000", ledgerSum: "-5.00000000" });
  });

  it("does not mail when the balance only rises, or falls without crossing", async () => {
    const { org, admin } = await team();
    const mailer = new RecordingMailer();
    await fundOrg(t.db, org, "500");
    const job = await meteredJob(org, admin, "3600");
    await job.charge(100, mailer); // 500 → 400
    await job.charge(299, mailer); // → 101
    expect(mailer.sent).toEqual([]);
    await job.charge(1, mailer); // → 100: reaching a threshold is crossing it
    expect(mailer.sent).toHaveLength(2);
  });
});

describe("member quotas", () => {
  async function quotaOf(orgId: string, userId: string) {
    const m = await memberRow(orgId, userId);
    return { creditLimit: m.creditLimit, maxRunningJobs: m.maxRunningJobs };
  }

  it("lets managers set a user's credit limit and max running jobs, audited", async () => {
    const { org, manager, user } = await team();
    const r = await setMemberQuota(t.db, as(manager), org.name, {
      username: user.username,
      creditLimit: "50.5",
      maxRunningJobs: "3",
    });
    expect(r).toEqual({ username: user.username, creditLimit: "50.50", maxRunningJobs: 3, stoppedJobs: 0 });
    expect(await quotaOf(org.id, user.id)).toEqual({ creditLimit: "50.50000000", maxRunningJobs: 3 });
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "member.quota_changed")));
    expect(audit).toMatchObject({
      actorId: manager.id,
      targetLabel: user.username,
      before: { creditLimit: null, maxRunningJobs: null },
      after: { creditLimit: "50.50", maxRunningJobs: 3 },
    });
    // Empty or "unlimited" means no limit.
    await setMemberQuota(t.db, as(manager), org.name, { username: user.username, creditLimit: "", maxRunningJobs: "" });
    expect(await quotaOf(org.id, user.id)).toEqual({ creditLimit: null, maxRunningJobs: null });
    await setMemberQuota(t.db, as(manager), org.name, {
      username: user.username,
      creditLimit: "0",
      maxRunningJobs: "0",
    });
    expect(await quotaOf(org.id, user.id)).toEqual({ creditLimit: "0.00000000", maxRunningJobs: 0 });
    await setMemberQuota(t.db, as(manager), org.name, {
      username: user.username,
      creditLimit: "Unlimited",
      maxRunningJobs: "unlimited",
    });
    expect(await quotaOf(org.id, user.id)).toEqual({ creditLimit: null, maxRunningJobs: null });
  });

  it("refuses a manager on an admin, users, outsiders and unknown members", async () => {
    const { org, admin, manager, user, outsider } = await team();
    const q = (username: string) => ({ username, creditLimit: "1", maxRunningJobs: "1" });
    await expect(setMemberQuota(t.db, as(manager), org.name, q(admin.username))).rejects.toThrow(
      "Managers can't change an admin's quotas.",
    );
    await expect(setMemberQuota(t.db, as(user), org.name, q(user.username))).rejects.toBeInstanceOf(Forbidden);
    await expect(setMemberQuota(t.db, as(outsider), org.name, q(user.username))).rejects.toBeInstanceOf(NotFound);
    await expect(setMemberQuota(t.db, null, org.name, q(user.username))).rejects.toBeInstanceOf(Unauthenticated);
    await expect(setMemberQuota(t.db, as(admin), org.name, q(outsider.username))).rejects.toThrow(
      `'${outsider.username}' is not a member of this organization.`,
    );
    expect(await quotaOf(org.id, admin.id)).toEqual({ creditLimit: null, maxRunningJobs: null });
    expect(await quotaOf(org.id, user.id)).toEqual({ creditLimit: null, maxRunningJobs: null });
    // An admin may set another admin's (and a manager's) quotas.
    const admin2 = await makeUser(t.db);
    await addMember(t.db, org, admin2, "admin");
    await setMemberQuota(t.db, as(admin), org.name, q(admin2.username));
    await setMemberQuota(t.db, as(admin), org.name, q(manager.username));
    expect(await quotaOf(org.id, admin2.id)).toEqual({ creditLimit: "1.00000000", maxRunningJobs: 1 });
  });

  it("refuses malformed limits and changes nothing", async () => {
    const { org, manager, user } = await team();
    for (const creditLimit of ["-1", "1.234", "abc", "1e3", "1,5"]) {
      const fields = await invalid(
        setMemberQuota(t.db, as(manager), org.name, { username: user.username, creditLimit, maxRunningJobs: "1" }),
      );
      expect(fields.creditLimit, creditLimit).toEqual([
        "Enter a number with at most two decimals, or leave empty for unlimited.",
      ]);
    }
    for (const maxRunningJobs of ["-1", "1.5", "x"]) {
      const fields = await invalid(
        setMemberQuota(t.db, as(manager), org.name, { username: user.username, creditLimit: "1", maxRunningJobs }),
      );
      expect(fields.maxRunningJobs, maxRunningJobs).toEqual(["Enter a whole number, or leave empty for unlimited."]);
    }
    expect(await quotaOf(org.id, user.id)).toEqual({ creditLimit: null, maxRunningJobs: null });
  });

  it("gives new user-role members the org's default credit limit, by username and by invitation; managers and admins none", async () => {
    const { org, admin, manager, user } = await team();
    await expect(
      setOrgCreditSettings(t.db, as(user), org.name, { defaultUserCreditLimit: "25" }),
    ).rejects.toBeInstanceOf(Forbidden);
    expect(
      (await invalid(setOrgCreditSettings(t.db, as(manager), org.name, { defaultUserCreditLimit: "2.555" })))
        .defaultUserCreditLimit,
    ).toBeDefined();
    expect(await setOrgCreditSettings(t.db, as(manager), org.name, { defaultUserCreditLimit: "25" })).toEqual({
      changed: true,
    });
    expect(await setOrgCreditSettings(t.db, as(manager), org.name, {})).toEqual({ changed: false });
    const [o] = await t.db.select().from(orgs).where(eq(orgs.id, org.id));
    expect(o!.defaultUserCreditLimit).toBe("25.00000000");

    // Invited by username, joined by accepting.
    const [byName, byNameManager] = [await makeUser(t.db), await makeUser(t.db)];
    await joinByUsername(t.db, org, admin, byName, "user");
    await joinByUsername(t.db, org, admin, byNameManager, "manager");
    expect((await memberRow(org.id, byName.id)).creditLimit).toBe("25.00000000");
    expect((await memberRow(org.id, byNameManager.id)).creditLimit).toBeNull();

    // Joined through an invitation link.
    const [invited, invitedAdmin] = [await makeUser(t.db), await makeUser(t.db)];
    const a = await makeInvitation(t.db, org, { email: invited.email, role: "user", invitedById: admin.id });
    const b = await makeInvitation(t.db, org, { email: invitedAdmin.email, role: "admin", invitedById: admin.id });
    await acceptInvitation(t.db, as(invited), { token: a.token });
    await acceptInvitation(t.db, as(invitedAdmin), { token: b.token });
    expect((await memberRow(org.id, invited.id)).creditLimit).toBe("25.00000000");
    expect((await memberRow(org.id, invitedAdmin.id)).creditLimit).toBeNull();
    expect((await getCreditsSummary(t.db, as(invited), org.name)).me.creditLimit).toBe("25.00000000");

    // Existing members keep theirs; "unlimited" clears the default.
    expect((await memberRow(org.id, user.id)).creditLimit).toBeNull();
    await setOrgCreditSettings(t.db, as(manager), org.name, { defaultUserCreditLimit: "unlimited" });
    const late = await makeUser(t.db, uniqueName("late"));
    await joinByUsername(t.db, org, admin, late, "user");
    expect((await memberRow(org.id, late.id)).creditLimit).toBeNull();
  });
});

describe("the ledger by project", () => {
  /** Charges in a project the user writes to, in one only the manager's, and without a project; a grant. */
  async function projectLedger() {
    const w = await team();
    await fundOrg(t.db, w.org, "100");
    const mine = await meteredJob(w.org, w.user, "36");
    const theirs = await meteredJob(w.org, w.manager, "72");
    const loose = await meteredJob(w.org, w.user, "36");
    const [mineCluster, theirCluster] = await Promise.all(
      [mine, theirs].map(async (j) => (await t.db.select().from(jobs).where(eq(jobs.id, j.job.id)))[0]!.clusterId),
    );
    const shared = await makeProject(t.db, {
      org: w.org,
      cluster: { id: mineCluster! },
      members: [[w.user, "writer"]],
    });
    const hidden = await makeProject(t.db, {
      org: w.org,
      cluster: { id: theirCluster! },
      members: [[w.manager, "admin"]],
    });
    await t.db.update(jobs).set({ projectId: shared.id }).where(eq(jobs.id, mine.job.id));
    await t.db.update(jobs).set({ projectId: hidden.id }).where(eq(jobs.id, theirs.job.id));
    await mine.charge(100); // 1.00
    await theirs.charge(100); // 2.00
    await loose.charge(100); // 1.00
    const clusterName = async (id: string) =>
      (await rawRows<{ name: string }>(t.db, sql`select name from clusters where id = ${id}`))[0]!.name;
    const sharedKey = `${await clusterName(mineCluster!)}/${shared.name}`;
    const hiddenKey = `${await clusterName(theirCluster!)}/${hidden.name}`;
    return { ...w, mine, theirs, loose, shared, hidden, sharedKey, hiddenKey };
  }

  it("names each entry's project, filters by project or none, and exports the project column", async () => {
    const w = await projectLedger();
    const m = as(w.manager);
    const all = await listLedger(t.db, m, w.org.name, {});
    const byJob = new Map(all.rows.map((r) => [r.jobName, `${r.projectCluster}/${r.projectName}`]));
    expect(byJob.get(w.mine.job.name)).toBe(w.sharedKey);
    expect(byJob.get(w.theirs.job.name)).toBe(w.hiddenKey);
    expect(all.rows.find((r) => r.jobName === w.loose.job.name)).toMatchObject({ projectName: null });
    const shared = await listLedger(t.db, m, w.org.name, { project: w.sharedKey });
    expect(shared.rows.map((r) => [r.kind, r.amount])).toEqual([["charge", "-1.00000000"]]);
    const none = await listLedger(t.db, m, w.org.name, { project: "none" });
    expect(none.rows.map((r) => [r.kind, r.amount])).toEqual([
      ["charge", "-1.00000000"],
      ["grant", "100.00000000"],
    ]);
    const csv = (await exportLedgerCsv(t.db, m, w.org.name, { project: w.hiddenKey })).split("\r\n");
    expect(csv[0]).toBe(
      "time,hour,last_updated,kind,amount,amount_exact,balance_after,balance_after_exact,actor,member,job,project,cluster,note",
    );
    // The project and its cluster in columns of their own.
    expect(csv[1]).toContain(`"${w.theirs.job.name}","${w.hidden.name}","${w.hiddenKey.split("/")[0]}",""`);
    expect(csv).toHaveLength(3);
  });

  it("lets users filter only by projects they can see: another project (or org's) lists nothing", async () => {
    const w = await projectLedger();
    const u = as(w.user);
    expect((await listLedger(t.db, u, w.org.name, { project: w.sharedKey })).rows.map((r) => r.amount)).toEqual([
      "-1.00000000",
    ]);
    expect((await listLedger(t.db, u, w.org.name, { project: w.hiddenKey })).total).toBe(0);
    expect((await exportLedgerCsv(t.db, u, w.org.name, { project: w.hiddenKey })).trimEnd().split("\r\n")).toHaveLength(
      1,
    );
    const v = await projectLedger();
    // The other org's project, named in this org, even by an admin: nothing.
    expect((await listLedger(t.db, as(w.admin), w.org.name, { project: v.sharedKey })).total).toBe(0);
    // Nonsense falls back to every project.
    const odd = await listLedger(t.db, u, w.org.name, { project: "a\u0000b" });
    expect(odd.query.project).toBeUndefined();
    expect(odd.total).toBe(3);
  });
});
