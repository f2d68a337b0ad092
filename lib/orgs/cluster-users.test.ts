/**
 * Apolo's cluster users and user records over org memberships (lib/orgs/cluster-users.ts): who sees what,
 * the balance (limit − spent, exact), the running-jobs quota set and delta. Real database.
 */
import { and, desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, orgMembers, orgs } from "@/db/schema";
import { tokenCaller } from "../core/caller";
import { Forbidden, Invalid, NotFound } from "../core/errors";
import {
  addMember,
  addOrgToCluster,
  as,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  withTestDatabase,
} from "../test/fixtures";
import { getClusterUser, getUserProfile, listClusterUsers, setClusterUserJobsQuota, splitName } from "./cluster-users";

const t = withTestDatabase();

async function world() {
  const admin = await makeUser(t.db, undefined, { name: "Ada King Lovelace" });
  const manager = await makeUser(t.db);
  const user = await makeUser(t.db);
  const outsider = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  const cluster = await makeCluster(t.db);
  await addOrgToCluster(t.db, org, cluster);
  await t.db
    .update(orgMembers)
    .set({ creditLimit: "100.5", spent: "20.25", maxRunningJobs: 3 })
    .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
  await t.db
    .update(orgMembers)
    .set({ spent: "7" })
    .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, admin.id)));
  return { admin, manager, user, outsider, org, cluster };
}

describe("cluster users", () => {
  it("lists the org's members on the cluster: role, quota, balance = limit − spent (exact, null unlimited)", async () => {
    const w = await world();
    const rows = await listClusterUsers(t.db, as(w.user), { cluster: w.cluster.name, org: w.org.name });
    expect(rows.map((r) => r.username)).toEqual([w.admin.username, w.manager.username, w.user.username].sort());
    const u = rows.find((r) => r.username === w.user.username)!;
    expect(u).toMatchObject({
      clusterName: w.cluster.name,
      orgName: w.org.name,
      role: "user",
      maxRunningJobs: 3,
      balance: { credits: "80.25", spent: "20.25" },
    });
    const a = rows.find((r) => r.username === w.admin.username)!;
    expect(a).toMatchObject({ role: "admin", maxRunningJobs: null, balance: { credits: null, spent: "7" } });
    // A user sees no addresses; a manager and a platform admin do.
    expect(rows.every((r) => r.info.email === null)).toBe(true);
    const asManager = await listClusterUsers(t.db, as(w.manager), { cluster: w.cluster.name, org: w.org.name });
    expect(asManager.find((r) => r.username === w.user.username)!.info.email).toBe(w.user.email);
    const op = await makePlatformAdmin(t.db);
    const asOp = await listClusterUsers(t.db, as(op), { cluster: w.cluster.name, org: w.org.name });
    expect(asOp).toHaveLength(3);
    expect(asOp[0]!.info.email).not.toBeNull();
  });

  it("outsiders, an org not on the cluster, an unknown cluster, a token restricted elsewhere: NotFound", async () => {
    const w = await world();
    const q = { cluster: w.cluster.name, org: w.org.name };
    await expect(listClusterUsers(t.db, as(w.outsider), q)).rejects.toBeInstanceOf(NotFound);
    const other = await makeCluster(t.db);
    await expect(listClusterUsers(t.db, as(w.admin), { cluster: other.name, org: w.org.name })).rejects.toThrow(
      /is not on cluster/,
    );
    await expect(listClusterUsers(t.db, as(w.admin), { cluster: "nope", org: w.org.name })).rejects.toBeInstanceOf(
      NotFound,
    );
    const elsewhere = await makeOrg(t.db, { admin: w.admin });
    const restricted = tokenCaller({
      userId: w.admin.id,
      tokenId: "t",
      tokenName: "x",
      scopes: ["write"],
      orgId: elsewhere.id,
    });
    await expect(listClusterUsers(t.db, restricted, q)).rejects.toBeInstanceOf(NotFound);
    // Without an org: only the orgs of the caller on the cluster (none for an outsider).
    expect(await listClusterUsers(t.db, as(w.outsider), { cluster: w.cluster.name })).toEqual([]);
    expect(await listClusterUsers(t.db, restricted, { cluster: w.cluster.name })).toEqual([]);
  });

  it("without an org: every org of the caller on the cluster; platform admins: all of them", async () => {
    const w = await world();
    const second = await makeOrg(t.db, { admin: w.user });
    await addOrgToCluster(t.db, second, w.cluster);
    const third = await makeOrg(t.db, { admin: w.outsider });
    await addOrgToCluster(t.db, third, w.cluster);
    const mine = await listClusterUsers(t.db, as(w.user), { cluster: w.cluster.name });
    expect(new Set(mine.map((r) => r.orgName))).toEqual(new Set([w.org.name, second.name]));
    expect(
      mine
        .filter((r) => r.username === w.user.username)
        .map((r) => r.role)
        .sort(),
    ).toEqual(["admin", "user"]);
    const op = await makePlatformAdmin(t.db);
    const all = await listClusterUsers(t.db, as(op), { cluster: w.cluster.name });
    expect(new Set(all.map((r) => r.orgName))).toEqual(new Set([w.org.name, second.name, third.name]));
  });

  it("one cluster user; a non-member is NotFound", async () => {
    const w = await world();
    const r = await getClusterUser(t.db, as(w.manager), {
      cluster: w.cluster.name,
      org: w.org.name,
      user: w.user.username,
    });
    expect(r).toMatchObject({ username: w.user.username, maxRunningJobs: 3 });
    await expect(
      getClusterUser(t.db, as(w.manager), { cluster: w.cluster.name, org: w.org.name, user: w.outsider.username }),
    ).rejects.toBeInstanceOf(NotFound);
  });
});

