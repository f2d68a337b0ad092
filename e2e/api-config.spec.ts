/**
 * The apolo CLI's config document and Apolo's admin users / cluster users, over HTTP against the production
 * build: the requests neuro_admin_client and apolo_sdk send, and their answers read with the client's rules
 * (apolo_sdk _server_cfg.py get_server_config; neuro_admin_client _parse_user_payload, _parse_cluster_user,
 * _parse_balance, _parse_cluster_payload). People and tokens come from e2e/api-config-seed.ts.
 */
import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./axe";
import { API_CFG } from "./api-config-seed";
import { signIn, snap } from "./helpers";

const { admin, user, outsider, operator } = API_CFG.people;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const MB = 1024 * 1024;

/** get_server_config: every key it reads with payload[...] present, URLs that parse; a sent token needs authorized. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parseServerConfig(payload: any, sentToken: boolean) {
  for (const k of ["auth_url", "token_url", "logout_url", "headless_callback_url"])
    expect(() => new URL(payload[k])).not.toThrow();
  expect(typeof payload.client_id).toBe("string");
  expect(typeof payload.audience).toBe("string");
  if ("admin_url" in payload) expect(() => new URL(payload.admin_url)).not.toThrow();
  if (sentToken && !payload.authorized) throw new Error("Cannot authorize user");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const clusters: Record<string, any> = {};
  for (const c of payload.clusters ?? []) {
    for (const p of c.resource_pool_types) {
      for (const k of ["min_size", "max_size", "cpu", "memory", "disk_size"]) expect(typeof p[k], k).toBe("number");
    }
    for (const p of c.resource_presets) {
      expect(p.credits_per_hour).toMatch(/^\d+(\.\d+)?$/);
      expect(typeof p.cpu).toBe("number");
      expect(Number.isInteger(p.memory)).toBe(true);
    }
    for (const k of [
      "registry_url",
      "storage_url",
      "users_url",
      "monitoring_url",
      "secrets_url",
      "disks_url",
      "buckets_url",
    ]) {
      expect(() => new URL(c[k]), k).not.toThrow();
    }
    clusters[c.name] = c;
  }
  const projects = (payload.projects ?? []).filter((p: { org_name?: string }) => p.org_name);
  return { clusters, projects, adminUrl: payload.admin_url as string };
}

async function getJson(request: APIRequestContext, url: string, token?: string) {
  const res = await request.get(url, { headers: token ? bearer(token) : {} });
  return { status: res.status(), json: await res.json(), headers: res.headers() };
}

test("GET /api/v1/config: unauthenticated form, a refused token, and the caller's clusters, presets and projects", async ({
  request,
  baseURL,
}) => {
  const anon = await getJson(request, "/api/v1/config");
  expect(anon.status).toBe(200);
  expect(anon.json.authorized).toBe(false);
  expect(anon.json.clusters).toBeUndefined();
  const parsedAnon = parseServerConfig(anon.json, false);
  expect(parsedAnon.adminUrl).toMatch(/\/apis\/admin\/v1$/);

  const bad = await getJson(request, "/api/v1/config", "apolo_pat_" + "z".repeat(43));
  expect(bad.status).toBe(200);
  expect(() => parseServerConfig(bad.json, true)).toThrow("Cannot authorize user");

  const mine = await getJson(request, "/api/v1/config", user.token);
  expect(mine.status).toBe(200);
  expect(mine.headers["cache-control"]).toBe("no-store, no-transform");
  const { clusters, projects } = parseServerConfig(mine.json, true);
  const cl = clusters[API_CFG.cluster];
  expect(cl.orgs).toEqual([API_CFG.org]);
  expect(cl.registry_url).toBe(API_CFG.registryUrl);
  expect(cl.storage_url).toMatch(new RegExp(`/api/v1/clusters/${API_CFG.cluster}/storage$`));
  expect(cl.resource_presets).toEqual([
    expect.objectContaining({ name: "cpu-small", credits_per_hour: "0.25", cpu: 0.5, memory: 512 * MB }),
    expect.objectContaining({
      name: "gpu-large",
      credits_per_hour: "3.5",
      cpu: 4,
      memory: 16384 * MB,
      nvidia_gpu: { count: 1, model: "nvidia-gpu" },
    }),
  ]);
  expect(projects).toEqual([
    { name: API_CFG.project, cluster_name: API_CFG.cluster, org_name: API_CFG.org, role: "writer" },
  ]);
  expect(mine.json.admin_url).toBe(`${baseURL}/apis/admin/v1`);

  // Someone in no org on it: no clusters, no projects, still authorized.
  const none = parseServerConfig((await getJson(request, "/api/v1/config", outsider.token)).json, true);
  expect(none.clusters[API_CFG.cluster]).toBeUndefined();
  expect(none.projects).toEqual([]);
});

test("admin API: users/{name} with include, cluster users, get-user-quota and set-user-quota with idempotency_key", async ({
  request,
}) => {
  const base = `/apis/admin/v1/clusters/${API_CFG.cluster}/orgs/${API_CFG.org}/users`;

  // get_user(name, include_orgs=True, include_clusters=True, include_projects=True)
  const me = await getJson(
    request,
    `/apis/admin/v1/users/${user.username}?include=orgs&include=clusters&include=projects`,
    user.token,
  );
  expect(me.status).toBe(200);
  expect(me.json).toMatchObject({
    name: user.username,
    email: `${user.username}@example.com`,
    first_name: "Grace",
    last_name: null,
    orgs: [{ org_name: API_CFG.org, role: "user", balance: { credits: "30", spent_credits: "10" } }],
    clusters: [
      {
        cluster_name: API_CFG.cluster,
        org_name: API_CFG.org,
        role: "user",
        quota: { total_running_jobs: 2 },
        balance: { credits: "30", spent_credits: "10" },
      },
    ],
    projects: [{ project_name: API_CFG.project, cluster_name: API_CFG.cluster, org_name: API_CFG.org, role: "writer" }],
  });
  expect(me.json.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
  // Another member without a manager's role sees no address; an outsider gets Apolo's 404 body.
  const peer = await getJson(request, `/apis/admin/v1/users/${admin.username}`, user.token);
  expect(peer.json).toMatchObject({ name: admin.username, email: null, first_name: "Ada", last_name: "King Lovelace" });
  const hidden = await getJson(request, `/apis/admin/v1/users/${user.username}`, outsider.token);
  expect(hidden.status).toBe(404);
  expect(hidden.json).toEqual({ error: "Not found", code: "not_found" });

  // get-cluster-users --org: list_cluster_users(cluster, with_user_info=True, org_name=org)
  const list = await getJson(request, `${base}?with_user_info=true`, admin.token);
  expect(list.status).toBe(200);
  expect(list.json.map((u: { user_name: string }) => u.user_name)).toEqual([admin.username, user.username].sort());
  const grace = list.json.find((u: { user_name: string }) => u.user_name === user.username);
  expect(grace).toMatchObject({
    role: "user",
    org_name: API_CFG.org,
    quota: { total_running_jobs: 2 },
    balance: { credits: "30", spent_credits: "10" },
    user_info: { email: `${user.username}@example.com`, first_name: "Grace", last_name: null },
  });
  expect((await getJson(request, base, outsider.token)).status).toBe(404);

  // get-user-quota: get_cluster_user(cluster, user, org_name=org)
  const one = await getJson(request, `${base}/${user.username}?with_user_info=false`, user.token);
  expect(one.status).toBe(200);
  expect(one.json).toEqual({
    user_name: user.username,
    role: "user",
    quota: { total_running_jobs: 2 },
    balance: { credits: "30", spent_credits: "10" },
    org_name: API_CFG.org,
  });

  // set-user-quota: PATCH …/quota {"quota": {"total_running_jobs": n}}; a read-only token and a plain user can't.
  const quotaUrl = `${base}/${user.username}/quota`;
  const refused = await request.patch(`${quotaUrl}?with_user_info=false`, {
    headers: bearer(user.token),
    data: { quota: { total_running_jobs: 50 } },
  });
  expect(refused.status()).toBe(403);
  expect(await refused.json()).toEqual({
    error: "This token is read-only: create a read and write token to make changes.",
    code: "forbidden",
  });
  const set = await request.patch(`${quotaUrl}?with_user_info=false`, {
    headers: bearer(admin.token),
    data: { quota: { total_running_jobs: 5 } },
  });
  expect(set.status()).toBe(200);
  expect((await set.json()).quota).toEqual({ total_running_jobs: 5 });
  // update_cluster_user_quota_by_delta with an idempotency_key, sent twice: added once.
  const key = `e2e-${Date.now()}`;
  for (let i = 0; i < 2; i++) {
    const delta = await request.patch(`${quotaUrl}?with_user_info=false&idempotency_key=${key}`, {
      headers: bearer(admin.token),
      data: { additional_quota: { total_running_jobs: 3 } },
    });
    expect(delta.status()).toBe(200);
    expect((await delta.json()).quota).toEqual({ total_running_jobs: 8 });
  }
  const malformed = await request.patch(quotaUrl, {
    headers: { ...bearer(admin.token), "content-type": "application/json" },
    data: Buffer.from("{not json"), // a Buffer is sent as is (a string would be JSON-encoded)
  });
  expect(malformed.status()).toBe(400);
  expect(typeof (await malformed.json()).error).toBe("string");
  const invalid = await request.patch(quotaUrl, {
    headers: bearer(admin.token),
    data: { quota: { total_running_jobs: -1 } },
  });
  expect(invalid.status()).toBe(422);
  // Back to unlimited ({"quota": {}}: the client drops a None).
  const unlimited = await request.patch(quotaUrl, { headers: bearer(admin.token), data: { quota: {} } });
  expect((await unlimited.json()).quota).toEqual({ total_running_jobs: null });
});

test("admin clusters: platform admins only; the operator's Service URLs form changes what the CLI gets", async ({
  request,
  page,
}) => {
  const list = await getJson(request, "/apis/admin/v1/clusters", operator.token);
  expect(list.status).toBe(200);
  expect(list.json).toContainEqual({
    name: API_CFG.cluster,
    default_credits: null,
    default_quota: {},
    default_role: "user",
    maintenance: false,
  });
  const one = await getJson(request, `/apis/admin/v1/clusters/${API_CFG.cluster}`, operator.token);
  expect(one.json.name).toBe(API_CFG.cluster);
  expect((await getJson(request, "/apis/admin/v1/clusters", admin.token)).status).toBe(404);
  expect((await getJson(request, "/apis/admin/v1/clusters")).status).toBe(401);

  await signIn(page, operator.username);
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
  await page.goto(`/admin/clusters/${API_CFG.cluster}`);
  const card = page.getByTestId("cluster-urls");
  await expect(card.getByTestId("cluster-url-registry_url")).toHaveText(API_CFG.registryUrl);
  await page.getByTestId("edit-cluster-urls").click();
  const form = page.getByTestId("cluster-urls-form");
  await form.getByLabel("Storage (storage_url)").fill("ftp://nope.example.com");
  await form.getByRole("button", { name: "Save URLs" }).click();
  await expect(form.getByText("Enter an http:// or https:// URL, or leave empty for the default.")).toBeVisible();
  await form.getByLabel("Storage (storage_url)").fill("https://storage.apicfg.example.com/");
  await form.getByLabel("Registry (registry_url)").fill("");
  await form.getByRole("button", { name: "Save URLs" }).click();
  await expect(form).toBeHidden();
  await expect(card.getByTestId("cluster-url-storage_url")).toHaveText("https://storage.apicfg.example.com");
  await expect(card.getByTestId("cluster-url-registry_url")).toHaveText(
    new RegExp(`/api/v1/clusters/${API_CFG.cluster}/registry$`),
  );

  // Full-page shots from the top, so the sticky header sits where it belongs.
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, "admin-cluster-service-urls");
  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, "admin-cluster-service-urls-phone");

  const cfg = await getJson(request, "/api/v1/config", user.token);
  const cl = cfg.json.clusters.find((c: { name: string }) => c.name === API_CFG.cluster);
  expect(cl.storage_url).toBe("https://storage.apicfg.example.com");
  expect(cl.registry_url).toMatch(new RegExp(`/api/v1/clusters/${API_CFG.cluster}/registry$`));
});
