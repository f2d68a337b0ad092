/**
 * Clusters, presets and cluster tokens (platform admins), the clusters an org is on (its members), the
 * development seed, and who counts as a platform admin. Real database, no mocks.
 */
import { userCaller, type Caller } from "../core/caller";
import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, clusters, clusterTokens, jobs, orgClusters, presets, users } from "@/db/schema";
import {
  createCluster,
  createClusterToken,
  createPreset,
  deletePreset,
  listClusters,
  listOrgClusters,
  removeOrgCluster,
  revokeClusterToken,
  setOrgCluster,
} from "./clusters";
import { Conflict, Invalid, NotFound, Unauthenticated } from "../core/errors";
import { authenticateClusterToken } from "./runner-auth";
import { meterUsage, seedDefaultCluster } from "./internal";
import { startJob } from "./jobs";
import { createOrg } from "../orgs/orgs";
import { grantPlatformAdmin } from "../orgs/internal";
import { isPlatformAdmin, platformAdminNames, requirePlatformAdmin } from "../orgs/platform";
import {
  addOrgToCluster,
  as,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  plusSeconds,
  secondsAgo,
  testServices,
  uniqueName,
  withTestDatabase,
  withConfig,
  SYSTEM,
} from "../test/fixtures";
import { parseConfig } from "../core/config";
import { hashToken } from "../core/tokens";

const t = withTestDatabase();

async function invalid(p: Promise<unknown>): Promise<Record<string, string[]>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Invalid);
  return (err as Invalid).fieldErrors;
}

// First in the file: the seed only acts on a database without clusters.
describe("seedDefaultCluster", () => {
  it("gives a fresh database one default cluster with presets, for existing and new orgs, once", async () => {
    const admin = await makeUser(t.db);
    const existing = await makeOrg(t.db, { admin });
    // Two app instances starting at once: one seeds, the others find it done (and don't crash).
    const results = await Promise.allSettled([
      seedDefaultCluster(t.db, SYSTEM),
      seedDefaultCluster(t.db, SYSTEM),
      seedDefaultCluster(t.db, SYSTEM),
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : String(r.reason))).sort()).toEqual([
      false,
      false,
      true,
    ]);
    expect(await seedDefaultCluster(t.db, SYSTEM)).toBe(false);
    const all = await t.db.select().from(clusters);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ name: "default", isDefault: true, runner: "embedded" });
    const ps = await t.db.select().from(presets).where(eq(presets.clusterId, all[0]!.id));
    expect(ps.map((p) => [p.name, p.creditsPerHour])).toEqual(
      expect.arrayContaining([
        ["cpu-small", "1.00000000"],
        ["cpu-large", "8.00000000"],
        ["gpu-1x", "60.00000000"],
      ]),
    );
    expect((await listOrgClusters(t.db, as(admin), existing.name)).map((c) => c.name)).toEqual(["default"]);
    const founder = await makeUser(t.db);
    const { name } = await createOrg(t.db, as(founder), { name: uniqueName("org-") });
    const onIt = await listOrgClusters(t.db, as(founder), name);
    expect(onIt.map((c) => c.name)).toEqual(["default"]);
    expect(onIt[0]!.presets[0]).toMatchObject({ name: "cpu-small" });
    // With credits, a member runs a job there at once.
    await fundOrg(t.db, existing, "10");
    const job = await startJob(
      t.db,
      as(admin),
      existing.name,
      { name: "hello", cluster: "default", preset: "cpu-small" },
      testServices(),
    );
    expect(job.status).toBe("running");
  });
});

