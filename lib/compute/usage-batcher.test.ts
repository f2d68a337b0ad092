import { randomUUID } from "node:crypto";
import { clusterCaller } from "../core/caller";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rawRows } from "@/db/client";
import { jobs, orgWallets } from "@/db/schema";
import type { UsageRecord } from "./metering";
import {
  addOrgToCluster,
  as,
  makePlatformAdmin,
  fundOrg,
  makeCluster,
  makeJob,
  makeOrg,
  makeUser,
  testServices,
  withTestDatabase,
} from "../test/fixtures";
import { createClusterToken, revokeClusterToken } from "./clusters";
import { handleUsageRequest } from "./usage-api";
import { directMeter, UsageBatcher, type Metered } from "./usage-batcher";

const t = withTestDatabase();
const svc = testServices();

/** An org with `balance` credits on `cluster`, a member and `n` jobs that started an hour ago at 1 credit/s. */
async function setUp(cluster: Awaited<ReturnType<typeof makeCluster>>, n: number, balance = "100000") {
  const member = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin: member });
  await addOrgToCluster(t.db, org, cluster);
  await fundOrg(t.db, org, balance);
  const preset = cluster.presets["fast"]!;
  const started = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
  const js = [];
  for (let i = 0; i < n; i++) js.push(await makeJob(t.db, { org, user: member, cluster, preset, startedAt: started }));
  return { org, member, jobs: js, started };
}

const record = (jobId: string, until: Date, key: string = randomUUID()): UsageRecord => ({
  jobId,
  until,
  idempotencyKey: key,
});
const secondsAfter = (at: Date, s: number) => new Date(at.getTime() + s * 1000);

async function ledgerAgrees(orgId: string) {
  const [r] = await rawRows<{ ok: boolean; charges: number }>(
    t.db,
    sql`select (select balance from org_wallets where org_id = ${orgId}) = (select coalesce(sum(amount), 0) from credit_ledger
          where org_id = ${orgId}) as ok,
        (select count(*)::int from credit_ledger where org_id = ${orgId} and kind = 'charge') as charges`,
  );
  return r!;
}

/** How many (job, UTC hour) pairs the org's charged usage records settled in: one ledger row each. */
async function jobHours(orgId: string) {
  const [r] = await rawRows<{ n: number }>(
    t.db,
    sql`select count(distinct (job_id, date_trunc('hour', until at time zone 'UTC')))::int as n from usage_records
        where org_id = ${orgId} and outcome = 'charged'`,
  );
  return r!.n;
}

