/**
 * Automatic top-up with the sandbox provider: the settings (validation, admins only, managers read-only, audit)
 * and the credits worker's pass (a crossing topped up once; nothing when the balance came back; the monthly cap
 * turning it off with the reason, an audit row and a mail; turning it on again clears the reason).
 */
import { and, eq, sql } from "drizzle-orm";
import { rawRows } from "@/db/client";
import { describe, expect, it } from "vitest";
import { auditEvents, creditLedger, orgAutoTopups, orgWallets, payments } from "@/db/schema";
import { Forbidden, NotFound } from "../core/errors";
import { getAutoTopUp, runAutoTopUps, setAutoTopUp } from "./auto-topup";
import { postLedger } from "./ledger";
import {
  as,
  FakeStripeProvider,
  fieldErrorsOf,
  fundOrg,
  ledgerTotals,
  makeOrg,
  makeUser,
  paymentServices,
  RecordingMailer,
  SYSTEM,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();

const ON = { enabled: true, threshold: "50", amount: "100", monthlyCap: "1000" };

/** An org with an admin, a manager and a user, funded with `balance` credits. */
async function world(balance = "100") {
  const [admin, manager, user, outsider] = await Promise.all([
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
  ]);
  const org = await makeOrg(t.db, { admin, manager, user });
  if (balance !== "0") await fundOrg(t.db, org, balance);
  return { admin, manager, user, outsider, org };
}

/** A usage charge through the ledger (the charge path marks the crossing). */
const charge = (org: { id: string }, credits: string) =>
  t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "charge", amount: `-${credits}` }));

async function wallet(org: { id: string }) {
  const [w] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id));
  return w!;
}
const autoPayments = (org: { id: string }) =>
  t.db
    .select()
    .from(payments)
    .where(and(eq(payments.orgId, org.id), eq(payments.kind, "auto")));
const auditOf = (org: { id: string }) =>
  t.db.select().from(auditEvents).where(eq(auditEvents.orgId, org.id)).orderBy(auditEvents.id);

