// Apolo's admin API for org clusters, projects and project users over HTTP against the production build: the
// requests neuro-admin-client sends (admin_client.py) and the answers parsed with the rules it applies
// (`_parse_org_cluster`, `_parse_balance`, `_parse_quota`, `_parse_project`, `_parse_project_user`), with the
// `{"error": …}` bodies the apolo SDK turns into messages. Accounts and tokens: e2e/seed-apolo-projects.ts.
import { readFileSync } from "node:fs";
import { expect, type APIRequestContext, type APIResponse } from "@playwright/test";
import { AP, APOLO_PROJECTS_TOKENS_FILE } from "./fixtures-data";
import { test } from "./helpers";

type Tokens = { op: string; admin: string; user: string; userReadOnly: string; outsider: string };
const tokens = (): Tokens => JSON.parse(readFileSync(APOLO_PROJECTS_TOKENS_FILE, "utf8")) as Tokens;

const BASE = "/apis/admin/v1";
const DECIMAL = /^-?\d+(\.\d+)?$/;

function api(request: APIRequestContext, token: string | null) {
  const headers = (extra: Record<string, string> = {}) => ({
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...extra,
  });
  return {
    get: (path: string) => request.get(`${BASE}/${path}`, { headers: headers() }),
    delete: (path: string) => request.delete(`${BASE}/${path}`, { headers: headers() }),
    send: (method: "POST" | "PUT" | "PATCH", path: string, body: unknown) =>
      request.fetch(`${BASE}/${path}`, {
        method,
        headers: headers({ "Content-Type": "application/json" }),
        data: JSON.stringify(body),
      }),
  };
}

/** `_parse_balance`: spent_credits a decimal string; credits a decimal string or null (unlimited). */
function parseBalance(b: unknown) {
  const o = b as { credits: unknown; spent_credits: unknown };
  expect(typeof o.spent_credits).toBe("string");
  expect(o.spent_credits).toMatch(DECIMAL);
  if (o.credits !== null) expect(o.credits).toMatch(DECIMAL);
  return { credits: o.credits as string | null, spent: o.spent_credits as string };
}

/** `_parse_quota`: total_running_jobs an int or null. */
function parseQuota(q: unknown) {
  const v = (q as { total_running_jobs?: unknown }).total_running_jobs ?? null;
  if (v !== null) expect(Number.isInteger(v)).toBe(true);
  return v as number | null;
}

/** `_parse_org_cluster`: org_name, default_role (ClusterUserRoleType) and maintenance are required keys. */
function parseOrgCluster(j: Record<string, unknown>) {
  expect(typeof j.org_name).toBe("string");
  expect(["admin", "manager", "member", "user"]).toContain(j.default_role);
  expect(typeof j.maintenance).toBe("boolean");
  if (j.default_credits) expect(j.default_credits).toMatch(DECIMAL);
  if (j.storage_size !== null && j.storage_size !== undefined) expect(Number.isInteger(j.storage_size)).toBe(true);
  return {
    org: j.org_name as string,
    balance: parseBalance(j.balance),
    quota: parseQuota(j.quota),
    defaultQuota: parseQuota(j.default_quota),
    defaultCredits: (j.default_credits as string | null) ?? null,
    defaultRole: j.default_role as string,
    storageSize: (j.storage_size as number | null) ?? null,
  };
}

/** `_parse_project`: name, cluster_name, org_name, is_default, default_role (ProjectUserRoleType). */
function parseProject(j: Record<string, unknown>) {
  for (const k of ["name", "cluster_name", "org_name"]) expect(typeof j[k]).toBe("string");
  expect(typeof j.is_default).toBe("boolean");
  expect(["admin", "manager", "writer", "reader"]).toContain(j.default_role);
  return j as { name: string; cluster_name: string; org_name: string; is_default: boolean; default_role: string };
}

/** `_parse_project_user` (+ `_parse_user_info_payload` when user_info is there: email is a required key). */
function parseProjectUser(j: Record<string, unknown>) {
  for (const k of ["project_name", "cluster_name", "org_name", "user_name"]) expect(typeof j[k]).toBe("string");
  expect(["admin", "manager", "writer", "reader"]).toContain(j.role);
  if ("user_info" in j) {
    const info = j.user_info as Record<string, unknown>;
    expect(info).toHaveProperty("email");
    if (info.created_at) expect(Number.isNaN(Date.parse(info.created_at as string))).toBe(false);
  }
  return j as { user_name: string; role: string; user_info?: { email: string | null; first_name: string | null } };
}

