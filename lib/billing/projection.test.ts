/**
 * Where the balance is heading (lib/billing/projection.ts) and the warnings by projection
 * (lib/billing/projection-notices.ts), on a real database: ledger rows with chosen amounts and created_at, running
 * jobs, exact decimals; one mail per crossing to admins and managers, re-arming only after a top-up, two workers
 * at once mailing once; and the intervals setting (lib/billing/org-credit-settings.ts).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { auditEvents, creditLedger, jobs, orgs, orgWallets } from "@/db/schema";
import { Forbidden, NotFound } from "../core/errors";
import {
  addOrgToCluster,
  as,
  decimalQuotient,
  fieldErrorsOf,
  makeCluster,
  makeJob,
  makeOrg,
  makeUser,
  meterSteps,
  plusSeconds,
  RecordingMailer,
  SYSTEM,
  testServices,
  withTestDatabase,
} from "../test/fixtures";
import { getCreditsSummary } from "./credits-view";
import { getBalanceBanner } from "./projection-view";
import { postLedger, type LedgerKind } from "./ledger";
import { setOrgCreditSettings } from "./org-credit-settings";
import { getCreditProjection, projectOrgs } from "./projection";
import { crossedInterval, notifyProjections } from "./projection-notices";

const t = withTestDatabase();

const NOW = new Date("2026-11-30T14:00:00Z");
const HOUR = 3600;
const DAY = 86_400;

/** A ledger row posted through postLedger, then dated `at` (metering and top-ups happen "then"). */
async function post(
  org: { id: string },
  kind: LedgerKind,
  amount: string,
  at: Date,
  extra: { jobId?: string | null; memberId?: string } = {},
) {
  const posted = await t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind, amount, ...extra }));
  await t.db.update(creditLedger).set({ createdAt: at }).where(eq(creditLedger.id, posted!.ledgerId));
  return posted!;
}

async function team() {
  const admin = await makeUser(t.db);
  const manager = await makeUser(t.db);
  const user = await makeUser(t.db);
  const outsider = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  const cluster = await makeCluster(t.db, { presets: { ten: "10", small: "2.5", four: "4", one: "1" } });
  await addOrgToCluster(t.db, org, cluster);
  return { admin, manager, user, outsider, org, cluster };
}

type Team = Awaited<ReturnType<typeof team>>;

const wallet = async (org: { id: string }) =>
  (await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id)))[0]!;

// notifyProjections looks at every open org: close this file's orgs after each test so counts stay exact.
afterEach(async () => {
  await t.db
    .update(jobs)
    .set({ status: "stopped", stoppedAt: sql`now()` })
    .where(eq(jobs.status, "running"));
  await t.db
    .update(orgs)
    .set({ deletedAt: sql`now()` })
    .where(isNull(orgs.deletedAt));
});

