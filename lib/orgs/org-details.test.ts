import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { invitations, orgClusters, orgMembers, orgs } from "@/db/schema";
import { tokenCaller, userCaller, type TokenScope } from "../core/caller";
import { Conflict, Forbidden, Invalid, NotFound } from "../core/errors";
import {
  addMember,
  fundOrg,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  testServices,
  uniqueName,
  withTestDatabase,
} from "../test/fixtures";
import { addOrgUser, updateOrgUser } from "./add-org-user";
import { getOrgDetails, getOrgUser, listOrgDetails, listOrgUsers } from "./org-details";
import { createOrg, listMyOrgs } from "./orgs";

const t = withTestDatabase();
const as = (u: { id: string }) => userCaller(u.id);
const tok = (u: { id: string }, orgId: string | null = null, scope: TokenScope = "write") =>
  tokenCaller({
    userId: u.id,
    tokenId: "00000000-0000-0000-0000-000000000000",
    tokenName: "t",
    scopes: scope === "write" ? ["read", "write"] : ["read"],
    orgId,
  });

describe("a token's org restriction on listMyOrgs and createOrg", () => {
  it("lists only the token's org and creates no org", async () => {
    const u = await makeUser(t.db);
    const a = await makeOrg(t.db, { admin: u });
    const b = await makeOrg(t.db, { user: u });
    expect((await listMyOrgs(t.db, tok(u, a.id))).map((o) => o.name)).toEqual([a.name]);
    expect((await listMyOrgs(t.db, tok(u))).map((o) => o.name).sort()).toEqual([a.name, b.name].sort());
    await expect(createOrg(t.db, tok(u, a.id), { name: uniqueName("org-") })).rejects.toBeInstanceOf(Forbidden);
    expect((await createOrg(t.db, tok(u), { name: uniqueName("org-") })).role).toBe("admin");
  });

  it("createOrg options: skip the default clusters, set the default user credit limit", async () => {
    const u = await makeUser(t.db);
    const cluster = await makeCluster(t.db, { isDefault: true });
    const name = uniqueName("org-");
    await createOrg(t.db, as(u), { name }, { defaultClusters: false, defaultUserCreditLimit: "12.5" });
    const [row] = await t.db.select().from(orgs).where(eq(orgs.name, name));
    expect(row!.defaultUserCreditLimit).toBe("12.50000000");
    expect(await t.db.select().from(orgClusters).where(eq(orgClusters.orgId, row!.id))).toEqual([]);
    const other = uniqueName("org-");
    await createOrg(t.db, as(u), { name: other });
    const [row2] = await t.db.select().from(orgs).where(eq(orgs.name, other));
    const attached = await t.db.select().from(orgClusters).where(eq(orgClusters.orgId, row2!.id));
    expect(attached.map((r) => r.clusterId)).toContain(cluster.id);
    await expect(
      createOrg(t.db, as(u), { name: uniqueName("org-") }, { defaultUserCreditLimit: "nope" }),
    ).rejects.toBeInstanceOf(Invalid);
  });
});