/** The apolo SDK's `_raise_error`: the message is `payload["error"]`. */
async function errorOf(res: APIResponse, status: number): Promise<string> {
  expect(res.status()).toBe(status);
  const body = (await res.json()) as { error: unknown; code: unknown };
  expect(typeof body.error).toBe("string");
  expect(typeof body.code).toBe("string");
  return body.error as string;
}

test("apolo admin: org clusters — read by members, changed by platform admins, quota once per idempotency_key", async ({
  request,
}) => {
  const t = tokens();
  const op = api(request, t.op);
  const user = api(request, t.user);
  const orgPath = `clusters/${AP.cluster}/orgs/${AP.org}`;

  // No token: 401 with a Bearer challenge and a JSON error.
  const anon = await api(request, null).get(orgPath);
  expect(anon.headers()["www-authenticate"]).toMatch(/^Bearer /);
  await errorOf(anon, 401);

  // `apolo config show` reads the org cluster as any member.
  const mine = await user.get(orgPath);
  expect(mine.status()).toBe(200);
  const oc = parseOrgCluster(await mine.json());
  expect(oc).toMatchObject({ org: AP.org, quota: 5, defaultRole: "user", storageSize: null, defaultCredits: null });
  expect(Number(oc.balance.credits)).toBe(100.25);
  expect(await errorOf(await api(request, t.outsider).get(orgPath), 404)).toBe("Not found");

  // add-org-cluster on the second cluster (remove it first when a rerun left it there).
  await op.delete(`clusters/${AP.cluster2}/orgs/${AP.org}`);
  const createBody = {
    org_name: AP.org,
    quota: { total_running_jobs: 2 },
    balance: { spent_credits: "0" },
    default_quota: {},
    default_role: "user",
    maintenance: false,
    default_credits: "20",
    storage_size: 10 * 1024 * 1024,
  };
  expect(await errorOf(await api(request, t.admin).send("POST", `clusters/${AP.cluster2}/orgs`, createBody), 404)).toBe(
    "Not found",
  );
  const created = await op.send("POST", `clusters/${AP.cluster2}/orgs`, createBody);
  expect(created.status()).toBe(201);
  expect(parseOrgCluster(await created.json())).toMatchObject({ quota: 2, storageSize: 10485760 });
  expect(Number(parseOrgCluster(await created.json()).defaultCredits)).toBe(20);
  const list = await op.get(`clusters/${AP.cluster2}/orgs`);
  expect(((await list.json()) as Record<string, unknown>[]).map((j) => parseOrgCluster(j).org)).toContain(AP.org);

  // set-org-cluster-quota: a delta with the same idempotency_key applies once.
  const q = `clusters/${AP.cluster2}/orgs/${AP.org}/quota`;
  const key = `e2e-${Date.now()}`;
  const delta = { additional_quota: { total_running_jobs: 3 } };
  const first = await op.send("PATCH", `${q}?idempotency_key=${key}`, delta);
  const retry = await op.send("PATCH", `${q}?idempotency_key=${key}`, delta);
  expect(parseOrgCluster(await first.json()).quota).toBe(5);
  expect(parseOrgCluster(await retry.json()).quota).toBe(5);
  expect(parseOrgCluster(await (await op.send("PATCH", q, { quota: {} })).json()).quota).toBeNull();

  // set-org-cluster-defaults, update-org-cluster (the fetched object sent back), the removed balance commands.
  const d = await op.send("PATCH", `clusters/${AP.cluster2}/orgs/${AP.org}/defaults`, {
    quota: { total_running_jobs: 1 },
    default_role: "member",
    credits: "7.5",
  });
  expect(parseOrgCluster(await d.json())).toMatchObject({ defaultQuota: 1, defaultRole: "member" });
  const current = await (await op.get(`clusters/${AP.cluster2}/orgs/${AP.org}`)).json();
  const put = await op.send("PUT", `clusters/${AP.cluster2}/orgs/${AP.org}`, {
    ...current,
    quota: { total_running_jobs: 4 },
  });
  expect(put.status()).toBe(200);
  expect(parseOrgCluster(await put.json())).toMatchObject({ quota: 4, defaultQuota: 1, defaultRole: "member" });
  const bal = await op.send("PATCH", `clusters/${AP.cluster2}/orgs/${AP.org}/balance`, { additional_credits: "5" });
  expect(await errorOf(bal, 422)).toMatch(/set-org-credits/);

  // remove-org-cluster.
  expect((await api(request, t.admin).delete(`clusters/${AP.cluster2}/orgs/${AP.org}`)).status()).toBe(404);
  expect((await op.delete(`clusters/${AP.cluster2}/orgs/${AP.org}`)).status()).toBe(204);
  expect((await op.get(`clusters/${AP.cluster2}/orgs/${AP.org}`)).status()).toBe(404);
});