describe("projectOrgs: the figures on a known ledger history", () => {
  it("computes each rate and the projected zero exactly, with the windows' edges", async () => {
    const w = await team();
    const job = await makeJob(t.db, { org: w.org, user: w.user, cluster: w.cluster, preset: w.cluster.presets.small! });
    const stopped = await makeJob(t.db, {
      org: w.org,
      user: w.user,
      cluster: w.cluster,
      preset: w.cluster.presets.four!,
    });
    await t.db.update(jobs).set({ status: "stopped" }).where(eq(jobs.id, stopped.id));
    await post(w.org, "grant", "5000", plusSeconds(NOW, -10 * DAY));
    const charge = (amount: string, at: Date, jobId: string | null = job.id) =>
      post(w.org, "charge", `-${amount}`, at, { jobId, memberId: w.user.id });
    await charge("30.12345678", plusSeconds(NOW, -HOUR)); // 24 h and 7 d
    await charge("7", plusSeconds(NOW, -DAY + 1)); // just inside 24 h
    await charge("5", plusSeconds(NOW, -DAY)); // exactly 24 h old: 7 d only
    await charge("100", plusSeconds(NOW, -7 * DAY + 1)); // just inside 7 d
    await charge("1000", plusSeconds(NOW, -7 * DAY)); // exactly 7 d old: counts nowhere
    await charge("3", plusSeconds(NOW, 1)); // after `at`: counts nowhere
    await charge("12", plusSeconds(NOW, -2 * HOUR), null); // storage (no job)
    // A top-up within the window is not spending.
    await post(w.org, "topup", "0.5", plusSeconds(NOW, -HOUR));

    const [p] = await projectOrgs(t.db, [w.org.id], NOW);
    // balance 5000 + 0.5 − 30.12345678 − 7 − 5 − 100 − 1000 − 3 − 12
    expect(p!.balance).toBe("3843.37654322");
    expect(p!.rates).toEqual({
      last24h: decimalQuotient(4912345678n, 24n * 10n ** 8n), // (30.12345678 + 7 + 12) / 24
      last7d: decimalQuotient(15412345678n, 168n * 10n ** 8n), // (49.12345678 + 5 + 100) / 168
      running: "2.50000000",
      storage: "0.50000000",
    });
    expect(p!.rates.last24h).toBe("2.04681070");
    expect(p!.rates.last7d).toBe("0.91740153");
    // With a job running: the greatest of running + storage (3), last24h (2.0468…) and last7d (0.9174…).
    expect(p!.ratePerHour).toBe("3.00000000");
    expect(p!.runningJobs).toBe(1);
    expect(p!.state).toBe("spending");
    // floor(3843.37654322 × 3600 / 3) = floor(4612051.851864)
    expect(p!.secondsLeft).toBe(4_612_051);
    expect(p!.runsOutAt).toEqual(plusSeconds(NOW, 4_612_051));

    // One second later the "just inside" rows fall out of their windows and the row dated NOW + 1 s comes in.
    const [later] = await projectOrgs(t.db, [w.org.id], plusSeconds(NOW, 1));
    expect(later!.rates.last24h).toBe(decimalQuotient(4512345678n, 24n * 10n ** 8n)); // 30.12345678 + 12 + 3
    expect(later!.rates.last7d).toBe(decimalQuotient(5712345678n, 168n * 10n ** 8n)); // … + 7 + 5, without the 100

    // Any member reads it; outsiders get NotFound.
    expect((await getCreditProjection(t.db, as(w.user), w.org.name, NOW)).secondsLeft).toBe(4_612_051);
    await expect(getCreditProjection(t.db, as(w.outsider), w.org.name, NOW)).rejects.toBeInstanceOf(NotFound);
  });

  it("a burst of charges today outweighs a cheap job running now", async () => {
    const w = await team();
    const job = await makeJob(t.db, { org: w.org, user: w.user, cluster: w.cluster, preset: w.cluster.presets.one! });
    await post(w.org, "grant", "1000", plusSeconds(NOW, -3 * DAY));
    await post(w.org, "charge", "-240", plusSeconds(NOW, -5 * HOUR), { jobId: job.id });
    const [p] = await projectOrgs(t.db, [w.org.id], NOW);
    expect(p).toMatchObject({
      balance: "760.00000000",
      ratePerHour: "10.00000000",
      rates: { last24h: "10.00000000", running: "1.00000000", storage: "0.00000000" },
      state: "spending",
      secondsLeft: 76 * HOUR,
    });
  });

  it("a week of heavy use outweighs a quiet day with a cheap job running", async () => {
    const w = await team();
    const job = await makeJob(t.db, { org: w.org, user: w.user, cluster: w.cluster, preset: w.cluster.presets.one! });
    await post(w.org, "grant", "10000", plusSeconds(NOW, -8 * DAY));
    // 1,680 credits two to six days ago, 12 today: 10 an hour over the week, 0.5 over the day, 1 running now.
    await post(w.org, "charge", "-840", plusSeconds(NOW, -2 * DAY), { jobId: job.id });
    await post(w.org, "charge", "-840", plusSeconds(NOW, -6 * DAY), { jobId: job.id });
    await post(w.org, "charge", "-12", plusSeconds(NOW, -HOUR), { jobId: job.id });
    const [p] = await projectOrgs(t.db, [w.org.id], NOW);
    expect(p).toMatchObject({
      balance: "8308.00000000",
      rates: { last24h: "0.50000000", last7d: "10.07142857", running: "1.00000000", storage: "0.00000000" },
      ratePerHour: "10.07142857",
      state: "spending",
    });
    // floor(8308 × 3600 / 10.07142857)
    expect(p!.secondsLeft).toBe(Number((830800000000n * 3600n) / 1007142857n));
    // Once the job stops nothing runs: the week's pace no longer makes a rate ("not spending").
    await t.db.update(jobs).set({ status: "stopped" }).where(eq(jobs.id, job.id));
    const [after] = await projectOrgs(t.db, [w.org.id], NOW);
    expect(after).toMatchObject({ state: "not_spending", ratePerHour: "0.00000000" });
  });

  it("a job's hourly row counts at its last growth (updated_at), not at its first charge (created_at)", async () => {
    const w = await team();
    await post(w.org, "grant", "10000", plusSeconds(NOW, -3 * DAY));
    // 1 credit a second, so every figure is exact.
    const fast = await makeCluster(t.db, { presets: { fast: "3600" } });
    await addOrgToCluster(t.db, w.org, fast);
    const hour = plusSeconds(NOW, -DAY); // 2026-11-29T14:00Z: the UTC hour the row is for
    const job = await makeJob(t.db, {
      org: w.org,
      user: w.user,
      cluster: fast,
      preset: fast.presets.fast!,
      startedAt: hour,
    });
    // Metering writes one row for the hour that grows: 30 s, then 3540 s more (till 14:59:30).
    await meterSteps(t.db, job.id, hour, [
      [30, "first"],
      [3570, "last"],
    ]);
    await t.db
      .update(jobs)
      .set({ status: "stopped", stoppedAt: plusSeconds(hour, 3570) })
      .where(eq(jobs.id, job.id));
    const rows = await t.db.select().from(creditLedger).where(eq(creditLedger.jobId, job.id));
    expect(rows.map((r) => [r.amount, r.periodStart?.toISOString()])).toEqual([["-3570.00000000", hour.toISOString()]]);
    expect(rows[0]!.updatedAt).not.toBeNull();
    // Dated as the runner would have written it: created by the hour's first charge, grown by its last.
    await t.db
      .update(creditLedger)
      .set({ createdAt: plusSeconds(hour, 30), updatedAt: plusSeconds(hour, 3570) })
      .where(eq(creditLedger.id, rows[0]!.id));

    // At 14:30 the next day the 24-hour window starts at 14:30: the row's first charge is out of it, its last
    // charges are in. Counted at its last growth, the whole row is in (3570 / 24 = 148.75 an hour); counted at
    // created_at it would have been 0, as if the job had stopped at 14:00:30.
    const [p] = await projectOrgs(t.db, [w.org.id], plusSeconds(NOW, 30 * 60));
    expect(p!.rates).toMatchObject({ last24h: "148.75000000", last7d: "21.25000000" });
    // At 15:00 its last charge is over 24 hours old: out of the 24-hour window, still in the 7-day one.
    const [later] = await projectOrgs(t.db, [w.org.id], plusSeconds(NOW, HOUR));
    expect(later!.rates).toMatchObject({ last24h: "0.00000000", last7d: "21.25000000" });
    // 7 days after its last growth it counts nowhere.
    const [week] = await projectOrgs(t.db, [w.org.id], plusSeconds(hour, 3570 + 7 * DAY));
    expect(week!.rates).toMatchObject({ last24h: "0.00000000", last7d: "0.00000000" });
  });

  it("with no job running: storage alone is the rate; without storage the org is not spending", async () => {
    const w = await team();
    await post(w.org, "grant", "100", plusSeconds(NOW, -3 * DAY));
    // Jobs that ran today and stopped: their charges don't make a rate once nothing runs.
    const job = await makeJob(t.db, { org: w.org, user: w.user, cluster: w.cluster, preset: w.cluster.presets.ten! });
    await t.db.update(jobs).set({ status: "stopped" }).where(eq(jobs.id, job.id));
    await post(w.org, "charge", "-50", plusSeconds(NOW, -2 * HOUR), { jobId: job.id });
    let [p] = await projectOrgs(t.db, [w.org.id], NOW);
    expect(p).toMatchObject({
      balance: "50.00000000",
      ratePerHour: "0.00000000",
      rates: { last24h: decimalQuotient(50, 24) },
      state: "not_spending",
      secondsLeft: null,
      runsOutAt: null,
      runningJobs: 0,
    });
    // A disk's storage charges (no job): 1.2 credits over the last 24 hours = 0.05 per hour.
    await post(w.org, "charge", "-1.2", plusSeconds(NOW, -3 * HOUR));
    [p] = await projectOrgs(t.db, [w.org.id], NOW);
    expect(p).toMatchObject({
      balance: "48.80000000",
      ratePerHour: "0.05000000",
      rates: { storage: "0.05000000" },
      state: "spending",
      secondsLeft: 976 * HOUR, // 48.8 × 3600 / 0.05
    });
  });

  it("depleted at zero and below, whatever runs; an org with no ledger rows; an org without a wallet", async () => {
    const w = await team();
    const job = await makeJob(t.db, { org: w.org, user: w.user, cluster: w.cluster, preset: w.cluster.presets.ten! });
    await post(w.org, "grant", "10", plusSeconds(NOW, -3 * DAY));
    await post(w.org, "charge", "-10", plusSeconds(NOW, -HOUR), { jobId: job.id });
    let [p] = await projectOrgs(t.db, [w.org.id], NOW);
    expect(p).toMatchObject({ balance: "0.00000000", state: "depleted", secondsLeft: null, runsOutAt: null });
    await post(w.org, "charge", "-0.25", plusSeconds(NOW, -HOUR), { jobId: job.id });
    [p] = await projectOrgs(t.db, [w.org.id], NOW);
    expect(p).toMatchObject({ balance: "-0.25000000", state: "depleted", ratePerHour: "10.00000000" });

    const empty = await makeOrg(t.db, { admin: w.admin });
    const [e] = await projectOrgs(t.db, [empty.id], NOW);
    expect(e).toMatchObject({
      balance: "0.00000000",
      rates: { last24h: "0.00000000", last7d: "0.00000000", running: "0.00000000", storage: "0.00000000" },
      runningJobs: 0,
      state: "depleted",
      secondsLeft: null,
    });
    // No wallet (an unknown id): left out; no ids: no query.
    expect(await projectOrgs(t.db, ["00000000-0000-4000-8000-000000000000"], NOW)).toEqual([]);
    expect(await projectOrgs(t.db, [], NOW)).toEqual([]);
  });

  it("crossedInterval: the smallest interval the projection is within, spending only", () => {
    const spending = (s: number) => ({ state: "spending" as const, secondsLeft: s });
    const intervals = [7 * DAY, 3 * DAY, DAY];
    expect(crossedInterval(spending(8 * DAY), intervals)).toBeNull();
    expect(crossedInterval(spending(7 * DAY), intervals)).toBe(7 * DAY);
    expect(crossedInterval(spending(3 * DAY + 1), intervals)).toBe(7 * DAY);
    expect(crossedInterval(spending(10), intervals)).toBe(DAY);
    expect(crossedInterval(spending(10), [])).toBeNull();
    expect(crossedInterval({ state: "not_spending", secondsLeft: null }, intervals)).toBeNull();
    expect(crossedInterval({ state: "depleted", secondsLeft: null }, intervals)).toBeNull();
  });
});

