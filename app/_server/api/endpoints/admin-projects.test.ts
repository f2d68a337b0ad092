/**
 * Apolo's admin API for org clusters, projects and project users, in process through the API door: the
 * requests neuro-admin-client sends (method, path, query, JSON body) and the answers it parses
 * (`_parse_org_cluster`, `_parse_project`, `_parse_project_user`: field names, decimal strings, nulls, status
 * codes, `{"error": …}` bodies), and who may call each (user, manager, admin, outsider, platform admin,
 * read-only token, token restricted to another org). Real database.
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { auditEvents, jobs, orgClusters, projectMembers } from "@/db/schema";
import {
  addMember,
  addOrgToCluster,
  fundOrg,
  makeCluster,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  withTestDatabase,
} from "@/lib/test/fixtures";
import type { Endpoint } from "../endpoint";
import { apiDeps, callEndpoint, makePat } from "../testing";

vi.mock("server-only", () => ({}));
const api = await import("./admin-projects");

const t = withTestDatabase();

type Who = "op" | "admin" | "manager" | "user" | "outsider";

async function setup() {
  const op = await makePlatformAdmin(t.db);
  const [admin, manager, user, outsider] = await Promise.all([
    makeUser(t.db, undefined, { name: "Ada Lovelace" }),
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
  ]);
  const org = await makeOrg(t.db, { admin, manager, user });
  const other = await makeOrg(t.db, { admin: outsider });
  const cluster = await makeCluster(t.db);
  await addOrgToCluster(t.db, org, cluster, 5);
  await fundOrg(t.db, org, "100.25");
  const people = { op, admin, manager, user, outsider };
  const tokens = {} as Record<Who, string>;
  for (const [k, u] of Object.entries(people)) tokens[k as Who] = await makePat(t.db, u, { name: `${k}-cli` });
  const deps = apiDeps(t.db);
  const call = (
    endpoint: Endpoint,
    url: string,
    params: Record<string, string>,
    token: string | null,
    body?: unknown,
  ) => callEndpoint(endpoint, { url: `/apis/admin/v1/${url}`, params, token, body, deps });
  return { ...people, org, other, cluster, tokens, call };
}

/** What `_parse_org_cluster` reads, with the types it expects. */
function expectOrgClusterShape(json: Record<string, unknown>) {
  expect(Object.keys(json).sort()).toEqual(
    [
      "balance",
      "cluster_name",
      "default_credits",
      "default_quota",
      "default_role",
      "maintenance",
      "org_name",
      "quota",
      "storage_size",
    ].sort(),
  );
  expect(json.maintenance).toBe(false);
  const balance = json.balance as { credits: string; spent_credits: string };
  expect(balance.credits).toMatch(/^-?\d+(\.\d+)?$/);
  expect(balance.spent_credits).toMatch(/^\d+(\.\d+)?$/);
}