describe("automatic top-up settings", () => {
  it("validates every field and writes nothing on bad input", async () => {
    const w = await world();
    const svc = paymentServices();
    const errors = await fieldErrorsOf(
      setAutoTopUp(
        t.db,
        as(w.admin),
        w.org.name,
        { enabled: true, threshold: "-1", amount: "0", monthlyCap: "x" },
        svc,
      ),
    );
    expect(Object.keys(errors).sort()).toEqual(["amount", "monthlyCap", "threshold"]);
    const cap = await fieldErrorsOf(
      setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, amount: "100", monthlyCap: "99.99" }, svc),
    );
    expect(cap.monthlyCap?.[0]).toMatch(/at least the amount/);
    const decimals = await fieldErrorsOf(setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, amount: "1.001" }, svc));
    expect(decimals.amount?.[0]).toMatch(/two decimals/);
    const control = await fieldErrorsOf(
      setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, threshold: "5\u0000" }, svc),
    );
    expect(control.threshold).toBeDefined();
    const missing = await fieldErrorsOf(setAutoTopUp(t.db, as(w.admin), w.org.name, { threshold: "5" }, svc));
    expect(Object.keys(missing).sort()).toEqual(["amount", "enabled", "monthlyCap"]);
    expect(await t.db.select().from(orgAutoTopups).where(eq(orgAutoTopups.orgId, w.org.id))).toHaveLength(0);
    expect(await auditOf(w.org)).toHaveLength(0);
  });

  it("lets admins change it; managers read it (read-only); users and outsiders can't", async () => {
    const w = await world();
    const svc = paymentServices();
    await expect(setAutoTopUp(t.db, as(w.manager), w.org.name, ON, svc)).rejects.toBeInstanceOf(Forbidden);
    await expect(setAutoTopUp(t.db, as(w.user), w.org.name, ON, svc)).rejects.toBeInstanceOf(Forbidden);
    await expect(setAutoTopUp(t.db, as(w.outsider), w.org.name, ON, svc)).rejects.toBeInstanceOf(NotFound);
    await expect(getAutoTopUp(t.db, as(w.user), w.org.name, svc)).rejects.toBeInstanceOf(Forbidden);
    await expect(getAutoTopUp(t.db, as(w.outsider), w.org.name, svc)).rejects.toBeInstanceOf(NotFound);

    const before = await getAutoTopUp(t.db, as(w.manager), w.org.name, svc);
    expect(before).toMatchObject({ configured: false, enabled: false, canEdit: false, provider: "sandbox" });
    expect(await setAutoTopUp(t.db, as(w.admin), w.org.name, ON, svc)).toEqual({ changed: true, enabled: true });
    const asManager = await getAutoTopUp(t.db, as(w.manager), w.org.name, svc);
    expect(asManager).toMatchObject({
      configured: true,
      enabled: true,
      threshold: "50.00000000",
      amount: "100.00000000",
      monthlyCap: "1000.00000000",
      canEdit: false,
      usedThisMonth: "0.00000000",
      pending: false,
      recent: [],
      disabledReason: null,
    });
    expect((await getAutoTopUp(t.db, as(w.admin), w.org.name, svc)).canEdit).toBe(true);
  });

  it("audits turning it on, changing it and turning it off, and keeps the wallet's threshold in step", async () => {
    const w = await world();
    const svc = paymentServices();
    await setAutoTopUp(t.db, as(w.admin), w.org.name, ON, svc);
    expect((await wallet(w.org)).autoTopupBelow).toBe("50.00000000");
    // The same values again: no change, no audit row.
    expect(await setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, threshold: "50.00" }, svc)).toEqual({
      changed: false,
      enabled: true,
    });
    await setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, threshold: "20" }, svc);
    expect((await wallet(w.org)).autoTopupBelow).toBe("20.00000000");
    await setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, enabled: false, threshold: "20" }, svc);
    const wal = await wallet(w.org);
    expect(wal.autoTopupBelow).toBeNull();
    expect(wal.autoTopupDueAt).toBeNull();

    const rows = await auditOf(w.org);
    expect(rows.map((r) => r.action)).toEqual([
      "credits.auto_topup_enabled",
      "credits.auto_topup_changed",
      "credits.auto_topup_disabled",
    ]);
    expect(rows[0]).toMatchObject({ actorId: w.admin.id, before: null });
    expect(rows[0]!.after).toMatchObject({ enabled: true, threshold: "50.00000000", amount: "100.00000000" });
    expect(rows[1]!.before).toMatchObject({ threshold: "50.00000000" });
    expect(rows[1]!.after).toMatchObject({ threshold: "20.00000000" });
    expect(rows[2]!.after).toMatchObject({ enabled: false });
  });

  it("with Stripe, turning it on without a saved card is a field error on `enabled`", async () => {
    const w = await world();
    const svc = { ...paymentServices(), provider: new FakeStripeProvider() };
    const errors = await fieldErrorsOf(setAutoTopUp(t.db, as(w.admin), w.org.name, ON, svc));
    expect(errors.enabled?.[0]).toMatch(/Save a card/);
    // Saving it off is fine (the card comes later).
    await setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, enabled: false }, svc);
    expect((await getAutoTopUp(t.db, as(w.admin), w.org.name, svc)).provider).toBe("stripe");
  });
});

