/**
 * One ledger row per job per UTC hour (issue 14): a job's charges within an hour grow one row (amount, balance_after,
 * updated_at) in the same transaction as the wallet, a new row starts at the hour boundary, zero charges write no
 * row (usage_records still records the key), and concurrent reports for one job keep balance = Σ ledger with one
 * row per hour. Real database (PGlite; PostgreSQL with TEST_DATABASE_URL), no mocks.
 */
import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { creditLedger, jobs, usageRecords } from "@/db/schema";
import { meterUsage } from "./internal";
import {
  addOrgToCluster,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeJob,
  makeOrg,
  makeUser,
  plusSeconds,
  testServices,
  withTestDatabase,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();
const HOUR = 3_600_000;
const svc = testServices();

/** A funded org with a job of 3600 credits/hour (1 credit per second) started ten minutes before an exact UTC hour. */
async function world(creditsPerHour = "3600", fund = "100000") {
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin: user });
  const cluster = await makeCluster(t.db, { presets: { p: creditsPerHour } });
  await addOrgToCluster(t.db, org, cluster);
  await fundOrg(t.db, org, fund);
  // An hour boundary safely in the past: usage is settled up to moments before now.
  const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR);
  const start = plusSeconds(hour, -600);
  const job = await makeJob(t.db, { org, user, cluster, preset: cluster.presets.p!, startedAt: start });
  /** Reports usage up to `seconds` after the start under `key`. */
  const report = (seconds: number, key: string) =>
    meterUsage(t.db, SYSTEM, [{ jobId: job.id, until: plusSeconds(start, seconds), idempotencyKey: key }], svc);
  return { user, org, cluster, job, hour, start, report };
}

function rowsOf(jobId: string) {
  return t.db
    .select()
    .from(creditLedger)
    .where(and(eq(creditLedger.jobId, jobId), eq(creditLedger.kind, "charge")))
    .orderBy(asc(creditLedger.periodStart));
}

async function walletOf(org: { id: string }) {
  return (await ledgerTotals(t.db, org)).balance;
}

