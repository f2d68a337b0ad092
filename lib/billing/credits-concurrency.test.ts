/**
 * Hundreds of concurrent charges, top-ups, replayed payment completions and job starts against one org, as
 * real parallel transactions (PostgreSQL with TEST_DATABASE_URL; PGlite serializes them). Afterwards the
 * invariants must hold exactly: balance = Σ ledger, every payment credited once, no quota exceeded — and
 * every failure is an expected domain refusal, never a deadlock or a crash.
 */
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rawRows } from "@/db/client";
import { jobs, orgMembers, payments } from "@/db/schema";
import { createTopUp, paySandboxPayment } from "./top-ups";
import { completePayment } from "./internal";
import { QuotaExceeded } from "../core/errors";
import { meterUsage } from "../compute/internal";
import { startJob } from "../compute/jobs";
import {
  addMember,
  addOrgToCluster,
  as,
  decimalQuotient,
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
  testServices,
  uniqueName,
  withTestDatabase,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();

/** A deterministic shuffle (mulberry32), so a failing order can be replayed. */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Op = { kind: string; run: () => Promise<unknown> };

/** Starts every operation at once; returns each one's kind with its settled result. */
async function runConcurrently(ops: Op[], seed: number) {
  const order = shuffle(ops, seed);
  const settled = await Promise.allSettled(order.map((op) => op.run()));
  return order.map((op, i) => ({ kind: op.kind, result: settled[i]! }));
}

/** Sum of decimal strings with at most two decimals, exactly, as numeric(24,8) text. */
function sumHundredths(values: string[]): bigint {
  return values.reduce((acc, v) => {
    const [i, f = ""] = v.split(".");
    return acc + BigInt(i!) * 100n + BigInt(f.padEnd(2, "0"));
  }, 0n);
}
const hundredthsToText = (h: bigint) => {
  const neg = h < 0n;
  const abs = neg ? -h : h;
  return `${neg ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}000000`;
};

const SEED = Number(process.env.CONCURRENCY_SEED ?? 20_240_101);

describe("credits under concurrency (real parallel transactions)", () => {
  it(
    "keeps balance = Σ ledger, credits every payment once and never exceeds a quota",
    { timeout: 120_000 },
    async () => {
      const admin = await makeUser(t.db, uniqueName("adm"));
      const manager = await makeUser(t.db, uniqueName("mgr"));
      const worker = await makeUser(t.db, uniqueName("wrk"));
      const payer = await makeUser(t.db, uniqueName("pay"));
      const org = await makeOrg(t.db, { admin, manager, user: worker });
      await addMember(t.db, org, payer, "user");
      await fundOrg(t.db, org, "1000");
      const metered = await makeCluster(t.db, { presets: { p: "36" } }); // 0.01 credit a second
      const limited = await makeCluster(t.db, { presets: { p: "1" } });
      await addOrgToCluster(t.db, org, metered);
      await addOrgToCluster(t.db, org, limited, 8); // org-cluster quota: 8 running jobs
      await t.db
        .update(orgMembers)
        .set({ maxRunningJobs: 5 }) // member quota: 5 running jobs
        .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, worker.id)));

      const start = secondsAgo(3600);
      const meteredJobs = [];
      for (let j = 0; j < 10; j++) {
        meteredJobs.push(
          await makeJob(t.db, { org, user: admin, cluster: metered, preset: metered.presets.p!, startedAt: start }),
        );
      }
      const mailer = new RecordingMailer();
      const svc = testServices(mailer);
      const topUp = async (credits: string) =>
        (await createTopUp(t.db, as(payer), org.name, { credits }, paymentServices(mailer))).paymentId;
      const replayed: { id: string; credits: string }[] = [];
      for (let i = 0; i < 5; i++) replayed.push({ id: await topUp(`${i + 1}0.5`), credits: `${i + 1}0.5` });
      const sandbox: { id: string; credits: string }[] = [];
      for (let i = 0; i < 50; i++) {
        const credits = `${(i % 7) + 1}.${String((i * 37) % 100).padStart(2, "0")}`;
        sandbox.push({ id: await topUp(credits), credits });
      }

      const ops: Op[] = [];
      // 150 new usage records (10 jobs × 15 ticks of 10 s) and 50 replays of them.
      const records = meteredJobs.flatMap((job) =>
        Array.from({ length: 15 }, (_, i) => ({
          jobId: job.id,
          until: plusSeconds(start, (i + 1) * 10),
          idempotencyKey: `m:${job.id}:${i + 1}`,
        })),
      );
      for (const r of records) ops.push({ kind: "meter", run: () => meterUsage(t.db, SYSTEM, [r], svc) });
      for (const r of shuffle(records, SEED).slice(0, 50)) {
        ops.push({ kind: "meter", run: () => meterUsage(t.db, SYSTEM, [{ ...r }], svc) });
      }
      // 50 completions of 5 payments (a webhook delivered ten times each).
      for (const p of replayed) {
        for (let i = 0; i < 10; i++) {
          ops.push({
            kind: "replay",
            run: () => completePayment(t.db, SYSTEM, { provider: "sandbox", paymentId: p.id }, svc),
          });
        }
      }
      // 50 payers pressing Pay in the sandbox checkout.
      for (const p of sandbox)
        ops.push({ kind: "pay", run: () => paySandboxPayment(t.db, as(payer), org.name, p.id, svc) });
      // 50 starts on the limited cluster: 25 by the worker (5 allowed), 25 by the manager.
      for (let i = 0; i < 50; i++) {
        const who = i % 2 === 0 ? worker : manager;
        ops.push({
          kind: "start",
          run: () => startJob(t.db, as(who), org.name, { name: `c-${i}`, cluster: limited.name, preset: "p" }, svc),
        });
      }
      expect(ops).toHaveLength(350);

      const results = await runConcurrently(ops, SEED);

      // Only job starts may fail, and only with the two quota refusals.
      const quotaMessages = [
        `Jobs limit quota exceeded for user '${worker.username}'`,
        `Jobs limit quota exceeded for org '${org.name}'`,
      ];
      for (const { kind, result } of results) {
        if (result.status === "rejected") {
          expect(kind, String(result.reason)).toBe("start");
          expect(result.reason, String(result.reason)).toBeInstanceOf(QuotaExceeded);
          expect(quotaMessages).toContain((result.reason as Error).message);
        }
      }
      const started = results.filter((r) => r.kind === "start" && r.result.status === "fulfilled");
      expect(started).toHaveLength(8);
      const [running] = await rawRows<{ onLimited: number; worker: number }>(
        t.db,
        sql`select count(*) filter (where cluster_id = ${limited.id})::int as "onLimited",
                 count(*) filter (where cluster_id = ${limited.id} and user_id = ${worker.id})::int as worker
          from jobs where org_id = ${org.id} and status = 'running'`,
      );
      expect(running!.onLimited).toBe(8);
      expect(running!.worker).toBeLessThanOrEqual(5);

      // Every usage record charged at most once; every job charged exactly its 150 s at 36/h.
      const meterOutcomes = results
        .filter((r) => r.kind === "meter")
        .flatMap((r) => (r.result as PromiseFulfilledResult<Awaited<ReturnType<typeof meterUsage>>>).value.outcomes);
      expect(meterOutcomes).toHaveLength(200);
      const chargedKeys = meterOutcomes.filter((o) => o.outcome === "charged").map((o) => o.idempotencyKey);
      expect(new Set(chargedKeys).size).toBe(chargedKeys.length);
      for (const o of meterOutcomes) expect(["charged", "duplicate", "nothing_due"]).toContain(o.outcome);
      const perJob = await rawRows<{ id: string; charged: string; sum: string; keys: number }>(
        t.db,
        sql`select j.id, j.credits_charged::text as charged,
                 coalesce(-sum(l.amount), 0)::numeric(24, 8)::text as sum,
                 count(l.id)::int as keys
          from jobs j left join credit_ledger l on l.job_id = j.id and l.kind = 'charge'
          where j.cluster_id = ${metered.id} group by j.id`,
      );
      expect(perJob).toHaveLength(10);
      for (const j of perJob) {
        expect(j.charged).toBe(decimalQuotient(36 * 150, 3600)); // 1.50000000
        expect(j.sum).toBe(j.charged);
        expect(j.keys).toBeLessThanOrEqual(15);
      }

      // Every payment paid, and credited by exactly one ledger row.
      const replayOutcomes = results
        .filter((r) => r.kind === "replay")
        .map((r) => (r.result as PromiseFulfilledResult<{ outcome: string }>).value.outcome);
      expect(replayOutcomes.filter((o) => o === "paid")).toHaveLength(5);
      expect(replayOutcomes.filter((o) => o === "already")).toHaveLength(45);
      const all = [...replayed, ...sandbox];
      const rows = await t.db.select().from(payments).where(eq(payments.orgId, org.id));
      expect(rows).toHaveLength(55);
      for (const p of rows) expect(p.status).toBe("paid");
      const perPayment = await rawRows<{ key: string; n: number }>(
        t.db,
        sql`select idempotency_key as key, count(*)::int as n from credit_ledger
          where org_id = ${org.id} and kind = 'topup' group by idempotency_key`,
      );
      expect(perPayment.map((r) => r.key).sort()).toEqual(all.map((p) => `payment:${p.id}`).sort());
      for (const r of perPayment) expect(r.n).toBe(1);
      const receipts = mailer.to(payer.email).filter((m) => m.subject.startsWith("Receipt:"));
      expect(receipts).toHaveLength(55);

      // The books balance, to the last digit.
      const totals = await ledgerTotals(t.db, org);
      const expected = hundredthsToText(sumHundredths(["1000", ...all.map((p) => p.credits)]) - 1500n);
      expect(totals.balance).toBe(expected);
      expect(totals.ledgerSum).toBe(totals.balance);
      expect(totals.spent).toBe("15.00000000");
      expect(totals.charged).toBe("15.00000000");
      const [member] = await t.db
        .select({ spent: orgMembers.spent })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, admin.id)));
      expect(member!.spent).toBe("15.00000000");
    },
  );

  it(
    "stops every job when concurrent charges run the org dry, and refuses starts after",
    { timeout: 120_000 },
    async () => {
      const admin = await makeUser(t.db, uniqueName("adm"));
      const members = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
      const org = await makeOrg(t.db, { admin });
      for (const m of members) await addMember(t.db, org, m, "user");
      await fundOrg(t.db, org, "10");
      const cluster = await makeCluster(t.db, { presets: { fast: "3600" } }); // 1 credit a second
      await addOrgToCluster(t.db, org, cluster);
      const start = secondsAgo(3600);
      const meteredJobs = [];
      for (let j = 0; j < 10; j++) {
        meteredJobs.push(
          await makeJob(t.db, { org, user: members[j % 3]!, cluster, preset: cluster.presets.fast!, startedAt: start }),
        );
      }
      const mailer = new RecordingMailer();
      const svc = testServices(mailer);
      const payments_: string[] = [];
      for (let i = 0; i < 20; i++) {
        payments_.push(
          (await createTopUp(t.db, as(admin), org.name, { credits: "1" }, paymentServices(mailer))).paymentId,
        );
      }

      const ops: Op[] = [];
      for (const job of meteredJobs) {
        for (let i = 1; i <= 10; i++) {
          const record = { jobId: job.id, until: plusSeconds(start, i), idempotencyKey: `d:${job.id}:${i}` };
          ops.push({ kind: "meter", run: () => meterUsage(t.db, SYSTEM, [record], svc) });
        }
      }
      for (const id of payments_)
        ops.push({ kind: "pay", run: () => paySandboxPayment(t.db, as(admin), org.name, id, svc) });
      for (let i = 0; i < 30; i++) {
        const who = [admin, ...members][i % 4]!;
        ops.push({
          kind: "start",
          run: () =>
            startJob(t.db, as(who), org.name, { name: `late-${i}`, cluster: cluster.name, preset: "fast" }, svc),
        });
      }
      const results = await runConcurrently(ops, SEED + 1);

      for (const { kind, result } of results) {
        if (result.status === "rejected") {
          expect(kind, String(result.reason)).toBe("start");
          expect((result.reason as Error).message).toBe(`No credits left for org '${org.name}'`);
        }
      }
      // 10 + 20 top-ups − 10 jobs × 10 s: the jobs did run, so the balance goes below zero.
      const totals = await ledgerTotals(t.db, org);
      expect(totals.balance).toBe("-70.00000000");
      expect(totals.ledgerSum).toBe(totals.balance);
      expect(totals.charged).toBe("100.00000000");
      // Whatever started before the money ran out was stopped by a later charge; nothing runs now.
      const stillRunning = await t.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.orgId, org.id), eq(jobs.status, "running")));
      expect(stillRunning).toEqual([]);
      const reasons = await rawRows<{ reason: string; n: number }>(
        t.db,
        sql`select stop_reason as reason, count(*)::int as n from jobs where org_id = ${org.id} group by stop_reason`,
      );
      expect(reasons.map((r) => r.reason)).toEqual(["QuotaExhausted"]);
      // Each member's spending is their own jobs' charges.
      const spent = await rawRows<{ ok: boolean }>(
        t.db,
        sql`select bool_and(m.spent = coalesce((select -sum(amount) from credit_ledger l
                   where l.org_id = m.org_id and l.member_id = m.user_id and l.kind = 'charge'), 0)) as ok
          from org_members m where m.org_id = ${org.id}`,
      );
      expect(spent[0]!.ok).toBe(true);
    },
  );
});