describe("org clusters: clusters/{cluster}/orgs", () => {
  it("POST (platform admin) takes the client's body and answers the OrgCluster, 201", async () => {
    const s = await setup();
    const c2 = await makeCluster(t.db);
    const body = {
      org_name: s.org.name,
      quota: { total_running_jobs: 3 },
      balance: { spent_credits: "0" },
      default_quota: { total_running_jobs: 1 },
      default_role: "member",
      maintenance: false,
      default_credits: "12.5",
      storage_size: 1073741824,
    };
    const url = `clusters/${c2.name}/orgs`;
    const res = await s.call(api.createClusterOrg, url, { cluster: c2.name }, s.tokens.op, body);
    expect(res.status).toBe(201);
    expectOrgClusterShape(res.json);
    expect(res.json).toEqual({
      org_name: s.org.name,
      cluster_name: c2.name,
      balance: { credits: "100.25000000", spent_credits: "0.00000000" },
      quota: { total_running_jobs: 3 },
      default_credits: "12.50000000",
      default_quota: { total_running_jobs: 1 },
      default_role: "member",
      storage_size: 1073741824,
      maintenance: false,
    });
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, s.org.id), eq(auditEvents.action, "cluster.org_set")));
    expect(audit?.viaToken).toBe("op-cli");

    // Again: 409 in Apolo's error shape.
    const again = await s.call(api.createClusterOrg, url, { cluster: c2.name }, s.tokens.op, body);
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: "conflict", error: expect.stringMatching(/already on cluster/) });
  });

  it("POST is refused to org admins (404), read-only tokens (403), a balance and maintenance (422)", async () => {
    const s = await setup();
    const c2 = await makeCluster(t.db);
    const url = `clusters/${c2.name}/orgs`;
    const p = { cluster: c2.name };
    const asAdmin = await s.call(api.createClusterOrg, url, p, s.tokens.admin, { org_name: s.org.name });
    expect(asAdmin.status).toBe(404);
    expect(asAdmin.json).toEqual({ error: "Not found", code: "not_found" });
    const ro = await makePat(t.db, s.op, { scope: "read" });
    expect((await s.call(api.createClusterOrg, url, p, ro, { org_name: s.org.name })).status).toBe(403);
    await addMember(t.db, s.other, s.op, "user");
    const restricted = await makePat(t.db, s.op, { org: s.other.name });
    // A platform admin's token restricted to another org: this org doesn't exist for it.
    expect((await s.call(api.createClusterOrg, url, p, restricted, { org_name: s.org.name })).status).toBe(404);
    const credits = await s.call(api.createClusterOrg, url, p, s.tokens.op, {
      org_name: s.org.name,
      balance: { credits: "100" },
    });
    expect(credits.status).toBe(422);
    expect(credits.json.error).toMatch(/set-org-credits/);
    const maint = await s.call(api.createClusterOrg, url, p, s.tokens.op, { org_name: s.org.name, maintenance: true });
    expect(maint.status).toBe(422);
    const noOrg = await s.call(api.createClusterOrg, url, p, s.tokens.op, {});
    expect(noOrg.status).toBe(422);
    expect(noOrg.json.fields).toHaveProperty("org_name");
    const badJobs = await s.call(api.createClusterOrg, url, p, s.tokens.op, {
      org_name: s.org.name,
      quota: { total_running_jobs: "lots" },
    });
    expect(badJobs.status).toBe(422);
    expect(await t.db.select().from(orgClusters).where(eq(orgClusters.clusterId, c2.id))).toEqual([]);
    expect((await s.call(api.createClusterOrg, url, p, null, { org_name: s.org.name })).status).toBe(401);
  });

  it("GET list and GET one: members read theirs, platform admins all, outsiders nothing", async () => {
    const s = await setup();
    await addOrgToCluster(t.db, s.other, s.cluster);
    const url = `clusters/${s.cluster.name}/orgs`;
    const p = { cluster: s.cluster.name };
    const all = await s.call(api.listClusterOrgs, url, p, s.tokens.op);
    expect(all.status).toBe(200);
    expect(all.json.map((o: { org_name: string }) => o.org_name).sort()).toEqual([s.org.name, s.other.name].sort());
    all.json.forEach(expectOrgClusterShape);
    const mine = await s.call(api.listClusterOrgs, url, p, s.tokens.user);
    expect(mine.json.map((o: { org_name: string }) => o.org_name)).toEqual([s.org.name]);

    const one = await s.call(api.getClusterOrg, `${url}/${s.org.name}`, { ...p, org: s.org.name }, s.tokens.user);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({
      org_name: s.org.name,
      quota: { total_running_jobs: 5 },
      default_credits: null,
      default_quota: { total_running_jobs: null },
      default_role: "user",
      storage_size: null,
    });
    const hidden = await s.call(
      api.getClusterOrg,
      `${url}/${s.org.name}`,
      { ...p, org: s.org.name },
      s.tokens.outsider,
    );
    expect(hidden.status).toBe(404);
    expect(hidden.json).toEqual({ error: "Not found", code: "not_found" });
    const restricted = await makePat(t.db, s.user, { org: s.org.name });
    expect(
      (await s.call(api.getClusterOrg, `${url}/${s.org.name}`, { ...p, org: s.org.name }, restricted)).status,
    ).toBe(200);
  });

  it("PUT replaces quota and defaults as update-org-cluster sends them; a changed balance is refused", async () => {
    const s = await setup();
    const p = { cluster: s.cluster.name, org: s.org.name };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}`;
    const current = (await s.call(api.getClusterOrg, url, p, s.tokens.op)).json;
    // The client's update_org_cluster payload: the fetched object with changes.
    const body = {
      org_name: s.org.name,
      quota: { total_running_jobs: 8 },
      balance: current.balance,
      default_quota: {},
      default_role: "manager",
      maintenance: false,
      default_credits: "3",
    };
    const res = await s.call(api.updateClusterOrg, url, p, s.tokens.op, body);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      quota: { total_running_jobs: 8 },
      default_role: "manager",
      default_credits: "3.00000000",
      default_quota: { total_running_jobs: null },
    });
    const moved = await s.call(api.updateClusterOrg, url, p, s.tokens.op, {
      ...body,
      balance: { credits: "5000", spent_credits: "0" },
    });
    expect(moved.status).toBe(422);
    expect(moved.json.error).toMatch(/set-org-credits/);
    expect((await s.call(api.updateClusterOrg, url, p, s.tokens.admin, body)).status).toBe(404);
    const mismatch = await s.call(api.updateClusterOrg, url, p, s.tokens.op, { ...body, org_name: s.other.name });
    expect(mismatch.status).toBe(422);
  });

  it("PATCH defaults takes {credits, quota, default_role}", async () => {
    const s = await setup();
    const p = { cluster: s.cluster.name, org: s.org.name };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}/defaults`;
    const body = { quota: { total_running_jobs: 2 }, default_role: "member", credits: "10" };
    const res = await s.call(api.setClusterOrgDefaults, url, p, s.tokens.op, body);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      default_credits: "10.00000000",
      default_quota: { total_running_jobs: 2 },
      default_role: "member",
      quota: { total_running_jobs: 5 },
    });
    const cleared = await s.call(api.setClusterOrgDefaults, url, p, s.tokens.op, { quota: {}, default_role: "user" });
    expect(cleared.json).toMatchObject({ default_credits: null, default_quota: { total_running_jobs: null } });
    expect((await s.call(api.setClusterOrgDefaults, url, p, s.tokens.manager, body)).status).toBe(404);
    const bad = await s.call(api.setClusterOrgDefaults, url, p, s.tokens.op, { credits: "-1" });
    expect(bad.status).toBe(422);
  });

  it("PATCH quota sets, or adds a delta once per idempotency_key", async () => {
    const s = await setup();
    const p = { cluster: s.cluster.name, org: s.org.name };
    const base = `clusters/${s.cluster.name}/orgs/${s.org.name}/quota`;
    const set = await s.call(api.setClusterOrgQuota, base, p, s.tokens.op, { quota: { total_running_jobs: 10 } });
    expect(set.status).toBe(200);
    expect(set.json.quota).toEqual({ total_running_jobs: 10 });
    const delta = { additional_quota: { total_running_jobs: 3 } };
    const first = await s.call(api.setClusterOrgQuota, `${base}?idempotency_key=k-1`, p, s.tokens.op, delta);
    const retry = await s.call(api.setClusterOrgQuota, `${base}?idempotency_key=k-1`, p, s.tokens.op, delta);
    expect(first.json.quota).toEqual({ total_running_jobs: 13 });
    expect(retry.status).toBe(200);
    expect(retry.json.quota).toEqual({ total_running_jobs: 13 });
    const next = await s.call(api.setClusterOrgQuota, `${base}?idempotency_key=k-2`, p, s.tokens.op, delta);
    expect(next.json.quota).toEqual({ total_running_jobs: 16 });
    const [row] = await t.db.select().from(orgClusters).where(eq(orgClusters.orgId, s.org.id));
    expect(row?.maxRunningJobs).toBe(16);
    // The same key with another body is a conflict, not a silent replay.
    const reused = await s.call(api.setClusterOrgQuota, `${base}?idempotency_key=k-2`, p, s.tokens.op, {
      additional_quota: { total_running_jobs: 1 },
    });
    expect(reused.status).toBe(409);
    // `{quota: {}}` (the client drops a None): unlimited; then a delta is refused.
    const unlimited = await s.call(api.setClusterOrgQuota, base, p, s.tokens.op, { quota: {} });
    expect(unlimited.json.quota).toEqual({ total_running_jobs: null });
    const refused = await s.call(api.setClusterOrgQuota, base, p, s.tokens.op, delta);
    expect(refused.status).toBe(422);
    expect(refused.json.error).toMatch(/unlimited/);
    expect((await s.call(api.setClusterOrgQuota, base, p, s.tokens.op, {})).status).toBe(422);
    expect((await s.call(api.setClusterOrgQuota, base, p, s.tokens.admin, { quota: {} })).status).toBe(404);
  });

  it("PATCH balance is refused with a pointer to set-org-credits (members), 404 for outsiders", async () => {
    const s = await setup();
    const p = { cluster: s.cluster.name, org: s.org.name };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}/balance?idempotency_key=x`;
    for (const body of [{ credits: "100" }, { additional_credits: "5" }]) {
      const res = await s.call(api.setClusterOrgBalance, url, p, s.tokens.op, body);
      expect(res.status).toBe(422);
      expect(res.json).toMatchObject({ code: "invalid", error: expect.stringMatching(/set-org-credits/) });
    }
    expect((await s.call(api.setClusterOrgBalance, url, p, s.tokens.outsider, { credits: "1" })).status).toBe(404);
  });

  it("DELETE removes the org from the cluster (platform admins), 204", async () => {
    const s = await setup();
    const p = { cluster: s.cluster.name, org: s.org.name };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}`;
    expect((await s.call(api.deleteClusterOrg, url, p, s.tokens.admin)).status).toBe(404);
    const res = await s.call(api.deleteClusterOrg, url, p, s.tokens.op);
    expect(res.status).toBe(204);
    expect(res.json).toBeNull();
    expect((await s.call(api.getClusterOrg, url, p, s.tokens.user)).status).toBe(404);
    expect((await s.call(api.deleteClusterOrg, url, p, s.tokens.op)).status).toBe(404);
  });
});

