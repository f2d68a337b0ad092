/**
 * Exactly one automatic top-up per crossing: 50 concurrent charges (usage reports through the metering path and
 * ledger charges, each its own transaction) take the balance below the threshold at once while two credits
 * workers run, then two more workers run at the same time; repeated for several crossings. Real parallel
 * transactions on PostgreSQL (TEST_DATABASE_URL); PGlite serializes them, so there it checks the same
 * invariants without the contention.
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { creditLedger, orgWallets, payments } from "@/db/schema";
import { meterUsage } from "../compute/internal";
import { runAutoTopUps, setAutoTopUp } from "./auto-topup";
import { postLedger } from "./ledger";
import {
  addOrgToCluster,
  as,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeJob,
  makeOrg,
  makeUser,
  paymentServices,
  plusSeconds,
  RecordingMailer,
  secondsAgo,
  SYSTEM,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();
const ROUNDS = 5;

describe("automatic top-up under concurrency", () => {
  it(
    "creates exactly one automatic payment and one auto_topup ledger row per crossing, with two workers",
    { timeout: 180_000 },
    async () => {
      const admin = await makeUser(t.db);
      const org = await makeOrg(t.db, { admin });
      // 360 credits/hour: a 10-second usage report is exactly 1 credit.
      const cluster = await makeCluster(t.db, { presets: { p: "360" } });
      await addOrgToCluster(t.db, org, cluster);
      await fundOrg(t.db, org, "60");
      const mailer = new RecordingMailer();
      const svc = paymentServices(mailer);
      // Below 50, add 50: each round's 50 credits of charges cross once (60 → 10), the top-up brings it to 60.
      await setAutoTopUp(
        t.db,
        as(admin),
        org.name,
        { enabled: true, threshold: "50", amount: "50", monthlyCap: "100000" },
        svc,
      );
      const start = secondsAgo(3600);
      const jobs = [];
      for (let j = 0; j < 5; j++) {
        jobs.push(await makeJob(t.db, { org, user: admin, cluster, preset: cluster.presets.p!, startedAt: start }));
      }
      const worker = () => runAutoTopUps(t.db, SYSTEM, new Date(), svc);
      const keys = new Set<string>();

      for (let round = 1; round <= ROUNDS; round++) {
        const ops: (() => Promise<unknown>)[] = [];
        // 25 usage reports: 5 jobs × 5 ticks of 10 s (1 credit each), in this round's time span.
        for (const job of jobs) {
          for (let tick = 1; tick <= 5; tick++) {
            const n = (round - 1) * 5 + tick;
            ops.push(() =>
              meterUsage(
                t.db,
                SYSTEM,
                [{ jobId: job.id, until: plusSeconds(start, n * 10), idempotencyKey: `r:${job.id}:${n}` }],
                svc,
              ),
            );
          }
        }
        // 25 ledger charges of 1 credit, each its own transaction.
        for (let i = 0; i < 25; i++) {
          ops.push(() =>
            t.db.transaction((tx) =>
              postLedger(tx, { orgId: org.id, kind: "charge", amount: "-1", idempotencyKey: `c:${round}:${i}` }),
            ),
          );
        }
        // Two workers racing the charges, then two workers at once after them.
        const racing = [worker, worker];
        // The workers start among the charges (all start together).
        const all = [...ops.slice(0, 20), racing[0]!, ...ops.slice(20, 35), racing[1]!, ...ops.slice(35)];
        const settled = await Promise.allSettled(all.map((op) => op()));
        expect(settled.filter((s) => s.status === "rejected")).toEqual([]);
        const after = await Promise.allSettled([worker(), worker()]);
        expect(after.filter((s) => s.status === "rejected")).toEqual([]);

        const auto = await t.db
          .select()
          .from(payments)
          .where(and(eq(payments.orgId, org.id), eq(payments.kind, "auto")));
        expect(auto, `round ${round}`).toHaveLength(round);
        expect(auto.every((p) => p.status === "paid")).toBe(true);
        for (const p of auto) keys.add(p.idempotencyKey!);
        expect(keys.size).toBe(round);
        const ledger = await t.db
          .select({ amount: creditLedger.amount })
          .from(creditLedger)
          .where(and(eq(creditLedger.orgId, org.id), eq(creditLedger.kind, "auto_topup")));
        expect(ledger, `round ${round}`).toHaveLength(round);
        const totals = await ledgerTotals(t.db, org);
        expect(totals.ledgerSum).toBe(totals.balance);
        expect(totals.balance).toBe("60.00000000");
        const [w] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id));
        expect(w!.autoTopupDueAt).toBeNull();
      }
      // One mail to the admin per top-up.
      expect(mailer.to(admin.email).filter((m) => /added automatically/.test(m.subject))).toHaveLength(ROUNDS);
    },
  );

  it("two workers on one crossing: one payment, whichever claims it (repeated)", { timeout: 120_000 }, async () => {
    const svc = paymentServices();
    for (let round = 0; round < 10; round++) {
      const admin = await makeUser(t.db);
      const org = await makeOrg(t.db, { admin });
      await fundOrg(t.db, org, "100");
      await setAutoTopUp(
        t.db,
        as(admin),
        org.name,
        { enabled: true, threshold: "50", amount: "10", monthlyCap: "1000" },
        svc,
      );
      await t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "charge", amount: "-60" }));
      const results = await Promise.all([
        runAutoTopUps(t.db, SYSTEM, new Date(), svc),
        runAutoTopUps(t.db, SYSTEM, new Date(), svc),
      ]);
      expect(results.reduce((n, r) => n + r.completed, 0)).toBeLessThanOrEqual(1);
      // Whatever the interleaving, one more pass finishes it and nothing is doubled.
      await runAutoTopUps(t.db, SYSTEM, new Date(), svc);
      const auto = await t.db.select().from(payments).where(eq(payments.orgId, org.id));
      expect(auto).toHaveLength(1);
      expect(auto[0]).toMatchObject({ kind: "auto", status: "paid" });
      expect((await ledgerTotals(t.db, org)).balance).toBe("50.00000000");
    }
  });
});