describe("platform admins", () => {
  it("are accounts with the flag or named in PLATFORM_ADMINS; everyone else is told 'not found'", async () => {
    const op = await makePlatformAdmin(t.db);
    const plain = await makeUser(t.db);
    const named = await makeUser(t.db);
    expect(await isPlatformAdmin(t.db, as(op))).toBe(true);
    expect(await isPlatformAdmin(t.db, as(plain))).toBe(false);
    expect(await isPlatformAdmin(t.db, null)).toBe(false);
    expect(await requirePlatformAdmin(t.db, as(op))).toEqual({ id: op.id, userId: op.id, username: op.username });
    await expect(requirePlatformAdmin(t.db, as(plain))).rejects.toBeInstanceOf(NotFound);
    await expect(requirePlatformAdmin(t.db, null)).rejects.toBeInstanceOf(Unauthenticated);
    await expect(requirePlatformAdmin(t.db, userCaller("00000000-0000-4000-8000-000000000000"))).rejects.toBeInstanceOf(
      NotFound,
    );

    expect([...parseConfig({ PLATFORM_ADMINS: " Alice, ,bob " }).platformAdmins]).toEqual(["alice", "bob"]);
    expect(parseConfig({}).platformAdmins.size).toBe(0);
    expect(platformAdminNames().size).toBe(0);
    await withConfig({ PLATFORM_ADMINS: `x,${named.username.toUpperCase()}` }, async () => {
      expect(await isPlatformAdmin(t.db, as(named))).toBe(true);
      expect(await requirePlatformAdmin(t.db, as(named))).toMatchObject({ username: named.username });
    });
    expect(await isPlatformAdmin(t.db, as(named))).toBe(false);
  });

  it("can be granted by username (the operator's CLI)", async () => {
    const u = await makeUser(t.db);
    await grantPlatformAdmin(t.db, SYSTEM, u.username);
    const [row] = await t.db.select({ flag: users.isPlatformAdmin }).from(users).where(eq(users.id, u.id));
    expect(row!.flag).toBe(true);
    expect(await isPlatformAdmin(t.db, as(u))).toBe(true);
    await expect(grantPlatformAdmin(t.db, SYSTEM, "no-such-user")).rejects.toThrow(
      "No account with the username 'no-such-user'.",
    );
  });
});

