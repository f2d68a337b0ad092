import { describe, expect, it } from "vitest";
import { tokenCaller } from "../core/caller";
import { isDomainError } from "../core/errors";
import {
  addMember,
  addOrgToCluster,
  as,
  makeCluster,
  makeOrg,
  makeProject,
  makeUser,
  withTestDatabase,
} from "../test/fixtures";
import {
  effectiveProjectRole,
  grantableProjectRoles,
  projectAllowed,
  projectRoleAtLeast,
  requireProjectAccess,
  withProjectLock,
} from "./access";

const t = withTestDatabase();

async function kindOf(p: Promise<unknown>) {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (isDomainError(err)) return err.kind;
    throw err;
  }
}

async function setUp() {
  const [admin, manager, user, reader, writer] = await Promise.all([1, 2, 3, 4, 5].map(() => makeUser(t.db)));
  const org = await makeOrg(t.db, { admin: admin!, manager: manager!, user: user! });
  await addMember(t.db, org, reader!, "user");
  await addMember(t.db, org, writer!, "user");
  const cluster = await makeCluster(t.db);
  await addOrgToCluster(t.db, org, cluster);
  const project = await makeProject(t.db, {
    org,
    cluster,
    members: [
      [reader!, "reader"],
      [writer!, "writer"],
    ],
  });
  const ref = { cluster: cluster.name, project: project.name };
  return {
    admin: admin!,
    manager: manager!,
    user: user!,
    reader: reader!,
    writer: writer!,
    org,
    cluster,
    project,
    ref,
  };
}

describe("project roles", () => {
  it("orders reader < writer < manager < admin; managers grant up to manager, admins all", () => {
    expect(projectRoleAtLeast("writer", "reader")).toBe(true);
    expect(projectRoleAtLeast("manager", "admin")).toBe(false);
    expect(grantableProjectRoles("manager")).toEqual(["reader", "writer", "manager"]);
    expect(grantableProjectRoles("admin")).toEqual(["reader", "writer", "manager", "admin"]);
    expect(grantableProjectRoles("writer")).toEqual([]);
  });

  it("org managers and admins act as project admins; org users only with their membership", () => {
    expect(effectiveProjectRole("admin", null)).toBe("admin");
    expect(effectiveProjectRole("manager", "reader")).toBe("admin");
    expect(effectiveProjectRole("user", "writer")).toBe("writer");
    expect(effectiveProjectRole("user", null)).toBeNull();
  });
});

describe("requireProjectAccess", () => {
  it("reads the project role from the database on every call", async () => {
    const s = await setUp();
    const a = await requireProjectAccess(t.db, as(s.reader), s.org.name, s.ref);
    expect(a.projectRole).toBe("reader");
    expect(a.memberRole).toBe("reader");
    expect(await kindOf(requireProjectAccess(t.db, as(s.reader), s.org.name, s.ref, "project.runJobs"))).toBe(
      "forbidden",
    );
    expect(await kindOf(requireProjectAccess(t.db, as(s.writer), s.org.name, s.ref, "project.runJobs"))).toBe("ok");
    const m = await requireProjectAccess(t.db, as(s.manager), s.org.name, s.ref, "project.delete");
    expect(m.projectRole).toBe("admin");
    expect(m.memberRole).toBeNull();
    expect(projectAllowed(m, "project.grantAdmin")).toBe(true);
  });

  it("hides projects from org users outside them, and from outsiders, as NotFound", async () => {
    const s = await setUp();
    const outsider = await makeUser(t.db);
    expect(await kindOf(requireProjectAccess(t.db, as(s.user), s.org.name, s.ref))).toBe("not_found");
    expect(await kindOf(requireProjectAccess(t.db, as(outsider), s.org.name, s.ref))).toBe("not_found");
    expect(await kindOf(requireProjectAccess(t.db, null, s.org.name, s.ref))).toBe("unauthenticated");
    expect(
      await kindOf(requireProjectAccess(t.db, as(s.admin), s.org.name, { cluster: s.cluster.name, project: "nope" })),
    ).toBe("not_found");
  });

  it("finds a project only in the org named: another org's project is NotFound", async () => {
    const s = await setUp();
    const other = await setUp();
    expect(await kindOf(requireProjectAccess(t.db, as(s.admin), s.org.name, other.ref))).toBe("not_found");
  });

  it("refuses writes to a read-only token and other orgs to an org-restricted one", async () => {
    const s = await setUp();
    const token = (scopes: ("read" | "write")[], orgId?: string) =>
      tokenCaller({ userId: s.writer.id, tokenId: "t", tokenName: "ci", scopes, orgId });
    expect(await kindOf(requireProjectAccess(t.db, token(["read"]), s.org.name, s.ref))).toBe("ok");
    expect(await kindOf(requireProjectAccess(t.db, token(["read"]), s.org.name, s.ref, "project.runJobs"))).toBe(
      "forbidden",
    );
    expect(await kindOf(requireProjectAccess(t.db, token(["write"]), s.org.name, s.ref, "project.runJobs"))).toBe("ok");
    expect(await kindOf(requireProjectAccess(t.db, token(["write"], crypto.randomUUID()), s.org.name, s.ref))).toBe(
      "not_found",
    );
  });

  it("withProjectLock checks the same rules inside its transaction", async () => {
    const s = await setUp();
    const got = await withProjectLock(
      t.db,
      as(s.admin),
      s.org.name,
      s.ref,
      "project.delete",
      async (_tx, a) => a.project.id,
    );
    expect(got).toBe(s.project.id);
    expect(
      await kindOf(withProjectLock(t.db, as(s.writer), s.org.name, s.ref, "project.delete", async () => "no")),
    ).toBe("forbidden");
  });
});
