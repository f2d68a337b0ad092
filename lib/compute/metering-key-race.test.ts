/**
 * Usage keys are unique across the installation, but a batch locks only its own orgs' wallets: a batch of another
 * org can commit the same key while this one waits on it. The loser must not answer 500: it runs again and reports
 * the key as the replay it now is, charging nothing. Real concurrent transactions: PostgreSQL only
 * (TEST_DATABASE_URL); PGlite has one connection, so one transaction can't wait on another there.
 */
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { creditLedger, usageRecords } from "@/db/schema";
import { chargeUsage } from "./metering";
import {
  addOrgToCluster,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeJob,
  makeOrg,
  makeUser,
  secondsAgo,
  testServices,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();

describe.skipIf(!process.env.TEST_DATABASE_URL)("a usage key raced by a batch of another org", () => {
  it("the batch that waited reports the key as a replay and charges nothing; nothing answers 500", async () => {
    const cluster = await makeCluster(t.db, { presets: { p: "360" } });
    const people = await Promise.all([makeUser(t.db), makeUser(t.db)]);
    const [a, b] = await Promise.all(people.map((admin) => makeOrg(t.db, { admin })));
    for (const org of [a!, b!]) {
      await addOrgToCluster(t.db, org, cluster);
      await fundOrg(t.db, org, "100");
    }
    const start = secondsAgo(60);
    const jobA = await makeJob(t.db, {
      org: a!,
      user: people[0]!,
      cluster,
      preset: cluster.presets.p!,
      startedAt: start,
    });
    const jobB = await makeJob(t.db, {
      org: b!,
      user: people[1]!,
      cluster,
      preset: cluster.presets.p!,
      startedAt: start,
    });
    const key = `race-${jobA.id}`;

    // Org A's batch has inserted the key and not committed yet…
    let commit!: () => void;
    const gate = new Promise<void>((resolve) => (commit = resolve));
    let inserted!: () => void;
    const holding = new Promise<void>((resolve) => (inserted = resolve));
    const first = t.db.transaction(async (tx) => {
      await tx.insert(usageRecords).values({
        idempotencyKey: key,
        jobId: jobA.id,
        orgId: a!.id,
        until: new Date(),
        amount: "0",
        outcome: "nothing_due",
      });
      inserted();
      await gate;
    });
    await holding;
    // …when org B's batch reports the same key: its insert waits on A's uncommitted row.
    const second = chargeUsage(t.db, [{ jobId: jobB.id, until: new Date(), idempotencyKey: key }], testServices());
    for (let i = 0; i < 100; i++) {
      const waiting = (await t.db.execute(
        sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
      )) as unknown as { rows: { n: number }[] };
      if (waiting.rows[0]!.n > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    commit();
    await first;
    const result = await second;

    expect(result.outcomes).toEqual([{ jobId: jobB.id, idempotencyKey: key, outcome: "duplicate" }]);
    expect(await t.db.select().from(creditLedger).where(eq(creditLedger.jobId, jobB.id))).toEqual([]);
    const [recorded] = await t.db.select().from(usageRecords).where(eq(usageRecords.idempotencyKey, key));
    expect(recorded!.orgId).toBe(a!.id);
    for (const org of [a!, b!]) {
      const totals = await ledgerTotals(t.db, org);
      expect(totals.balance).toBe(totals.ledgerSum);
    }
  });
});