describe("clusters and presets (platform admins)", () => {
  it("creates a cluster, audited without an org; refuses duplicates and bad input", async () => {
    const op = await makePlatformAdmin(t.db);
    const name = uniqueName("cl-");
    const c = await createCluster(t.db, as(op), { name, description: "  GPUs in Oslo " });
    expect(c).toMatchObject({ name, description: "GPUs in Oslo", isDefault: false, runner: "embedded" });
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "cluster.created"), eq(auditEvents.targetId, c.id)));
    expect(audit).toMatchObject({ orgId: null, actorId: op.id, targetLabel: name });

    const dup = createCluster(t.db, as(op), { name });
    await expect(dup).rejects.toBeInstanceOf(Conflict);
    await expect(dup).rejects.toThrow(`A cluster named '${name}' already exists.`);
    expect((await invalid(createCluster(t.db, as(op), { name: "Bad Name" }))).name).toBeDefined();
    expect(
      (await invalid(createCluster(t.db, as(op), { name: uniqueName("cl-"), runner: "k8s" }))).runner,
    ).toBeDefined();
    expect(
      (await invalid(createCluster(t.db, as(op), { name: uniqueName("cl-"), description: "x".repeat(201) })))
        .description,
    ).toEqual(["At most 200 characters."]);
    const external = await createCluster(t.db, as(op), {
      name: uniqueName("cl-"),
      runner: "external",
      isDefault: true,
    });
    expect(external).toMatchObject({ runner: "external", isDefault: true });
  });

  it("refuses every operator operation to people who aren't platform admins, changing nothing", async () => {
    const op = await makePlatformAdmin(t.db);
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const c = await makeCluster(t.db, { presets: { small: "1" } });
    const [token] = await t.db
      .insert(clusterTokens)
      .values({ clusterId: c.id, label: "t", tokenHash: hashToken(uniqueName()), createdById: op.id })
      .returning();
    const before = JSON.stringify([
      await t.db.select().from(clusters),
      await t.db.select().from(presets),
      await t.db.select().from(orgClusters),
      await t.db.select().from(clusterTokens),
    ]);
    const attempts = (actor: Caller) => [
      () => listClusters(t.db, actor),
      () => createCluster(t.db, actor, { name: uniqueName("cl-") }),
      () => createPreset(t.db, actor, { cluster: c.name, name: "p2", cpu: "1", memoryMb: 1, creditsPerHour: "1" }),
      () => deletePreset(t.db, actor, { id: c.presets.small!.id }),
      () => setOrgCluster(t.db, actor, { cluster: c.name, org: org.name }),
      () => removeOrgCluster(t.db, actor, { cluster: c.name, org: org.name }),
      () => createClusterToken(t.db, actor, { cluster: c.name, label: "x" }),
      () => revokeClusterToken(t.db, actor, { id: token!.id }),
    ];
    for (const attempt of attempts(as(admin))) await expect(attempt()).rejects.toBeInstanceOf(NotFound);
    for (const attempt of attempts(null)) await expect(attempt()).rejects.toBeInstanceOf(Unauthenticated);
    const after = JSON.stringify([
      await t.db.select().from(clusters),
      await t.db.select().from(presets),
      await t.db.select().from(orgClusters),
      await t.db.select().from(clusterTokens),
    ]);
    expect(after).toBe(before);
  });

  it("creates presets with exact prices, refusing bad input, unknown clusters and duplicates", async () => {
    const op = await makePlatformAdmin(t.db);
    const c = await makeCluster(t.db, { presets: {} });
    const p = await createPreset(t.db, as(op), {
      cluster: c.name,
      name: "a100.x1",
      cpu: "0.5",
      memoryMb: "2048",
      gpu: "1",
      creditsPerHour: "0.1234",
    });
    expect(p).toMatchObject({ name: "a100.x1", cpu: "0.50", memoryMb: 2048, gpu: 1, creditsPerHour: "0.12340000" });
    const base = { cluster: c.name, name: "ok", cpu: "1", memoryMb: 1024, creditsPerHour: "1" };
    expect((await invalid(createPreset(t.db, as(op), { ...base, creditsPerHour: "1.23456" }))).creditsPerHour).toEqual([
      "Credits per hour: a number with at most four decimals.",
    ]);
    expect((await invalid(createPreset(t.db, as(op), { ...base, creditsPerHour: "-1" }))).creditsPerHour).toBeDefined();
    expect((await invalid(createPreset(t.db, as(op), { ...base, name: "Big GPU" }))).name).toBeDefined();
    expect((await invalid(createPreset(t.db, as(op), { ...base, memoryMb: 0 }))).memoryMb).toEqual([
      "Memory must be at least 1 MB.",
    ]);
    expect((await invalid(createPreset(t.db, as(op), { ...base, cluster: "nope" }))).cluster).toEqual([
      "No cluster named 'nope'.",
    ]);
    await expect(createPreset(t.db, as(op), { ...base, name: "a100.x1" })).rejects.toBeInstanceOf(Conflict);
    // The same preset name on another cluster is fine.
    const other = await makeCluster(t.db, { presets: {} });
    await createPreset(t.db, as(op), { ...base, cluster: other.name, name: "a100.x1" });
  });

  it("deletes a preset; jobs started from it keep their name and price", async () => {
    const op = await makePlatformAdmin(t.db);
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const c = await makeCluster(t.db, { presets: { doomed: "5" } });
    const job = await makeJob(t.db, { org, user: admin, cluster: c, preset: c.presets.doomed! });
    expect(await deletePreset(t.db, as(op), { id: c.presets.doomed!.id })).toEqual({ id: c.presets.doomed!.id });
    await expect(deletePreset(t.db, as(op), { id: c.presets.doomed!.id })).rejects.toBeInstanceOf(NotFound);
    await expect(deletePreset(t.db, as(op), { id: "nope" })).rejects.toBeInstanceOf(Invalid);
    const [row] = await t.db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(row).toMatchObject({
      presetId: null,
      presetName: "doomed",
      creditsPerHour: "5.00000000",
      status: "running",
    });
  });

  it("adds orgs to clusters with an optional quota, updates it, and lists clusters with presets and orgs", async () => {
    const op = await makePlatformAdmin(t.db);
    const admin = await makeUser(t.db);
    const outsider = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const c = await makeCluster(t.db, { presets: { big: "8", small: "1" } });
    const unrelated = await makeCluster(t.db);
    expect(await setOrgCluster(t.db, as(op), { cluster: c.name, org: org.name, maxRunningJobs: "3" })).toEqual({
      cluster: c.name,
      org: org.name,
      maxRunningJobs: 3,
    });
    expect((await listOrgClusters(t.db, as(admin), org.name)).find((x) => x.name === c.name)).toMatchObject({
      maxRunningJobs: 3,
      running: 0,
    });
    await setOrgCluster(t.db, as(op), { cluster: c.name, org: org.name, maxRunningJobs: "" });
    const mine = await listOrgClusters(t.db, as(admin), org.name);
    const onC = mine.find((x) => x.name === c.name)!;
    expect(onC.maxRunningJobs).toBeNull();
    expect(onC.presets.map((p) => p.name)).toEqual(["small", "big"]); // cheapest first
    expect(mine.map((x) => x.name)).not.toContain(unrelated.name);
    await makeJob(t.db, { org, user: admin, cluster: c, preset: c.presets.small! });
    expect((await listOrgClusters(t.db, as(admin), org.name)).find((x) => x.name === c.name)!.running).toBe(1);
    await expect(listOrgClusters(t.db, as(outsider), org.name)).rejects.toBeInstanceOf(NotFound);
    await expect(listOrgClusters(t.db, null, org.name)).rejects.toBeInstanceOf(Unauthenticated);

    const listed = (await listClusters(t.db, as(op))).find((x) => x.id === c.id)!;
    expect(listed.orgs).toEqual([{ clusterId: c.id, org: org.name, maxRunningJobs: null }]);
    expect(listed.presets.map((p) => p.name)).toEqual(["small", "big"]);
    const audits = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "cluster.org_set")))
      .orderBy(asc(auditEvents.id));
    expect(audits.map((a) => a.after)).toEqual([{ maxRunningJobs: 3 }, { maxRunningJobs: null }]);

    expect((await invalid(setOrgCluster(t.db, as(op), { cluster: "nope", org: org.name }))).cluster).toEqual([
      "No cluster named 'nope'.",
    ]);
    expect((await invalid(setOrgCluster(t.db, as(op), { cluster: c.name, org: "nope" }))).org).toEqual([
      "No organization named 'nope'.",
    ]);
    expect(
      (await invalid(setOrgCluster(t.db, as(op), { cluster: c.name, org: org.name, maxRunningJobs: "-2" })))
        .maxRunningJobs,
    ).toBeDefined();
  });

  it("removes an org from a cluster, audited; removing it again is 404", async () => {
    const op = await makePlatformAdmin(t.db);
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const c = await makeCluster(t.db);
    await addOrgToCluster(t.db, org, c);
    expect(await removeOrgCluster(t.db, as(op), { cluster: c.name, org: org.name })).toEqual({ stoppedJobs: 0 });
    await expect(removeOrgCluster(t.db, as(op), { cluster: c.name, org: org.name })).rejects.toThrow(
      `${org.name} is not on ${c.name}.`,
    );
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "cluster.org_removed")));
    expect(audit).toMatchObject({ actorId: op.id, after: { stoppedJobs: 0 } });
  });
});

