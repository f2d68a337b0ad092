import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { auditEvents, invitations, orgClusters, orgMembers, orgs, users } from "@/db/schema";
import {
  addMember,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  uniqueName,
  withTestDatabase,
} from "@/lib/test/fixtures";
import { apiDeps, callEndpoint, makePat } from "../testing";

vi.mock("server-only", () => ({}));
const api = await import("./admin-orgs");

const t = withTestDatabase();
const deps = () => apiDeps(t.db);
const BASE = "/apis/admin/v1/orgs";

type User = Awaited<ReturnType<typeof makeUser>>;

/** An org with an admin, a manager, a user (named "Ada Lovelace") and an outsider, each with a write token. */
async function world() {
  const admin = await makeUser(t.db);
  const manager = await makeUser(t.db);
  const member = await makeUser(t.db, uniqueName(), { name: "Ada Lovelace King" });
  const outsider = await makeUser(t.db);
  const operator = await makePlatformAdmin(t.db);
  const org = await makeOrg(t.db, { admin, manager, user: member });
  const tok = async (u: User) => makePat(t.db, u);
  return {
    org,
    admin,
    manager,
    member,
    outsider,
    operator,
    tokens: {
      admin: await tok(admin),
      manager: await tok(manager),
      member: await tok(member),
      outsider: await tok(outsider),
      operator: await tok(operator),
    },
  };
}

/** What neuro-admin-client's `_parse_balance` requires: `spent_credits` a decimal string, `credits` a string or null. */
function expectBalance(b: unknown, credits: string | null, spent: string) {
  expect(b).toEqual({ credits, spent_credits: spent });
}