describe("UsageBatcher (group commit of usage reports)", () => {
  it("charges concurrent single-record requests together, each exactly once, with its own outcome", async () => {
    const cluster = await makeCluster(t.db, { presets: { fast: "3600" } });
    const { org, jobs: js, started } = await setUp(cluster, 20);
    const batcher = new UsageBatcher(t.db, { maxConcurrent: 1, maxRecords: 1000, soloAbove: 50 });
    const results = await Promise.all(
      js.map((j, i) => batcher.meter(clusterCaller(cluster.id), [record(j.id, secondsAfter(started, i + 1))], svc)),
    );
    // One transaction ran at once, so the 19 requests that arrived meanwhile shared the next one.
    expect(batcher.transactions).toBeLessThan(js.length);
    results.forEach((r, i) => {
      expect(r.outcomes).toEqual([
        { jobId: js[i]!.id, idempotencyKey: expect.any(String), outcome: "charged", amount: `${i + 1}.00000000` },
      ]);
      expect(r.stop).toEqual([]);
    });
    const state = await ledgerAgrees(org.id);
    expect(state).toEqual({ ok: true, charges: 20 });
    const [o] = await t.db.select({ balance: orgWallets.balance }).from(orgWallets).where(eq(orgWallets.orgId, org.id));
    expect(o!.balance).toBe(`${100000 - 210}.00000000`); // 1 + 2 + … + 20
  });

  it("keeps each record on its runner's cluster and a replayed key charged once, within one batch", async () => {
    const a = await makeCluster(t.db, { presets: { fast: "3600" } });
    const b = await makeCluster(t.db, { presets: { fast: "3600" } });
    const { org, jobs: js, started } = await setUp(a, 1);
    const job = js[0]!;
    const batcher = new UsageBatcher(t.db, { maxConcurrent: 1, maxRecords: 1000, soloAbove: 50 });
    const until = secondsAfter(started, 10);
    const [first, forged, replay] = await Promise.all([
      batcher.meter(clusterCaller(a.id), [record(job.id, until, "k1")], svc),
      batcher.meter(clusterCaller(b.id), [record(job.id, secondsAfter(started, 500), "k2")], svc), // cluster B reports A's job
      batcher.meter(clusterCaller(a.id), [record(job.id, secondsAfter(started, 20), "k1")], svc), // same key again
    ]);
    expect(first.outcomes[0]!.outcome).toBe("charged");
    expect(forged.outcomes[0]!.outcome).toBe("unknown_job");
    expect(replay.outcomes[0]!.outcome).toBe("duplicate");
    const [j] = await t.db.select({ charged: jobs.creditsCharged }).from(jobs).where(eq(jobs.id, job.id));
    expect(j!.charged).toBe("10.00000000");
    expect(await ledgerAgrees(org.id)).toEqual({ ok: true, charges: 1 });
  });

  it("retries a failed shared transaction request by request, so one bad request fails alone", async () => {
    const cluster = await makeCluster(t.db, { presets: { fast: "3600" } });
    const { org, jobs: js, started } = await setUp(cluster, 3);
    const batcher = new UsageBatcher(t.db, { maxConcurrent: 1, maxRecords: 1000, soloAbove: 50 });
    const results = await Promise.allSettled([
      batcher.meter(clusterCaller(cluster.id), [record(js[0]!.id, secondsAfter(started, 5))], svc),
      batcher.meter(clusterCaller(cluster.id), [record(js[1]!.id, secondsAfter(started, 5))], svc),
      batcher.meter(clusterCaller(cluster.id), [record("not-a-uuid", secondsAfter(started, 5))], svc), // the database refuses it
      batcher.meter(clusterCaller(cluster.id), [record(js[2]!.id, secondsAfter(started, 5))], svc),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(await ledgerAgrees(org.id)).toEqual({ ok: true, charges: 3 });
  });

  it("tells each request only about its own jobs when a charge runs an org dry", async () => {
    const cluster = await makeCluster(t.db, { presets: { fast: "3600" } });
    const dry = await setUp(cluster, 2, "5");
    const rich = await setUp(cluster, 1);
    const batcher = new UsageBatcher(t.db, { maxConcurrent: 1, maxRecords: 1000, soloAbove: 50 });
    const [blocker, poor, fine] = await Promise.all([
      batcher.meter(clusterCaller(cluster.id), [record(rich.jobs[0]!.id, secondsAfter(rich.started, 1))], svc),
      batcher.meter(clusterCaller(cluster.id), [record(dry.jobs[0]!.id, secondsAfter(dry.started, 10))], svc),
      batcher.meter(clusterCaller(cluster.id), [record(rich.jobs[0]!.id, secondsAfter(rich.started, 2))], svc),
    ]);
    expect(blocker.stop).toEqual([]);
    expect(poor.outcomes[0]!.outcome).toBe("charged");
    expect(poor.stop).toEqual([dry.jobs[0]!.id]); // its org is at -5: its reported job stops
    expect(fine.stop).toEqual([]);
    expect(fine.outcomes[0]!.outcome).toBe("charged");
  });

  const plan = (s: { jobs: { id: string }[]; started: Date }) =>
    s.jobs.flatMap((j, i) => [
      [record(j.id, secondsAfter(s.started, i + 1), `${j.id}-a`)],
      [
        record(j.id, secondsAfter(s.started, i + 7), `${j.id}-b`),
        record(j.id, secondsAfter(s.started, 2), `${j.id}-c`),
      ],
    ]);
  const jobTotals = (ids: string[]) =>
    t.db
      .select({ charged: jobs.creditsCharged })
      .from(jobs)
      .where(sql`${jobs.id} in ${ids}`)
      .then((rows) => rows.map((r) => r.charged).sort());

  it("gives the same outcomes as charging request by request, in arrival order", async () => {
    const cluster = await makeCluster(t.db, { presets: { fast: "3600" } });
    const direct = await setUp(cluster, 5);
    const batched = await setUp(cluster, 5);
    const meterDirect = directMeter(t.db);
    // Small shared transactions (3 records at most), one at a time: the queue keeps arrival order. (Two at a
    // time would race for the org's lock, like any two concurrent requests: no order between them is promised.)
    const batcher = new UsageBatcher(t.db, { maxConcurrent: 1, maxRecords: 3, soloAbove: 50 });
    const one: Metered[] = [];
    for (const req of plan(direct)) one.push(await meterDirect(clusterCaller(cluster.id), req, svc));
    const many = await Promise.all(plan(batched).map((req) => batcher.meter(clusterCaller(cluster.id), req, svc)));
    const shape = (rs: Metered[]) => rs.map((r) => r.outcomes.map((o) => [o.outcome, o.amount]));
    expect(shape(many)).toEqual(shape(one));
    // Two charges per job (a, then b), in one ledger row per job and UTC hour.
    expect(await ledgerAgrees(batched.org.id)).toEqual({ ok: true, charges: await jobHours(batched.org.id) });
    const [a, b] = await Promise.all(
      [direct, batched].map((s) =>
        t.db.select({ balance: orgWallets.balance }).from(orgWallets).where(eq(orgWallets.orgId, s.org.id)),
      ),
    );
    expect(b![0]!.balance).toBe(a![0]!.balance);
  });

  it("charges large reports in their own transaction, next to the shared ones, to the same totals", async () => {
    const cluster = await makeCluster(t.db, { presets: { fast: "3600" } });
    const s = await setUp(cluster, 5);
    // Two-record requests skip the queue: concurrent with the queued ones, so only the totals are fixed.
    const batcher = new UsageBatcher(t.db, { maxConcurrent: 1, maxRecords: 1000, soloAbove: 1 });
    const results = await Promise.all(plan(s).map((req) => batcher.meter(clusterCaller(cluster.id), req, svc)));
    expect(results.every((r) => r.outcomes.every((o) => o.outcome !== "unknown_job"))).toBe(true);
    // Each job is due up to its latest record: i + 7 seconds at 1 credit/s.
    expect(await jobTotals(s.jobs.map((j) => j.id))).toEqual(
      ["7.00000000", "8.00000000", "9.00000000", "10.00000000", "11.00000000"].sort(),
    );
    const [o] = await t.db
      .select({ balance: orgWallets.balance })
      .from(orgWallets)
      .where(eq(orgWallets.orgId, s.org.id));
    expect(o!.balance).toBe(`${100000 - 45}.00000000`);
    expect((await ledgerAgrees(s.org.id)).ok).toBe(true);
  });

  it("serves POST /api/v1/usage: concurrent runner reports share transactions and get their own answers", async () => {
    const cluster = await makeCluster(t.db, { presets: { fast: "3600" } });
    const { org, jobs: js, started } = await setUp(cluster, 12);
    const operator = await makePlatformAdmin(t.db);
    const { token } = await createClusterToken(t.db, as(operator), { cluster: cluster.name, label: "runner" });
    const batcher = new UsageBatcher(t.db, { maxConcurrent: 1, maxRecords: 1000, soloAbove: 50 });
    const responses = await Promise.all(
      js.map((j, i) =>
        handleUsageRequest(
          t.db,
          `Bearer ${token}`,
          { records: [{ job_id: j.id, until: secondsAfter(started, i + 1).toISOString(), idempotency_key: `r${i}` }] },
          testServices(),
          { meter: batcher.meter, authenticate: batcher.authenticate },
        ),
      ),
    );
    responses.forEach((r, i) => {
      expect(r).toMatchObject({ charged: 1, duplicates: 0, unknown_jobs: [], stop: [] });
      expect(r.results).toEqual([
        { job_id: js[i]!.id, idempotency_key: `r${i}`, outcome: "charged", amount: `${i + 1}.00000000` },
      ]);
    });
    // The requests went through the batcher (how many shared a transaction depends on timing here; the first
    // test shows the sharing deterministically).
    expect(batcher.transactions).toBeGreaterThan(0);
    expect(batcher.transactions).toBeLessThanOrEqual(js.length);
    expect(batcher.tokenQueries).toBeGreaterThan(0);
    expect(batcher.tokenQueries).toBeLessThanOrEqual(js.length);
    expect(await ledgerAgrees(org.id)).toEqual({ ok: true, charges: 12 });
  });

  it("checks the tokens of concurrent requests together, each against the database after it arrived", async () => {
    const operator = await makePlatformAdmin(t.db);
    const a = await makeCluster(t.db);
    const b = await makeCluster(t.db);
    const ta = await createClusterToken(t.db, as(operator), { cluster: a.name, label: "a" });
    const tb = await createClusterToken(t.db, as(operator), { cluster: b.name, label: "b" });
    const batcher = new UsageBatcher(t.db);
    const bad = ["apc_short", `apc_${"A".repeat(43)}`, ta.token.slice(4), `${ta.token}x`];
    const asked = [ta.token, tb.token, ...bad, ta.token, tb.token, ta.token];
    const answers = await Promise.all(asked.map((bearer) => batcher.authenticate(bearer)));
    expect(answers).toEqual([
      { kind: "cluster", clusterId: a.id },
      { kind: "cluster", clusterId: b.id },
      null,
      null,
      null,
      null,
      { kind: "cluster", clusterId: a.id },
      { kind: "cluster", clusterId: b.id },
      { kind: "cluster", clusterId: a.id },
    ]);
    // The first call went out alone; everything asked while it ran shared the next query.
    expect(batcher.tokenQueries).toBe(2);

    // A revocation committed before a request arrives refuses that request, even while another check runs.
    const inFlight = batcher.authenticate(ta.token);
    await revokeClusterToken(t.db, as(operator), { id: ta.id });
    const afterRevoke = batcher.authenticate(ta.token);
    expect(await afterRevoke).toBeNull();
    await inFlight; // asked before the revocation: either answer is right
    expect(await batcher.authenticate(tb.token)).toEqual({ kind: "cluster", clusterId: b.id });
  });

  it("fails the token checks of a failed query only; the next query serves the requests that waited", async () => {
    const operator = await makePlatformAdmin(t.db);
    const cluster = await makeCluster(t.db);
    const { token } = await createClusterToken(t.db, as(operator), { cluster: cluster.name, label: "r" });
    let failures = 1;
    const flaky = new Proxy(t.db, {
      get(target, prop, receiver) {
        if (prop === "select" && failures > 0) {
          failures--;
          return () => {
            throw new Error("connection reset");
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const batcher = new UsageBatcher(flaky);
    const first = batcher.authenticate(token); // sent at once, fails
    const second = batcher.authenticate(token); // waits for the next query
    await expect(first).rejects.toThrow("connection reset");
    expect(await second).toEqual({ kind: "cluster", clusterId: cluster.id });
    expect(batcher.tokenQueries).toBe(2);
  });
});