describe("a cluster user's running-jobs quota", () => {
  const last = (orgId: string) =>
    t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, "member.quota_changed")))
      .orderBy(desc(auditEvents.createdAt))
      .limit(1)
      .then((r) => r[0]);

  it("managers set it (null: unlimited), add to it, never below 0; the credit limit is untouched; audited", async () => {
    const w = await world();
    const q = { cluster: w.cluster.name, org: w.org.name, user: w.user.username };
    const set = await setClusterUserJobsQuota(t.db, as(w.manager), { ...q, totalRunningJobs: 10 });
    expect(set).toMatchObject({ maxRunningJobs: 10, balance: { credits: "80.25" } });
    expect(await last(w.org.id)).toMatchObject({
      actorId: w.manager.id,
      targetLabel: w.user.username,
      before: { maxRunningJobs: 3 },
      after: { maxRunningJobs: 10, cluster: w.cluster.name },
    });
    expect(
      (await setClusterUserJobsQuota(t.db, as(w.manager), { ...q, additionalRunningJobs: -4 })).maxRunningJobs,
    ).toBe(6);
    await expect(
      setClusterUserJobsQuota(t.db, as(w.manager), { ...q, additionalRunningJobs: -7 }),
    ).rejects.toBeInstanceOf(Invalid);
    expect(
      (await setClusterUserJobsQuota(t.db, as(w.manager), { ...q, totalRunningJobs: null })).maxRunningJobs,
    ).toBeNull();
    // A delta on unlimited stays unlimited.
    expect(
      (await setClusterUserJobsQuota(t.db, as(w.manager), { ...q, additionalRunningJobs: 2 })).maxRunningJobs,
    ).toBeNull();
    const [m] = await t.db
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.user.id)));
    expect(m!.creditLimit).toBe("100.50000000");
  });

  it("a user, a manager on an admin, a read-only token, an outsider and an org not on the cluster are refused", async () => {
    const w = await world();
    const q = { cluster: w.cluster.name, org: w.org.name };
    await expect(
      setClusterUserJobsQuota(t.db, as(w.user), { ...q, user: w.user.username, totalRunningJobs: 99 }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      setClusterUserJobsQuota(t.db, as(w.manager), { ...q, user: w.admin.username, totalRunningJobs: 1 }),
    ).rejects.toThrow("Managers can't change an admin's quotas.");
    const ro = tokenCaller({ userId: w.admin.id, tokenId: "t", tokenName: "ro", scopes: ["read"] });
    await expect(
      setClusterUserJobsQuota(t.db, ro, { ...q, user: w.user.username, totalRunningJobs: 1 }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      setClusterUserJobsQuota(t.db, as(w.outsider), { ...q, user: w.user.username, totalRunningJobs: 1 }),
    ).rejects.toBeInstanceOf(NotFound);
    const other = await makeCluster(t.db);
    await expect(
      setClusterUserJobsQuota(t.db, as(w.admin), {
        ...q,
        cluster: other.name,
        user: w.user.username,
        totalRunningJobs: 1,
      }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      setClusterUserJobsQuota(t.db, as(w.admin), { ...q, user: w.user.username, totalRunningJobs: -1 }),
    ).rejects.toBeInstanceOf(Invalid);
    await expect(
      setClusterUserJobsQuota(t.db, as(w.admin), {
        ...q,
        user: w.user.username,
        totalRunningJobs: 1,
        additionalRunningJobs: 1,
      }),
    ).rejects.toBeInstanceOf(Invalid);
    const [m] = await t.db
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.user.id)));
    expect(m!.maxRunningJobs).toBe(3);
  });
});