describe("GET/POST /apis/admin/v1/orgs", () => {
  it("lists the caller's orgs (every org for a platform admin) in the Org shape the client parses", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "250.5");
    const mine = await callEndpoint(api.listOrgsApi, { url: BASE, token: w.tokens.member, deps: deps() });
    expect(mine.status).toBe(200);
    expect(mine.json).toEqual([
      {
        name: w.org.name,
        balance: { credits: "250.5", spent_credits: "0" },
        user_default_credits: null,
        notification_intervals: {
          balance_projection_seconds: [604_800, 259_200, 86_400],
          balance_amount: [100, 10, 0],
          balance_depletion_seconds: null,
        },
      },
    ]);
    const none = await callEndpoint(api.listOrgsApi, { url: BASE, token: w.tokens.outsider, deps: deps() });
    expect(none.json).toEqual([]);
    const all = await callEndpoint(api.listOrgsApi, { url: BASE, token: w.tokens.operator, deps: deps() });
    expect(all.json.map((o: { name: string }) => o.name)).toContain(w.org.name);
    expect(all.json.length).toBeGreaterThan(1 - 1);
  });

  it("a token restricted to one org lists that org only, and creates none", async () => {
    const w = await world();
    const other = await makeOrg(t.db, { admin: w.member });
    const restricted = await makePat(t.db, w.member, { org: w.org.name });
    const list = await callEndpoint(api.listOrgsApi, { url: BASE, token: restricted, deps: deps() });
    expect(list.json.map((o: { name: string }) => o.name)).toEqual([w.org.name]);
    const unrestricted = await callEndpoint(api.listOrgsApi, { url: BASE, token: w.tokens.member, deps: deps() });
    expect(unrestricted.json.map((o: { name: string }) => o.name).sort()).toEqual([w.org.name, other.name].sort());
    const create = await callEndpoint(api.createOrgApi, {
      url: BASE,
      token: restricted,
      body: { name: uniqueName("org-") },
      deps: deps(),
    });
    expect(create.status).toBe(403);
    expect(create.json.error).toMatch(/restricted to one organization/);
  });

  it("creates an org as the client sends it (skip_auto_add_to_clusters, user_default_credits): 201, creator admin", async () => {
    const u = await makeUser(t.db);
    const token = await makePat(t.db, u);
    const cluster = await makeCluster(t.db, { isDefault: true });
    const name = uniqueName("org-");
    const res = await callEndpoint(api.createOrgApi, {
      url: `${BASE}?skip_auto_add_to_clusters=false`,
      token,
      body: { name, user_default_credits: "50" },
      deps: deps(),
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name, user_default_credits: "50", balance: { spent_credits: "0" } });
    expect(typeof res.json.balance.credits).toBe("string");
    const [row] = await t.db.select().from(orgs).where(eq(orgs.name, name));
    const [m] = await t.db.select().from(orgMembers).where(eq(orgMembers.orgId, row!.id));
    expect(m).toMatchObject({ userId: u.id, role: "admin" });
    const attached = await t.db.select().from(orgClusters).where(eq(orgClusters.orgId, row!.id));
    expect(attached.map((a) => a.clusterId)).toContain(cluster.id);

    const skipped = uniqueName("org-");
    const res2 = await callEndpoint(api.createOrgApi, {
      url: `${BASE}?skip_auto_add_to_clusters=true`,
      token,
      body: { name: skipped },
      deps: deps(),
    });
    expect(res2.status).toBe(201);
    expect(res2.json.user_default_credits).toBeNull();
    const [row2] = await t.db.select().from(orgs).where(eq(orgs.name, skipped));
    expect(await t.db.select().from(orgClusters).where(eq(orgClusters.orgId, row2!.id))).toEqual([]);
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, row2!.id), eq(auditEvents.action, "org.created")));
    expect(audit!.viaToken).toBe("test token");
  });

  it("refuses a taken name (409), a bad name (422) and a read-only token (403), with Apolo's error body", async () => {
    const w = await world();
    const taken = await callEndpoint(api.createOrgApi, {
      url: BASE,
      token: w.tokens.member,
      body: { name: w.org.name },
      deps: deps(),
    });
    expect(taken.status).toBe(409);
    expect(taken.json).toMatchObject({ code: "conflict" });
    expect(taken.json.error).toMatch(/already exists/);
    const bad = await callEndpoint(api.createOrgApi, {
      url: BASE,
      token: w.tokens.member,
      body: { name: "Not A Name!" },
      deps: deps(),
    });
    expect(bad.status).toBe(422);
    expect(typeof bad.json.error).toBe("string");
    const ro = await makePat(t.db, w.member, { scope: "read", name: "ro" });
    const refused = await callEndpoint(api.createOrgApi, {
      url: BASE,
      token: ro,
      body: { name: uniqueName("org-") },
      deps: deps(),
    });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toBe("This token is read-only: create a read and write token to make changes.");
    const anon = await callEndpoint(api.listOrgsApi, { url: BASE, deps: deps() });
    expect(anon.status).toBe(401);
    expect(typeof anon.json.error).toBe("string");
  });
});

