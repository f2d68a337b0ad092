/**
 * Jobs: starting (Apolo's refusals, in Apolo's order), stopping, listing, exact metering, the stops that
 * charging triggers, and the embedded runner's tick. Real database, no mocks.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rawRows } from "@/db/client";
import { creditLedger, jobs, usageRecords } from "@/db/schema";
import { createCluster, listOrgClusters, removeOrgCluster } from "./clusters";
import { getCreditsSummary } from "../billing/credits-view";
import { grantCredits } from "../billing/grants";
import { setMemberQuota } from "../billing/quotas";
import { Invalid, NotFound, QuotaExceeded, Unauthenticated } from "../core/errors";
import { listJobs, startJob, stopJob } from "./jobs";
import { meterUsage, runEmbeddedTick } from "./internal";
import { createOrg, deleteOrg } from "../orgs/orgs";
import {
  addMember,
  addOrgToCluster,
  as,
  decimalQuotient,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  plusSeconds,
  RecordingMailer,
  secondsAgo,
  setJobStart,
  testServices,
  uniqueName,
  withTestDatabase,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();

/** The system meters usage: each [job id, seconds after `start`, idempotency key] is one usage record. */
function meter(svc: Parameters<typeof meterUsage>[3], start: Date, records: [string, number, string][]) {
  const usage = records.map(([jobId, seconds, idempotencyKey]) => ({
    jobId,
    until: plusSeconds(start, seconds),
    idempotencyKey,
  }));
  return meterUsage(t.db, SYSTEM, usage, svc);
}

/** An org (admin, manager, two users) on one external cluster with a 1/h and a 3600/h preset, funded. */
async function jobWorld(opts: { orgClusterQuota?: number | null; fund?: string } = {}) {
  const admin = await makeUser(t.db, uniqueName("adm"));
  const manager = await makeUser(t.db, uniqueName("mgr"));
  const user = await makeUser(t.db, uniqueName("usr"));
  const user2 = await makeUser(t.db, uniqueName("usr"));
  const outsider = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  await addMember(t.db, org, user2, "user");
  const cluster = await makeCluster(t.db, { presets: { small: "1", fast: "3600" } });
  await addOrgToCluster(t.db, org, cluster, opts.orgClusterQuota ?? null);
  if (opts.fund !== "0") await fundOrg(t.db, org, opts.fund ?? "100");
  const mailer = new RecordingMailer();
  const svc = testServices(mailer);
  const start = (who: { id: string }, preset = "small", extra: { name?: string; cluster?: string } = {}) =>
    startJob(
      t.db,
      as(who),
      org.name,
      { name: extra.name ?? uniqueName("job-"), cluster: extra.cluster ?? cluster.name, preset },
      svc,
    );
  return { admin, manager, user, user2, outsider, org, cluster, mailer, svc, start };
}

/** A funded job world whose org is also on an embedded cluster (3600/h "fast"): the runner's tick charges it. */
async function embeddedWorld() {
  const w = await jobWorld({ fund: "100000" });
  const embedded = await makeCluster(t.db, { runner: "embedded", presets: { fast: "3600" } });
  await addOrgToCluster(t.db, w.org, embedded);
  const startEmbedded = (who: { id: string }) => w.start(who, "fast", { cluster: embedded.name });
  return { ...w, startEmbedded };
}

async function jobRow(id: string) {
  const [j] = await t.db.select().from(jobs).where(eq(jobs.id, id));
  return j!;
}

/** The rejection of a promise (fails the test when it resolves). */
async function refusal(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected a refusal").toBeInstanceOf(Error);
  return err as Error;
}

async function chargesOf(jobId: string) {
  return t.db
    .select()
    .from(creditLedger)
    .where(and(eq(creditLedger.jobId, jobId), eq(creditLedger.kind, "charge")))
    .orderBy(asc(creditLedger.id));
}

/** The idempotency keys of the usage records that charged the job, in the order they settled (usage_records). */
async function chargedKeys(jobId: string): Promise<string[]> {
  const rows = await t.db
    .select({ key: usageRecords.idempotencyKey })
    .from(usageRecords)
    .where(and(eq(usageRecords.jobId, jobId), eq(usageRecords.outcome, "charged")))
    .orderBy(asc(usageRecords.until), asc(usageRecords.createdAt));
  return rows.map((r) => r.key);
}

async function chargedSum(jobId: string): Promise<string> {
  const [r] = await rawRows<{ s: string }>(
    t.db,
    sql`select coalesce(-sum(amount), 0)::numeric(24, 8)::text as s from credit_ledger where job_id = ${jobId} and kind = 'charge'`,
  );
  return r!.s;
}