describe("automatic top-up in the sandbox (the credits worker)", () => {
  it("tops up once for a charge that crosses the threshold: ledger kind auto_topup, balance = Σ ledger, mail", async () => {
    const mailer = new RecordingMailer();
    const svc = paymentServices(mailer);
    const w = await world("100");
    await setAutoTopUp(t.db, as(w.admin), w.org.name, ON, svc);
    await charge(w.org, "40"); // 60: above 50
    expect((await wallet(w.org)).autoTopupDueAt).toBeNull();
    await charge(w.org, "20.5"); // 39.5: below
    expect((await wallet(w.org)).autoTopupDueAt).not.toBeNull();
    await charge(w.org, "1"); // 38.5: still the same crossing

    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 1, completed: 1, failed: 0 });
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.balance).toBe("138.50000000");
    expect(totals.ledgerSum).toBe(totals.balance);
    const autoRows = await t.db
      .select()
      .from(creditLedger)
      .where(and(eq(creditLedger.orgId, w.org.id), eq(creditLedger.kind, "auto_topup")));
    expect(autoRows).toHaveLength(1);
    const [p] = await autoPayments(w.org);
    // The ledger names the payment, in the sandbox too (its payment id; Stripe's is the PaymentIntent).
    expect(autoRows[0]).toMatchObject({
      amount: "100.00000000",
      note: `Automatic top-up (sandbox) · payment ${p!.id}`,
      actorId: null,
    });
    expect(p).toMatchObject({ status: "paid", provider: "sandbox", userId: null, credits: "100.00000000" });
    expect(p!.idempotencyKey).toMatch(new RegExp(`^auto-topup:${w.org.id}:\\d+$`));
    expect(autoRows[0]!.paymentId).toBe(p!.id);
    expect((await wallet(w.org)).autoTopupDueAt).toBeNull();

    const toAdmin = mailer.to(w.admin.email).filter((m) => /added automatically/.test(m.subject));
    expect(toAdmin).toHaveLength(1);
    expect(toAdmin[0]!.subject).toBe(`${w.org.name}: 100.00 credits added automatically`);
    expect(toAdmin[0]!.text).toMatch(/no money moved/i);
    expect(toAdmin[0]!.text).toContain(p!.id);
    expect(mailer.to(w.manager.email).filter((m) => /added automatically/.test(m.subject))).toHaveLength(0);

    // Nothing more to do: a second pass changes nothing.
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 0, completed: 0, failed: 0 });
    expect(await autoPayments(w.org)).toHaveLength(1);
    const view = await getAutoTopUp(t.db, as(w.manager), w.org.name, svc);
    expect(view.usedThisMonth).toBe("100.00000000");
    expect(view.recent).toHaveLength(1);
    expect(view.recent[0]).toMatchObject({ status: "paid", credits: "100.00000000", ref: null });
  });

  it("does nothing when the balance is back at or above the threshold before the worker runs", async () => {
    const svc = paymentServices();
    const w = await world("100");
    await setAutoTopUp(t.db, as(w.admin), w.org.name, ON, svc);
    await charge(w.org, "60"); // 40
    expect((await wallet(w.org)).autoTopupDueAt).not.toBeNull();
    await fundOrg(t.db, w.org, "10"); // exactly 50: at the threshold
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 0, completed: 0, failed: 0 });
    expect(await autoPayments(w.org)).toHaveLength(0);
    expect((await wallet(w.org)).autoTopupDueAt).toBeNull();
    expect((await ledgerTotals(t.db, w.org)).balance).toBe("50.00000000");
  });

  it("turning it on while the balance is already below tops up at the next pass", async () => {
    const svc = paymentServices();
    const w = await world("30");
    await setAutoTopUp(t.db, as(w.admin), w.org.name, ON, svc);
    expect((await wallet(w.org)).autoTopupDueAt).not.toBeNull();
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toMatchObject({ created: 1, completed: 1 });
    expect((await ledgerTotals(t.db, w.org)).balance).toBe("130.00000000");
  });

  it("the monthly cap turns it off with the reason, an audit row and a mail, and charges nothing; on again clears it", async () => {
    const mailer = new RecordingMailer();
    const svc = paymentServices(mailer);
    const w = await world("100");
    await setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, monthlyCap: "150" }, svc);
    await charge(w.org, "60"); // 40 → +100 = 140
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toMatchObject({ created: 1, completed: 1 });
    await charge(w.org, "100"); // 40 again: 100 + 100 > 150
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 0, completed: 0, failed: 1 });

    expect(await autoPayments(w.org)).toHaveLength(1);
    expect((await ledgerTotals(t.db, w.org)).balance).toBe("40.00000000");
    const wal = await wallet(w.org);
    expect(wal.autoTopupBelow).toBeNull();
    expect(wal.autoTopupDueAt).toBeNull();
    const view = await getAutoTopUp(t.db, as(w.admin), w.org.name, svc);
    expect(view).toMatchObject({ enabled: false, disabledReason: "Monthly cap of 150.00 credits reached." });
    expect(view.disabledAt).toBeInstanceOf(Date);
    const failed = (await auditOf(w.org)).filter((r) => r.action === "credits.auto_topup_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actorId: null });
    expect(failed[0]!.after).toMatchObject({ enabled: false, reason: "Monthly cap of 150.00 credits reached." });
    const off = mailer.to(w.admin.email).filter((m) => /turned off/.test(m.subject));
    expect(off).toHaveLength(1);
    expect(off[0]!.text).toContain("Monthly cap of 150.00 credits reached.");
    expect(off[0]!.text).toContain(`/orgs/${w.org.name}/settings/general`);
    expect(mailer.to(w.user.email).filter((m) => /turned off/.test(m.subject))).toHaveLength(0);

    // More charges while off mark nothing.
    await charge(w.org, "1");
    expect((await wallet(w.org)).autoTopupDueAt).toBeNull();

    // The admin raises the cap and turns it on again: the reason is cleared, and the balance (39, below 50)
    // is a crossing for the next pass.
    await setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, monthlyCap: "250" }, svc);
    const again = await getAutoTopUp(t.db, as(w.admin), w.org.name, svc);
    expect(again).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    expect((await wallet(w.org)).autoTopupDueAt).not.toBeNull();
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toMatchObject({ created: 1, completed: 1 });
    expect((await ledgerTotals(t.db, w.org)).balance).toBe("139.00000000");
    expect((await getAutoTopUp(t.db, as(w.admin), w.org.name, svc)).usedThisMonth).toBe("200.00000000");
  });

  it("counts the cap per calendar month (UTC): last month's top-ups don't count", async () => {
    const svc = paymentServices();
    const w = await world("100");
    await setAutoTopUp(t.db, as(w.admin), w.org.name, { ...ON, monthlyCap: "100" }, svc);
    await charge(w.org, "60");
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toMatchObject({ created: 1 });
    // Move that top-up to last month.
    const lastMonth = new Date();
    lastMonth.setUTCDate(1);
    lastMonth.setUTCHours(0, 0, 0, 0);
    lastMonth.setUTCMinutes(-1);
    await t.db.update(payments).set({ createdAt: lastMonth }).where(eq(payments.orgId, w.org.id));
    await charge(w.org, "100");
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toMatchObject({ created: 1, completed: 1, failed: 0 });
    expect(await autoPayments(w.org)).toHaveLength(2);
  });

  it("never waits on a crossing whose payment is already over (its idempotency key taken by a failed payment)", async () => {
    const svc = paymentServices();
    const w = await world("100");
    await setAutoTopUp(t.db, as(w.admin), w.org.name, ON, svc);
    await charge(w.org, "60"); // 40: below 50
    // The crossing's payment failed, yet the crossing stayed marked (the state an older bug left behind).
    const [due] = await rawRows<{ key: string }>(
      t.db,
      sql`select (extract(epoch from auto_topup_due_at) * 1000000)::bigint::text as key
          from org_wallets where org_id = ${w.org.id}`,
    );
    await t.db.insert(payments).values({
      orgId: w.org.id,
      provider: "sandbox",
      kind: "auto",
      credits: "100",
      amountMinor: 10000,
      currency: "usd",
      status: "failed",
      idempotencyKey: `auto-topup:${w.org.id}:${due!.key}`,
    });
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 0, completed: 0, failed: 0 });
    expect((await wallet(w.org)).autoTopupDueAt).toBeNull();
    // The next charge below the threshold is a new crossing, topped up at once.
    await charge(w.org, "1");
    expect(await runAutoTopUps(t.db, SYSTEM, new Date(), svc)).toEqual({ created: 1, completed: 1, failed: 0 });
    expect((await ledgerTotals(t.db, w.org)).balance).toBe("139.00000000");
  });

  it("only the system runs the pass", async () => {
    const w = await world();
    await expect(runAutoTopUps(t.db, as(w.admin), new Date(), paymentServices())).rejects.toBeInstanceOf(Forbidden);
  });
});
