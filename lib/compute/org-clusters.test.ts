/**
 * Apolo's org clusters (lib/compute/org-clusters.ts): who reads them, who changes them, the quota set/delta
 * rules, the balance pointer, token scope and org restriction, audit rows. Real database, no mocks.
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, jobs, orgClusters } from "@/db/schema";
import { tokenCaller, type Caller } from "../core/caller";
import { Conflict, Forbidden, Invalid, NotFound } from "../core/errors";
import {
  createOrgCluster,
  deleteOrgCluster,
  getOrgCluster,
  listOrgClustersOf,
  setOrgClusterDefaults,
  setOrgClusterQuota,
  updateOrgCluster,
} from "./org-clusters";
import {
  addOrgToCluster,
  as,
  fundOrg,
  makeCluster,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();

function token(user: { id: string }, opts: { scope?: "read" | "write"; orgId?: string | null } = {}): Caller {
  return tokenCaller({
    userId: user.id,
    tokenId: "00000000-0000-0000-0000-000000000001",
    tokenName: "cli",
    scopes: opts.scope === "read" ? ["read"] : ["read", "write"],
    orgId: opts.orgId ?? null,
  });
}

async function setup() {
  const [admin, manager, user, outsider] = await Promise.all([
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
  ]);
  const op = await makePlatformAdmin(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  const other = await makeOrg(t.db, { admin: outsider });
  const cluster = await makeCluster(t.db);
  await addOrgToCluster(t.db, org, cluster, 5);
  await addOrgToCluster(t.db, other, cluster, null);
  await fundOrg(t.db, org, "250.5");
  return { admin, manager, user, outsider, op, org, other, cluster };
}

describe("reading org clusters", () => {
  it("gives any member the org cluster, with the org wallet as its balance and null for unlimited", async () => {
    const s = await setup();
    const v = await getOrgCluster(t.db, as(s.user), s.cluster.name, s.org.name);
    expect(v).toEqual({
      orgName: s.org.name,
      clusterName: s.cluster.name,
      balance: { credits: "250.50000000", spentCredits: "0.00000000" },
      maxRunningJobs: 5,
      defaultCredits: null,
      defaultMaxRunningJobs: null,
      defaultRole: "user",
      storageSizeBytes: null,
    });
    // A read-only token reads too.
    expect((await getOrgCluster(t.db, token(s.user, { scope: "read" }), s.cluster.name, s.org.name)).orgName).toBe(
      s.org.name,
    );
  });

  it("hides it from outsiders and from a token restricted to another org; platform admins read any", async () => {
    const s = await setup();
    await expect(getOrgCluster(t.db, as(s.outsider), s.cluster.name, s.org.name)).rejects.toThrow(NotFound);
    await expect(getOrgCluster(t.db, token(s.user, { orgId: s.other.id }), s.cluster.name, s.org.name)).rejects.toThrow(
      NotFound,
    );
    expect((await getOrgCluster(t.db, as(s.op), s.cluster.name, s.other.name)).maxRunningJobs).toBeNull();
    await expect(getOrgCluster(t.db, token(s.op, { orgId: s.org.id }), s.cluster.name, s.other.name)).rejects.toThrow(
      NotFound,
    );
    const elsewhere = await makeCluster(t.db);
    await expect(getOrgCluster(t.db, as(s.user), elsewhere.name, s.org.name)).rejects.toThrow(NotFound);
    await expect(getOrgCluster(t.db, as(s.user), "no-such-cluster", s.org.name)).rejects.toThrow(NotFound);
  });

  it("lists every org on the cluster for platform admins (a restricted token: its org), else the caller's", async () => {
    const s = await setup();
    const all = await listOrgClustersOf(t.db, as(s.op), s.cluster.name);
    expect(all.map((v) => v.orgName).sort()).toEqual([s.org.name, s.other.name].sort());
    expect(
      (await listOrgClustersOf(t.db, token(s.op, { orgId: s.other.id }), s.cluster.name)).map((v) => v.orgName),
    ).toEqual([s.other.name]);
    expect((await listOrgClustersOf(t.db, as(s.user), s.cluster.name)).map((v) => v.orgName)).toEqual([s.org.name]);
    expect(await listOrgClustersOf(t.db, token(s.user, { orgId: s.other.id }), s.cluster.name)).toEqual([]);
    await expect(listOrgClustersOf(t.db, as(s.user), "no-such-cluster")).rejects.toThrow(NotFound);
  });
});

describe("changing org clusters (platform admins)", () => {
  it("creates one with quota, defaults and storage, audited; twice is a Conflict", async () => {
    const s = await setup();
    const c2 = await makeCluster(t.db);
    const v = await createOrgCluster(
      t.db,
      token(s.op),
      { cluster: c2.name, org: s.org.name },
      {
        maxRunningJobs: 3,
        defaultCredits: "10.5",
        defaultMaxRunningJobs: 1,
        defaultRole: "member",
        storageSizeBytes: 1024 * 1024,
      },
    );
    expect(v).toMatchObject({
      clusterName: c2.name,
      maxRunningJobs: 3,
      defaultCredits: "10.50000000",
      defaultMaxRunningJobs: 1,
      defaultRole: "member",
      storageSizeBytes: 1048576,
    });
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, s.org.id), eq(auditEvents.action, "cluster.org_set")));
    expect(audit?.viaToken).toBe("cli");
    await expect(createOrgCluster(t.db, as(s.op), { cluster: c2.name, org: s.org.name }, {})).rejects.toThrow(Conflict);
  });

  it("refuses org admins, read-only tokens, restricted tokens and bad input", async () => {
    const s = await setup();
    const c2 = await makeCluster(t.db);
    const target = { cluster: c2.name, org: s.org.name };
    await expect(createOrgCluster(t.db, as(s.admin), target, {})).rejects.toThrow(NotFound);
    await expect(createOrgCluster(t.db, token(s.op, { scope: "read" }), target, {})).rejects.toThrow(Forbidden);
    await expect(createOrgCluster(t.db, token(s.op, { orgId: s.other.id }), target, {})).rejects.toThrow(NotFound);
    await expect(createOrgCluster(t.db, as(s.op), target, { maxRunningJobs: -1 })).rejects.toThrow(Invalid);
    await expect(createOrgCluster(t.db, as(s.op), target, { defaultCredits: "1e3" })).rejects.toThrow(Invalid);
    await expect(createOrgCluster(t.db, as(s.op), target, { defaultRole: "owner" })).rejects.toThrow(Invalid);
    await expect(createOrgCluster(t.db, as(s.op), { ...target, org: "nope" }, {})).rejects.toThrow(NotFound);
    expect(await t.db.select().from(orgClusters).where(eq(orgClusters.clusterId, c2.id))).toEqual([]);
  });

  it("updates (a whole replacement; the balance must not change), sets defaults", async () => {
    const s = await setup();
    const target = { cluster: s.cluster.name, org: s.org.name };
    const v = await updateOrgCluster(t.db, as(s.op), target, { maxRunningJobs: 9, defaultRole: "manager" }, "250.5");
    expect(v).toMatchObject({ maxRunningJobs: 9, defaultRole: "manager", defaultCredits: null });
    await expect(updateOrgCluster(t.db, as(s.op), target, { maxRunningJobs: 9 }, "999")).rejects.toThrow(
      /set-org-credits/,
    );
    const d = await setOrgClusterDefaults(t.db, as(s.op), target, {
      defaultCredits: "7",
      defaultMaxRunningJobs: 2,
      defaultRole: "user",
    });
    expect(d).toMatchObject({
      maxRunningJobs: 9,
      defaultCredits: "7.00000000",
      defaultMaxRunningJobs: 2,
      defaultRole: "user",
    });
    // The same defaults again ("7" = "7.00000000"): no change, no audit row.
    const count = async () =>
      (
        await t.db
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.orgId, s.org.id), eq(auditEvents.action, "cluster.org_set")))
      ).length;
    const before = await count();
    await setOrgClusterDefaults(t.db, as(s.op), target, {
      defaultCredits: "7.0",
      defaultMaxRunningJobs: 2,
      defaultRole: "user",
    });
    expect(await count()).toBe(before);
    await expect(setOrgClusterDefaults(t.db, as(s.manager), target, {})).rejects.toThrow(NotFound);
  });

  it("sets the quota, moves it by a delta, refuses a delta on unlimited or below zero", async () => {
    const s = await setup();
    const target = { cluster: s.cluster.name, org: s.org.name };
    expect((await setOrgClusterQuota(t.db, as(s.op), target, { delta: 2 })).maxRunningJobs).toBe(7);
    expect((await setOrgClusterQuota(t.db, as(s.op), target, { delta: -7 })).maxRunningJobs).toBe(0);
    await expect(setOrgClusterQuota(t.db, as(s.op), target, { delta: -1 })).rejects.toThrow(Invalid);
    expect((await setOrgClusterQuota(t.db, as(s.op), target, { set: null })).maxRunningJobs).toBeNull();
    await expect(setOrgClusterQuota(t.db, as(s.op), target, { delta: 1 })).rejects.toThrow(/unlimited/);
    expect((await setOrgClusterQuota(t.db, as(s.op), target, { set: 4 })).maxRunningJobs).toBe(4);
    await expect(setOrgClusterQuota(t.db, as(s.admin), target, { set: 100 })).rejects.toThrow(NotFound);
    await expect(setOrgClusterQuota(t.db, as(s.op), target, { set: 1.5 })).rejects.toThrow(Invalid);
    const rows = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, s.org.id), eq(auditEvents.action, "cluster.org_set")));
    expect(rows).toHaveLength(4);
  });

  it("removes an org from a cluster, stopping its running jobs there", async () => {
    const s = await setup();
    const job = await makeJob(t.db, { org: s.org, user: s.user, cluster: s.cluster, preset: s.cluster.presets.small! });
    const target = { cluster: s.cluster.name, org: s.org.name };
    await expect(deleteOrgCluster(t.db, as(s.admin), target)).rejects.toThrow(NotFound);
    await expect(deleteOrgCluster(t.db, token(s.op, { orgId: s.other.id }), target)).rejects.toThrow(NotFound);
    expect(await deleteOrgCluster(t.db, as(s.op), target)).toEqual({ stoppedJobs: 1 });
    const [j] = await t.db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(j?.status).toBe("stopped");
    await expect(getOrgCluster(t.db, as(s.user), s.cluster.name, s.org.name)).rejects.toThrow(NotFound);
    await expect(deleteOrgCluster(t.db, as(s.op), target)).rejects.toThrow(NotFound);
  });
});
