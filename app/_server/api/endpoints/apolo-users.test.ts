/**
 * Apolo's users and cluster users, in process through the door: what neuro_admin_client sends (get_user with
 * include=…, list_cluster_users / get_cluster_user with with_user_info, update_cluster_user_quota[_by_delta]
 * with idempotency_key) and what it parses (_parse_user_payload, _parse_cluster_user, _parse_balance,
 * _parse_quota), and who may.
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { auditEvents, orgMembers } from "@/db/schema";
import {
  addOrgToCluster,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  withTestDatabase,
} from "@/lib/test/fixtures";
import { apiDeps, callEndpoint, makePat } from "../testing";

vi.mock("server-only", () => ({}));
const {
  getApoloUser,
  listAllClusterUsers,
  listOrgClusterUsers,
  getOrgClusterUser,
  patchOrgClusterUserQuota,
  postClusterUser,
  putOrgClusterUser,
  deleteOrgClusterUser,
} = await import("./apolo-users");

const t = withTestDatabase();

async function world() {
  const admin = await makeUser(t.db, undefined, { name: "Ada King Lovelace" });
  const manager = await makeUser(t.db);
  const user = await makeUser(t.db, undefined, { name: "Grace" });
  const outsider = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  const cluster = await makeCluster(t.db);
  await addOrgToCluster(t.db, org, cluster);
  await t.db
    .update(orgMembers)
    .set({ creditLimit: "50", spent: "12.5", maxRunningJobs: 2 })
    .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
  return { admin, manager, user, outsider, org, cluster };
}

/** neuro_admin_client's parsers, as assertions: the keys it reads with payload[...] and their types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parseBalance(b: any) {
  expect(typeof b.spent_credits).toBe("string"); // Decimal(payload["spent_credits"])
  expect(b.credits === null || /^-?\d+(\.\d+)?$/.test(b.credits)).toBe(true);
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parseClusterUser(u: any) {
  expect(typeof u.user_name).toBe("string");
  expect(["admin", "manager", "member", "user"]).toContain(u.role);
  expect(u.quota.total_running_jobs === null || Number.isInteger(u.quota.total_running_jobs)).toBe(true);
  parseBalance(u.balance);
  if ("user_info" in u) {
    expect(u.user_info).toHaveProperty("email");
    if (u.user_info.created_at)
      expect(u.user_info.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
  }
}

describe("GET /apis/admin/v1/clusters/{cluster}/orgs/{org}/users (get-cluster-users)", () => {
  it("a member lists the org's cluster users; with_user_info adds names; addresses only for managers", async () => {
    const w = await world();
    const deps = apiDeps(t.db);
    const url = `/apis/admin/v1/clusters/${w.cluster.name}/orgs/${w.org.name}/users`;
    const params = { cluster: w.cluster.name, org: w.org.name };
    const asUser = await callEndpoint(listOrgClusterUsers, {
      url: `${url}?with_user_info=false`,
      params,
      deps,
      token: await makePat(t.db, w.user, { scope: "read" }),
    });
    expect(asUser.status).toBe(200);
    asUser.json.forEach(parseClusterUser);
    const me = asUser.json.find((r: { user_name: string }) => r.user_name === w.user.username);
    expect(me).toEqual({
      user_name: w.user.username,
      role: "user",
      quota: { total_running_jobs: 2 },
      balance: { credits: "37.5", spent_credits: "12.5" },
      org_name: w.org.name,
    });
    const adminRow = asUser.json.find((r: { user_name: string }) => r.user_name === w.admin.username);
    expect(adminRow.balance).toEqual({ credits: null, spent_credits: "0" });
    expect(adminRow.quota).toEqual({ total_running_jobs: null });

    const withInfo = await callEndpoint(listOrgClusterUsers, {
      url: `${url}?with_user_info=true`,
      params,
      deps,
      token: await makePat(t.db, w.user, { scope: "read" }),
    });
    withInfo.json.forEach(parseClusterUser);
    const ada = withInfo.json.find((r: { user_name: string }) => r.user_name === w.admin.username);
    expect(ada.user_info).toMatchObject({ email: null, first_name: "Ada", last_name: "King Lovelace" });
    const byManager = await callEndpoint(listOrgClusterUsers, {
      url: `${url}?with_user_info=true`,
      params,
      deps,
      token: await makePat(t.db, w.manager),
    });
    const grace = byManager.json.find((r: { user_name: string }) => r.user_name === w.user.username);
    expect(grace.user_info).toMatchObject({ email: w.user.email, first_name: "Grace", last_name: null });
  });

  it("an outsider, a token restricted to another org, an org not on the cluster: 404; a bad flag: 422", async () => {
    const w = await world();
    const deps = apiDeps(t.db);
    const url = `/apis/admin/v1/clusters/${w.cluster.name}/orgs/${w.org.name}/users`;
    const params = { cluster: w.cluster.name, org: w.org.name };
    const out = await callEndpoint(listOrgClusterUsers, { url, params, deps, token: await makePat(t.db, w.outsider) });
    expect(out.status).toBe(404);
    expect(out.json).toEqual({ error: "Not found", code: "not_found" });
    const other = await makeOrg(t.db, { admin: w.admin });
    const restricted = await makePat(t.db, w.admin, { org: other.name });
    expect((await callEndpoint(listOrgClusterUsers, { url, params, deps, token: restricted })).status).toBe(404);
    const elsewhere = await makeCluster(t.db);
    const notOn = await callEndpoint(listOrgClusterUsers, {
      url,
      params: { cluster: elsewhere.name, org: w.org.name },
      deps,
      token: await makePat(t.db, w.admin),
    });
    expect(notOn.status).toBe(404);
    const bad = await callEndpoint(listOrgClusterUsers, {
      url: `${url}?with_user_info=yes`,
      params,
      deps,
      token: await makePat(t.db, w.admin),
    });
    expect(bad.status).toBe(422);
    expect(typeof bad.json.error).toBe("string");
    expect(bad.json.fields).toHaveProperty("with_user_info");
  });

  it("GET clusters/{cluster}/users: every org of the caller on the cluster; platform admins all", async () => {
    const w = await world();
    const deps = apiDeps(t.db);
    const strangers = await makeOrg(t.db, { admin: w.outsider });
    await addOrgToCluster(t.db, strangers, w.cluster);
    const url = `/apis/admin/v1/clusters/${w.cluster.name}/users`;
    const params = { cluster: w.cluster.name };
    const mine = await callEndpoint(listAllClusterUsers, { url, params, deps, token: await makePat(t.db, w.user) });
    expect(mine.status).toBe(200);
    expect(new Set(mine.json.map((r: { org_name: string }) => r.org_name))).toEqual(new Set([w.org.name]));
    const op = await makePlatformAdmin(t.db);
    const all = await callEndpoint(listAllClusterUsers, { url, params, deps, token: await makePat(t.db, op) });
    expect(new Set(all.json.map((r: { org_name: string }) => r.org_name))).toEqual(
      new Set([w.org.name, strangers.name]),
    );
    const unknown = await callEndpoint(listAllClusterUsers, {
      url: "/apis/admin/v1/clusters/nope/users",
      params: { cluster: "nope" },
      deps,
      token: await makePat(t.db, op),
    });
    expect(unknown.status).toBe(404);
  });
});

describe("GET …/orgs/{org}/users/{user} and PATCH …/quota (get-user-quota, set-user-quota)", () => {
  it("get-user-quota reads one cluster user; a non-member is 404", async () => {
    const w = await world();
    const deps = apiDeps(t.db);
    const token = await makePat(t.db, w.manager, { scope: "read" });
    const base = `/apis/admin/v1/clusters/${w.cluster.name}/orgs/${w.org.name}/users`;
    const res = await callEndpoint(getOrgClusterUser, {
      url: `${base}/${w.user.username}?with_user_info=false`,
      params: { cluster: w.cluster.name, org: w.org.name, user: w.user.username },
      deps,
      token,
    });
    expect(res.status).toBe(200);
    parseClusterUser(res.json);
    expect(res.json).toMatchObject({ user_name: w.user.username, quota: { total_running_jobs: 2 } });
    const none = await callEndpoint(getOrgClusterUser, {
      url: `${base}/${w.outsider.username}`,
      params: { cluster: w.cluster.name, org: w.org.name, user: w.outsider.username },
      deps,
      token,
    });
    expect(none.status).toBe(404);
  });

  it("set-user-quota: {quota: {total_running_jobs}} sets, {quota: {}} is unlimited, a delta adds; audited via token", async () => {
    const w = await world();
    const deps = apiDeps(t.db);
    const token = await makePat(t.db, w.manager, { name: "cli laptop" });
    const params = { cluster: w.cluster.name, org: w.org.name, user: w.user.username };
    const url = `/apis/admin/v1/clusters/${w.cluster.name}/orgs/${w.org.name}/users/${w.user.username}/quota`;
    const set = await callEndpoint(patchOrgClusterUserQuota, {
      url: `${url}?with_user_info=false`,
      params,
      deps,
      token,
      body: { quota: { total_running_jobs: 7 } },
    });
    expect(set.status).toBe(200);
    parseClusterUser(set.json);
    expect(set.json).toMatchObject({ user_name: w.user.username, quota: { total_running_jobs: 7 } });
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "member.quota_changed")));
    expect(audit).toMatchObject({ viaToken: "cli laptop", actorId: w.manager.id });

    const delta = await callEndpoint(patchOrgClusterUserQuota, {
      url: `${url}?with_user_info=true&idempotency_key=abc-1`,
      params,
      deps,
      token,
      body: { additional_quota: { total_running_jobs: 3 } },
    });
    expect(delta.json.quota).toEqual({ total_running_jobs: 10 });
    expect(delta.json.user_info).toMatchObject({ email: w.user.email });
    // The same idempotency_key again: the first answer, nothing added twice.
    const again = await callEndpoint(patchOrgClusterUserQuota, {
      url: `${url}?with_user_info=true&idempotency_key=abc-1`,
      params,
      deps,
      token,
      body: { additional_quota: { total_running_jobs: 3 } },
    });
    expect(again.status).toBe(200);
    expect(again.json.quota).toEqual({ total_running_jobs: 10 });
    // The same key with another body is a conflict.
    const reused = await callEndpoint(patchOrgClusterUserQuota, {
      url: `${url}?idempotency_key=abc-1`,
      params,
      deps,
      token,
      body: { additional_quota: { total_running_jobs: 5 } },
    });
    expect(reused.status).toBe(409);
    const unlimited = await callEndpoint(patchOrgClusterUserQuota, { url, params, deps, token, body: { quota: {} } });
    expect(unlimited.json.quota).toEqual({ total_running_jobs: null });
    const [m] = await t.db
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.user.id)));
    expect(m).toMatchObject({ maxRunningJobs: null, creditLimit: "50.00000000" });
  });

  it("who may not: a user (403), a manager on an admin (403), a read-only token (403), an outsider (404); bad bodies 422", async () => {
    const w = await world();
    const deps = apiDeps(t.db);
    const url = (u: string) => `/apis/admin/v1/clusters/${w.cluster.name}/orgs/${w.org.name}/users/${u}/quota`;
    const params = (u: string) => ({ cluster: w.cluster.name, org: w.org.name, user: u });
    const body = { quota: { total_running_jobs: 100 } };
    const call = async (token: string, u: string, b: unknown = body) =>
      callEndpoint(patchOrgClusterUserQuota, { url: url(u), params: params(u), deps, token, body: b });
    const asUser = await call(await makePat(t.db, w.user), w.user.username);
    expect(asUser.status).toBe(403);
    expect(asUser.json.code).toBe("forbidden");
    const onAdmin = await call(await makePat(t.db, w.manager), w.admin.username);
    expect(onAdmin.status).toBe(403);
    expect(onAdmin.json.error).toBe("Managers can't change an admin's quotas.");
    const ro = await call(await makePat(t.db, w.admin, { scope: "read" }), w.user.username);
    expect(ro.status).toBe(403);
    expect(ro.json.error).toMatch(/^This token is read-only/);
    expect((await call(await makePat(t.db, w.outsider), w.user.username)).status).toBe(404);
    const adminToken = await makePat(t.db, w.admin);
    expect((await call(adminToken, w.user.username, {})).status).toBe(422);
    expect((await call(adminToken, w.user.username, { quota: { total_running_jobs: -1 } })).status).toBe(422);
    expect((await call(adminToken, w.user.username, { quota: { total_running_jobs: "5" } })).status).toBe(422);
    expect(
      (await call(adminToken, w.user.username, { quota: {}, additional_quota: { total_running_jobs: 1 } })).status,
    ).toBe(422);
    const [m] = await t.db
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.user.id)));
    expect(m!.maxRunningJobs).toBe(2);
  });
});

describe("add-, update- and remove-cluster-user (membership follows the org)", () => {
  it("add and remove are refused with the org command that does it; update sets the jobs quota, its role must be the org's", async () => {
    const w = await world();
    const deps = apiDeps(t.db);
    const adminToken = await makePat(t.db, w.admin);
    const base = `/apis/admin/v1/clusters/${w.cluster.name}`;
    // create_cluster_user: POST clusters/{cluster}/users {user_name, role, org_name, quota}
    const added = await callEndpoint(postClusterUser, {
      url: `${base}/users?with_user_info=false`,
      params: { cluster: w.cluster.name },
      body: { user_name: w.outsider.username, role: "user", org_name: w.org.name, quota: { total_running_jobs: 1 } },
      token: adminToken,
      deps,
    });
    expect(added.status).toBe(422);
    expect(added.json.error).toContain(`apolo admin add-org-user ${w.org.name} ${w.outsider.username}`);
    const params = { cluster: w.cluster.name, org: w.org.name, user: w.user.username };
    const url = `${base}/orgs/${w.org.name}/users/${w.user.username}`;
    // delete_cluster_user: DELETE clusters/{cluster}/orgs/{org}/users/{user}
    const removed = await callEndpoint(deleteOrgClusterUser, { url, params, token: adminToken, deps });
    expect(removed.status).toBe(422);
    expect(removed.json.error).toContain(`apolo admin remove-org-user ${w.org.name} ${w.user.username}`);
    // update_cluster_user: PUT … {user_name, role, quota: {total_running_jobs}, org_name}
    const put = (role: string, jobs?: number, token = adminToken) =>
      callEndpoint(putOrgClusterUser, {
        url: `${url}?with_user_info=true`,
        params,
        body: {
          user_name: w.user.username,
          role,
          org_name: w.org.name,
          quota: jobs === undefined ? {} : { total_running_jobs: jobs },
        },
        token,
        deps,
      });
    const updated = await put("user", 4);
    expect(updated.status).toBe(200);
    parseClusterUser(updated.json);
    expect(updated.json).toMatchObject({ user_name: w.user.username, role: "user", quota: { total_running_jobs: 4 } });
    expect((await put("user")).json.quota).toEqual({ total_running_jobs: null });
    const otherRole = await put("manager", 4);
    expect(otherRole.status).toBe(422);
    expect(otherRole.json.error).toContain("apolo admin update-org-user");
    // The quota dialog's rule: a user may not set quotas.
    expect((await put("user", 1, await makePat(t.db, w.user))).status).toBe(403);
  });
});

describe("GET /apis/admin/v1/users/{name}", () => {
  it("the person: User with include=orgs&include=clusters&include=projects as get_user parses it", async () => {
    const w = await world();
    const p = await makeProject(t.db, { org: w.org, cluster: w.cluster, members: [[w.user, "writer"]] });
    const token = await makePat(t.db, w.user, { scope: "read" });
    const res = await callEndpoint(getApoloUser, {
      url: `/apis/admin/v1/users/${w.user.username}?include=orgs&include=clusters&include=projects`,
      params: { name: w.user.username },
      deps: apiDeps(t.db),
      token,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      name: w.user.username,
      email: w.user.email,
      first_name: "Grace",
      last_name: null,
      created_at: w.user.createdAt.toISOString().replace("Z", "+00:00"),
      orgs: [{ org_name: w.org.name, role: "user", balance: { credits: "37.5", spent_credits: "12.5" } }],
      clusters: [
        {
          cluster_name: w.cluster.name,
          org_name: w.org.name,
          role: "user",
          quota: { total_running_jobs: 2 },
          balance: { credits: "37.5", spent_credits: "12.5" },
        },
      ],
      projects: [{ project_name: p.name, cluster_name: w.cluster.name, org_name: w.org.name, role: "writer" }],
    });
    // include=clusters alone (get_user_with_clusters): no orgs or projects keys.
    const only = await callEndpoint(getApoloUser, {
      url: `/apis/admin/v1/users/${w.user.username}?include=clusters`,
      params: { name: w.user.username },
      deps: apiDeps(t.db),
      token,
    });
    expect(Object.keys(only.json).sort()).toEqual(
      ["clusters", "created_at", "email", "first_name", "last_name", "name"].sort(),
    );
  });

  it("another member: no address unless a manager; an outsider and an unknown name: 404; bad include: 422", async () => {
    const w = await world();
    const deps = apiDeps(t.db);
    const get = async (token: string, name: string, q = "") =>
      callEndpoint(getApoloUser, { url: `/apis/admin/v1/users/${name}${q}`, params: { name }, deps, token });
    const byAdmin = await get(await makePat(t.db, w.user), w.admin.username);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json).toMatchObject({
      name: w.admin.username,
      email: null,
      first_name: "Ada",
      last_name: "King Lovelace",
    });
    const byManager = await get(await makePat(t.db, w.manager), w.user.username);
    expect(byManager.json.email).toBe(w.user.email);
    const op = await makePlatformAdmin(t.db);
    expect((await get(await makePat(t.db, op), w.user.username)).json.email).toBe(w.user.email);
    const out = await get(await makePat(t.db, w.outsider), w.user.username);
    expect(out.status).toBe(404);
    expect(out.json).toEqual({ error: "Not found", code: "not_found" });
    expect((await get(await makePat(t.db, w.user), "nobody-here")).status).toBe(404);
    expect((await get(await makePat(t.db, w.user), w.user.username, "?include=secrets")).status).toBe(422);
  });
});
