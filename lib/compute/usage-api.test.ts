import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rawRows } from "@/db/client";
import { clusters, creditLedger, jobs, orgClusters, orgWallets, usageRecords, users } from "@/db/schema";
import { createClusterToken, revokeClusterToken } from "./clusters";
import { grantCredits } from "../billing/grants";
import { Invalid, Malformed, Unauthenticated } from "../core/errors";
import { handleUsageRequest, INVALID_JSON, readBodyText, USAGE_CLOCK_SKEW_MS } from "./usage-api";
import { as, makeOrg, makeUser, testServices, uniqueName, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();

type Person = Awaited<ReturnType<typeof makeUser>>;
let operator: Person;

beforeAll(async () => {
  operator = await makeUser(t.db);
  await t.db.update(users).set({ isPlatformAdmin: true }).where(eq(users.id, operator.id));
});

/** An external cluster and a runner token for it. */
async function makeCluster() {
  const [c] = await t.db
    .insert(clusters)
    .values({ name: uniqueName("c-"), runner: "external" })
    .returning();
  const { token, id } = await createClusterToken(t.db, as(operator), { cluster: c!.name, label: "runner" });
  return { cluster: c!, token, tokenId: id, auth: `Bearer ${token}` };
}

/** An org on the cluster with `balance` credits (granted, so balance = Σ ledger) and a member. */
async function makeFundedOrg(cluster: { id: string }, balance: string) {
  const member = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin: member });
  await t.db.insert(orgClusters).values({ orgId: org.id, clusterId: cluster.id });
  if (balance !== "0") await grantCredits(t.db, as(operator), { org: org.name, amount: balance }, testServices());
  return { org, member };
}

/** A running job that started `minutesAgo` minutes ago at `perHour` credits per hour. */
async function makeJob(
  org: { id: string },
  member: { id: string },
  cluster: { id: string },
  minutesAgo = 60,
  perHour = "60",
) {
  const startedAt = new Date(Date.now() - minutesAgo * 60_000);
  const [j] = await t.db
    .insert(jobs)
    .values({
      orgId: org.id,
      userId: member.id,
      clusterId: cluster.id,
      presetName: "cpu",
      name: uniqueName("job-"),
      creditsPerHour: perHour,
      startedAt,
      chargedUntil: startedAt,
    })
    .returning();
  return j!;
}

const post = (authorization: string | null, body: unknown, now?: Date) =>
  handleUsageRequest(t.db, authorization, body, testServices(), { now });

/** The domain error a refused report throws (the route maps it: app/_server/http-errors.ts). */
const refusal = (authorization: string | null, body: unknown) =>
  post(authorization, body).then(
    () => expect.fail("the report was accepted"),
    (err: unknown) => err,
  );

async function orgState(orgId: string) {
  const [o] = await t.db.select({ balance: orgWallets.balance }).from(orgWallets).where(eq(orgWallets.orgId, orgId));
  const [l] = await rawRows<{ sum: string; n: number }>(
    t.db,
    sql`select coalesce(sum(amount), 0)::text as sum, (count(*) filter (where kind = 'charge'))::int as n
          from credit_ledger where org_id = ${orgId}`,
  );
  return { balance: o!.balance, ledgerSum: l!.sum, charges: l!.n };
}

