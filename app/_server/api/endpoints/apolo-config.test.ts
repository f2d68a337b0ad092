/**
 * The apolo CLI's config document and Apolo's admin clusters, in process through the door: the request the
 * client sends and the answer its parser reads (apolo_sdk _server_cfg.py get_server_config; neuro_admin_client
 * _parse_cluster_payload), and who may.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { clusters, presets } from "@/db/schema";
import {
  addOrgToCluster,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  TEST_APP_URL,
  withTestDatabase,
} from "@/lib/test/fixtures";
import { apiDeps, callEndpoint, makePat } from "../testing";

vi.mock("server-only", () => ({}));
const { getConfig, listApoloClusters, getApoloCluster } = await import("./apolo-config");

const t = withTestDatabase();

const AUTH_KEYS = ["auth_url", "token_url", "logout_url", "client_id", "audience", "headless_callback_url"];
const URL_KEYS = [
  "registry_url",
  "storage_url",
  "users_url",
  "monitoring_url",
  "secrets_url",
  "disks_url",
  "buckets_url",
];

/** What get_server_config requires of the document: every key it reads with payload[...], URLs that parse. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parseLikeTheCli(payload: any, sentToken: boolean) {
  for (const k of AUTH_KEYS) {
    expect(typeof payload[k], k).toBe("string");
    if (k !== "client_id" && k !== "audience") expect(() => new URL(payload[k])).not.toThrow();
  }
  if ("admin_url" in payload) expect(() => new URL(payload.admin_url)).not.toThrow();
  if (sentToken && !payload.authorized) throw new Error("Cannot authorize user");
  const out: Record<string, unknown> = {};
  for (const c of payload.clusters ?? []) {
    for (const p of c.resource_pool_types) {
      for (const k of ["name", "min_size", "max_size", "cpu", "memory", "disk_size"]) expect(p, k).toHaveProperty(k);
      expect(Number.isInteger(p.memory)).toBe(true);
    }
    for (const p of c.resource_presets) {
      expect(p.credits_per_hour).toMatch(/^\d+(\.\d+)?$/); // Decimal(payload["credits_per_hour"])
      expect(typeof p.cpu).toBe("number");
      expect(Number.isInteger(p.memory)).toBe(true);
      if (p.nvidia_gpu) expect(Number.isInteger(p.nvidia_gpu.count)).toBe(true);
    }
    for (const k of URL_KEYS) expect(() => new URL(c[k]), k).not.toThrow();
    expect(Array.isArray(c.orgs ?? [])).toBe(true);
    out[c.name] = c;
  }
  for (const p of payload.projects ?? []) {
    expect(p.org_name).toBeTruthy(); // projects without org_name are ignored by the client
    for (const k of ["name", "cluster_name", "role"]) expect(typeof p[k]).toBe("string");
  }
  return out;
}

describe("GET /api/v1/config", () => {
  it("without a token, or with an invalid one: 200, the unauthenticated form (the CLI then refuses a sent token)", async () => {
    const deps = apiDeps(t.db);
    const none = await callEndpoint(getConfig, { url: "/api/v1/config", deps });
    expect(none.status).toBe(200);
    expect(none.json).toEqual({
      authorized: false,
      admin_url: `${TEST_APP_URL}/apis/admin/v1`,
      auth_url: `${TEST_APP_URL}/account/tokens`,
      token_url: `${TEST_APP_URL}/account/tokens`,
      logout_url: `${TEST_APP_URL}/api/auth/signout`,
      client_id: "apolo-console",
      audience: TEST_APP_URL,
      headless_callback_url: `${TEST_APP_URL}/account/tokens`,
      success_redirect_url: `${TEST_APP_URL}/`,
    });
    expect(parseLikeTheCli(none.json, false)).toEqual({});
    const bad = await callEndpoint(getConfig, { url: "/api/v1/config", deps, token: "apolo_pat_" + "x".repeat(43) });
    expect(bad.status).toBe(200);
    expect(bad.json.authorized).toBe(false);
    expect(bad.json.clusters).toBeUndefined();
    expect(() => parseLikeTheCli(bad.json, true)).toThrow("Cannot authorize user");
  });

  it("with a token: the caller's clusters, orgs on each, URLs (set or default), presets in the client's units, projects", async () => {
    const u = await makeUser(t.db);
    const other = await makeUser(t.db);
    const a = await makeOrg(t.db, { admin: u });
    const b = await makeOrg(t.db, { user: u, admin: other });
    const hidden = await makeOrg(t.db, { admin: other });
    const c = await makeCluster(t.db, { presets: { "cpu-small": "0.5" } });
    await t.db
      .insert(presets)
      .values({ clusterId: c.id, name: "gpu-large", cpu: "7.5", memoryMb: 61440, gpu: 2, creditsPerHour: "12.3456" });
    const hiddenCluster = await makeCluster(t.db);
    await addOrgToCluster(t.db, a, c);
    await addOrgToCluster(t.db, b, c);
    await addOrgToCluster(t.db, hidden, hiddenCluster);
    await t.db.update(clusters).set({ registryUrl: "https://registry.example.com" }).where(eq(clusters.id, c.id));
    const p = await makeProject(t.db, { org: a, cluster: c, members: [[u, "admin"]] });
    await makeProject(t.db, { org: b, cluster: c, members: [[other, "admin"]] });

    const token = await makePat(t.db, u, { scope: "read" });
    const res = await callEndpoint(getConfig, { url: "/api/v1/config", deps: apiDeps(t.db), token });
    expect(res.status).toBe(200);
    expect(res.json.authorized).toBe(true);
    const parsed = parseLikeTheCli(res.json, true);
    expect(Object.keys(parsed)).toEqual([c.name]);
    const cl = res.json.clusters[0];
    expect(cl.orgs).toEqual([a.name, b.name].sort());
    expect(cl.registry_url).toBe("https://registry.example.com");
    expect(cl.storage_url).toBe(`${TEST_APP_URL}/api/v1/clusters/${c.name}/storage`);
    expect(cl.resource_presets).toEqual([
      {
        name: "cpu-small",
        credits_per_hour: "0.5",
        cpu: 1,
        memory: 1024 * 1024 * 1024,
        scheduler_enabled: false,
        preemptible_node: false,
        resource_pool_names: ["cpu-small"],
        available_resource_pool_names: ["cpu-small"],
      },
      {
        name: "gpu-large",
        credits_per_hour: "12.3456",
        cpu: 7.5,
        memory: 61440 * 1024 * 1024,
        nvidia_gpu: { count: 2, model: "nvidia-gpu" },
        scheduler_enabled: false,
        preemptible_node: false,
        resource_pool_names: ["gpu-large"],
        available_resource_pool_names: ["gpu-large"],
      },
    ]);
    expect(cl.resource_pool_types.map((x: { name: string }) => x.name)).toEqual(["cpu-small", "gpu-large"]);
    expect(cl.resource_pool_types[1]).toMatchObject({
      cpu: 7.5,
      memory: 61440 * 1024 * 1024,
      nvidia_gpu: { count: 2 },
    });
    expect(res.json.projects).toEqual([{ name: p.name, cluster_name: c.name, org_name: a.name, role: "admin" }]);
  });

  it("a token restricted to one org lists that org only", async () => {
    const u = await makeUser(t.db);
    const a = await makeOrg(t.db, { admin: u });
    const b = await makeOrg(t.db, { admin: u });
    const c = await makeCluster(t.db);
    await addOrgToCluster(t.db, a, c);
    await addOrgToCluster(t.db, b, c);
    const token = await makePat(t.db, u, { org: b.name });
    const res = await callEndpoint(getConfig, { url: "/api/v1/config", deps: apiDeps(t.db), token });
    expect(res.json.clusters.map((x: { orgs: string[] }) => x.orgs)).toEqual([[b.name]]);
  });
});

describe("GET /apis/admin/v1/clusters[/{cluster}]", () => {
  it("platform admins get the Cluster shape the admin client parses", async () => {
    const op = await makePlatformAdmin(t.db);
    const c = await makeCluster(t.db);
    const token = await makePat(t.db, op, { scope: "read" });
    const deps = apiDeps(t.db);
    const list = await callEndpoint(listApoloClusters, { url: "/apis/admin/v1/clusters", deps, token });
    expect(list.status).toBe(200);
    expect(list.json).toContainEqual({
      name: c.name,
      default_credits: null,
      default_quota: {},
      default_role: "user",
      maintenance: false,
    });
    const one = await callEndpoint(getApoloCluster, {
      url: `/apis/admin/v1/clusters/${c.name}`,
      params: { cluster: c.name },
      deps,
      token,
    });
    expect(one.status).toBe(200);
    expect(one.json.name).toBe(c.name);
    const missing = await callEndpoint(getApoloCluster, {
      url: "/apis/admin/v1/clusters/nope",
      params: { cluster: "nope" },
      deps,
      token,
    });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: "Not found", code: "not_found" });
  });

  it("anyone else: 404 with Apolo's error body; no token: 401", async () => {
    const admin = await makeUser(t.db);
    await makeOrg(t.db, { admin });
    const c = await makeCluster(t.db);
    const token = await makePat(t.db, admin);
    const deps = apiDeps(t.db);
    const list = await callEndpoint(listApoloClusters, { url: "/apis/admin/v1/clusters", deps, token });
    expect(list.status).toBe(404);
    expect(typeof list.json.error).toBe("string");
    const one = await callEndpoint(getApoloCluster, {
      url: `/apis/admin/v1/clusters/${c.name}`,
      params: { cluster: c.name },
      deps,
      token,
    });
    expect(one.status).toBe(404);
    const anon = await callEndpoint(listApoloClusters, { url: "/apis/admin/v1/clusters", deps });
    expect(anon.status).toBe(401);
    expect(anon.json.code).toBe("unauthenticated");
  });
});