describe("notifyProjections: warnings by projection", () => {
  /** A team spending 10 credits an hour (one job), funded with `balance` three days before NOW. */
  async function spendingTeam(balance: string) {
    const w = await team();
    const job = await makeJob(t.db, { org: w.org, user: w.user, cluster: w.cluster, preset: w.cluster.presets.ten! });
    await post(w.org, "grant", balance, plusSeconds(NOW, -10 * DAY));
    return { ...w, job };
  }
  /** Moves the balance without touching the rate: a charge eight days old (outside the 24-hour and 7-day windows). */
  const spend = (w: Team & { job: { id: string } }, amount: string) =>
    post(w.org, "charge", `-${amount}`, plusSeconds(NOW, -8 * DAY), { jobId: w.job.id, memberId: w.user.id });
  const mailsTo = (mailer: RecordingMailer, w: Team) => ({
    admin: mailer.to(w.admin.email).map((m) => m.subject),
    manager: mailer.to(w.manager.email).map((m) => m.subject),
    user: mailer.to(w.user.email).map((m) => m.subject),
  });

  it("mails admins and managers once per crossing (7 d, 3 d, 1 d), never users, nothing on the next tick", async () => {
    const w = await spendingTeam("2000"); // 200 hours: outside 7 days
    const mailer = new RecordingMailer();
    const svc = testServices(mailer);
    let clock = NOW;
    const tick = () => notifyProjections(t.db, SYSTEM, (clock = plusSeconds(clock, 60)), svc);

    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
    expect(mailer.sent).toHaveLength(0);

    await spend(w, "400"); // 1600: 160 hours, within 7 days
    expect(await tick()).toEqual({ notified: 1, rearmed: 0 });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(7 * DAY);
    expect(mailsTo(mailer, w)).toEqual({
      admin: [`${w.org.name}: credits run out in about 7 days`],
      manager: [`${w.org.name}: credits run out in about 7 days`],
      user: [],
    });
    const text = mailer.to(w.admin.email)[0]!.text;
    expect(text).toContain("Balance: 1,600.00 credits");
    expect(text).toContain("Spending: 10.00 credits per hour");
    // 160 hours after the tick at 14:02 UTC on Nov 30.
    expect(text).toContain("Projected to run out: Mon, Dec 7, 2026, 06:02 UTC");
    expect(text).toContain(`http://console.test/orgs/${w.org.name}/credits`);
    expect(text).toContain(`http://console.test/orgs/${w.org.name}/settings/general`);
    expect(text).toContain("the warning for 7 days before");

    // Nothing new on the next ticks.
    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
    expect(mailer.sent).toHaveLength(2);

    await spend(w, "900"); // 700: 70 hours, within 3 days
    expect(await tick()).toEqual({ notified: 1, rearmed: 0 });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(3 * DAY);
    await spend(w, "500"); // 200: 20 hours, within 1 day
    expect(await tick()).toEqual({ notified: 1, rearmed: 0 });
    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(DAY);
    expect(mailsTo(mailer, w)).toEqual({
      admin: [
        `${w.org.name}: credits run out in about 7 days`,
        `${w.org.name}: credits run out in about 3 days`,
        `${w.org.name}: credits run out in about 20 hours`,
      ],
      manager: [
        `${w.org.name}: credits run out in about 7 days`,
        `${w.org.name}: credits run out in about 3 days`,
        `${w.org.name}: credits run out in about 20 hours`,
      ],
      user: [],
    });

    // The banner shows while a warning stands.
    expect(await getBalanceBanner(t.db, as(w.user), w.org.name, NOW)).toMatchObject({
      kind: "projection",
      balance: "200.00000000",
      outlook: { duration: "about 20 hours" },
    });
    expect((await getCreditsSummary(t.db, as(w.user), w.org.name)).projectionNotifiedSeconds).toBe(DAY);
  });

  it("a crossing straight into the smallest interval mails once, for that interval", async () => {
    const w = await spendingTeam("100"); // 10 hours
    const mailer = new RecordingMailer();
    expect(await notifyProjections(t.db, SYSTEM, NOW, testServices(mailer))).toEqual({ notified: 1, rearmed: 0 });
    expect(mailer.to(w.admin.email).map((m) => m.subject)).toEqual([
      `${w.org.name}: credits run out in about 10 hours`,
    ]);
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(DAY);
  });

  it("re-arms after a top-up pushes the projection back out, and not without one", async () => {
    const w = await spendingTeam("200"); // 20 hours: within 1 day
    const mailer = new RecordingMailer();
    const svc = testServices(mailer);
    let clock = NOW;
    const tick = () => notifyProjections(t.db, SYSTEM, (clock = plusSeconds(clock, 60)), svc);
    expect(await tick()).toEqual({ notified: 1, rearmed: 0 });
    expect(mailer.to(w.admin.email)).toHaveLength(1);

    // The rate dips (the job stops: not spending) and comes back, without a top-up: no re-arm, no second mail.
    await t.db.update(jobs).set({ status: "stopped" }).where(eq(jobs.id, w.job.id));
    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(DAY);
    // The warning stands, but the banner tells the present: nothing runs, so it says nothing.
    expect(await getBalanceBanner(t.db, as(w.user), w.org.name, clock)).toBeNull();
    const again = await makeJob(t.db, { org: w.org, user: w.user, cluster: w.cluster, preset: w.cluster.presets.ten! });
    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
    expect(mailer.to(w.admin.email)).toHaveLength(1);
    expect(await getBalanceBanner(t.db, as(w.user), w.org.name, clock)).toMatchObject({ kind: "projection" });

    // A top-up too small to leave the interval (220: 22 hours): no re-arm.
    await post(w.org, "topup", "20", plusSeconds(clock, 1));
    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(DAY);

    // A top-up to 1220 (122 hours, within 7 days but outside 3): re-armed to 7 days, without a mail.
    await post(w.org, "topup", "1000", plusSeconds(clock, 1));
    expect(await tick()).toEqual({ notified: 0, rearmed: 1 });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(7 * DAY);
    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
    expect(mailer.to(w.admin.email)).toHaveLength(1);

    // Spending down again: the 3-day crossing mails again (1220 − 600 = 620: 62 hours).
    await post(w.org, "charge", "-600", plusSeconds(NOW, -2 * DAY), { jobId: again.id });
    expect(await tick()).toEqual({ notified: 1, rearmed: 0 });
    expect(mailer.to(w.admin.email).map((m) => m.subject)).toEqual([
      `${w.org.name}: credits run out in about 20 hours`,
      `${w.org.name}: credits run out in about 3 days`, // 62 hours
    ]);

    // A grant (an automatic top-up or an operator's) pushing it out of every interval: re-armed to nothing.
    await post(w.org, "grant", "5000", plusSeconds(clock, 1)); // 5620: 562 hours
    expect(await tick()).toEqual({ notified: 0, rearmed: 1 });
    const after = await wallet(w.org);
    expect(after).toMatchObject({ projectionNotifiedSeconds: null, projectionNotifiedAt: null });
    expect(await getBalanceBanner(t.db, as(w.user), w.org.name, clock)).toBeNull();
    expect(await getCreditsSummary(t.db, as(w.user), w.org.name)).toMatchObject({
      lowBalance: false,
      projectionNotifiedSeconds: null,
    });
    // Orgs that neither spend nor have a warning standing are not even candidates.
    await t.db.update(jobs).set({ status: "stopped" }).where(eq(jobs.orgId, w.org.id));
    expect(await tick()).toEqual({ notified: 0, rearmed: 0 });
  });

  it("the banner: an amount threshold says what is left, a warning within its interval says when, zero says out", async () => {
    const w = await spendingTeam("2000"); // 200 hours: no interval yet
    const banner = () => getBalanceBanner(t.db, as(w.user), w.org.name, NOW);
    expect(await banner()).toBeNull();
    // A low-balance threshold was crossed (the metering path sets it): "low on credits".
    await t.db.update(orgWallets).set({ notifiedThreshold: "100" }).where(eq(orgWallets.orgId, w.org.id));
    expect(await banner()).toEqual({ kind: "amount", balance: "2000.00000000" });
    // A warning by projection stands, but the zero is 200 hours out, beyond its 1 day: still the amount.
    await t.db.update(orgWallets).set({ projectionNotifiedSeconds: DAY }).where(eq(orgWallets.orgId, w.org.id));
    expect(await banner()).toMatchObject({ kind: "amount" });
    // Within it (200 left: 20 hours): when the credits run out.
    await spend(w, "1800");
    expect(await banner()).toMatchObject({ kind: "projection", outlook: { duration: "about 20 hours" } });
    // At zero: out of credits, whatever else stands.
    await spend(w, "200");
    expect(await banner()).toEqual({ kind: "out", balance: "0.00000000" });
    // Outsiders learn nothing.
    await expect(getBalanceBanner(t.db, as(w.outsider), w.org.name, NOW)).rejects.toBeInstanceOf(NotFound);
  });

  it("changing the intervals re-arms them, and the new ones apply", async () => {
    const w = await spendingTeam("200"); // 20 hours
    const mailer = new RecordingMailer();
    const svc = testServices(mailer);
    expect(await notifyProjections(t.db, SYSTEM, NOW, svc)).toEqual({ notified: 1, rearmed: 0 });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(DAY);
    await setOrgCreditSettings(t.db, as(w.admin), w.org.name, { balanceProjectionSeconds: [12 * HOUR, 2 * DAY] });
    expect(await wallet(w.org)).toMatchObject({ projectionNotifiedSeconds: null, projectionNotifiedAt: null });
    expect(await notifyProjections(t.db, SYSTEM, plusSeconds(NOW, 60), svc)).toEqual({ notified: 1, rearmed: 0 });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(2 * DAY);
    expect(mailer.to(w.admin.email).at(-1)!.text).toContain("the warning for 2 days before");
    // No intervals: no warnings at all.
    await setOrgCreditSettings(t.db, as(w.admin), w.org.name, { balanceProjectionSeconds: [] });
    expect(await notifyProjections(t.db, SYSTEM, plusSeconds(NOW, 120), svc)).toEqual({ notified: 0, rearmed: 0 });
    expect(mailer.to(w.admin.email)).toHaveLength(2);
  });

  it("two workers at once mail once", async () => {
    const w = await spendingTeam("1000"); // 100 hours: within 7 days
    const mailer = new RecordingMailer();
    const svc = testServices(mailer);
    const [a, b] = await Promise.all([
      notifyProjections(t.db, SYSTEM, NOW, svc),
      notifyProjections(t.db, SYSTEM, NOW, svc),
    ]);
    expect(a.notified + b.notified).toBe(1);
    expect(mailer.to(w.admin.email)).toHaveLength(1);
    expect(mailer.to(w.manager.email)).toHaveLength(1);
    expect(mailer.sent).toHaveLength(2);
    // Many ticks at once, twice over: still one mail per crossing.
    await spend(w, "800"); // 200: 20 hours
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => notifyProjections(t.db, SYSTEM, plusSeconds(NOW, 60), svc)),
    );
    expect(runs.reduce((n, r) => n + r.notified, 0)).toBe(1);
    expect(mailer.to(w.admin.email)).toHaveLength(2);
  });

  it("closed orgs are skipped, and only the system may run it", async () => {
    const w = await spendingTeam("100");
    await t.db
      .update(orgs)
      .set({ deletedAt: sql`now()` })
      .where(eq(orgs.id, w.org.id));
    const mailer = new RecordingMailer();
    expect(await notifyProjections(t.db, SYSTEM, NOW, testServices(mailer))).toEqual({ notified: 0, rearmed: 0 });
    await expect(notifyProjections(t.db, as(w.admin), NOW, testServices())).rejects.toBeInstanceOf(Forbidden);
    await expect(notifyProjections(t.db, null, NOW, testServices())).rejects.toThrow();
    expect(mailer.sent).toHaveLength(0);
  });
});