describe("startJob", () => {
  it("starts a job on one of the org's clusters at the preset's price", async () => {
    const w = await jobWorld();
    const job = await w.start(w.user, "fast", { name: "train-1" });
    expect(job).toMatchObject({
      orgId: w.org.id,
      userId: w.user.id,
      clusterId: w.cluster.id,
      presetId: w.cluster.presets.fast!.id,
      presetName: "fast",
      name: "train-1",
      status: "running",
      creditsPerHour: "3600.00000000",
      creditsCharged: "0.00000000",
      stoppedAt: null,
      stopReason: null,
    });
    const row = await jobRow(job.id);
    expect(row.startedAt).toBeInstanceOf(Date);
    expect(row.chargedUntil?.getTime()).toBe(row.startedAt.getTime());
    expect(w.mailer.sent).toEqual([]);
  });

  it("refuses with Apolo's exact messages, in Apolo's order, and mails only credit refusals", async () => {
    const w = await jobWorld({ orgClusterQuota: 2 });
    const op = await makePlatformAdmin(t.db);
    await setMemberQuota(t.db, as(w.manager), w.org.name, {
      username: w.user.username,
      creditLimit: "",
      maxRunningJobs: "1",
    });
    await w.start(w.user);
    const userQuota = `Jobs limit quota exceeded for user '${w.user.username}'`;
    const orgQuota = `Jobs limit quota exceeded for org '${w.org.name}'`;
    let err = await refusal(w.start(w.user));
    expect(err).toBeInstanceOf(QuotaExceeded);
    expect(err.message).toBe(userQuota);

    const managerJob = await w.start(w.manager); // the cluster is now full (2 of 2)
    err = await refusal(w.start(w.user2));
    expect(err).toBeInstanceOf(QuotaExceeded);
    expect(err.message).toBe(orgQuota);
    // The member's own quota is checked before the org's.
    expect((await refusal(w.start(w.user))).message).toBe(userQuota);
    // The org's job quota is checked before credits.
    await setMemberQuota(t.db, as(w.manager), w.org.name, {
      username: w.user2.username,
      creditLimit: "0",
      maxRunningJobs: "",
    });
    expect((await refusal(w.start(w.user2))).message).toBe(orgQuota);
    expect(w.mailer.sent).toEqual([]);

    await stopJob(t.db, as(w.manager), w.org.name, { id: managerJob.id });
    err = await refusal(w.start(w.user2, "small", { name: "needs-credit" }));
    expect(err).toBeInstanceOf(QuotaExceeded);
    expect(err.message).toBe(`No credits left for user '${w.user2.username}'`);
    expect((err as QuotaExceeded).credits).toBe(true);
    // The member's credits are checked before the org's.
    await grantCredits(t.db, as(op), { org: w.org.name, mode: "set", amount: "0" }, testServices());
    expect((await refusal(w.start(w.user2))).message).toBe(`No credits left for user '${w.user2.username}'`);
    await setMemberQuota(t.db, as(w.manager), w.org.name, {
      username: w.user2.username,
      creditLimit: "",
      maxRunningJobs: "",
    });
    err = await refusal(w.start(w.user2));
    expect(err.message).toBe(`No credits left for org '${w.org.name}'`);
    expect((err as QuotaExceeded).credits).toBe(true);
    // A negative balance refuses too.
    await grantCredits(t.db, as(op), { org: w.org.name, mode: "set", amount: "-3" }, testServices());
    expect((await refusal(w.start(w.admin))).message).toBe(`No credits left for org '${w.org.name}'`);

    // Each credit refusal told the member who tried, and nobody else.
    const toUser2 = w.mailer.to(w.user2.email);
    expect(toUser2).toHaveLength(3);
    expect(toUser2[0]!.subject).toBe(`Job 'needs-credit' could not start in ${w.org.name}`);
    expect(toUser2[0]!.text).toContain(`No credits left for user '${w.user2.username}'`);
    expect(toUser2[2]!.text).toContain(`No credits left for org '${w.org.name}'`);
    expect(w.mailer.to(w.admin.email)).toHaveLength(1);
    expect(w.mailer.to(w.user.email)).toEqual([]);
    expect(w.mailer.to(w.manager.email)).toEqual([]);
    // Nothing was started by any refusal: the user's one job and the manager's stopped one.
    const [{ n }] = (await rawRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from jobs where org_id = ${w.org.id}`,
    )) as [{ n: number }];
    expect(n).toBe(2);
  });

  it("refuses a new org (balance 0) until it has credits, on the default clusters it joined", async () => {
    const op = await makePlatformAdmin(t.db);
    const defaultCluster = await createCluster(t.db, as(op), {
      name: uniqueName("dflt-"),
      isDefault: true,
      runner: "external",
    });
    await t.db.execute(
      sql`insert into presets (cluster_id, name, cpu, memory_mb, credits_per_hour) values (${defaultCluster.id}, 'cpu', 1, 1024, 2)`,
    );
    const founder = await makeUser(t.db);
    const { name } = await createOrg(t.db, as(founder), { name: uniqueName("neworg-") });
    const clusters = await listOrgClusters(t.db, as(founder), name);
    expect(clusters.map((c) => c.name)).toContain(defaultCluster.name);
    const mailer = new RecordingMailer();
    const input = { name: "first", cluster: defaultCluster.name, preset: "cpu" };
    const err = await refusal(startJob(t.db, as(founder), name, input, testServices(mailer)));
    expect(err.message).toBe(`No credits left for org '${name}'`);
    expect(mailer.to(founder.email)).toHaveLength(1);
    await grantCredits(t.db, as(op), { org: name, amount: "5" }, testServices());
    const job = await startJob(t.db, as(founder), name, input, testServices(mailer));
    expect(job).toMatchObject({ status: "running", creditsPerHour: "2.00000000" });
    // Not a default cluster: a new org isn't on it.
    const plain = await makeCluster(t.db);
    const { name: other } = await createOrg(t.db, as(founder), { name: uniqueName("neworg-") });
    expect((await listOrgClusters(t.db, as(founder), other)).map((c) => c.name)).not.toContain(plain.name);
  });

  it("refuses unknown clusters and presets, clusters the org is not on, and bad names, writing nothing", async () => {
    const w = await jobWorld();
    const elsewhere = await makeCluster(t.db, { presets: { small: "1" } });
    const cases: [Record<string, string>, string, string][] = [
      [{ cluster: "nope" }, "cluster", `${w.org.name} has no cluster named 'nope'.`],
      [{ cluster: elsewhere.name }, "cluster", `${w.org.name} has no cluster named '${elsewhere.name}'.`],
      [{ preset: "nope" }, "preset", `${w.cluster.name} has no preset named 'nope'.`],
      [{ name: "Bad_Name" }, "name", "Use lowercase letters, digits and inner hyphens."],
      [{ name: "" }, "name", "Name the job."],
      [{ cluster: "" }, "cluster", "Choose a cluster."],
    ];
    for (const [override, field, message] of cases) {
      const input = { name: "ok-name", cluster: w.cluster.name, preset: "small", ...override };
      const err = await refusal(startJob(t.db, as(w.user), w.org.name, input, w.svc));
      expect(err, JSON.stringify(override)).toBeInstanceOf(Invalid);
      expect((err as Invalid).fieldErrors[field]?.[0], JSON.stringify(override)).toBe(message);
    }
    expect(await t.db.select().from(jobs).where(eq(jobs.orgId, w.org.id))).toEqual([]);
    expect(w.mailer.sent).toEqual([]);
  });

  it("refuses outsiders (404) and the signed-out", async () => {
    const w = await jobWorld();
    const input = { name: "x", cluster: w.cluster.name, preset: "small" };
    await expect(startJob(t.db, as(w.outsider), w.org.name, input, w.svc)).rejects.toBeInstanceOf(NotFound);
    await expect(startJob(t.db, null, w.org.name, input, w.svc)).rejects.toBeInstanceOf(Unauthenticated);
    expect(w.mailer.sent).toEqual([]);
  });
});

describe("stopJob", () => {
  it("stops the caller's own job once", async () => {
    const w = await jobWorld();
    const job = await w.start(w.user);
    expect(await stopJob(t.db, as(w.user), w.org.name, { id: job.id })).toEqual({
      id: job.id,
      name: job.name,
      stopped: true,
    });
    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: "stopped", stopReason: "UserStopped", stoppedBy: w.user.id });
    expect(row.stoppedAt).toBeInstanceOf(Date);
    expect(await stopJob(t.db, as(w.user), w.org.name, { id: job.id })).toMatchObject({ stopped: false });
    expect((await jobRow(job.id)).stoppedAt?.getTime()).toBe(row.stoppedAt!.getTime());
  });

  it("settles a job on an embedded cluster up to its stop at once when the runner is on", async () => {
    const w = await embeddedWorld();
    const e = await w.startEmbedded(w.user);
    await setJobStart(t.db, e.id, secondsAgo(600));
    expect(await stopJob(t.db, as(w.manager), w.org.name, { id: e.id }, { settle: w.svc })).toMatchObject({
      stopped: true,
    });
    // Charged to the microsecond of the stop: 1 credit per second of runtime.
    const [exact] = await rawRows<{ settled: boolean; exact: boolean }>(
      t.db,
      sql`select charged_until = stopped_at as settled,
                 credits_charged = round(extract(epoch from stopped_at - started_at), 8) as exact
          from jobs where id = ${e.id}`,
    );
    expect(exact).toEqual({ settled: true, exact: true });
    expect(Number((await jobRow(e.id)).creditsCharged)).toBeGreaterThanOrEqual(600);
    expect(await chargedKeys(e.id)).toEqual([`stop:${e.id}`]);
    // The runner has nothing left to do for it; stopping again charges nothing more.
    expect(await runEmbeddedTick(t.db, SYSTEM, plusSeconds(new Date(), 5), 5000, w.svc)).toEqual({
      jobs: 0,
      charged: 0,
    });
    expect(await stopJob(t.db, as(w.user), w.org.name, { id: e.id }, { settle: w.svc })).toMatchObject({
      stopped: false,
    });
    expect(await chargesOf(e.id)).toHaveLength(1);
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
  });

  it("leaves the last charge to the runner's tick when it is off, and to the external runner's report", async () => {
    const w = await embeddedWorld();
    const e = await w.startEmbedded(w.user);
    const x = await w.start(w.user, "fast");
    await setJobStart(t.db, e.id, secondsAgo(60));
    await setJobStart(t.db, x.id, secondsAgo(60));
    await stopJob(t.db, as(w.user), w.org.name, { id: e.id });
    await stopJob(t.db, as(w.user), w.org.name, { id: x.id }, { settle: w.svc });
    expect(await chargesOf(e.id)).toEqual([]);
    expect(await chargesOf(x.id)).toEqual([]);
    // The next tick settles the embedded one under its final key; the external one waits for its runner.
    expect(await runEmbeddedTick(t.db, SYSTEM, plusSeconds(new Date(), 1), 5000, w.svc)).toEqual({
      jobs: 1,
      charged: 1,
    });
    expect(await chargedKeys(e.id)).toEqual([`final:${e.id}`]);
    expect(await chargesOf(x.id)).toEqual([]);
  });

  it("lets managers and admins stop anyone's job; a user can't even see another's", async () => {
    const w = await jobWorld();
    const usersJob = await w.start(w.user);
    const user2Job = await w.start(w.user2);
    const managersJob = await w.start(w.manager);
    await expect(stopJob(t.db, as(w.user2), w.org.name, { id: usersJob.id })).rejects.toBeInstanceOf(NotFound);
    await expect(stopJob(t.db, as(w.user), w.org.name, { id: managersJob.id })).rejects.toBeInstanceOf(NotFound);
    expect((await jobRow(usersJob.id)).status).toBe("running");
    expect(await stopJob(t.db, as(w.manager), w.org.name, { id: usersJob.id })).toMatchObject({ stopped: true });
    expect(await stopJob(t.db, as(w.admin), w.org.name, { id: managersJob.id })).toMatchObject({ stopped: true });
    expect((await jobRow(user2Job.id)).status).toBe("running");
    // Each job remembers who stopped it; the list says so by username.
    expect((await jobRow(usersJob.id)).stoppedBy).toBe(w.manager.id);
    const listed = await listJobs(t.db, as(w.admin), w.org.name, { scope: "all" });
    const by = Object.fromEntries(listed.rows.map((r) => [r.id, r.stoppedBy]));
    expect(by).toEqual({
      [usersJob.id]: w.manager.username,
      [managersJob.id]: w.admin.username,
      [user2Job.id]: null,
    });
  });

  it("keeps the first stopper: a second stop (already stopped) changes nothing", async () => {
    const w = await jobWorld();
    const job = await w.start(w.user);
    await stopJob(t.db, as(w.user), w.org.name, { id: job.id });
    expect(await stopJob(t.db, as(w.manager), w.org.name, { id: job.id })).toMatchObject({ stopped: false });
    expect((await jobRow(job.id)).stoppedBy).toBe(w.user.id);
  });

  it("answers 404 for another org's job and for outsiders, Invalid for a malformed id", async () => {
    const w = await jobWorld();
    const v = await jobWorld();
    const theirs = await v.start(v.user);
    await expect(stopJob(t.db, as(w.admin), w.org.name, { id: theirs.id })).rejects.toBeInstanceOf(NotFound);
    await expect(stopJob(t.db, as(v.outsider), v.org.name, { id: theirs.id })).rejects.toBeInstanceOf(NotFound);
    await expect(stopJob(t.db, null, v.org.name, { id: theirs.id })).rejects.toBeInstanceOf(Unauthenticated);
    await expect(stopJob(t.db, as(w.admin), w.org.name, { id: "nope" })).rejects.toBeInstanceOf(Invalid);
    expect((await jobRow(theirs.id)).status).toBe("running");
  });
});

describe("listJobs", () => {
  it("lists the caller's jobs; managers may list everyone's; never another org's", async () => {
    const w = await jobWorld();
    const v = await jobWorld();
    await v.start(v.user);
    const mine = await w.start(w.user, "small", { name: "mine" });
    const stopped = await w.start(w.user, "small", { name: "mine-stopped" });
    await stopJob(t.db, as(w.user), w.org.name, { id: stopped.id });
    await w.start(w.user2, "small", { name: "theirs" });
    await w.start(w.manager, "fast", { name: "managers" });

    const asUser = await listJobs(t.db, as(w.user), w.org.name, { scope: "all" });
    expect(asUser.query.scope).toBe("mine");
    expect(asUser.canSeeAll).toBe(false);
    expect(asUser.rows.map((r) => r.name).sort()).toEqual(["mine", "mine-stopped"]);
    expect(asUser.total).toBe(2);
    const row = asUser.rows.find((r) => r.id === mine.id)!;
    expect(row).toMatchObject({
      owner: w.user.username,
      cluster: w.cluster.name,
      preset: "small",
      status: "running",
      creditsPerHour: "1.00000000",
      creditsCharged: "0.00000000",
    });
    expect(row.runtimeSeconds).toBeGreaterThanOrEqual(0);

    const all = await listJobs(t.db, as(w.manager), w.org.name, { scope: "all" });
    expect(all.canSeeAll).toBe(true);
    expect(all.query.scope).toBe("all");
    expect(all.rows.map((r) => r.name).sort()).toEqual(["managers", "mine", "mine-stopped", "theirs"]);
    expect((await listJobs(t.db, as(w.manager), w.org.name, {})).rows.map((r) => r.name)).toEqual(["managers"]);
    expect((await listJobs(t.db, as(w.admin), w.org.name, { scope: "all", status: "stopped" })).rows).toHaveLength(1);
    expect((await listJobs(t.db, as(w.admin), w.org.name, { scope: "all", status: "running" })).total).toBe(3);
    await expect(listJobs(t.db, as(w.outsider), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(listJobs(t.db, null, w.org.name, {})).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("meterUsage: exact charging", () => {
  it("charges a 1 credit/hour job by 1-second ticks without loss", async () => {
    const w = await jobWorld();
    const job = await w.start(w.user, "small");
    const start = secondsAgo(3600);
    await setJobStart(t.db, job.id, start);
    const N = 90;
    for (let i = 1; i <= N; i++) {
      const r = await meterUsage(
        t.db,
        SYSTEM,
        [{ jobId: job.id, until: plusSeconds(start, i), idempotencyKey: `sec:${job.id}:${i}` }],
        w.svc,
      );
      expect(r.outcomes[0]!.outcome, `tick ${i}`).toBe("charged");
      expect((await jobRow(job.id)).creditsCharged, `tick ${i}`).toBe(decimalQuotient(i, 3600));
    }
    const expected = decimalQuotient(N, 3600); // 0.02500000
    expect(await chargedSum(job.id)).toBe(expected);
    // Each tick charged the difference of the rounded totals: 0.00027778 or 0.00027777, never a lost fraction.
    const records = await t.db.select().from(usageRecords).where(eq(usageRecords.jobId, job.id));
    expect(records).toHaveLength(N);
    expect([...new Set(records.map((r) => r.amount))].sort()).toEqual(["0.00027777", "0.00027778"]);
    // The ledger holds one growing row per UTC hour the ticks settled in (one, or two across an hour boundary).
    const hours = new Set(records.map((r) => Math.floor(r.until.getTime() / 3_600_000)));
    const rows = await chargesOf(job.id);
    expect(rows).toHaveLength(hours.size);
    expect(rows.map((r) => r.periodStart!.getTime() / 3_600_000).sort()).toEqual([...hours].sort());
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.balance).toBe("99.97500000");
    expect(totals.ledgerSum).toBe(totals.balance);
    expect(totals.spent).toBe(expected);
    expect((await getCreditsSummary(t.db, as(w.user), w.org.name)).me.spent).toBe(expected);
    expect((await jobRow(job.id)).chargedUntil?.getTime()).toBe(plusSeconds(start, N).getTime());
  });

  it("changes nothing for a replayed key or an earlier moment", async () => {
    const w = await jobWorld();
    const job = await w.start(w.user, "fast");
    const start = secondsAgo(600);
    await setJobStart(t.db, job.id, start);
    const first = await meter(w.svc, start, [[job.id, 10, "k-10"]]);
    expect(first.outcomes).toEqual([
      { jobId: job.id, idempotencyKey: "k-10", outcome: "charged", amount: "10.00000000" },
    ]);
    expect(first.stop).toEqual([]);
    const before = await ledgerTotals(t.db, w.org);
    // The same record again.
    const same = await meter(w.svc, start, [[job.id, 10, "k-10"]]);
    expect(same.outcomes[0]!.outcome).toBe("nothing_due");
    // The same key with a later moment: the key wins, nothing is charged.
    const replay = await meter(w.svc, start, [[job.id, 20, "k-10"]]);
    expect(replay.outcomes[0]!.outcome).toBe("duplicate");
    // A new key for an earlier moment: usage is cumulative, nothing more is due.
    const earlier = await meter(w.svc, start, [[job.id, 5, "k-5"]]);
    expect(earlier.outcomes[0]!.outcome).toBe("nothing_due");
    expect(await ledgerTotals(t.db, w.org)).toEqual(before);
    expect((await jobRow(job.id)).creditsCharged).toBe("10.00000000");
    expect(await chargedKeys(job.id)).toEqual(["k-10"]);
    // Later usage under a fresh key is charged from where it stopped.
    await meter(w.svc, start, [[job.id, 25, "k-25"]]);
    expect((await jobRow(job.id)).creditsCharged).toBe("25.00000000");
    expect(await chargedSum(job.id)).toBe("25.00000000");
  });

  it("never charges a replayed key whose first use charged nothing, whatever its later moment", async () => {
    const w = await jobWorld();
    const job = await w.start(w.user, "fast");
    const start = secondsAgo(600);
    await setJobStart(t.db, job.id, start);
    await meter(w.svc, start, [[job.id, 10, "a-10"]]);
    // "b" first arrives for an earlier moment: nothing is due, but the key is recorded.
    const first = await meter(w.svc, start, [[job.id, 5, "b"]]);
    expect(first.outcomes[0]!.outcome).toBe("nothing_due");
    const before = await ledgerTotals(t.db, w.org);
    // The same key with a later moment (it would owe 20 more): the key was accepted once, it changes nothing.
    const replay = await meter(w.svc, start, [[job.id, 30, "b"]]);
    expect(replay.outcomes[0]!.outcome).toBe("duplicate");
    // And within one batch: a key that first charged nothing, repeated later in the batch.
    const batch = await meter(w.svc, start, [
      [job.id, 8, "c"],
      [job.id, 40, "c"],
    ]);
    expect(batch.outcomes.map((o) => o.outcome)).toEqual(["nothing_due", "duplicate"]);
    expect(await ledgerTotals(t.db, w.org)).toEqual(before);
    expect((await jobRow(job.id)).creditsCharged).toBe("10.00000000");
    const recorded = await rawRows<{ key: string; outcome: string; amount: string }>(
      t.db,
      sql`select idempotency_key as key, outcome, amount::text from usage_records where job_id = ${job.id} order by created_at, idempotency_key`,
    );
    expect(recorded.map((r) => [r.key, r.outcome, r.amount]).sort()).toEqual([
      ["a-10", "charged", "10.00000000"],
      ["b", "nothing_due", "0.00000000"],
      ["c", "nothing_due", "0.00000000"],
    ]);
  });

  it("charges a stopped job only up to its stop, and answers unknown jobs as unknown", async () => {
    const w = await jobWorld();
    const job = await w.start(w.user, "fast");
    const start = secondsAgo(600);
    await setJobStart(t.db, job.id, start);
    await stopJob(t.db, as(w.user), w.org.name, { id: job.id });
    await t.db
      .update(jobs)
      .set({ stoppedAt: plusSeconds(start, 42) })
      .where(eq(jobs.id, job.id));
    const unknown = "00000000-0000-4000-8000-000000000001";
    const r = await meter(w.svc, start, [
      [job.id, 100, "stop-1"],
      [unknown, 100, "stop-2"],
    ]);
    expect(r.outcomes.map((o) => o.outcome)).toEqual(["charged", "unknown_job"]);
    expect(r.stop).toEqual([job.id]);
    expect((await jobRow(job.id)).creditsCharged).toBe("42.00000000");
    expect((await jobRow(job.id)).chargedUntil?.getTime()).toBe(plusSeconds(start, 42).getTime());
    expect(await ledgerTotals(t.db, w.org)).toMatchObject({ balance: "58.00000000", ledgerSum: "58.00000000" });
  });

  it("charges a batch across orgs in one call", async () => {
    const w = await jobWorld();
    const v = await jobWorld();
    const a = await w.start(w.user, "fast");
    const b = await v.start(v.user, "fast");
    const start = secondsAgo(600);
    await setJobStart(t.db, a.id, start);
    await setJobStart(t.db, b.id, start);
    const r = await meter(w.svc, start, [
      [b.id, 3, "batch-b"],
      [a.id, 7, "batch-a"],
    ]);
    expect(r.outcomes.map((o) => o.amount)).toEqual(["3.00000000", "7.00000000"]);
    expect((await ledgerTotals(t.db, w.org)).balance).toBe("93.00000000");
    expect((await ledgerTotals(t.db, v.org)).balance).toBe("97.00000000");
  });
});

describe("charging stops jobs", () => {
  it("stops every running job of the org when its balance reaches zero, and lists them for the runner", async () => {
    const w = await jobWorld({ fund: "1" });
    const other = await jobWorld();
    const a = await w.start(w.user, "fast");
    const b = await w.start(w.manager, "small");
    const c = await w.start(w.user2, "small");
    const d = await other.start(other.user, "fast");
    const start = secondsAgo(600);
    for (const j of [a, b, c, d]) await setJobStart(t.db, j.id, start);
    const r = await meter(w.svc, start, [
      [a.id, 2, "drain-a"],
      [b.id, 36, "drain-b"],
      [c.id, 36, "drain-c"],
      [d.id, 2, "drain-d"],
    ]);
    expect(r.outcomes.map((o) => o.outcome)).toEqual(["charged", "charged", "charged", "charged"]);
    expect(r.stop.sort()).toEqual([a.id, b.id, c.id].sort());
    for (const j of [a, b, c])
      expect(await jobRow(j.id)).toMatchObject({ status: "stopped", stopReason: "QuotaExhausted" });
    expect((await jobRow(d.id)).status).toBe("running");
    // 1 − 2 − 0.01 − 0.01: below zero, because the jobs did run.
    expect(await ledgerTotals(t.db, w.org)).toMatchObject({ balance: "-1.02000000", ledgerSum: "-1.02000000" });
    expect((await refusal(w.start(w.admin))).message).toBe(`No credits left for org '${w.org.name}'`);
  });

  it("stops jobs outside the batch too; the runner learns of them on their next report", async () => {
    const w = await jobWorld({ fund: "1" });
    const a = await w.start(w.user, "fast");
    const b = await w.start(w.manager, "small");
    const start = secondsAgo(600);
    for (const j of [a, b]) await setJobStart(t.db, j.id, start);
    const first = await meter(w.svc, start, [[a.id, 5, "x-a"]]);
    expect(first.stop).toEqual([a.id]);
    expect(await jobRow(b.id)).toMatchObject({ status: "stopped", stopReason: "QuotaExhausted" });
    const next = await meter(w.svc, start, [[b.id, 360, "x-b"]]);
    expect(next.outcomes[0]).toMatchObject({ outcome: "charged", amount: "0.10000000" });
    expect(next.stop).toEqual([b.id]);
  });

  it("stops only a member's jobs when their spending reaches their limit", async () => {
    const w = await jobWorld();
    await setMemberQuota(t.db, as(w.manager), w.org.name, {
      username: w.user.username,
      creditLimit: "2",
      maxRunningJobs: "",
    });
    const u1 = await w.start(w.user, "fast");
    const u2 = await w.start(w.user, "small");
    const m = await w.start(w.manager, "fast");
    const start = secondsAgo(600);
    for (const j of [u1, u2, m]) await setJobStart(t.db, j.id, start);
    const below = await meter(w.svc, start, [[u1.id, 1, "lim-1"]]);
    expect(below.stop).toEqual([]);
    const r = await meter(w.svc, start, [
      [u1.id, 2, "lim-2"],
      [m.id, 2, "lim-m"],
    ]);
    expect(r.stop).toEqual([u1.id]);
    expect(await jobRow(u1.id)).toMatchObject({ status: "stopped", stopReason: "QuotaExhausted" });
    expect(await jobRow(u2.id)).toMatchObject({ status: "stopped", stopReason: "QuotaExhausted" });
    expect((await jobRow(m.id)).status).toBe("running");
    const summary = await getCreditsSummary(t.db, as(w.user), w.org.name);
    expect(summary.me).toMatchObject({ creditLimit: "2.00000000", spent: "2.00000000" });
    expect(summary.balance).toBe("96.00000000");
    const err = await refusal(w.start(w.user, "small", { name: "again" }));
    expect(err.message).toBe(`No credits left for user '${w.user.username}'`);
    expect(w.mailer.to(w.user.email).map((x) => x.subject)).toEqual([`Job 'again' could not start in ${w.org.name}`]);
    // Others still start.
    await w.start(w.user2);
  });

  it("stops a member's jobs when a manager lowers their limit to what they already spent", async () => {
    const w = await jobWorld();
    const u1 = await w.start(w.user, "fast");
    const u2 = await w.start(w.user, "small");
    const m = await w.start(w.manager, "small");
    const start = secondsAgo(600);
    await setJobStart(t.db, u1.id, start);
    await meter(w.svc, start, [[u1.id, 2, "low-1"]]);
    const set = (creditLimit: string) =>
      setMemberQuota(t.db, as(w.manager), w.org.name, { username: w.user.username, creditLimit, maxRunningJobs: "" });
    expect((await set("2.01")).stoppedJobs).toBe(0);
    expect((await jobRow(u1.id)).status).toBe("running");
    expect((await set("2")).stoppedJobs).toBe(2);
    for (const j of [u1, u2])
      expect(await jobRow(j.id)).toMatchObject({ status: "stopped", stopReason: "QuotaExhausted" });
    expect((await jobRow(m.id)).status).toBe("running");
    expect((await refusal(w.start(w.user))).message).toBe(`No credits left for user '${w.user.username}'`);
    // Raising it again restarts nothing, but lets the member start anew.
    expect((await set("3")).stoppedJobs).toBe(0);
    expect((await jobRow(u1.id)).status).toBe("stopped");
    expect((await w.start(w.user)).status).toBe("running");
  });

  it("stops the org's jobs on a cluster the org is removed from (ClusterRemoved), and only those", async () => {
    const w = await jobWorld();
    const other = await jobWorld();
    const op = await makePlatformAdmin(t.db);
    const second = await makeCluster(t.db, { presets: { small: "1" } });
    await addOrgToCluster(t.db, w.org, second);
    await addOrgToCluster(t.db, other.org, w.cluster);
    const on1 = [await w.start(w.user), await w.start(w.manager)];
    const on2 = await w.start(w.user, "small", { cluster: second.name });
    const othersOn1 = await other.start(other.user, "small", { cluster: w.cluster.name });
    const stoppedBefore = await w.start(w.user2);
    await stopJob(t.db, as(w.user2), w.org.name, { id: stoppedBefore.id });

    expect(await removeOrgCluster(t.db, as(op), { cluster: w.cluster.name, org: w.org.name })).toEqual({
      stoppedJobs: 2,
    });
    for (const j of on1) {
      // An automatic stop has no person behind it.
      expect(await jobRow(j.id)).toMatchObject({ status: "stopped", stopReason: "ClusterRemoved", stoppedBy: null });
    }
    expect((await jobRow(on2.id)).status).toBe("running");
    expect((await jobRow(othersOn1.id)).status).toBe("running");
    expect(await jobRow(stoppedBefore.id)).toMatchObject({ stopReason: "UserStopped", stoppedBy: w.user2.id });
    expect((await listOrgClusters(t.db, as(w.user), w.org.name)).map((c) => c.name)).toEqual([second.name]);
    const err = await refusal(w.start(w.user));
    expect(err).toBeInstanceOf(Invalid);
  });
});

describe("runEmbeddedTick", () => {
  const INTERVAL = 5000;

  it("charges running jobs on embedded clusters only, once per period, and settles stopped jobs once", async () => {
    const w = await embeddedWorld();
    const e = await w.startEmbedded(w.user);
    const x = await w.start(w.user, "fast");
    // A whole period in the past, and a start ten minutes before it.
    const p0 = Math.floor(Date.now() / INTERVAL) - 10;
    const at = (period: number, ms: number) => new Date(period * INTERVAL + ms);
    const start = new Date(p0 * INTERVAL - 600_000);
    for (const j of [e, x]) await setJobStart(t.db, j.id, start);
    const tick = (now: Date) => runEmbeddedTick(t.db, SYSTEM, now, INTERVAL, w.svc);
    const secondsSinceStart = (d: Date) => (d.getTime() - start.getTime()) / 1000;

    expect(await tick(at(p0, 1000))).toEqual({ jobs: 1, charged: 1 });
    expect((await jobRow(e.id)).creditsCharged).toBe(decimalQuotient(secondsSinceStart(at(p0, 1000)), 1));
    expect((await jobRow(x.id)).creditsCharged).toBe("0.00000000");
    // The same period again (another instance, or a slow timer): nothing more.
    expect(await tick(at(p0, 3000))).toEqual({ jobs: 1, charged: 0 });
    expect((await jobRow(e.id)).creditsCharged).toBe("601.00000000");
    expect(await chargedKeys(e.id)).toEqual([`tick:${e.id}:${p0}`]);
    // The next period charges from where the last charge ended.
    expect(await tick(at(p0 + 1, 500))).toEqual({ jobs: 1, charged: 1 });
    expect((await jobRow(e.id)).creditsCharged).toBe("605.50000000");

    // Stopped two seconds later: the next tick settles up to the stop, under the job's final key, once.
    await stopJob(t.db, as(w.user), w.org.name, { id: e.id });
    await t.db
      .update(jobs)
      .set({ stoppedAt: at(p0 + 1, 2500) })
      .where(eq(jobs.id, e.id));
    expect(await tick(at(p0 + 2, 0))).toEqual({ jobs: 1, charged: 1 });
    expect((await jobRow(e.id)).creditsCharged).toBe("607.50000000");
    expect(await tick(at(p0 + 3, 0))).toEqual({ jobs: 0, charged: 0 });
    expect(await chargedKeys(e.id)).toEqual([`tick:${e.id}:${p0}`, `tick:${e.id}:${p0 + 1}`, `final:${e.id}`]);
    expect(await chargedSum(e.id)).toBe("607.50000000");
    expect(await ledgerTotals(t.db, w.org)).toMatchObject({
      balance: "99392.50000000",
      ledgerSum: "99392.50000000",
    });
  });

  it("settles a stopped job that owes nothing (a free preset) once, and then leaves it alone", async () => {
    const w = await jobWorld();
    const embedded = await makeCluster(t.db, { runner: "embedded", presets: { free: "0" } });
    await addOrgToCluster(t.db, w.org, embedded);
    const job = await w.start(w.user, "free", { cluster: embedded.name });
    const start = secondsAgo(120);
    await setJobStart(t.db, job.id, start);
    await stopJob(t.db, as(w.user), w.org.name, { id: job.id });
    const now = plusSeconds(new Date(), 1); // the next tick, after the stop
    expect((await runEmbeddedTick(t.db, SYSTEM, now, INTERVAL, w.svc)).jobs).toBe(1);
    expect((await runEmbeddedTick(t.db, SYSTEM, plusSeconds(now, 5), INTERVAL, w.svc)).jobs).toBe(0);
    expect(await chargesOf(job.id)).toEqual([]);
  });
  it("charges a period once when two instances tick it at the same time", async () => {
    const w = await embeddedWorld();
    const jobsStarted = [];
    for (let i = 0; i < 3; i++) jobsStarted.push(await w.startEmbedded(w.manager));
    const p0 = Math.floor(Date.now() / INTERVAL) - 10;
    const start = new Date(p0 * INTERVAL - 60_000);
    for (const j of jobsStarted) await setJobStart(t.db, j.id, start);
    const results = await Promise.all([
      runEmbeddedTick(t.db, SYSTEM, new Date(p0 * INTERVAL + 100), INTERVAL, w.svc),
      runEmbeddedTick(t.db, SYSTEM, new Date(p0 * INTERVAL + 4900), INTERVAL, w.svc),
    ]);
    expect(results[0]!.charged + results[1]!.charged).toBe(3);
    for (const j of jobsStarted) expect(await chargesOf(j.id)).toHaveLength(1);
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
  });
});

describe("jobs in projects", () => {
  /** A job world with a project on its cluster (reader, writer; org users outside it) and another org's project. */
  async function projectWorld() {
    const w = await jobWorld({ fund: "100000" });
    const embeddedCluster = await makeCluster(t.db, { runner: "embedded", presets: { fast: "3600" } });
    await addOrgToCluster(t.db, w.org, embeddedCluster);
    const reader = await makeUser(t.db, uniqueName("rdr"));
    await addMember(t.db, w.org, reader, "user");
    const project = await makeProject(t.db, {
      org: w.org,
      cluster: w.cluster,
      name: uniqueName("proj-"),
      members: [
        [w.user, "writer"],
        [reader, "reader"],
      ],
    });
    const other = await jobWorld();
    const otherProject = await makeProject(t.db, {
      org: other.org,
      cluster: other.cluster,
      members: [[other.admin, "admin"]],
    });
    const inProject = (who: { id: string }, name: string, extra: { cluster?: string; preset?: string } = {}) =>
      startJob(
        t.db,
        as(who),
        w.org.name,
        {
          name: uniqueName("job-"),
          cluster: extra.cluster ?? w.cluster.name,
          preset: extra.preset ?? "small",
          project: name,
        },
        w.svc,
      );
    return { ...w, embeddedCluster, reader, project, other, otherProject, inProject };
  }

  async function jobCount(orgId: string) {
    const [r] = await rawRows<{ n: number }>(t.db, sql`select count(*)::int as n from jobs where org_id = ${orgId}`);
    return r!.n;
  }

  it("starts a job in a project for its writers and for org managers and admins", async () => {
    const w = await projectWorld();
    const mine = await w.inProject(w.user, w.project.name);
    expect(mine.projectId).toBe(w.project.id);
    // Org managers and admins act as project admins without being members.
    expect((await w.inProject(w.manager, w.project.name)).projectId).toBe(w.project.id);
    expect((await w.inProject(w.admin, w.project.name)).projectId).toBe(w.project.id);
    // Without a project: as before, no project.
    expect((await w.start(w.user)).projectId).toBeNull();
    expect((await w.start(w.user, "small", { name: uniqueName("job-") })).projectId).toBeNull();
    const blank = await startJob(
      t.db,
      as(w.user),
      w.org.name,
      { name: "blank", cluster: w.cluster.name, preset: "small", project: "" },
      w.svc,
    );
    expect(blank.projectId).toBeNull();
  });

  it("refuses a reader with a hint, and an org user outside the project as if it didn't exist, writing nothing", async () => {
    const w = await projectWorld();
    const before = await jobCount(w.org.id);
    const asReader = await refusal(w.inProject(w.reader, w.project.name));
    expect(asReader).toBeInstanceOf(Invalid);
    expect((asReader as Invalid).fieldErrors).toEqual({
      project: [`You can only read project '${w.project.name}': ask a project manager for writer access.`],
    });
    const notFound = { project: [`No project named '${w.project.name}' on cluster '${w.cluster.name}'.`] };
    // user2 is an org user who is not in the project: the same answer as a project that doesn't exist.
    const outside = await refusal(w.inProject(w.user2, w.project.name));
    expect(outside).toBeInstanceOf(Invalid);
    expect((outside as Invalid).fieldErrors).toEqual(notFound);
    const missing = await refusal(w.inProject(w.user, "no-such-project"));
    expect((missing as Invalid).fieldErrors).toEqual({
      project: [`No project named 'no-such-project' on cluster '${w.cluster.name}'.`],
    });
    // The project lives on its own cluster: naming it on the org's other cluster finds nothing.
    const elsewhere = await refusal(
      w.inProject(w.user, w.project.name, { cluster: w.embeddedCluster.name, preset: "fast" }),
    );
    expect((elsewhere as Invalid).fieldErrors).toEqual({
      project: [`No project named '${w.project.name}' on cluster '${w.embeddedCluster.name}'.`],
    });
    expect(await jobCount(w.org.id)).toBe(before);
  });

  it("refuses another org's project (a forged name), for its own admin too, writing nothing", async () => {
    const w = await projectWorld();
    // The other org's admin joins this org as a user: their project is still not this org's.
    await addMember(t.db, w.org, w.other.admin, "user");
    const before = await jobCount(w.org.id);
    for (const who of [w.admin, w.other.admin]) {
      const err = await refusal(
        startJob(
          t.db,
          as(who),
          w.org.name,
          { name: "forged", cluster: w.cluster.name, preset: "small", project: w.otherProject.name },
          w.svc,
        ),
      );
      expect(err).toBeInstanceOf(Invalid);
      expect((err as Invalid).fieldErrors.project?.[0]).toMatch(/^No project named/);
    }
    // The other org's cluster isn't this org's at all.
    const err = await refusal(
      startJob(
        t.db,
        as(w.admin),
        w.org.name,
        { name: "forged", cluster: w.other.cluster.name, preset: "small", project: w.otherProject.name },
        w.svc,
      ),
    );
    expect((err as Invalid).fieldErrors.cluster).toBeDefined();
    expect(await jobCount(w.org.id)).toBe(before);
    expect(await jobCount(w.other.org.id)).toBe(0);
  });

  it("lists jobs by project; projectless jobs are listed as no project; a project the caller can't see lists nothing", async () => {
    const w = await projectWorld();
    const a = await w.inProject(w.user, w.project.name);
    const b = await w.inProject(w.manager, w.project.name);
    const loose = await w.start(w.user, "small", { name: "loose" });
    const key = `${w.cluster.name}/${w.project.name}`;

    const mine = await listJobs(t.db, as(w.user), w.org.name, {});
    expect(mine.rows.map((r) => [r.id, r.project])).toEqual(
      expect.arrayContaining([
        [a.id, { name: w.project.name, cluster: w.cluster.name }],
        [loose.id, null],
      ]),
    );
    expect((await listJobs(t.db, as(w.user), w.org.name, { project: "none" })).rows.map((r) => r.id)).toEqual([
      loose.id,
    ]);
    // A project's members see everyone's jobs in it (scope=all), readers included; alone, their own.
    const own = await listJobs(t.db, as(w.user), w.org.name, { project: key });
    expect(own.rows.map((r) => r.id)).toEqual([a.id]);
    expect(own.canSeeAll).toBe(true);
    for (const who of [w.user, w.reader, w.manager]) {
      const all = await listJobs(t.db, as(who), w.org.name, { project: key, scope: "all" });
      expect(all.query.scope).toBe("all");
      expect(all.rows.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    }
    // A reader sees the writer's job but may not stop it (the list says so: no Stop button).
    const asReader = await listJobs(t.db, as(w.reader), w.org.name, { project: key, scope: "all" });
    expect(asReader.canStopAll).toBe(false);
    expect(asReader.rows.every((r) => !r.mine)).toBe(true);
    expect((await listJobs(t.db, as(w.manager), w.org.name, { project: key, scope: "all" })).canStopAll).toBe(true);
    // An org user outside the project: nothing, not even with scope=all; and no hint that it exists.
    const outside = await listJobs(t.db, as(w.user2), w.org.name, { project: key, scope: "all" });
    expect(outside).toMatchObject({ rows: [], total: 0, canSeeAll: false });
    expect(outside.query.scope).toBe("mine");
    // Another org's project, named in this org: nothing.
    const forged = await listJobs(t.db, as(w.admin), w.org.name, {
      project: `${w.other.cluster.name}/${w.otherProject.name}`,
      scope: "all",
    });
    expect(forged.rows).toEqual([]);
    // Managers: "none" across everyone's jobs.
    const none = await listJobs(t.db, as(w.manager), w.org.name, { project: "none", scope: "all" });
    expect(none.rows.every((r) => r.project === null)).toBe(true);
    expect(none.rows.map((r) => r.id)).toContain(loose.id);
    // Nonsense falls back to every project.
    const odd = await listJobs(t.db, as(w.user), w.org.name, { project: "x\u0000y" });
    expect(odd.query.project).toBeUndefined();
  });

  it("charges carry the job's project (metering, stop settle, closing the org); balance = Σ ledger", async () => {
    const w = await projectWorld();
    const ext = await w.inProject(w.user, w.project.name);
    const loose = await w.start(w.user);
    const start = secondsAgo(3600);
    await setJobStart(t.db, ext.id, start);
    await setJobStart(t.db, loose.id, start);
    await meter(w.svc, start, [
      [ext.id, 60, `p:${ext.id}:1`],
      [loose.id, 60, `p:${loose.id}:1`],
      [ext.id, 120, `p:${ext.id}:2`],
    ]);
    // Both records of ext settle in the same UTC hour (unless it just turned): one growing row.
    const extRows = await chargesOf(ext.id);
    expect(extRows.length).toBeGreaterThanOrEqual(1);
    expect(extRows.every((c) => c.projectId === w.project.id)).toBe(true);
    expect((await chargesOf(loose.id)).map((c) => c.projectId)).toEqual([null]);
    // The embedded runner's stop settle.
    const embProject = await makeProject(t.db, {
      org: w.org,
      cluster: w.embeddedCluster,
      members: [[w.user, "admin"]],
    });
    const emb = await startJob(
      t.db,
      as(w.user),
      w.org.name,
      { name: "emb", cluster: w.embeddedCluster.name, preset: "fast", project: embProject.name },
      w.svc,
    );
    await setJobStart(t.db, emb.id, secondsAgo(60));
    await stopJob(t.db, as(w.user), w.org.name, { id: emb.id }, { settle: w.svc });
    expect(await chargedKeys(emb.id)).toEqual([`stop:${emb.id}`]);
    expect((await chargesOf(emb.id)).map((c) => c.projectId)).toEqual([embProject.id]);
    // The runner's tick, and closing the org, settle a running embedded job in a project.
    const emb2 = await startJob(
      t.db,
      as(w.manager),
      w.org.name,
      { name: "emb2", cluster: w.embeddedCluster.name, preset: "fast", project: embProject.name },
      w.svc,
    );
    await setJobStart(t.db, emb2.id, secondsAgo(30));
    await runEmbeddedTick(t.db, SYSTEM, new Date(), 5000, w.svc);
    await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name });
    const charges = await chargesOf(emb2.id);
    expect(charges.length).toBeGreaterThanOrEqual(1);
    expect((await chargedKeys(emb2.id)).length).toBeGreaterThanOrEqual(2);
    expect(charges.every((c) => c.projectId === embProject.id)).toBe(true);
    // Every charge's project is its job's.
    const [mismatch] = await rawRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from credit_ledger l join jobs j on j.id = l.job_id
          where l.org_id = ${w.org.id} and l.project_id is distinct from j.project_id`,
    );
    expect(mismatch!.n).toBe(0);
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.ledgerSum).toBe(totals.balance);
  });
});