describe("org details", () => {
  it("members and platform admins read an org with exact decimal strings; others are told it doesn't exist", async () => {
    const u = await makeUser(t.db);
    const outsider = await makeUser(t.db);
    const op = await makePlatformAdmin(t.db);
    const org = await makeOrg(t.db, { user: u });
    await fundOrg(t.db, org, "0.1");
    await fundOrg(t.db, org, "0.2");
    const d = await getOrgDetails(t.db, as(u), org.name);
    expect(d).toEqual({
      name: org.name,
      balance: "0.3",
      spent: "0",
      defaultUserCreditLimit: null,
      lowBalanceThresholds: ["100", "10", "0"],
      balanceProjectionSeconds: [604_800, 259_200, 86_400],
    });
    expect((await getOrgDetails(t.db, as(op), org.name)).balance).toBe("0.3");
    await expect(getOrgDetails(t.db, as(outsider), org.name)).rejects.toBeInstanceOf(NotFound);
    const elsewhere = await makeOrg(t.db, { admin: op });
    await expect(getOrgDetails(t.db, tok(op, elsewhere.id), org.name)).rejects.toBeInstanceOf(NotFound);
    expect((await listOrgDetails(t.db, as(op))).map((o) => o.name)).toContain(org.name);
    expect((await listOrgDetails(t.db, tok(op, elsewhere.id))).map((o) => o.name)).toEqual([elsewhere.name]);
    expect((await listOrgDetails(t.db, as(outsider))).map((o) => o.name)).not.toContain(org.name);
  });

  it("org users: balance = limit − spent, addresses only for managers+ and platform admins, roles filter", async () => {
    const admin = await makeUser(t.db);
    const user = await makeUser(t.db, uniqueName(), { name: "Grace Hopper" });
    const op = await makePlatformAdmin(t.db);
    const org = await makeOrg(t.db, { admin, user });
    await t.db
      .update(orgMembers)
      .set({ creditLimit: "10", spent: "12.5" })
      .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
    const byAdmin = await getOrgUser(t.db, as(admin), org.name, user.username);
    expect(byAdmin).toMatchObject({ credits: "-2.5", spent: "12.5", creditLimit: "10", email: user.email });
    const byUser = await listOrgUsers(t.db, as(user), org.name);
    expect(byUser.map((r) => r.email)).toEqual([null, null]);
    const byOp = await listOrgUsers(t.db, as(op), org.name, { roles: ["admin"] });
    expect(byOp.map((r) => [r.username, r.email])).toEqual([[admin.username, admin.email]]);
    await expect(getOrgUser(t.db, as(admin), org.name, "nobody-here")).rejects.toBeInstanceOf(NotFound);
    await expect(listOrgUsers(t.db, as(admin), org.name, { roles: ["owner"] })).rejects.toBeInstanceOf(Invalid);
  });
});

describe("addOrgUser and updateOrgUser", () => {
  it("a platform admin adds at once with a credit limit; a manager invites; a user may not", async () => {
    const manager = await makeUser(t.db);
    const user = await makeUser(t.db);
    const op = await makePlatformAdmin(t.db);
    const org = await makeOrg(t.db, { manager, user });
    const svc = testServices();
    const a = await makeUser(t.db);
    const added = await addOrgUser(
      t.db,
      as(op),
      org.name,
      { username: a.username, role: "user", creditLimit: "5" },
      svc,
    );
    expect(added).toMatchObject({ pending: false, user: { username: a.username, credits: "5", spent: "0" } });
    const b = await makeUser(t.db);
    const invited = await addOrgUser(t.db, as(manager), org.name, { username: b.username, role: "manager" }, svc);
    expect(invited).toEqual({ pending: true, username: b.username, role: "manager", creditLimit: null });
    const [inv] = await t.db.select().from(invitations).where(eq(invitations.inviteeId, b.id));
    expect(inv!.orgId).toBe(org.id);
    await expect(
      addOrgUser(t.db, as(user), org.name, { username: (await makeUser(t.db)).username }, svc),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(addOrgUser(t.db, as(manager), org.name, { username: a.username }, svc)).rejects.toBeInstanceOf(
      Conflict,
    );
    await expect(
      addOrgUser(t.db, as(manager), org.name, { username: (await makeUser(t.db)).username, creditLimit: "3" }, svc),
    ).rejects.toBeInstanceOf(Invalid);
    await expect(
      addOrgUser(t.db, tok(manager, org.id, "read"), org.name, { username: (await makeUser(t.db)).username }, svc),
    ).rejects.toBeInstanceOf(Forbidden);
  });

  it("updateOrgUser changes the role only when it differs, and the credits only when they differ", async () => {
    const admin = await makeUser(t.db);
    const user = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    await addMember(t.db, org, user, "user");
    const same = await updateOrgUser(t.db, as(admin), org.name, { username: admin.username, role: "admin" });
    expect(same.role).toBe("admin");
    await expect(
      updateOrgUser(t.db, as(admin), org.name, { username: admin.username, role: "user" }),
    ).rejects.toBeInstanceOf(Forbidden);
    const up = await updateOrgUser(t.db, as(admin), org.name, {
      username: user.username,
      role: "manager",
      credits: "30",
    });
    expect(up).toMatchObject({ role: "manager", credits: "30", creditLimit: "30" });
    await expect(
      updateOrgUser(t.db, as(user), org.name, { username: admin.username, role: "user" }),
    ).rejects.toBeInstanceOf(Forbidden);
  });
});
