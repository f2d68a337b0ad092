/**
 * Names from URLs (issue 15): an org, cluster or project name with a NUL (or another control character, or
 * longer than any name) is NotFound before any SQL — PostgreSQL would refuse the NUL (SQLSTATE 22021), a 500.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { resolveOrgRedirect } from "../orgs/org-names";
import { getProject } from "../projects/projects";
import { requireProjectAccess, withProjectLock } from "../projects/access";
import { addOrgToCluster, as, makeCluster, makeOrg, makeProject, makeUser, withTestDatabase } from "../test/fixtures";
import { isLookupName, requireOrgAccess, withOrgLock } from "./authz";
import { badTextEncoding, invalidFromDbError } from "./db-errors";
import { NotFound } from "./errors";

const t = withTestDatabase();

const BAD_NAMES = ["\u0000", "a\u0000b", "acme\u0000", "\u001b[31m", "line\nbreak", "", "x".repeat(256)];

describe("names from URLs", () => {
  it("isLookupName: 1–255 characters, no control character", () => {
    for (const bad of [...BAD_NAMES, null, undefined, 1, {}])
      expect(isLookupName(bad), JSON.stringify(bad)).toBe(false);
    for (const ok of ["acme", "a", "x".repeat(255), "Üñï"]) expect(isLookupName(ok)).toBe(true);
  });

  it("the database itself refuses a NUL with a bad-text error (what the check keeps from happening)", async () => {
    const err = await t.db.execute(sql`select ${"a\u0000b"}::text as v`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(badTextEncoding(err)).toBe(true);
    expect(invalidFromDbError(err, "name")?.fieldErrors).toEqual({ name: [expect.stringMatching(/can't be stored/)] });
  });

  it("requireOrgAccess and withOrgLock answer NotFound for an org name with a NUL, the member's org still opens", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    for (const bad of BAD_NAMES) {
      await expect(requireOrgAccess(t.db, as(admin), bad), JSON.stringify(bad)).rejects.toBeInstanceOf(NotFound);
      await expect(
        withOrgLock(t.db, as(admin), bad, "org.view", async () => "ran"),
        JSON.stringify(bad),
      ).rejects.toBeInstanceOf(NotFound);
    }
    await expect(requireOrgAccess(t.db, as(admin), `${org.name}\u0000`)).rejects.toThrow("Organization not found");
    expect((await requireOrgAccess(t.db, as(admin), org.name)).org.id).toBe(org.id);
    expect(await resolveOrgRedirect(t.db, as(admin), "\u0000")).toBeNull();
  });

  it("a project or cluster name with a NUL is NotFound", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const cluster = await makeCluster(t.db);
    await addOrgToCluster(t.db, org, cluster);
    const project = await makeProject(t.db, { org, cluster, members: [[admin, "admin"]] });
    const refs = [
      { cluster: cluster.name, project: "\u0000" },
      { cluster: "\u0000", project: project.name },
      { cluster: `${cluster.name}\u0000`, project: `${project.name}\u0000` },
    ];
    for (const ref of refs) {
      await expect(requireProjectAccess(t.db, as(admin), org.name, ref)).rejects.toBeInstanceOf(NotFound);
      await expect(getProject(t.db, as(admin), org.name, ref)).rejects.toBeInstanceOf(NotFound);
      await expect(
        withProjectLock(t.db, as(admin), org.name, ref, "project.view", async () => "ran"),
      ).rejects.toBeInstanceOf(NotFound);
    }
    await expect(
      withProjectLock(t.db, as(admin), "\u0000", { cluster: cluster.name, project: project.name }, "project.view", () =>
        Promise.resolve("ran"),
      ),
    ).rejects.toBeInstanceOf(NotFound);
    const ok = await requireProjectAccess(t.db, as(admin), org.name, { cluster: cluster.name, project: project.name });
    expect(ok.project.id).toBe(project.id);
  });
});
