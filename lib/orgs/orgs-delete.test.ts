import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, invitations, orgMembers, orgs } from "@/db/schema";
import { requireOrgAccess } from "../core/authz";
import { DomainError, Forbidden, Invalid, NotFound, Unauthenticated } from "../core/errors";
import { acceptInvitation, getInvitationByToken } from "./invitations";
import { createOrg, deleteOrg, enterOrg, homePath } from "./orgs";
import { addMember, as, makeInvitation, makeOrg, makeUser, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();

async function countWhere(
  table: typeof orgMembers | typeof invitations,
  col: typeof orgMembers.orgId | typeof invitations.orgId,
  orgId: string,
) {
  const [r] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(table)
    .where(eq(col, orgId));
  return r!.n;
}

async function snapshot(orgId: string) {
  const [org] = await t.db.select().from(orgs).where(eq(orgs.id, orgId));
  return {
    org: Boolean(org),
    members: await countWhere(orgMembers, orgMembers.orgId, orgId),
    invitations: await countWhere(invitations, invitations.orgId, orgId),
  };
}

/** An org with an admin, a second admin, a manager and a user, and two invitations. */
async function world() {
  const [admin, admin2, manager, user] = [
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
  ];
  const org = await makeOrg(t.db, { admin, manager, user });
  await addMember(t.db, org, admin2, "admin");
  const inv1 = await makeInvitation(t.db, org, { email: "one@x.com", invitedById: admin.id });
  const inv2 = await makeInvitation(t.db, org, {
    email: "two@x.com",
    role: "manager",
    expiresAt: new Date(Date.now() - 1000),
  });
  return { org, admin, admin2, manager, user, inv1, inv2 };
}

describe("deleteOrg", () => {
  it("is for admins only: managers and users get Forbidden, outsiders NotFound, and nothing is deleted", async () => {
    const w = await world();
    const outsider = await makeUser(t.db);
    await makeOrg(t.db, { admin: outsider });
    const before = await snapshot(w.org.id);
    expect(before).toEqual({ org: true, members: 4, invitations: 2 });
    const confirm = { confirmName: w.org.name };
    await expect(deleteOrg(t.db, as(w.manager), w.org.name, confirm)).rejects.toBeInstanceOf(Forbidden);
    await expect(deleteOrg(t.db, as(w.user), w.org.name, confirm)).rejects.toBeInstanceOf(Forbidden);
    await expect(deleteOrg(t.db, as(outsider), w.org.name, confirm)).rejects.toBeInstanceOf(NotFound);
    await expect(deleteOrg(t.db, null, w.org.name, confirm)).rejects.toBeInstanceOf(Unauthenticated);
    await expect(deleteOrg(t.db, as(w.admin), "no-such-org", { confirmName: "no-such-org" })).rejects.toBeInstanceOf(
      NotFound,
    );
    expect(await snapshot(w.org.id)).toEqual(before);
  });

  it("refuses a wrong confirmation name on the confirmName field, deleting nothing", async () => {
    const w = await world();
    const before = await snapshot(w.org.id);
    for (const confirmName of ["", "wrong", w.org.name.toUpperCase(), `${w.org.name}x`]) {
      const err = await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName }).catch((e) => e);
      expect(err, confirmName).toBeInstanceOf(Invalid);
      expect(err.fieldErrors).toEqual({ confirmName: [`Type the organization name, '${w.org.name}', to confirm.`] });
    }
    await expect(deleteOrg(t.db, as(w.admin), w.org.name, {})).rejects.toBeInstanceOf(Invalid);
    expect(await snapshot(w.org.id)).toEqual(before);
    const audit = await t.db.select().from(auditEvents).where(eq(auditEvents.action, "org.deleted"));
    expect(audit.filter((a) => a.orgId === w.org.id)).toEqual([]);
  });

  it("deletes the org, its memberships and its invitations, and keeps the audit row that records it", async () => {
    const w = await world();
    expect(await deleteOrg(t.db, as(w.admin2), w.org.name, { confirmName: `  ${w.org.name} ` })).toEqual({
      name: w.org.name,
      members: 4,
    });
    expect(await snapshot(w.org.id)).toEqual({ org: false, members: 0, invitations: 0 });
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.orgId, w.org.id))
      .orderBy(sql`${auditEvents.id} desc`);
    expect(audit).toMatchObject({
      action: "org.deleted",
      orgName: w.org.name,
      actorId: w.admin2.id,
      actorUsername: w.admin2.username,
      targetType: "org",
      targetLabel: w.org.name,
      before: { name: w.org.name, members: 4 },
    });
    for (const who of [w.admin, w.admin2, w.manager, w.user]) {
      await expect(requireOrgAccess(t.db, as(who), w.org.name)).rejects.toBeInstanceOf(NotFound);
    }
    expect(await getInvitationByToken(t.db, null, w.inv1.token)).toEqual({ state: "unknown" });
    // The name is free again.
    expect((await createOrg(t.db, as(w.user), { name: w.org.name })).role).toBe("admin");
  });

  it("sends its former members to another org of theirs, or to onboarding", async () => {
    const w = await world();
    const elsewhere = await makeOrg(t.db, { user: w.manager, admin: await makeUser(t.db) });
    for (const who of [w.admin, w.manager, w.user]) await enterOrg(t.db, as(who), w.org.name);
    expect(await homePath(t.db, as(w.manager))).toBe(`/orgs/${w.org.name}`);
    await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name });
    expect(await homePath(t.db, as(w.manager))).toBe(`/orgs/${elsewhere.name}`);
    expect(await homePath(t.db, as(w.user))).toBe("/onboarding");
    expect(await homePath(t.db, as(w.admin))).toBe("/onboarding");
  });

  it("two admins deleting at once: one deletes, the other gets NotFound", async () => {
    for (let i = 0; i < 3; i++) {
      const w = await world();
      const results = await Promise.allSettled([
        deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name }),
        deleteOrg(t.db, as(w.admin2), w.org.name, { confirmName: w.org.name }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(NotFound);
      expect(await snapshot(w.org.id)).toEqual({ org: false, members: 0, invitations: 0 });
    }
  });

  it("an invitation accepted while the org is being deleted: no deadlock, and no membership survives", async () => {
    for (let i = 0; i < 5; i++) {
      const w = await world();
      const pat = await makeUser(t.db);
      const inv = await makeInvitation(t.db, w.org, { email: pat.email });
      const results = await Promise.allSettled([
        acceptInvitation(t.db, as(pat), { token: inv.token }),
        deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name }),
      ]);
      for (const r of results)
        if (r.status === "rejected") expect(r.reason, `iteration ${i}`).toBeInstanceOf(DomainError);
      expect(results[1]!.status).toBe("fulfilled");
      expect(await snapshot(w.org.id)).toEqual({ org: false, members: 0, invitations: 0 });
      expect(await homePath(t.db, as(pat))).toBe("/onboarding");
    }
  });
});