describe("setOrgCreditSettings: balanceProjectionSeconds", () => {
  it("validates every interval with a message, and writes nothing on bad input", async () => {
    const w = await team();
    const errors = (v: unknown) =>
      fieldErrorsOf(setOrgCreditSettings(t.db, as(w.admin), w.org.name, { balanceProjectionSeconds: v }));
    expect((await errors([1800])).balanceProjectionSeconds).toEqual([
      "A warning is at least 1 hour (3,600 seconds) before the credits run out.",
    ]);
    expect((await errors([31_536_001])).balanceProjectionSeconds).toEqual([
      "A warning is at most 365 days (31,536,000 seconds) before the credits run out.",
    ]);
    expect((await errors([3600.5])).balanceProjectionSeconds).toEqual(["A warning is a whole number of seconds."]);
    expect((await errors(["7d"])).balanceProjectionSeconds).toEqual(["A warning is a whole number of seconds."]);
    expect((await errors("604800")).balanceProjectionSeconds).toEqual(["Give the warnings as a list of seconds."]);
    expect((await errors(Array.from({ length: 11 }, (_, i) => (i + 1) * HOUR))).balanceProjectionSeconds).toEqual([
      "At most 10 warnings.",
    ]);
    const [org] = await t.db.select().from(orgs).where(eq(orgs.id, w.org.id));
    expect(org!.balanceProjectionSeconds).toEqual([604_800, 259_200, 86_400]);
  });

  it("admins only: a manager is refused and nothing is written; an admin's change is stored sorted and audited", async () => {
    const w = await team();
    await t.db
      .update(orgWallets)
      .set({ projectionNotifiedSeconds: DAY, projectionNotifiedAt: NOW })
      .where(eq(orgWallets.orgId, w.org.id));
    await expect(
      setOrgCreditSettings(t.db, as(w.manager), w.org.name, { balanceProjectionSeconds: [HOUR] }),
    ).rejects.toBeInstanceOf(Forbidden);
    // With a field a manager may change alone, the whole save is refused.
    await expect(
      setOrgCreditSettings(t.db, as(w.manager), w.org.name, {
        defaultUserCreditLimit: "5",
        balanceProjectionSeconds: [HOUR],
      }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      setOrgCreditSettings(t.db, as(w.user), w.org.name, { balanceProjectionSeconds: [HOUR] }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      setOrgCreditSettings(t.db, as(w.outsider), w.org.name, { balanceProjectionSeconds: [HOUR] }),
    ).rejects.toBeInstanceOf(NotFound);
    let [org] = await t.db.select().from(orgs).where(eq(orgs.id, w.org.id));
    expect(org).toMatchObject({ balanceProjectionSeconds: [604_800, 259_200, 86_400], defaultUserCreditLimit: null });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(DAY);

    expect(
      await setOrgCreditSettings(t.db, as(w.admin), w.org.name, {
        balanceProjectionSeconds: [DAY, 14 * DAY, 6 * HOUR, DAY],
      }),
    ).toEqual({ changed: true });
    [org] = await t.db.select().from(orgs).where(eq(orgs.id, w.org.id));
    expect(org!.balanceProjectionSeconds).toEqual([14 * DAY, DAY, 6 * HOUR]);
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBeNull();
    const audits = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "org.credit_settings_changed")));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorId: w.admin.id,
      before: { balanceProjectionSeconds: [604_800, 259_200, 86_400] },
      after: { balanceProjectionSeconds: [14 * DAY, DAY, 6 * HOUR] },
    });
    // The same intervals again: nothing changes, nothing is audited, the warning state stays.
    await t.db
      .update(orgWallets)
      .set({ projectionNotifiedSeconds: DAY, projectionNotifiedAt: NOW })
      .where(eq(orgWallets.orgId, w.org.id));
    expect(
      await setOrgCreditSettings(t.db, as(w.admin), w.org.name, {
        balanceProjectionSeconds: [DAY, 6 * HOUR, 14 * DAY],
      }),
    ).toEqual({ changed: false });
    expect((await wallet(w.org)).projectionNotifiedSeconds).toBe(DAY);
  });
});