describe("user records (users/{name})", () => {
  it("the person sees everything: orgs with balance, cluster users, projects", async () => {
    const w = await world();
    const p = await makeProject(t.db, { org: w.org, cluster: w.cluster, members: [[w.user, "writer"]] });
    const me = await getUserProfile(t.db, as(w.user), w.user.username);
    expect(me).toMatchObject({
      username: w.user.username,
      email: w.user.email,
      orgs: [{ orgName: w.org.name, role: "user", balance: { credits: "80.25", spent: "20.25" } }],
      clusters: [{ clusterName: w.cluster.name, orgName: w.org.name, role: "user", maxRunningJobs: 3 }],
      projects: [{ projectName: p.name, clusterName: w.cluster.name, orgName: w.org.name, role: "writer" }],
    });
  });

  it("another member sees through shared orgs only: the address only as a manager; projects they can see", async () => {
    const w = await world();
    const hidden = await makeOrg(t.db, { admin: w.user });
    const p = await makeProject(t.db, { org: w.org, cluster: w.cluster, members: [[w.user, "writer"]] });
    const peer = await makeUser(t.db);
    await addMember(t.db, w.org, peer, "user");
    const byPeer = await getUserProfile(t.db, as(peer), w.user.username);
    expect(byPeer.email).toBeNull();
    expect(byPeer.orgs.map((o) => o.orgName)).toEqual([w.org.name]);
    expect(byPeer.projects).toEqual([]); // not in the project, not a manager
    const byManager = await getUserProfile(t.db, as(w.manager), w.user.username);
    expect(byManager.email).toBe(w.user.email);
    expect(byManager.orgs.map((o) => o.orgName)).toEqual([w.org.name]);
    expect(byManager.projects.map((x) => x.projectName)).toEqual([p.name]);
    expect(byManager.orgs.map((o) => o.orgName)).not.toContain(hidden.name);
    const op = await makePlatformAdmin(t.db);
    const byOp = await getUserProfile(t.db, as(op), w.user.username);
    expect(byOp.email).toBe(w.user.email);
    expect(byOp.orgs.map((o) => o.orgName).sort()).toEqual([w.org.name, hidden.name].sort());
  });

  it("someone sharing no org, an unknown or deleted account: NotFound; a restricted token sees its org only", async () => {
    const w = await world();
    await expect(getUserProfile(t.db, as(w.outsider), w.user.username)).rejects.toBeInstanceOf(NotFound);
    await expect(getUserProfile(t.db, as(w.user), "no-such-person")).rejects.toBeInstanceOf(NotFound);
    const second = await makeOrg(t.db, { admin: w.user });
    const restricted = tokenCaller({
      userId: w.user.id,
      tokenId: "t",
      tokenName: "x",
      scopes: ["read"],
      orgId: second.id,
    });
    const me = await getUserProfile(t.db, restricted, w.user.username);
    expect(me.orgs.map((o) => o.orgName)).toEqual([second.name]);
    // A manager's token restricted to another org can't see the member through this one.
    const mgrToken = tokenCaller({
      userId: w.manager.id,
      tokenId: "t2",
      tokenName: "y",
      scopes: ["read"],
      orgId: second.id,
    });
    await expect(getUserProfile(t.db, mgrToken, w.user.username)).rejects.toBeInstanceOf(NotFound);
    await t.db.update(orgs).set({ deletedAt: new Date() }).where(eq(orgs.id, w.org.id));
    await expect(getUserProfile(t.db, as(w.manager), w.user.username)).rejects.toBeInstanceOf(NotFound);
  });

  it("splits the display name at the first space", () => {
    expect(splitName("Ada King Lovelace")).toEqual({ first: "Ada", last: "King Lovelace" });
    expect(splitName("Plato")).toEqual({ first: "Plato", last: null });
    expect(splitName(null)).toEqual({ first: null, last: null });
    expect(splitName("  ")).toEqual({ first: null, last: null });
  });
});