describe("metering: one ledger row per job per UTC hour", () => {
  it("grows the hour's row: amount += charge, balance_after = the new balance, updated_at set", async () => {
    const w = await world();
    expect((await w.report(60, "a")).outcomes[0]).toMatchObject({ outcome: "charged", amount: "60.00000000" });
    const [first] = await rowsOf(w.job.id);
    expect(first).toMatchObject({
      amount: "-60.00000000",
      balanceAfter: await walletOf(w.org),
      periodStart: plusSeconds(w.hour, -3600),
      idempotencyKey: null,
      memberId: w.user.id,
      updatedAt: null,
    });
    expect((await w.report(90, "b")).outcomes[0]).toMatchObject({ outcome: "charged", amount: "30.00000000" });
    const rows = await rowsOf(w.job.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first!.id, amount: "-90.00000000", balanceAfter: "99910.00000000" });
    expect(rows[0]!.createdAt.getTime()).toBe(first!.createdAt.getTime());
    expect(rows[0]!.updatedAt).toBeInstanceOf(Date);
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals).toMatchObject({ balance: "99910.00000000", ledgerSum: "99910.00000000", entries: 2 });
    // The fine-grained usage stays in usage_records, one per key.
    const records = await t.db.select().from(usageRecords).where(eq(usageRecords.jobId, w.job.id));
    expect(records.map((r) => [r.idempotencyKey, r.amount]).sort()).toEqual([
      ["a", "60.00000000"],
      ["b", "30.00000000"],
    ]);
  });

  it("starts a new row at the UTC hour boundary (by the moment the usage is charged up to)", async () => {
    const w = await world();
    await w.report(599, "before"); // 1 s before the hour
    await w.report(600, "at"); // exactly the hour: the new hour's row
    await w.report(700, "after");
    const rows = await rowsOf(w.job.id);
    expect(rows.map((r) => [r.periodStart!.toISOString(), r.amount])).toEqual([
      [plusSeconds(w.hour, -3600).toISOString(), "-599.00000000"],
      [w.hour.toISOString(), "-101.00000000"],
    ]);
    expect(rows[1]!.balanceAfter).toBe(await walletOf(w.org));
    // One batch across the boundary (another job): two rows, each with the balance after its own charges.
    const v = await world();
    const r = await meterUsage(
      t.db,
      SYSTEM,
      [
        { jobId: v.job.id, until: plusSeconds(v.start, 300), idempotencyKey: "v1" },
        { jobId: v.job.id, until: plusSeconds(v.start, 500), idempotencyKey: "v2" },
        { jobId: v.job.id, until: plusSeconds(v.start, 660), idempotencyKey: "v3" },
      ],
      svc,
    );
    expect(r.outcomes.map((o) => o.outcome)).toEqual(["charged", "charged", "charged"]);
    expect((await rowsOf(v.job.id)).map((x) => [x.amount, x.balanceAfter])).toEqual([
      ["-500.00000000", "99500.00000000"],
      ["-160.00000000", "99340.00000000"],
    ]);
    const totals = await ledgerTotals(t.db, v.org);
    expect(totals.ledgerSum).toBe(totals.balance);
  });

  it("writes no ledger row for a zero charge; usage_records still records the key", async () => {
    const free = await world("0");
    expect((await free.report(60, "z1")).outcomes[0]!.outcome).toBe("nothing_due");
    expect(await rowsOf(free.job.id)).toEqual([]);
    const w = await world();
    await w.report(60, "k1");
    // The same moment again under a new key: nothing due, the row is untouched.
    const [before] = await rowsOf(w.job.id);
    expect((await w.report(60, "k2")).outcomes[0]!.outcome).toBe("nothing_due");
    expect(await rowsOf(w.job.id)).toEqual([before]);
    const keys = await t.db
      .select({ key: usageRecords.idempotencyKey, outcome: usageRecords.outcome })
      .from(usageRecords)
      .where(eq(usageRecords.orgId, w.org.id));
    expect(keys.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: "k1", outcome: "charged" },
      { key: "k2", outcome: "nothing_due" },
    ]);
    expect((await ledgerTotals(t.db, free.org)).entries).toBe(1); // its funding only
  });

  it("keeps balance = Σ ledger and one row per hour under concurrent reports for one job", async () => {
    const w = await world();
    const N = 24;
    // Reports in shuffled order, half in the hour before the boundary and half after.
    const seconds = Array.from({ length: N }, (_, i) => 480 + i * 10).sort(
      (a, b) => ((a * 7919) % 97) - ((b * 7919) % 97),
    );
    const results = await Promise.all(seconds.map((s) => w.report(s, `c${s}`)));
    expect(results.every((r) => r.outcomes[0]!.outcome !== "unknown_job")).toBe(true);
    const [job] = await t.db.select().from(jobs).where(eq(jobs.id, w.job.id));
    const due = `${480 + (N - 1) * 10}.00000000`;
    expect(job!.creditsCharged).toBe(due);
    const rows = await rowsOf(w.job.id);
    // At most one row per hour (a later moment charged first leaves nothing due for the earlier ones).
    const periods = rows.map((r) => r.periodStart!.toISOString());
    expect(new Set(periods).size).toBe(rows.length);
    expect(periods.every((p) => [plusSeconds(w.hour, -3600).toISOString(), w.hour.toISOString()].includes(p))).toBe(
      true,
    );
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.ledgerSum).toBe(totals.balance);
    expect(totals.charged).toBe(due);
    // The row written last carries the balance as it is now.
    const last = rows.reduce((a, b) => ((a.updatedAt ?? a.createdAt) > (b.updatedAt ?? b.createdAt) ? a : b));
    expect(last.balanceAfter).toBe(totals.balance);
  });
});