describe("POST /api/v1/usage: authentication", () => {
  it("refuses (Unauthenticated) without a token, with a malformed, unknown or revoked one, and writes nothing", async () => {
    const { cluster, token, tokenId } = await makeCluster();
    const { org, member } = await makeFundedOrg(cluster, "100");
    const job = await makeJob(org, member, cluster);
    const body = { records: [{ job_id: job.id, until: new Date().toISOString(), idempotency_key: "k1" }] };
    const unknown = `apc_${"A".repeat(43)}`;
    for (const header of [
      null,
      "",
      "Bearer",
      `Basic ${token}`,
      token,
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${unknown}`,
    ]) {
      expect(await refusal(header, body), String(header)).toBeInstanceOf(Unauthenticated);
    }
    await revokeClusterToken(t.db, as(operator), { id: tokenId });
    expect(await refusal(`Bearer ${token}`, body)).toBeInstanceOf(Unauthenticated);
    // Even a body that is not JSON: the token is checked first.
    expect(await refusal(null, INVALID_JSON)).toBeInstanceOf(Unauthenticated);
    expect(await orgState(org.id)).toMatchObject({ charges: 0 });
  });

  it("accepts the scheme case-insensitively", async () => {
    const { cluster, token } = await makeCluster();
    const { org, member } = await makeFundedOrg(cluster, "100");
    const job = await makeJob(org, member, cluster);
    const res = await post(`bearer ${token}`, {
      records: [{ job_id: job.id, until: new Date().toISOString(), idempotency_key: "k" }],
    });
    expect(res.charged).toBe(1);
  });
});

describe("POST /api/v1/usage: validation", () => {
  it("Malformed for a body that is not JSON; Invalid with messages per field path for a bad body", async () => {
    const { auth, cluster } = await makeCluster();
    const { org, member } = await makeFundedOrg(cluster, "100");
    const job = await makeJob(org, member, cluster);
    const notJson = await refusal(auth, INVALID_JSON);
    expect(notJson).toBeInstanceOf(Malformed);
    expect(notJson).toMatchObject({ kind: "malformed", message: "The body must be JSON." });

    const good = { job_id: job.id, until: new Date().toISOString(), idempotency_key: "ok" };
    const cases: [unknown, string][] = [
      [null, "_body"],
      ["records", "_body"],
      [{}, "records"],
      [{ records: {} }, "records"],
      [{ records: [] }, "records"],
      [{ records: Array.from({ length: 1001 }, (_, i) => ({ ...good, idempotency_key: `k${i}` })) }, "records"],
      [{ records: [good, { ...good, job_id: "job-1" }] }, "records.1.job_id"],
      [{ records: [{ ...good, until: "yesterday" }] }, "records.0.until"],
      [{ records: [{ ...good, until: "2026-01-01T12:00:00" }] }, "records.0.until"], // no time zone
      [{ records: [{ ...good, until: 1767268800000 }] }, "records.0.until"],
      [
        { records: [{ ...good, until: new Date(Date.now() + USAGE_CLOCK_SKEW_MS + 60_000).toISOString() }] },
        "records.0.until",
      ],
      [{ records: [{ ...good, idempotency_key: "" }] }, "records.0.idempotency_key"],
      [{ records: [{ ...good, idempotency_key: "x".repeat(201) }] }, "records.0.idempotency_key"],
      // PostgreSQL refuses U+0000 in text: a NUL key is this record's mistake (422 on its field), never a 500.
      [{ records: [good, { ...good, idempotency_key: "\u0000" }] }, "records.1.idempotency_key"],
      [{ records: [{ ...good, idempotency_key: "a\u0001b" }] }, "records.0.idempotency_key"],
      [{ records: [{ job_id: job.id }] }, "records.0.until"],
    ];
    for (const [body, field] of cases) {
      const err = await refusal(auth, body);
      expect(err, JSON.stringify(body).slice(0, 80)).toBeInstanceOf(Invalid);
      expect(err).toMatchObject({ message: "Check the fields." });
      const fields = (err as Invalid).fieldErrors;
      expect(Object.keys(fields), JSON.stringify(body).slice(0, 80)).toContain(field);
      expect(fields[field]![0]).toMatch(/\w/);
    }
    expect(await orgState(org.id)).toMatchObject({ charges: 0 });
  });
});

describe("POST /api/v1/usage: charging", () => {
  it("charges a running job runtime × credits/hour, and a replayed key changes nothing", async () => {
    const { auth, cluster } = await makeCluster();
    const { org, member } = await makeFundedOrg(cluster, "100");
    // 60 credits/hour, started 60 minutes ago: 30 credits are due up to 30 minutes after the start.
    const job = await makeJob(org, member, cluster, 60, "60");
    const half = new Date(job.startedAt.getTime() + 30 * 60_000).toISOString();
    const res = await post(auth, { records: [{ job_id: job.id, until: half, idempotency_key: "tick-1" }] });
    expect(res).toMatchObject({ charged: 1, duplicates: 0, nothing_due: 0, unknown_jobs: [], stop: [] });
    expect(res.results).toEqual([
      { job_id: job.id, idempotency_key: "tick-1", outcome: "charged", amount: "30.00000000" },
    ]);
    expect(await orgState(org.id)).toEqual({ balance: "70.00000000", ledgerSum: "70.00000000", charges: 1 });
    const [ledger] = await t.db.select().from(creditLedger).where(eq(creditLedger.jobId, job.id));
    expect(ledger).toMatchObject({ kind: "charge", amount: "-30.00000000", memberId: member.id });
    // The key is kept in usage_records; the ledger row is the job's row for the hour the usage settled in.
    expect(ledger!.idempotencyKey).toBeNull();
    expect(ledger!.periodStart!.getTime()).toBe(Math.floor(Date.parse(half) / 3_600_000) * 3_600_000);
    const [usage] = await t.db.select().from(usageRecords).where(eq(usageRecords.jobId, job.id));
    expect(usage).toMatchObject({ idempotencyKey: `usage:${cluster.id}:tick-1`, amount: "30.00000000" });

    // The same key again, even with a later `until`: a duplicate, nothing charged.
    const later = new Date(job.startedAt.getTime() + 45 * 60_000).toISOString();
    const replay = await post(auth, { records: [{ job_id: job.id, until: later, idempotency_key: "tick-1" }] });
    expect(replay).toMatchObject({ charged: 0, duplicates: 1, nothing_due: 0 });
    expect(await orgState(org.id)).toMatchObject({ balance: "70.00000000", charges: 1 });

    // A new key for the same moment: nothing due. A later one: the difference.
    expect(await post(auth, { records: [{ job_id: job.id, until: half, idempotency_key: "tick-2" }] })).toMatchObject({
      nothing_due: 1,
    });
    const next = await post(auth, { records: [{ job_id: job.id, until: later, idempotency_key: "tick-3" }] });
    expect(next).toMatchObject({ charged: 1 });
    // One ledger row per UTC hour the usage settled in: the row of `half` grew, or `later` opened the next hour's.
    const hours = new Set([half, later].map((d) => Math.floor(Date.parse(d) / 3_600_000))).size;
    expect(await orgState(org.id)).toEqual({ balance: "55.00000000", ledgerSum: "55.00000000", charges: hours });
  });

  it("never charges ahead of the console's clock (until within the skew is capped at now)", async () => {
    const { auth, cluster } = await makeCluster();
    const { org, member } = await makeFundedOrg(cluster, "100");
    const job = await makeJob(org, member, cluster, 60, "60");
    const now = new Date();
    const ahead = new Date(now.getTime() + USAGE_CLOCK_SKEW_MS / 2).toISOString();
    const res = await post(auth, { records: [{ job_id: job.id, until: ahead, idempotency_key: "a" }] }, now);
    expect(res.charged).toBe(1);
    const amount = Number(res.results[0]!.amount);
    // 60 minutes at 1 credit/minute (to the ms), not 60.5.
    expect(amount).toBeGreaterThanOrEqual(59.99);
    expect(amount).toBeLessThanOrEqual(60.01);
  });

  it("a key is per cluster: another cluster's runner using the same key is not a duplicate", async () => {
    const a = await makeCluster();
    const b = await makeCluster();
    const { org, member } = await makeFundedOrg(a.cluster, "100");
    await t.db.insert(orgClusters).values({ orgId: org.id, clusterId: b.cluster.id });
    const jobA = await makeJob(org, member, a.cluster);
    const jobB = await makeJob(org, member, b.cluster);
    const until = new Date().toISOString();
    expect((await post(a.auth, { records: [{ job_id: jobA.id, until, idempotency_key: "same" }] })).charged).toBe(1);
    expect((await post(b.auth, { records: [{ job_id: jobB.id, until, idempotency_key: "same" }] })).charged).toBe(1);
  });

  it("reports another cluster's job (and a job that doesn't exist) as unknown, charging nothing for it", async () => {
    const mine = await makeCluster();
    const theirs = await makeCluster();
    const { org, member } = await makeFundedOrg(theirs.cluster, "100");
    const foreign = await makeJob(org, member, theirs.cluster);
    const ghost = randomUUID();
    const until = new Date().toISOString();
    const res = await post(mine.auth, {
      records: [
        { job_id: foreign.id, until, idempotency_key: "x1" },
        { job_id: ghost, until, idempotency_key: "x2" },
        { job_id: ghost, until, idempotency_key: "x3" },
      ],
    });
    expect(res).toMatchObject({ charged: 0, duplicates: 0, nothing_due: 0, stop: [] });
    expect(res.unknown_jobs.sort()).toEqual([foreign.id, ghost].sort());
    expect(await orgState(org.id)).toMatchObject({ balance: "100.00000000", charges: 0 });
  });

  it("a batch charges each record once and counts duplicates inside the batch", async () => {
    const { auth, cluster } = await makeCluster();
    const { org, member } = await makeFundedOrg(cluster, "1000");
    const js = await Promise.all([1, 2, 3].map(() => makeJob(org, member, cluster, 10, "6")));
    // 8 minutes of each job at 6 credits/hour: 0.8 credits each.
    // Each job's own start: the jobs are created a few ms apart.
    const records = js.map((j, i) => ({
      job_id: j.id,
      until: new Date(j.startedAt.getTime() + 8 * 60_000).toISOString(),
      idempotency_key: `b-${i}`,
    }));
    const res = await post(auth, {
      records: [
        ...records,
        // The same record again: nothing more is due. The same key with a later `until`: a duplicate.
        records[0]!,
        { ...records[0]!, until: new Date().toISOString() },
      ],
    });
    expect(res).toMatchObject({ charged: 3, nothing_due: 1, duplicates: 1 });
    expect(res.results.map((r) => r.outcome)).toEqual(["charged", "charged", "charged", "nothing_due", "duplicate"]);
    expect(await orgState(org.id)).toEqual({ balance: "997.60000000", ledgerSum: "997.60000000", charges: 3 });
  });

  it("when the org's balance reaches zero, `stop` lists the org's jobs on this cluster", async () => {
    const { auth, cluster } = await makeCluster();
    const { org, member } = await makeFundedOrg(cluster, "10");
    const { org: richOrg, member: richMember } = await makeFundedOrg(cluster, "1000");
    // 60 credits/hour for an hour: 60 due, only 10 there.
    const hungry = await makeJob(org, member, cluster, 60, "60");
    const sibling = await makeJob(org, member, cluster, 1, "60");
    const bystander = await makeJob(richOrg, richMember, cluster, 60, "1");
    const until = new Date().toISOString();
    const res = await post(auth, {
      records: [
        { job_id: hungry.id, until, idempotency_key: "h1" },
        { job_id: bystander.id, until, idempotency_key: "b1" },
      ],
    });
    expect(res.charged).toBe(2);
    expect(res.stop.sort()).toEqual([hungry.id, sibling.id].sort());
    const s = await orgState(org.id);
    expect(Number(s.balance)).toBeLessThan(0); // the job did run
    expect(s.balance).toBe(s.ledgerSum);
    const rows = await t.db
      .select({ id: jobs.id, status: jobs.status, reason: jobs.stopReason })
      .from(jobs)
      .where(sql`${jobs.id} in (${hungry.id}, ${sibling.id}, ${bystander.id})`);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId[hungry.id]).toMatchObject({ status: "stopped", reason: "QuotaExhausted" });
    expect(byId[sibling.id]).toMatchObject({ status: "stopped", reason: "QuotaExhausted" });
    expect(byId[bystander.id]).toMatchObject({ status: "running" });

    // The runner reports the sibling's final usage (charged up to its stop). The hungry job's last moments
    // (from the reported `until` to its stop) are still outstanding, so it stays listed too.
    const later = new Date(Date.now() + 1000).toISOString();
    const final = await post(auth, { records: [{ job_id: sibling.id, until: later, idempotency_key: "s-final" }] });
    expect(final.stop.sort()).toEqual([hungry.id, sibling.id].sort());
    const again = await post(auth, { records: [{ job_id: hungry.id, until: later, idempotency_key: "h-final" }] });
    // Both are settled now: only the reported job is listed.
    expect(again.stop).toEqual([hungry.id]);
    const settled = await t.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(sql`${jobs.orgId} = ${org.id} and ${jobs.chargedUntil} < ${jobs.stoppedAt}`);
    expect(settled).toEqual([]);
  });
});

describe("readBodyText", () => {
  it("reads a body up to the limit and refuses a larger one", async () => {
    const req = (body: string, headers: Record<string, string> = {}) =>
      new Request("http://x.test/", { method: "POST", body, headers });
    expect(await readBodyText(req('{"a":1}'), 100)).toBe('{"a":1}');
    expect(await readBodyText(req("é".repeat(60)), 100)).toBeNull(); // 120 bytes
    expect(await readBodyText(req("x", { "content-length": "5000" }), 100)).toBeNull();
    expect(await readBodyText(new Request("http://x.test/", { method: "POST" }), 100)).toBe("");
  });
});
