/**
 * A cluster's service URLs for the apolo CLI (platform admins set them; defaults under the console's URL) and
 * the CLI's configuration data (cliConfig): whose clusters, orgs, presets and projects. Real database.
 */
import { and, desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, clusters } from "@/db/schema";
import { tokenCaller, userCaller } from "../core/caller";
import { Forbidden, NotFound, Unauthenticated } from "../core/errors";
import {
  addOrgToCluster,
  as,
  fieldErrorsOf,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  TEST_APP_URL,
  withTestDatabase,
} from "../test/fixtures";
import { cliConfig } from "./cli-config";
import { CLUSTER_URL_KEYS, clusterServiceUrls, defaultClusterUrls, setClusterUrls } from "./cluster-urls";

const t = withTestDatabase();

describe("cluster service URLs", () => {
  it("defaults each URL under the console's configured URL, per cluster", () => {
    const d = defaultClusterUrls("https://console.example.com/", "gpu-1");
    expect(d).toEqual({
      registryUrl: "https://console.example.com/api/v1/clusters/gpu-1/registry",
      storageUrl: "https://console.example.com/api/v1/clusters/gpu-1/storage",
      usersUrl: "https://console.example.com/api/v1/clusters/gpu-1/users",
      monitoringUrl: "https://console.example.com/api/v1/clusters/gpu-1/jobs",
      secretsUrl: "https://console.example.com/api/v1/clusters/gpu-1/secrets",
      disksUrl: "https://console.example.com/api/v1/clusters/gpu-1/disk",
      bucketsUrl: "https://console.example.com/api/v1/clusters/gpu-1/buckets",
    });
    const set = clusterServiceUrls({ name: "gpu-1", storageUrl: "https://storage.gpu-1.example.com" }, TEST_APP_URL);
    expect(set.storageUrl).toBe("https://storage.gpu-1.example.com");
    expect(set.registryUrl).toBe(`${TEST_APP_URL}/api/v1/clusters/gpu-1/registry`);
  });

  it("platform admins set them (empty = back to the default), audited with before and after", async () => {
    const op = await makePlatformAdmin(t.db);
    const c = await makeCluster(t.db);
    const r = await setClusterUrls(t.db, as(op), {
      cluster: c.name,
      registryUrl: " https://registry.example.com/ ",
      storageUrl: "http://10.0.0.5:8080/api/v1/storage",
      usersUrl: "",
    });
    expect(r).toMatchObject({
      registryUrl: "https://registry.example.com",
      storageUrl: "http://10.0.0.5:8080/api/v1/storage",
      usersUrl: null,
      bucketsUrl: null,
    });
    const [row] = await t.db.select().from(clusters).where(eq(clusters.id, c.id));
    expect(row!.registryUrl).toBe("https://registry.example.com");
    expect(row!.usersUrl).toBeNull();
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "cluster.urls_set"), eq(auditEvents.targetId, c.id)))
      .orderBy(desc(auditEvents.createdAt));
    expect(audit).toMatchObject({ actorId: op.id, orgId: null, targetLabel: c.name });
    expect(audit!.before).toMatchObject({ registryUrl: null });
    expect(audit!.after).toMatchObject({ registryUrl: "https://registry.example.com", usersUrl: null });

    // Clearing every URL puts all seven back to their defaults.
    await setClusterUrls(t.db, as(op), { cluster: c.name });
    const [cleared] = await t.db.select().from(clusters).where(eq(clusters.id, c.id));
    for (const k of CLUSTER_URL_KEYS) expect(cleared![k]).toBeNull();
  });

  it("refuses what isn't an http(s) URL, credentials in it, control characters; names the field", async () => {
    const op = await makePlatformAdmin(t.db);
    const c = await makeCluster(t.db);
    expect(
      await fieldErrorsOf(setClusterUrls(t.db, as(op), { cluster: c.name, registryUrl: "ftp://x.example" })),
    ).toEqual({ registryUrl: ["Enter an http:// or https:// URL, or leave empty for the default."] });
    expect(
      await fieldErrorsOf(setClusterUrls(t.db, as(op), { cluster: c.name, storageUrl: "https://u:p@x.example" })),
    ).toHaveProperty("storageUrl");
    expect(
      await fieldErrorsOf(setClusterUrls(t.db, as(op), { cluster: c.name, disksUrl: "not a url" })),
    ).toHaveProperty("disksUrl");
    expect(
      await fieldErrorsOf(setClusterUrls(t.db, as(op), { cluster: c.name, secretsUrl: "https://x.example/\n" })),
    ).toHaveProperty("secretsUrl");
    expect(
      await fieldErrorsOf(
        setClusterUrls(t.db, as(op), { cluster: c.name, bucketsUrl: `https://x.example/${"a".repeat(2100)}` }),
      ),
    ).toEqual({ bucketsUrl: ["At most 2048 characters."] });
    await expect(setClusterUrls(t.db, as(op), { cluster: "no-such-cluster" })).rejects.toBeInstanceOf(NotFound);
  });

  it("nobody else may: an org admin is told it doesn't exist; a read-only token of a platform admin can't", async () => {
    const c = await makeCluster(t.db);
    const admin = await makeUser(t.db);
    await makeOrg(t.db, { admin });
    await expect(
      setClusterUrls(t.db, as(admin), { cluster: c.name, registryUrl: "https://x.example" }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(setClusterUrls(t.db, null, { cluster: c.name })).rejects.toBeInstanceOf(Unauthenticated);
    const op = await makePlatformAdmin(t.db);
    const readOnly = tokenCaller({ userId: op.id, tokenId: "t", tokenName: "ro", scopes: ["read"] });
    await expect(setClusterUrls(t.db, readOnly, { cluster: c.name })).rejects.toBeInstanceOf(Forbidden);
    const [row] = await t.db.select().from(clusters).where(eq(clusters.id, c.id));
    expect(row!.registryUrl).toBeNull();
  });
});