describe("GET/DELETE /apis/admin/v1/orgs/{org}", () => {
  it("members and platform admins read an org; outsiders and other-org tokens get 404", async () => {
    const w = await world();
    const url = `${BASE}/${w.org.name}`;
    const params = { org: w.org.name };
    for (const who of ["admin", "manager", "member", "operator"] as const) {
      const r = await callEndpoint(api.getOrgApi, { url, params, token: w.tokens[who], deps: deps() });
      expect(r.status, who).toBe(200);
      expect(r.json.name).toBe(w.org.name);
    }
    const out = await callEndpoint(api.getOrgApi, { url, params, token: w.tokens.outsider, deps: deps() });
    expect(out.status).toBe(404);
    expect(out.json).toEqual({ error: "Not found", code: "not_found" });
    const other = await makeOrg(t.db, { admin: w.operator });
    const elsewhere = await makePat(t.db, w.operator, { org: other.name, name: "elsewhere" });
    expect((await callEndpoint(api.getOrgApi, { url, params, token: elsewhere, deps: deps() })).status).toBe(404);
  });

  it("closes the org for its admins (the CLI's prompt is the confirmation) and answers the org as it was", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "10");
    const url = `${BASE}/${w.org.name}`;
    const params = { org: w.org.name };
    for (const who of ["manager", "member"] as const) {
      const r = await callEndpoint(api.deleteOrgApi, { url, params, token: w.tokens[who], deps: deps() });
      expect(r.status, who).toBe(403);
    }
    expect((await callEndpoint(api.deleteOrgApi, { url, params, token: w.tokens.outsider, deps: deps() })).status).toBe(
      404,
    );
    const ok = await callEndpoint(api.deleteOrgApi, { url, params, token: w.tokens.admin, deps: deps() });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ name: w.org.name, balance: { credits: "10", spent_credits: "0" } });
    const [row] = await t.db.select().from(orgs).where(eq(orgs.id, w.org.id));
    expect(row!.deletedAt).not.toBeNull();
    expect((await callEndpoint(api.getOrgApi, { url, params, token: w.tokens.admin, deps: deps() })).status).toBe(404);
  });

  it("a platform admin closes any org; a read-only or other-org token of theirs may not", async () => {
    const w = await world();
    const url = `${BASE}/${w.org.name}`;
    const params = { org: w.org.name };
    const ro = await makePat(t.db, w.operator, { scope: "read", name: "ro" });
    expect((await callEndpoint(api.deleteOrgApi, { url, params, token: ro, deps: deps() })).status).toBe(403);
    const other = await makeOrg(t.db, { admin: w.operator });
    const elsewhere = await makePat(t.db, w.operator, { org: other.name, name: "elsewhere" });
    expect((await callEndpoint(api.deleteOrgApi, { url, params, token: elsewhere, deps: deps() })).status).toBe(404);
    const ok = await callEndpoint(api.deleteOrgApi, { url, params, token: w.tokens.operator, deps: deps() });
    expect(ok.status).toBe(200);
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "org.deleted")));
    expect(audit).toMatchObject({ actorId: w.operator.id, viaToken: "test token" });
  });
});

describe("PATCH /apis/admin/v1/orgs/{org}/balance", () => {
  it("a platform admin sets and adds credits through the ledger; idempotency_key makes a change happen once", async () => {
    const w = await world();
    const url = `${BASE}/${w.org.name}/balance`;
    const params = { org: w.org.name };
    const set = await callEndpoint(api.patchOrgBalanceApi, {
      url: `${url}?idempotency_key=k1`,
      params,
      token: w.tokens.operator,
      body: { credits: "500" },
      deps: deps(),
    });
    expect(set.status).toBe(200);
    expectBalance(set.json.balance, "500", "0");
    const add = () =>
      callEndpoint(api.patchOrgBalanceApi, {
        url: `${url}?idempotency_key=k2`,
        params,
        token: w.tokens.operator,
        body: { additional_credits: "12.5" },
        deps: deps(),
      });
    const first = await add();
    const again = await add();
    expectBalance(first.json.balance, "512.5", "0");
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
    expect(totals.balance).toBe("512.50000000");
    expect(totals.entries).toBe(2);
  });

  it("refuses org admins (403) and outsiders (404), credits null (422) and a non-positive delta (422)", async () => {
    const w = await world();
    const url = `${BASE}/${w.org.name}/balance`;
    const params = { org: w.org.name };
    const send = (token: string, body: unknown) =>
      callEndpoint(api.patchOrgBalanceApi, { url, params, token, body, deps: deps() });
    expect((await send(w.tokens.admin, { credits: "5" })).status).toBe(404);
    expect((await send(w.tokens.outsider, { credits: "5" })).status).toBe(404);
    const unlimited = await send(w.tokens.operator, { credits: null });
    expect(unlimited.status).toBe(422);
    expect(unlimited.json.error).toMatch(/can't be unlimited/);
    const negative = await send(w.tokens.operator, { additional_credits: "-5" });
    expect(negative.status).toBe(422);
    const garbage = await send(w.tokens.operator, { credits: "1e3" });
    expect(garbage.status).toBe(422);
    expect((await ledgerTotals(t.db, w.org)).entries).toBe(0);
  });
});

describe("POST /apis/admin/v1/orgs/{org}/spending", () => {
  it("a platform admin charges the org (once per key); the balance may go below zero; others get 404", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "10");
    const url = `${BASE}/${w.org.name}/spending?idempotency_key=s1`;
    const params = { org: w.org.name };
    const charge = () =>
      callEndpoint(api.postOrgSpendingApi, {
        url,
        params,
        token: w.tokens.operator,
        body: { spending: "15" },
        deps: deps(),
      });
    const r = await charge();
    expect(r.status).toBe(200);
    expectBalance(r.json.balance, "-5", "15");
    await charge();
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals).toMatchObject({ balance: "-5.00000000", spent: "15.00000000", entries: 2 });
    const refused = await callEndpoint(api.postOrgSpendingApi, {
      url,
      params,
      token: w.tokens.admin,
      body: { spending: "1" },
      deps: deps(),
    });
    expect(refused.status).toBe(404);
  });
});

