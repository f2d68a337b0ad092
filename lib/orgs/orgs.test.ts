import { and, eq, sql } from "drizzle-orm";
import { userCaller } from "../core/caller";
import { describe, expect, it } from "vitest";
import { auditEvents, orgMembers, orgs, orgWallets, users } from "@/db/schema";
import { requireOrgAccess } from "../core/authz";
import { Conflict, Forbidden, Invalid, NotFound, Unauthenticated } from "../core/errors";
import { createOrg, enterOrg, getOrgOverview, homePath, listMyOrgs } from "./orgs";
import { makeOrg, makeUser, uniqueName, withConfig, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();
const as = (u: { id: string }) => userCaller(u.id);

describe("createOrg", () => {
  it("makes the creator its admin, remembers it, and audits it in the same transaction", async () => {
    const user = await makeUser(t.db);
    const name = uniqueName("org-");
    const org = await createOrg(t.db, as(user), { name, displayName: "Acme Research" });
    expect(org).toEqual({ name, displayName: "Acme Research", role: "admin" });
    const [row] = await t.db
      .select({ role: orgMembers.role, orgId: orgs.id })
      .from(orgMembers)
      .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
      .where(and(eq(orgs.name, name), eq(orgMembers.userId, user.id)));
    expect(row!.role).toBe("admin");
    const [audit] = await t.db.select().from(auditEvents).where(eq(auditEvents.orgId, row!.orgId));
    expect(audit).toMatchObject({
      action: "org.created",
      actorId: user.id,
      actorUsername: user.username,
      orgName: name,
    });
    expect(await homePath(t.db, as(user))).toBe(`/orgs/${name}`);
  });

  it("refuses a taken name as a Conflict on the name field", async () => {
    const user = await makeUser(t.db);
    const name = uniqueName("org-");
    await createOrg(t.db, as(user), { name });
    const err = await createOrg(t.db, as(user), { name }).catch((e) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect(err.fieldErrors).toEqual({ name: [`An organization named '${name}' already exists.`] });
  });

  it("lets one of two concurrent creations of one name win, with no orphan rows", async () => {
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    const name = uniqueName("org-");
    const results = await Promise.allSettled([createOrg(t.db, as(a), { name }), createOrg(t.db, as(b), { name })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [n] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(eq(auditEvents.orgName, name));
    expect(n!.n).toBe(1);
  });

  it("rejects a bad name with the rule's message and writes nothing", async () => {
    const user = await makeUser(t.db);
    const err = await createOrg(t.db, as(user), { name: "Bad_Name" }).catch((e) => e);
    expect(err).toBeInstanceOf(Invalid);
    expect(err.fieldErrors.name).toEqual(["Use only lowercase letters, digits and hyphens."]);
    expect(await listMyOrgs(t.db, as(user))).toEqual([]);
  });

  it("needs a signed-in caller", async () => {
    await expect(createOrg(t.db, null, { name: uniqueName("org-") })).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("membership lookup", () => {
  it("lists the caller's orgs with the role in each, and nobody else's", async () => {
    const [me, other] = [await makeUser(t.db), await makeUser(t.db)];
    const o1 = await makeOrg(t.db, { admin: me });
    const o2 = await makeOrg(t.db, { admin: other, user: me });
    await makeOrg(t.db, { admin: other });
    const mine = await listMyOrgs(t.db, as(me));
    expect(mine.map((o) => [o.name, o.role]).sort()).toEqual(
      [
        [o1.name, "admin"],
        [o2.name, "user"],
      ].sort(),
    );
  });

  it("reads the role from the database on every call", async () => {
    const [admin, member] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, user: member });
    await expect(requireOrgAccess(t.db, as(member), org.name, "settings.open")).rejects.toBeInstanceOf(Forbidden);
    await t.db.update(orgMembers).set({ role: "manager" }).where(eq(orgMembers.userId, member.id));
    expect((await requireOrgAccess(t.db, as(member), org.name, "settings.open")).role).toBe("manager");
    await t.db.delete(orgMembers).where(eq(orgMembers.userId, member.id));
    await expect(requireOrgAccess(t.db, as(member), org.name)).rejects.toBeInstanceOf(NotFound);
  });
});

describe("404 for outsiders", () => {
  it("answers an outsider exactly as for an org that does not exist", async () => {
    const [admin, outsider] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin });
    const forOutsider = await getOrgOverview(t.db, as(outsider), org.name).catch((e) => e);
    const forMissing = await getOrgOverview(t.db, as(outsider), "no-such-org").catch((e) => e);
    expect(forOutsider).toBeInstanceOf(NotFound);
    expect(forMissing).toBeInstanceOf(NotFound);
    expect(forOutsider.message).toBe(forMissing.message);
    await expect(enterOrg(t.db, as(outsider), org.name)).rejects.toBeInstanceOf(NotFound);
  });
});

describe("overview and home", () => {
  it("gives real figures: role, member count, creation date", async () => {
    const [admin, m1, m2] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, manager: m1, user: m2 });
    const overview = await getOrgOverview(t.db, as(m1), org.name);
    expect(overview).toMatchObject({ name: org.name, role: "manager", memberCount: 3 });
    expect(overview.createdAt.getTime()).toBe(org.createdAt.getTime());
  });

  it("sends / to the last org entered, to the first org when that is gone, else to onboarding", async () => {
    const me = await makeUser(t.db);
    expect(await homePath(t.db, as(me))).toBe("/onboarding");
    const [a, b] = [await makeOrg(t.db, { admin: me }), await makeOrg(t.db, { admin: me })];
    const [first, second] = [a, b].sort((x, y) => x.name.localeCompare(y.name));
    await enterOrg(t.db, as(me), second!.name);
    expect(await homePath(t.db, as(me))).toBe(`/orgs/${second!.name}`);
    await t.db.delete(orgMembers).where(and(eq(orgMembers.userId, me.id), eq(orgMembers.orgId, second!.id)));
    expect(await homePath(t.db, as(me))).toBe(`/orgs/${first!.name}`);
    const [row] = await t.db.select({ last: users.lastOrgId }).from(users).where(eq(users.id, me.id));
    expect(row!.last).toBe(second!.id); // remembered, but no longer a membership, so not used
  });

  it("writes last_org_id only when it changes: entering the same org again updates no row", async () => {
    const me = await makeUser(t.db);
    const [a, b] = [await makeOrg(t.db, { admin: me }), await makeOrg(t.db, { admin: me })];
    // xmin is the id of the transaction that last wrote the row: any UPDATE, even to the same value, changes it.
    const version = async () => {
      const r = await t.db.execute(sql`select xmin::text as v, last_org_id as last from users where id = ${me.id}`);
      return (r as unknown as { rows: { v: string; last: string | null }[] }).rows[0]!;
    };
    await enterOrg(t.db, userCaller(me.id), a.name);
    const first = await version();
    expect(first.last).toBe(a.id);
    await enterOrg(t.db, userCaller(me.id), a.name);
    await enterOrg(t.db, userCaller(me.id), a.name);
    expect(await version()).toEqual(first);
    await enterOrg(t.db, userCaller(me.id), b.name);
    const moved = await version();
    expect(moved.last).toBe(b.id);
    expect(moved.v).not.toBe(first.v);
  });

  it("an access loaded in this request is checked without a query, and only for the same member", async () => {
    const [admin, user] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, user });
    const access = await enterOrg(t.db, userCaller(user.id), org.name);
    expect(access).toMatchObject({ caller: { id: user.id, username: user.username, kind: "user" }, role: "user" });
    expect(await requireOrgAccess(t.db, userCaller(user.id), access)).toBe(access);
    await expect(requireOrgAccess(t.db, userCaller(user.id), access, "settings.open")).rejects.toBeInstanceOf(
      Forbidden,
    );
    // Another account's access opens nothing, even when it is a member itself.
    await expect(requireOrgAccess(t.db, userCaller(admin.id), access)).rejects.toBeInstanceOf(NotFound);
    await expect(requireOrgAccess(t.db, null, access)).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("welcome credits", () => {
  it("grant NEW_ORG_CREDITS to a new org through the ledger", async () => {
    await withConfig({ NEW_ORG_CREDITS: "25.50" }, async () => {
      const user = await makeUser(t.db);
      const name = uniqueName("org-");
      await createOrg(t.db, as(user), { name });
      const [org] = await t.db.select().from(orgs).where(eq(orgs.name, name));
      const [wallet] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org!.id));
      expect(wallet!.balance).toBe("25.50000000");
      const rows = await t.db.execute(
        sql`select kind, amount::text, note from credit_ledger where org_id = ${org!.id}`,
      );
      expect((rows as unknown as { rows: unknown[] }).rows).toEqual([
        { kind: "grant", amount: "25.50000000", note: "welcome credits" },
      ]);
    });
  });
});