describe("the CLI's configuration data (cliConfig)", () => {
  it("lists the clusters of the person's orgs, their orgs on each, URLs, presets, and their projects", async () => {
    const u = await makeUser(t.db);
    const other = await makeUser(t.db);
    const a = await makeOrg(t.db, { admin: u });
    const b = await makeOrg(t.db, { user: u, admin: other });
    const notMine = await makeOrg(t.db, { admin: other });
    const c1 = await makeCluster(t.db, { presets: { small: "0.5", large: "12.25" } });
    const c2 = await makeCluster(t.db, { presets: { tiny: "0.1" } });
    const c3 = await makeCluster(t.db);
    await addOrgToCluster(t.db, a, c1);
    await addOrgToCluster(t.db, b, c1);
    await addOrgToCluster(t.db, b, c2);
    await addOrgToCluster(t.db, notMine, c3);
    await t.db.update(clusters).set({ registryUrl: "https://registry.example.com" }).where(eq(clusters.id, c1.id));
    const p1 = await makeProject(t.db, { org: a, cluster: c1, members: [[u, "manager"]] });
    await makeProject(t.db, { org: b, cluster: c2, members: [[other, "admin"]] }); // not u's
    await makeProject(t.db, { org: notMine, cluster: c3, members: [[other, "admin"]] });

    const cfg = await cliConfig(t.db, userCaller(u.id), TEST_APP_URL);
    expect(cfg.clusters.map((c) => c.name).sort()).toEqual([c1.name, c2.name].sort());
    const one = cfg.clusters.find((c) => c.name === c1.name)!;
    expect(one.orgs).toEqual([a.name, b.name].sort());
    expect(one.urls.registryUrl).toBe("https://registry.example.com");
    expect(one.urls.storageUrl).toBe(`${TEST_APP_URL}/api/v1/clusters/${c1.name}/storage`);
    expect(one.presets.map((p) => [p.name, p.creditsPerHour])).toEqual([
      ["small", "0.50000000"],
      ["large", "12.25000000"],
    ]);
    expect(cfg.clusters.find((c) => c.name === c2.name)!.orgs).toEqual([b.name]);
    expect(cfg.projects).toEqual([{ name: p1.name, clusterName: c1.name, orgName: a.name, role: "manager" }]);
  });

  it("a token restricted to an org sees that org only; a closed org disappears; signed out is refused", async () => {
    const u = await makeUser(t.db);
    const a = await makeOrg(t.db, { admin: u });
    const b = await makeOrg(t.db, { admin: u });
    const c = await makeCluster(t.db);
    await addOrgToCluster(t.db, a, c);
    await addOrgToCluster(t.db, b, c);
    await makeProject(t.db, { org: a, cluster: c, members: [[u, "admin"]] });
    const pb = await makeProject(t.db, { org: b, cluster: c, members: [[u, "reader"]] });
    const onlyB = tokenCaller({ userId: u.id, tokenId: "t", tokenName: "b", scopes: ["read"], orgId: b.id });
    const cfg = await cliConfig(t.db, onlyB, TEST_APP_URL);
    expect(cfg.clusters).toHaveLength(1);
    expect(cfg.clusters[0]!.orgs).toEqual([b.name]);
    expect(cfg.projects).toEqual([{ name: pb.name, clusterName: c.name, orgName: b.name, role: "reader" }]);

    const { orgs } = await import("@/db/schema");
    await t.db.update(orgs).set({ deletedAt: new Date() }).where(eq(orgs.id, b.id));
    const after = await cliConfig(t.db, userCaller(u.id), TEST_APP_URL);
    expect(after.clusters[0]!.orgs).toEqual([a.name]);
    expect(after.projects.map((p) => p.orgName)).toEqual([a.name]);
    await expect(cliConfig(t.db, null, TEST_APP_URL)).rejects.toBeInstanceOf(Unauthenticated);
  });

  it("someone in no org gets no clusters and no projects", async () => {
    const u = await makeUser(t.db);
    expect(await cliConfig(t.db, userCaller(u.id), TEST_APP_URL)).toEqual({ clusters: [], projects: [] });
  });
});
