import { describe, expect, it } from "vitest";
import { artifacts } from "@/db/schema";
import { tokenCaller } from "../core/caller";
import { Invalid, NotFound } from "../core/errors";
import { listOrgArtifacts, listOrgArtifactsByCursor, listProjectArtifactsByCursor } from "../artifacts/artifacts";
import { listJobs, listJobsByCursor } from "./jobs";
import {
  addOrgToCluster,
  as,
  makeCluster,
  makeJob,
  makeOrg,
  makeProject,
  makeUser,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();

async function walk<R extends { id: string }>(
  fetch: (cursor: string | undefined) => Promise<{ rows: R[]; nextCursor: string | null }>,
) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await fetch(cursor);
    ids.push(...page.rows.map((r) => r.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error("the cursor never ended");
}

describe("listJobsByCursor", () => {
  it("walks listJobs' rows once each, newest first, across equal start times; same visibility", async () => {
    const [admin, user] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, user });
    const cluster = await makeCluster(t.db);
    await addOrgToCluster(t.db, org, cluster);
    const at = new Date(Date.now() - 60_000);
    for (let i = 0; i < 5; i++) {
      await makeJob(t.db, { org, user: i < 3 ? admin : user, cluster, preset: cluster.presets.small!, startedAt: at });
    }
    await makeJob(t.db, { org, user, cluster, preset: cluster.presets.small! });
    const all = await listJobs(t.db, as(admin), org.name, { scope: "all", pageSize: 100 });
    const walked = await walk((cursor) =>
      listJobsByCursor(t.db, as(admin), org.name, { scope: "all", limit: 2, cursor }),
    );
    expect(walked).toEqual(all.rows.map((r) => r.id));
    expect(walked).toHaveLength(6);
    // A user asking for everyone's gets their own.
    const mine = await listJobsByCursor(t.db, as(user), org.name, { scope: "all" });
    expect(mine.scope).toBe("mine");
    expect(mine.rows).toHaveLength(3);
    expect(mine.rows.every((r) => r.mine)).toBe(true);
    expect(mine.nextCursor).toBeNull();
  });

  it("refuses foreign cursors and out-of-range limits; outsiders and other-org tokens get NotFound", async () => {
    const admin = await makeUser(t.db);
    const outsider = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const other = await makeOrg(t.db, { admin });
    await expect(listJobsByCursor(t.db, as(admin), org.name, { cursor: "x" })).rejects.toBeInstanceOf(Invalid);
    await expect(listJobsByCursor(t.db, as(admin), org.name, { limit: 101 })).rejects.toBeInstanceOf(Invalid);
    await expect(listJobsByCursor(t.db, as(outsider), org.name, {})).rejects.toBeInstanceOf(NotFound);
    const restricted = tokenCaller({
      userId: admin.id,
      tokenId: "00000000-0000-0000-0000-000000000002",
      tokenName: "ci",
      scopes: ["read"],
      orgId: other.id,
    });
    await expect(listJobsByCursor(t.db, restricted, org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(listJobsByCursor(t.db, restricted, other.name, {})).resolves.toMatchObject({ rows: [] });
  });
});

describe("listOrgArtifactsByCursor / listProjectArtifactsByCursor", () => {
  it("walk the page lists' rows once each, with their scope and filters", async () => {
    const [admin, user] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, user });
    const cluster = await makeCluster(t.db);
    await addOrgToCluster(t.db, org, cluster);
    const mine = await makeProject(t.db, { org, cluster, members: [[user, "writer"]] });
    const theirs = await makeProject(t.db, { org, cluster });
    const at = new Date(Date.now() - 60_000);
    for (const [project, n] of [
      [mine, 4],
      [theirs, 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await t.db.insert(artifacts).values({
          orgId: org.id,
          projectId: project.id,
          clusterId: cluster.id,
          kind: i % 2 ? "bucket" : "disk",
          name: `a${i}-${project.name}`,
          ownerId: user.id,
          createdAt: at,
        });
      }
    }
    const page = await listOrgArtifacts(t.db, as(admin), org.name, { pageSize: 100 });
    const walked = await walk((cursor) => listOrgArtifactsByCursor(t.db, as(admin), org.name, { limit: 4, cursor }));
    expect(walked).toEqual(page.rows.map((r) => r.id));
    expect(walked).toHaveLength(6);
    // An org user sees their projects' artifacts only; filters apply.
    const asUser = await walk((cursor) => listOrgArtifactsByCursor(t.db, as(user), org.name, { limit: 3, cursor }));
    expect(asUser).toHaveLength(4);
    const buckets = await listOrgArtifactsByCursor(t.db, as(admin), org.name, { kind: "bucket" });
    expect(buckets.rows.map((r) => r.kind)).toEqual(["bucket", "bucket", "bucket"]);
    const ref = { cluster: cluster.name, project: mine.name };
    const inProject = await walk((cursor) =>
      listProjectArtifactsByCursor(t.db, as(user), org.name, ref, { limit: 1, cursor }),
    );
    expect(inProject).toHaveLength(4);
    await expect(
      listProjectArtifactsByCursor(t.db, as(user), org.name, { cluster: cluster.name, project: theirs.name }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(listOrgArtifactsByCursor(t.db, as(admin), org.name, { cursor: "W10" })).rejects.toBeInstanceOf(
      Invalid,
    );
  });
});