test("apolo admin: projects and project users as add-project / add-project-user send them", async ({ request }) => {
  const t = tokens();
  const user = api(request, t.user);
  const admin = api(request, t.admin);
  const projects = `clusters/${AP.cluster}/orgs/${AP.org}/projects`;
  const name = `p-${Date.now().toString(36)}`;

  // A read-only token writes nothing; has_virtual_kube is refused with a readable message.
  expect((await api(request, t.userReadOnly).send("POST", projects, { name })).status()).toBe(403);
  expect(await errorOf(await user.send("POST", projects, { name, has_virtual_kube: true }), 422)).toMatch(
    /virtual Kubernetes/,
  );

  const created = await user.send("POST", projects, { name, is_default: false, default_role: "writer" });
  expect(created.status()).toBe(201);
  expect(parseProject(await created.json())).toMatchObject({
    name,
    cluster_name: AP.cluster,
    org_name: AP.org,
    is_default: false,
    default_role: "writer",
  });
  expect(await errorOf(await user.send("POST", projects, { name }), 409)).toMatch(/already exists/);
  const listed = ((await (await user.get(projects)).json()) as Record<string, unknown>[]).map(parseProject);
  expect(listed.map((p) => p.name)).toContain(name);
  expect((await api(request, t.outsider).get(projects)).status()).toBe(404);

  // update-project (the creator is its admin; is_default takes an org manager or admin).
  const p = `${projects}/${name}`;
  const upd = await user.send("PUT", p, { is_default: false, default_role: "reader" });
  expect(parseProject(await upd.json()).default_role).toBe("reader");
  expect((await user.send("PUT", p, { is_default: true, default_role: "reader" })).status()).toBe(403);
  expect(
    parseProject(await (await admin.send("PUT", p, { is_default: true, default_role: "reader" })).json()).is_default,
  ).toBe(true);

  // add-project-user: an org member joins (the project's default role without one); someone outside the org is refused.
  const users = `${p}/users`;
  const added = await user.send("POST", `${users}?with_user_info=true`, { user_name: AP.member });
  expect(added.status()).toBe(201);
  const pu = parseProjectUser(await added.json());
  expect(pu).toMatchObject({ user_name: AP.member, role: "reader" });
  expect(pu.user_info).toMatchObject({ email: null, first_name: "Mia" });
  const stranger = await user.send("POST", users, { user_name: AP.outsider, role: "writer" });
  expect(await errorOf(stranger, 422)).toBeTruthy();
  expect(JSON.stringify(await stranger.json())).toContain(`User '${AP.org}/${AP.outsider}' not found in cluster`);

  // get-project-users with and without user info; update-project-user; the last admin stays.
  const bare = ((await (await user.get(`${users}?with_user_info=false`)).json()) as Record<string, unknown>[]).map(
    parseProjectUser,
  );
  expect(bare.map((u) => u.user_name).sort()).toEqual([AP.member, AP.user].sort());
  expect(bare.every((u) => !("user_info" in u))).toBe(true);
  const withInfo = ((await (await admin.get(`${users}?with_user_info=true`)).json()) as Record<string, unknown>[]).map(
    parseProjectUser,
  );
  expect(withInfo.find((u) => u.user_name === AP.member)?.user_info?.email).toBe(`${AP.member}@example.com`);
  const role = await user.send("PUT", `${users}/${AP.member}`, { role: "manager" });
  expect(parseProjectUser(await role.json()).role).toBe("manager");
  expect(parseProjectUser(await (await user.get(`${users}/${AP.member}`)).json()).role).toBe("manager");
  expect(await errorOf(await admin.send("PUT", `${users}/${AP.user}`, { role: "writer" }), 409)).toBe(
    "Last project admin cannot be demoted",
  );
  expect(await errorOf(await admin.delete(`${users}/${AP.user}`), 409)).toBe("Last project admin cannot be removed");

  // remove-project-user, remove-project.
  expect((await user.delete(`${users}/${AP.member}`)).status()).toBe(204);
  expect((await user.get(`${users}/${AP.member}`)).status()).toBe(404);
  expect((await user.delete(p)).status()).toBe(204);
  expect((await user.get(p)).status()).toBe(404);
});