describe("cluster tokens", () => {
  it("are shown once as apc_…, stored hashed, and authenticate their cluster until revoked", async () => {
    const op = await makePlatformAdmin(t.db);
    const a = await makeCluster(t.db);
    const b = await makeCluster(t.db);
    const created = await createClusterToken(t.db, as(op), { cluster: a.name, label: "runner-1" });
    expect(created.cluster).toBe(a.name);
    expect(created.token).toMatch(/^apc_[A-Za-z0-9_-]{43}$/);
    const [row] = await t.db.select().from(clusterTokens).where(eq(clusterTokens.id, created.id));
    expect(row!.tokenHash).toBe(hashToken(created.token.slice(4)));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(4));
    expect(row!.lastUsedAt).toBeNull();
    expect(row!.createdById).toBe(op.id);

    expect(await authenticateClusterToken(t.db, created.token)).toEqual({ kind: "cluster", clusterId: a.id });
    const [used] = await t.db.select().from(clusterTokens).where(eq(clusterTokens.id, created.id));
    expect(used!.lastUsedAt).toBeInstanceOf(Date);
    const other = await createClusterToken(t.db, as(op), { cluster: b.name, label: "runner-b" });
    expect(await authenticateClusterToken(t.db, other.token)).toEqual({ kind: "cluster", clusterId: b.id });

    const raw = created.token.slice(4);
    const flipped = raw.slice(0, -1) + (raw.endsWith("A") ? "B" : "A");
    for (const bad of [
      null,
      undefined,
      "",
      "apc_",
      "apc_short",
      raw,
      `Bearer ${created.token}`,
      `apc_${flipped}`,
      `${created.token}x`,
    ]) {
      expect(await authenticateClusterToken(t.db, bad), String(bad)).toBeNull();
    }

    expect(await revokeClusterToken(t.db, as(op), { id: created.id })).toEqual({ id: created.id });
    expect(await authenticateClusterToken(t.db, created.token)).toBeNull();
    expect(await authenticateClusterToken(t.db, other.token)).toEqual({ kind: "cluster", clusterId: b.id });
    await expect(
      revokeClusterToken(t.db, as(op), { id: "00000000-0000-4000-8000-000000000000" }),
    ).rejects.toBeInstanceOf(NotFound);
    expect((await invalid(createClusterToken(t.db, as(op), { cluster: a.name, label: "" }))).label).toEqual([
      "Name the token.",
    ]);
    expect((await invalid(createClusterToken(t.db, as(op), { cluster: "nope", label: "x" }))).cluster).toEqual([
      "No cluster named 'nope'.",
    ]);
  });

  it("scope metering: a runner's usage for another cluster's job is unknown and charges nothing", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    await fundOrg(t.db, org, "100");
    const a = await makeCluster(t.db, { presets: { p: "3600" } });
    const b = await makeCluster(t.db, { presets: { p: "3600" } });
    const start = secondsAgo(600);
    const onA = await makeJob(t.db, { org, user: admin, cluster: a, preset: a.presets.p!, startedAt: start });
    const onB = await makeJob(t.db, { org, user: admin, cluster: b, preset: b.presets.p!, startedAt: start });
    const r = await meterUsage(
      t.db,
      SYSTEM,
      [
        { jobId: onA.id, until: plusSeconds(start, 4), idempotencyKey: "scope-a", clusterId: a.id },
        { jobId: onB.id, until: plusSeconds(start, 4), idempotencyKey: "scope-b", clusterId: a.id },
      ],
      testServices(),
    );
    expect(r.outcomes.map((o) => [o.jobId, o.outcome])).toEqual([
      [onA.id, "charged"],
      [onB.id, "unknown_job"],
    ]);
    expect(r.stop).toEqual([]);
    const [jobB] = await t.db.select().from(jobs).where(eq(jobs.id, onB.id));
    expect(jobB!.creditsCharged).toBe("0.00000000");
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "96.00000000", ledgerSum: "96.00000000" });
    // The key of the refused record is still free for the right runner.
    const right = await meterUsage(
      t.db,
      SYSTEM,
      [{ jobId: onB.id, until: plusSeconds(start, 4), idempotencyKey: "scope-b", clusterId: b.id }],
      testServices(),
    );
    expect(right.outcomes[0]!.outcome).toBe("charged");
  });
});