describe("projects: clusters/{cluster}/orgs/{org}/projects", () => {
  it("POST as add-project sends it: any member creates (becoming admin); the Project answer, 201", async () => {
    const s = await setup();
    const p = { cluster: s.cluster.name, org: s.org.name };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}/projects`;
    const res = await s.call(api.createOrgProject, url, p, s.tokens.user, {
      name: "ml-team",
      is_default: false,
      default_role: "reader",
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      name: "ml-team",
      cluster_name: s.cluster.name,
      org_name: s.org.name,
      is_default: false,
      default_role: "reader",
      has_virtual_kube: false,
    });
    const [m] = await t.db
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(eq(projectMembers.userId, s.user.id));
    expect(m?.role).toBe("admin");
    // An Idempotency-Key header: the retry gets the first answer, nothing is created twice.
    const once = {
      url: `/apis/admin/v1/${url}`,
      params: p,
      token: s.tokens.user,
      body: { name: "keyed" },
      headers: { "idempotency-key": "create-keyed-1" },
      deps: apiDeps(t.db),
    };
    const k1 = await callEndpoint(api.createOrgProject, once);
    const k2 = await callEndpoint(api.createOrgProject, once);
    expect(k1.status).toBe(201);
    expect(k2.status).toBe(201);
    expect(k2.headers.get("idempotent-replayed")).toBe("true");
    expect(k2.json).toEqual(k1.json);
    // Defaults: writer, not default.
    const plain = await s.call(api.createOrgProject, url, p, s.tokens.user, { name: "plain" });
    expect(plain.json).toMatchObject({ default_role: "writer", is_default: false });
    // has_virtual_kube=false (newer clients) is fine; true is refused.
    expect(
      (await s.call(api.createOrgProject, url, p, s.tokens.user, { name: "vk-no", has_virtual_kube: false })).status,
    ).toBe(201);
    const vk = await s.call(api.createOrgProject, url, p, s.tokens.user, { name: "vk", has_virtual_kube: true });
    expect(vk.status).toBe(422);
    expect(vk.json.error).toMatch(/virtual Kubernetes/);
    // is_default takes an org manager.
    expect((await s.call(api.createOrgProject, url, p, s.tokens.user, { name: "dflt", is_default: true })).status).toBe(
      403,
    );
    expect(
      (await s.call(api.createOrgProject, url, p, s.tokens.manager, { name: "dflt", is_default: true })).json
        .is_default,
    ).toBe(true);
    const dup = await s.call(api.createOrgProject, url, p, s.tokens.user, { name: "ml-team" });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toMatch(/already exists/);
    const badName = await s.call(api.createOrgProject, url, p, s.tokens.user, { name: "Bad Name!" });
    expect(badName.status).toBe(422);
    const ro = await makePat(t.db, s.user, { scope: "read" });
    expect((await s.call(api.createOrgProject, url, p, ro, { name: "ro-proj" })).status).toBe(403);
    expect((await s.call(api.createOrgProject, url, p, s.tokens.outsider, { name: "out-proj" })).status).toBe(404);
    const c2 = await makeCluster(t.db);
    const off = await s.call(
      api.createOrgProject,
      `clusters/${c2.name}/orgs/${s.org.name}/projects`,
      { cluster: c2.name, org: s.org.name },
      s.tokens.user,
      { name: "offcluster" },
    );
    expect(off.status).toBe(422);
    expect(off.json.error).toBeTypeOf("string");
  });

  it("GET list: an org user's own projects, every project for managers; GET one; outsiders 404", async () => {
    const s = await setup();
    await makeProject(t.db, { org: s.org, cluster: s.cluster, name: "alpha", members: [[s.user, "writer"]] });
    await makeProject(t.db, { org: s.org, cluster: s.cluster, name: "beta", isDefault: true, defaultRole: "reader" });
    const p = { cluster: s.cluster.name, org: s.org.name };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}/projects`;
    const asUser = await s.call(api.listOrgProjects, url, p, s.tokens.user);
    expect(asUser.status).toBe(200);
    expect(asUser.json.map((x: { name: string }) => x.name)).toEqual(["alpha"]);
    const asManager = await s.call(api.listOrgProjects, url, p, s.tokens.manager);
    expect(asManager.json).toEqual([
      {
        name: "alpha",
        cluster_name: s.cluster.name,
        org_name: s.org.name,
        is_default: false,
        default_role: "writer",
        has_virtual_kube: false,
      },
      {
        name: "beta",
        cluster_name: s.cluster.name,
        org_name: s.org.name,
        is_default: true,
        default_role: "reader",
        has_virtual_kube: false,
      },
    ]);
    expect((await s.call(api.listOrgProjects, url, p, s.tokens.outsider)).status).toBe(404);
    const one = await s.call(api.getOrgProject, `${url}/alpha`, { ...p, project: "alpha" }, s.tokens.user);
    expect(one.json).toMatchObject({ name: "alpha", default_role: "writer" });
    // An org user outside the project: it doesn't exist for them.
    expect((await s.call(api.getOrgProject, `${url}/beta`, { ...p, project: "beta" }, s.tokens.user)).status).toBe(404);
    expect((await s.call(api.getOrgProject, `${url}/nope`, { ...p, project: "nope" }, s.tokens.manager)).status).toBe(
      404,
    );
  });

  it("PUT changes is_default and default_role (project admins; the flag takes an org manager)", async () => {
    const s = await setup();
    const proj = await makeProject(t.db, {
      org: s.org,
      cluster: s.cluster,
      name: "alpha",
      members: [
        [s.user, "admin"],
        [s.admin, "writer"],
      ],
    });
    const writer = await makeUser(t.db);
    await addMember(t.db, s.org, writer, "user");
    const wtoken = await makePat(t.db, writer);
    await t.db
      .insert(projectMembers)
      .values({ projectId: proj.id, orgId: s.org.id, userId: writer.id, role: "writer" });
    const p = { cluster: s.cluster.name, org: s.org.name, project: "alpha" };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}/projects/alpha`;
    const res = await s.call(api.updateOrgProject, url, p, s.tokens.user, {
      is_default: false,
      default_role: "reader",
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: "alpha", is_default: false, default_role: "reader" });
    expect((await s.call(api.updateOrgProject, url, p, wtoken, { default_role: "writer" })).status).toBe(403);
    expect((await s.call(api.updateOrgProject, url, p, s.tokens.user, { is_default: true })).status).toBe(403);
    const asOrgAdmin = await s.call(api.updateOrgProject, url, p, s.tokens.admin, {
      is_default: true,
      default_role: "reader",
    });
    expect(asOrgAdmin.json.is_default).toBe(true);
    expect((await s.call(api.updateOrgProject, url, p, s.tokens.user, { default_role: "owner" })).status).toBe(422);
  });

  it("DELETE: project admins, 204 (the path is the confirmation); writers 403; running jobs 409", async () => {
    const s = await setup();
    const proj = await makeProject(t.db, {
      org: s.org,
      cluster: s.cluster,
      name: "alpha",
      members: [[s.user, "writer"]],
    });
    const p = { cluster: s.cluster.name, org: s.org.name, project: "alpha" };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}/projects/alpha`;
    expect((await s.call(api.deleteOrgProject, url, p, s.tokens.user)).status).toBe(403);
    const job = await makeJob(t.db, { org: s.org, user: s.user, cluster: s.cluster, preset: s.cluster.presets.small! });
    await t.db.update(jobs).set({ projectId: proj.id }).where(eq(jobs.id, job.id));
    const busy = await s.call(api.deleteOrgProject, url, p, s.tokens.manager);
    expect(busy.status).toBe(409);
    expect(busy.json.error).toMatch(/Stop its running jobs/);
    await t.db.update(jobs).set({ status: "stopped", stoppedAt: new Date() }).where(eq(jobs.id, job.id));
    const res = await s.call(api.deleteOrgProject, url, p, s.tokens.manager);
    expect(res.status).toBe(204);
    expect((await s.call(api.deleteOrgProject, url, p, s.tokens.manager)).status).toBe(404);
  });
});