describe("PATCH /apis/admin/v1/orgs/{org}/defaults", () => {
  it("sets user_default_credits (managers) and balance_amount thresholds (admins)", async () => {
    const w = await world();
    const url = `${BASE}/${w.org.name}/defaults`;
    const params = { org: w.org.name };
    const m = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.manager,
      body: { credits: "25" },
      deps: deps(),
    });
    expect(m.status).toBe(200);
    expect(m.json.user_default_credits).toBe("25");
    const unlimited = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.manager,
      body: { credits: null },
      deps: deps(),
    });
    expect(unlimited.json.user_default_credits).toBeNull();
    const thresholdsByManager = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.manager,
      body: {
        credits: null,
        notification_intervals: {
          balance_projection_seconds: null,
          balance_amount: [5, 50],
          balance_depletion_seconds: null,
        },
      },
      deps: deps(),
    });
    expect(thresholdsByManager.status).toBe(403);
    const a = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.admin,
      body: {
        credits: "10",
        notification_intervals: {
          balance_projection_seconds: null,
          balance_amount: [5, 50],
          balance_depletion_seconds: null,
        },
      },
      deps: deps(),
    });
    expect(a.status).toBe(200);
    // null leaves the projection intervals as they are (the defaults here).
    expect(a.json).toMatchObject({
      user_default_credits: "10",
      notification_intervals: { balance_amount: [50, 5], balance_projection_seconds: [604_800, 259_200, 86_400] },
    });
    const projection = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.admin,
      body: {
        credits: "10",
        notification_intervals: { balance_projection_seconds: [3600, 172_800, 3600], balance_amount: null },
      },
      deps: deps(),
    });
    expect(projection.status).toBe(200);
    expect(projection.json.notification_intervals).toEqual({
      balance_projection_seconds: [172_800, 3600],
      balance_amount: [50, 5],
      balance_depletion_seconds: null,
    });
    const [stored] = await t.db.select().from(orgs).where(eq(orgs.id, w.org.id));
    expect(stored!.balanceProjectionSeconds).toEqual([172_800, 3600]);
    const read = await callEndpoint(api.getOrgApi, {
      url: `${BASE}/${w.org.name}`,
      params,
      token: w.tokens.member,
      deps: deps(),
    });
    expect(read.json.notification_intervals.balance_projection_seconds).toEqual([172_800, 3600]);
    // Absent leaves them too; managers may not change them; out-of-range values are refused with the field.
    const absent = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.admin,
      body: { credits: "10" },
      deps: deps(),
    });
    expect(absent.json.notification_intervals.balance_projection_seconds).toEqual([172_800, 3600]);
    const byManager = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.manager,
      body: { notification_intervals: { balance_projection_seconds: [86_400] } },
      deps: deps(),
    });
    expect(byManager.status).toBe(403);
    const tooShort = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.admin,
      body: { notification_intervals: { balance_projection_seconds: [60] } },
      deps: deps(),
    });
    expect(tooShort.status).toBe(422);
    expect(JSON.stringify(tooShort.json)).toContain("at least 1 hour");
    const depletion = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.admin,
      body: { notification_intervals: { balance_depletion_seconds: [86_400] } },
      deps: deps(),
    });
    expect(depletion.status).toBe(422);
    const [unchanged] = await t.db.select().from(orgs).where(eq(orgs.id, w.org.id));
    expect(unchanged!.balanceProjectionSeconds).toEqual([172_800, 3600]);
    const byUser = await callEndpoint(api.patchOrgDefaultsApi, {
      url,
      params,
      token: w.tokens.member,
      body: { credits: "1" },
      deps: deps(),
    });
    expect(byUser.status).toBe(403);
  });
});