describe("project users: …/projects/{project}/users", () => {
  async function withProject() {
    const s = await setup();
    const proj = await makeProject(t.db, {
      org: s.org,
      cluster: s.cluster,
      name: "alpha",
      members: [[s.user, "admin"]],
    });
    const p = { cluster: s.cluster.name, org: s.org.name, project: "alpha" };
    const url = `clusters/${s.cluster.name}/orgs/${s.org.name}/projects/alpha/users`;
    return { ...s, p, url, proj };
  }

  it("POST adds an org member as add-project-user sends it; answers the ProjectUser (with user_info), 201", async () => {
    const s = await withProject();
    const res = await s.call(api.addOrgProjectUser, `${s.url}?with_user_info=true`, s.p, s.tokens.user, {
      user_name: s.admin.username,
      role: "writer",
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      user_name: s.admin.username,
      cluster_name: s.cluster.name,
      org_name: s.org.name,
      project_name: "alpha",
      role: "writer",
      // The caller (an org user) doesn't see another member's email; `email` is present (the client reads it).
      user_info: { email: null, first_name: "Ada", last_name: "Lovelace", created_at: expect.any(String) },
    });
    expect(new Date(res.json.user_info.created_at).toString()).not.toBe("Invalid Date");
    // Without a role: the project's default (writer).
    const plain = await s.call(api.addOrgProjectUser, `${s.url}?with_user_info=false`, s.p, s.tokens.user, {
      user_name: s.manager.username,
    });
    expect(plain.json).toEqual({
      user_name: s.manager.username,
      cluster_name: s.cluster.name,
      org_name: s.org.name,
      project_name: "alpha",
      role: "writer",
    });
    const dup = await s.call(api.addOrgProjectUser, s.url, s.p, s.tokens.user, { user_name: s.admin.username });
    expect(dup.status).toBe(409);
    const notInOrg = await s.call(api.addOrgProjectUser, s.url, s.p, s.tokens.user, {
      user_name: s.outsider.username,
    });
    expect(notInOrg.status).toBe(422);
    expect(notInOrg.json.error).toBeTypeOf("string");
    expect(JSON.stringify(notInOrg.json)).toContain(
      `User '${s.org.name}/${s.outsider.username}' not found in cluster '${s.cluster.name}'`,
    );
    // A writer (an org user) can't add people; an outsider can't see the project.
    const writer = await makeUser(t.db);
    await addMember(t.db, s.org, writer, "user");
    await t.db
      .insert(projectMembers)
      .values({ projectId: s.proj.id, orgId: s.org.id, userId: writer.id, role: "writer" });
    const wtoken = await makePat(t.db, writer);
    const third = await makeUser(t.db);
    await addMember(t.db, s.org, third, "user");
    const refused = await s.call(api.addOrgProjectUser, s.url, s.p, wtoken, { user_name: third.username });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe("forbidden");
    expect(
      (await s.call(api.addOrgProjectUser, s.url, s.p, s.tokens.outsider, { user_name: s.outsider.username })).status,
    ).toBe(404);
    const ro = await makePat(t.db, s.user, { scope: "read" });
    const other = await makeUser(t.db);
    await addMember(t.db, s.org, other, "user");
    expect((await s.call(api.addOrgProjectUser, s.url, s.p, ro, { user_name: other.username })).status).toBe(403);
  });

  it("GET list and GET one, with_user_info=true|false; emails for managers and self only", async () => {
    const s = await withProject();
    await t.db
      .insert(projectMembers)
      .values({ projectId: s.proj.id, orgId: s.org.id, userId: s.admin.id, role: "reader" });
    const bare = await s.call(api.listOrgProjectUsers, `${s.url}?with_user_info=false`, s.p, s.tokens.user);
    expect(bare.status).toBe(200);
    expect(bare.json).toHaveLength(2);
    for (const u of bare.json) {
      expect(Object.keys(u).sort()).toEqual(["cluster_name", "org_name", "project_name", "role", "user_name"]);
    }
    const withInfo = await s.call(api.listOrgProjectUsers, `${s.url}?with_user_info=true`, s.p, s.tokens.user);
    const byName = Object.fromEntries(withInfo.json.map((u: { user_name: string }) => [u.user_name, u]));
    expect(byName[s.user.username].user_info.email).toBe(s.user.email);
    expect(byName[s.admin.username].user_info.email).toBeNull();
    const asManager = await s.call(api.listOrgProjectUsers, `${s.url}?with_user_info=true`, s.p, s.tokens.manager);
    expect(asManager.json.every((u: { user_info: { email: string } }) => u.user_info.email !== null)).toBe(true);
    const bad = await s.call(api.listOrgProjectUsers, `${s.url}?with_user_info=yes`, s.p, s.tokens.user);
    expect(bad.status).toBe(422);

    const one = await s.call(
      api.getOrgProjectUser,
      `${s.url}/${s.admin.username}?with_user_info=true`,
      { ...s.p, user: s.admin.username },
      s.tokens.manager,
    );
    expect(one.json).toMatchObject({
      user_name: s.admin.username,
      role: "reader",
      user_info: { email: s.admin.email },
    });
    const missing = await s.call(
      api.getOrgProjectUser,
      `${s.url}/${s.manager.username}`,
      { ...s.p, user: s.manager.username },
      s.tokens.manager,
    );
    expect(missing.status).toBe(404);
    expect((await s.call(api.listOrgProjectUsers, s.url, s.p, s.tokens.outsider)).status).toBe(404);
  });

  it("PUT changes a role; the last admin is never demoted (409); DELETE removes, never the last admin", async () => {
    const s = await withProject();
    await s.call(api.addOrgProjectUser, s.url, s.p, s.tokens.user, { user_name: s.admin.username, role: "writer" });
    const put = await s.call(
      api.updateOrgProjectUser,
      `${s.url}/${s.admin.username}`,
      { ...s.p, user: s.admin.username },
      s.tokens.user,
      { role: "manager" },
    );
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ user_name: s.admin.username, role: "manager" });
    // The manager (org manager acts as project admin) demoting the only project admin.
    const demote = await s.call(
      api.updateOrgProjectUser,
      `${s.url}/${s.user.username}`,
      { ...s.p, user: s.user.username },
      s.tokens.manager,
      { role: "writer" },
    );
    expect(demote.status).toBe(409);
    expect(demote.json.error).toBe("Last project admin cannot be demoted");
    const self = await s.call(
      api.updateOrgProjectUser,
      `${s.url}/${s.user.username}`,
      { ...s.p, user: s.user.username },
      s.tokens.user,
      { role: "writer" },
    );
    expect(self.status).toBe(403);
    const removeLast = await s.call(
      api.removeOrgProjectUser,
      `${s.url}/${s.user.username}`,
      { ...s.p, user: s.user.username },
      s.tokens.manager,
    );
    expect(removeLast.status).toBe(409);
    expect(removeLast.json.error).toBe("Last project admin cannot be removed");
    const del = await s.call(
      api.removeOrgProjectUser,
      `${s.url}/${s.admin.username}`,
      { ...s.p, user: s.admin.username },
      s.tokens.user,
    );
    expect(del.status).toBe(204);
    const gone = await s.call(
      api.getOrgProjectUser,
      `${s.url}/${s.admin.username}`,
      { ...s.p, user: s.admin.username },
      s.tokens.user,
    );
    expect(gone.status).toBe(404);
    const rows = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, s.org.id), eq(auditEvents.action, "project.member_removed")));
    expect(rows[0]?.viaToken).toBe("user-cli");
  });
});

describe("route files", () => {
  it("each endpoint is served by the route file its path names, under its method", async () => {
    const endpoints = Object.values(api).filter(
      (v): v is Endpoint => typeof v === "object" && v !== null && "spec" in v,
    );
    expect(endpoints).toHaveLength(18);
    for (const e of endpoints) {
      const file = `@/app${e.spec.path.replace(/\{(\w+)\}/g, "[$1]")}/route`;
      const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      expect(mod[e.spec.method], `${e.spec.method} ${e.spec.path}`).toBe(e.route);
      expect(mod.dynamic).toBe("force-dynamic");
    }
  });
});