describe("org users", () => {
  it("GET users: every member, balance = limit − spent, user_info with email only for managers+", async () => {
    const w = await world();
    await t.db
      .update(orgMembers)
      .set({ creditLimit: "100", spent: "30.25" })
      .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.member.id)));
    const url = `${BASE}/${w.org.name}/users?with_user_info=true`;
    const params = { org: w.org.name };
    const byManager = await callEndpoint(api.listOrgUsersApi, {
      url,
      params,
      token: w.tokens.manager,
      deps: deps(),
    });
    expect(byManager.status).toBe(200);
    expect(byManager.json).toHaveLength(3);
    const ada = byManager.json.find((u: { user_name: string }) => u.user_name === w.member.username);
    expect(ada).toEqual({
      org_name: w.org.name,
      user_name: w.member.username,
      role: "user",
      balance: { credits: "69.75", spent_credits: "30.25" },
      user_info: {
        email: w.member.email,
        first_name: "Ada",
        last_name: "Lovelace King",
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    const admin = byManager.json.find((u: { user_name: string }) => u.user_name === w.admin.username);
    expect(admin.balance).toEqual({ credits: null, spent_credits: "0" });
    expect(admin.user_info).toMatchObject({ first_name: null, last_name: null });

    const byUser = await callEndpoint(api.listOrgUsersApi, { url, params, token: w.tokens.member, deps: deps() });
    expect(byUser.status).toBe(200);
    expect(byUser.json.every((u: { user_info: { email: unknown } }) => u.user_info.email === null)).toBe(true);

    const plain = await callEndpoint(api.listOrgUsersApi, {
      url: `${BASE}/${w.org.name}/users?with_user_info=false&roles=admin&roles=manager`,
      params,
      token: w.tokens.admin,
      deps: deps(),
    });
    expect(plain.json.map((u: { role: string }) => u.role).sort()).toEqual(["admin", "manager"]);
    expect(plain.json[0].user_info).toBeUndefined();
    const one = await callEndpoint(api.listOrgUsersApi, {
      url: `${BASE}/${w.org.name}/users?roles=user`,
      params,
      token: w.tokens.operator,
      deps: deps(),
    });
    expect(one.json.map((u: { user_name: string }) => u.user_name)).toEqual([w.member.username]);
    const out = await callEndpoint(api.listOrgUsersApi, { url, params, token: w.tokens.outsider, deps: deps() });
    expect(out.status).toBe(404);
  });

  it("POST users by a platform admin adds at once with the credits asked for; absent balance = the default", async () => {
    const w = await world();
    await t.db.update(orgs).set({ defaultUserCreditLimit: "40" }).where(eq(orgs.id, w.org.id));
    const url = `${BASE}/${w.org.name}/users?with_user_info=false`;
    const params = { org: w.org.name };
    const a = await makeUser(t.db);
    const b = await makeUser(t.db);
    const c = await makeUser(t.db);
    const add = (body: unknown) =>
      callEndpoint(api.addOrgUserApi, { url, params, token: w.tokens.operator, body, deps: deps() });
    const r1 = await add({ user_name: a.username, role: "user" });
    expect(r1.status).toBe(201);
    expect(r1.json).toEqual({
      org_name: w.org.name,
      user_name: a.username,
      role: "user",
      balance: { credits: "40", spent_credits: "0" },
    });
    const r2 = await add({ user_name: b.username, role: "manager", balance: { spent_credits: "0" } });
    expect(r2.json.balance).toEqual({ credits: null, spent_credits: "0" });
    const r3 = await add({ user_name: c.username, role: "user", balance: { credits: "7.5", spent_credits: "0" } });
    expect(r3.json.balance).toEqual({ credits: "7.5", spent_credits: "0" });
    const again = await add({ user_name: c.username, role: "user" });
    expect(again.status).toBe(409);
    const nobody = await add({ user_name: "no-such-user-xyz", role: "user" });
    expect(nobody.status).toBe(422);
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "member.added")));
    expect(audit!.viaToken).toBe("test token");
  });

  it("POST users by an org manager/admin sends the invitation and answers the user as pending", async () => {
    const w = await world();
    const url = `${BASE}/${w.org.name}/users`;
    const params = { org: w.org.name };
    const invitee = await makeUser(t.db);
    const r = await callEndpoint(api.addOrgUserApi, {
      url,
      params,
      token: w.tokens.manager,
      body: { user_name: invitee.username, role: "manager", balance: { spent_credits: "0" } },
      deps: deps(),
    });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      org_name: w.org.name,
      user_name: invitee.username,
      role: "manager",
      balance: { credits: null, spent_credits: "0" },
      pending: true,
    });
    const [inv] = await t.db.select().from(invitations).where(eq(invitations.inviteeId, invitee.id));
    expect(inv).toMatchObject({ orgId: w.org.id, role: "manager", acceptedAt: null });
    expect(
      await t.db
        .select()
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, invitee.id))),
    ).toEqual([]);
    const admins = await callEndpoint(api.addOrgUserApi, {
      url,
      params,
      token: w.tokens.manager,
      body: { user_name: (await makeUser(t.db)).username, role: "admin" },
      deps: deps(),
    });
    expect(admins.status).toBe(403);
    const withCredits = await callEndpoint(api.addOrgUserApi, {
      url,
      params,
      token: w.tokens.admin,
      body: { user_name: (await makeUser(t.db)).username, role: "user", balance: { credits: "9" } },
      deps: deps(),
    });
    expect(withCredits.status).toBe(422);
    expect(withCredits.json.error).toMatch(/invitation can't carry a credit limit/);
    const byUser = await callEndpoint(api.addOrgUserApi, {
      url,
      params,
      token: w.tokens.member,
      body: { user_name: (await makeUser(t.db)).username, role: "user" },
      deps: deps(),
    });
    expect(byUser.status).toBe(403);
    const byOutsider = await callEndpoint(api.addOrgUserApi, {
      url,
      params,
      token: w.tokens.outsider,
      body: { user_name: (await makeUser(t.db)).username, role: "user" },
      deps: deps(),
    });
    expect(byOutsider.status).toBe(404);
    const email = await callEndpoint(api.addOrgUserApi, {
      url,
      params,
      token: w.tokens.admin,
      body: { user_name: "someone@example.com", role: "user" },
      deps: deps(),
    });
    expect(email.status).toBe(422);
  });

  it("GET/PUT/DELETE users/{user}: read by members, role change by the console's rules, removal", async () => {
    const w = await world();
    const params = { org: w.org.name, user: w.member.username };
    const url = `${BASE}/${w.org.name}/users/${w.member.username}`;
    const got = await callEndpoint(api.getOrgUserApi, {
      url: `${url}?with_user_info=true`,
      params,
      token: w.tokens.member,
      deps: deps(),
    });
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ user_name: w.member.username, role: "user", user_info: { first_name: "Ada" } });
    const missing = await callEndpoint(api.getOrgUserApi, {
      url,
      params: { org: w.org.name, user: w.outsider.username },
      token: w.tokens.admin,
      deps: deps(),
    });
    expect(missing.status).toBe(404);

    const put = (token: string, user: string, body: unknown) =>
      callEndpoint(api.putOrgUserApi, {
        url: `${BASE}/${w.org.name}/users/${user}`,
        params: { org: w.org.name, user },
        token,
        body,
        deps: deps(),
      });
    const promote = await put(w.tokens.manager, w.member.username, {
      user_name: w.member.username,
      role: "manager",
      balance: { spent_credits: "0" },
    });
    expect(promote.status).toBe(200);
    expect(promote.json).toMatchObject({ role: "manager", balance: { credits: null, spent_credits: "0" } });
    expect((await put(w.tokens.manager, w.member.username, { role: "admin" })).status).toBe(403);
    expect((await put(w.tokens.manager, w.admin.username, { role: "user" })).status).toBe(403);
    expect((await put(w.tokens.admin, w.admin.username, { role: "user" })).status).toBe(403);
    // Sending one's own unchanged role (with credits) is not a role change.
    const own = await put(w.tokens.admin, w.admin.username, { role: "admin", balance: { credits: null } });
    expect(own.status).toBe(200);
    const credits = await put(w.tokens.admin, w.member.username, { role: "manager", balance: { credits: "20" } });
    expect(credits.json.balance).toEqual({ credits: "20", spent_credits: "0" });
    const mismatch = await put(w.tokens.admin, w.member.username, { user_name: "someone-else", role: "user" });
    expect(mismatch.status).toBe(422);

    const del = (token: string, user: string) =>
      callEndpoint(api.deleteOrgUserApi, {
        url: `${BASE}/${w.org.name}/users/${user}`,
        params: { org: w.org.name, user },
        token,
        deps: deps(),
      });
    const plain = await makeUser(t.db);
    await addMember(t.db, w.org, plain, "user");
    expect((await del(await makePat(t.db, plain), w.manager.username)).status).toBe(403);
    expect((await del(w.tokens.manager, w.admin.username)).status).toBe(403);
    const self = await del(w.tokens.admin, w.admin.username);
    expect(self.status).toBe(403);
    expect(self.json.error).toMatch(/can't remove yourself/);
    const gone = await del(w.tokens.admin, w.member.username);
    expect(gone.status).toBe(204);
    expect((await del(w.tokens.admin, w.member.username)).status).toBe(404);
  });

  it("PATCH users/{user}/balance: set = spent + X, delta moves the limit, null = unlimited, once per key", async () => {
    const w = await world();
    await t.db
      .update(orgMembers)
      .set({ creditLimit: "50", spent: "10" })
      .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.member.id)));
    const params = { org: w.org.name, user: w.member.username };
    const url = `${BASE}/${w.org.name}/users/${w.member.username}/balance`;
    const send = (token: string, body: unknown, key?: string) =>
      callEndpoint(api.patchOrgUserBalanceApi, {
        url: `${url}?with_user_info=false${key ? `&idempotency_key=${key}` : ""}`,
        params,
        token,
        body,
        deps: deps(),
      });
    const set = await send(w.tokens.manager, { credits: "100" });
    expect(set.status).toBe(200);
    expect(set.json.balance).toEqual({ credits: "100", spent_credits: "10" });
    const [row] = await t.db
      .select({ limit: orgMembers.creditLimit })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.member.id)));
    expect(row!.limit).toBe("110.00000000");
    const d1 = await send(w.tokens.manager, { additional_credits: "-25.5" }, "d1");
    const d2 = await send(w.tokens.manager, { additional_credits: "-25.5" }, "d1");
    expect(d1.json.balance).toEqual({ credits: "74.5", spent_credits: "10" });
    expect(d2.json).toEqual(d1.json);
    expect(d2.headers.get("idempotent-replayed")).toBe("true");
    const unlimited = await send(w.tokens.admin, { credits: null });
    expect(unlimited.json.balance).toEqual({ credits: null, spent_credits: "10" });
    const stays = await send(w.tokens.admin, { additional_credits: "5" });
    expect(stays.json.balance.credits).toBeNull();
    // A manager never touches an admin's credits; a user touches nobody's; outsiders learn nothing.
    const adminParams = { org: w.org.name, user: w.admin.username };
    const onAdmin = await callEndpoint(api.patchOrgUserBalanceApi, {
      url,
      params: adminParams,
      token: w.tokens.manager,
      body: { credits: "1" },
      deps: deps(),
    });
    expect(onAdmin.status).toBe(403);
    expect((await send(w.tokens.member, { credits: "1" })).status).toBe(403);
    expect((await send(w.tokens.outsider, { credits: "1" })).status).toBe(404);
    const ro = await makePat(t.db, w.admin, { scope: "read", name: "ro" });
    expect((await send(ro, { credits: "1" })).status).toBe(403);
    expect((await send(w.tokens.admin, {})).status).toBe(422);
    expect((await send(w.tokens.admin, { credits: "-1" })).status).toBe(422);
    expect((await send(w.tokens.admin, { credits: "1" }, "has%20space")).status).toBe(422);
    expect((await send(w.tokens.admin, { credits: "1" }, "k".repeat(241))).status).toBe(422);
  });

  it("POST users/{user}/spending: a platform admin charges the member's spending and the org wallet", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "100");
    const params = { org: w.org.name, user: w.member.username };
    const url = `${BASE}/${w.org.name}/users/${w.member.username}/spending?idempotency_key=u1`;
    const charge = (token: string) =>
      callEndpoint(api.postOrgUserSpendingApi, { url, params, token, body: { spending: "3.25" }, deps: deps() });
    const r = await charge(w.tokens.operator);
    expect(r.status).toBe(200);
    expect(r.json.balance).toEqual({ credits: null, spent_credits: "3.25" });
    await charge(w.tokens.operator);
    expect(await ledgerTotals(t.db, w.org)).toMatchObject({ balance: "96.75000000", entries: 2 });
    expect((await charge(w.tokens.admin)).status).toBe(404);
    const [m] = await t.db
      .select({ spent: orgMembers.spent })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.member.id)));
    expect(m!.spent).toBe("3.25000000");
  });

  it("a token restricted to another org is told the org doesn't exist, even a platform admin's", async () => {
    const w = await world();
    const other = await makeOrg(t.db, { admin: w.admin });
    const restricted = await makePat(t.db, w.admin, { org: other.name, name: "other" });
    const params = { org: w.org.name };
    const list = await callEndpoint(api.listOrgUsersApi, {
      url: `${BASE}/${w.org.name}/users`,
      params,
      token: restricted,
      deps: deps(),
    });
    expect(list.status).toBe(404);
    const opOther = await makeOrg(t.db, { admin: w.operator });
    const opRestricted = await makePat(t.db, w.operator, { org: opOther.name, name: "op-other" });
    const grant = await callEndpoint(api.patchOrgBalanceApi, {
      url: `${BASE}/${w.org.name}/balance`,
      params,
      token: opRestricted,
      body: { credits: "5" },
      deps: deps(),
    });
    expect(grant.status).toBe(404);
    const add = await callEndpoint(api.addOrgUserApi, {
      url: `${BASE}/${w.org.name}/users`,
      params,
      token: opRestricted,
      body: { user_name: (await makeUser(t.db)).username },
      deps: deps(),
    });
    expect(add.status).toBe(404);
    const [u] = await t.db.select().from(users).where(eq(users.id, w.operator.id));
    expect(u!.isPlatformAdmin).toBe(true);
  });
});
