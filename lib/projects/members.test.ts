import { and, desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, orgMembers, orgs, projectMembers } from "@/db/schema";
import { tokenCaller } from "../core/caller";
import { Conflict, DomainError, Forbidden, Invalid, NotFound } from "../core/errors";
import { leaveOrg, removeMember } from "../orgs/members";
import { addMemberAsPlatformAdmin } from "../orgs/platform";
import {
  addMember,
  addOrgToCluster,
  as,
  fieldErrorsOf,
  joinByUsername,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  withTestDatabase,
} from "../test/fixtures";
import type { ProjectRole } from "./access";
import {
  addProjectMember,
  changeProjectMemberRole,
  listProjectCandidates,
  listProjectMembers,
  removeProjectMember,
} from "./members";
import { createProject, getProject, listProjects } from "./projects";

const t = withTestDatabase();

type Person = Awaited<ReturnType<typeof makeUser>>;

/**
 * An org (orgAdmin, orgManager, and users) on a cluster with a project: admin (project admin), manager,
 * writer, reader; `spare` and `spare2` are org users outside the project.
 */
async function world() {
  const p = {
    orgAdmin: await makeUser(t.db),
    orgManager: await makeUser(t.db),
    admin: await makeUser(t.db),
    manager: await makeUser(t.db),
    writer: await makeUser(t.db),
    reader: await makeUser(t.db),
    spare: await makeUser(t.db),
    spare2: await makeUser(t.db),
  };
  const org = await makeOrg(t.db, { admin: p.orgAdmin, manager: p.orgManager });
  for (const k of ["admin", "manager", "writer", "reader", "spare", "spare2"] as const) {
    await addMember(t.db, org, p[k], "user");
  }
  const [o] = await t.db.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, org.id));
  const cluster = await makeCluster(t.db);
  await addOrgToCluster(t.db, org, cluster);
  const project = await makeProject(t.db, {
    org,
    cluster,
    members: [
      [p.admin, "admin"],
      [p.manager, "manager"],
      [p.writer, "writer"],
      [p.reader, "reader"],
    ],
  });
  return {
    ...p,
    org: { id: org.id, name: o!.name },
    cluster,
    project,
    ref: { cluster: cluster.name, project: project.name },
  };
}
type World = Awaited<ReturnType<typeof world>>;

async function roleIn(projectId: string, userId: string): Promise<ProjectRole | null> {
  const [m] = await t.db
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
  return m?.role ?? null;
}

async function admins(projectId: string) {
  return (
    await t.db
      .select()
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, "admin")))
  ).length;
}

async function lastAudit(orgId: string, action: string) {
  const [a] = await t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)))
    .orderBy(desc(auditEvents.id))
    .limit(1);
  return a;
}

const add = (w: World, by: Person, username: string, role?: ProjectRole) =>
  addProjectMember(t.db, as(by), w.org.name, w.ref, role ? { username, role } : { username });

describe("listProjectMembers", () => {
  it("lists members with their org role and what the viewer may do to each", async () => {
    const w = await world();
    const asReader = await listProjectMembers(t.db, as(w.reader), w.org.name, w.ref, {});
    expect(asReader.total).toBe(4);
    expect(asReader.canAdd).toBe(false);
    expect(asReader.addableRoles).toEqual([]);
    expect(asReader.rows.map((r) => r.username)).toEqual(
      [w.admin, w.manager, w.writer, w.reader].map((p) => p.username).sort(),
    );
    const byName = (rows: typeof asReader.rows, p: Person) => rows.find((r) => r.username === p.username)!;
    expect(byName(asReader.rows, w.reader)).toMatchObject({
      role: "reader",
      orgRole: "user",
      actions: { changeRole: false, roles: [], remove: true },
    });
    expect(byName(asReader.rows, w.writer).actions).toEqual({ changeRole: false, roles: [], remove: false });

    const asManager = await listProjectMembers(t.db, as(w.manager), w.org.name, w.ref, {});
    expect(asManager.canAdd).toBe(true);
    expect(asManager.addableRoles).toEqual(["reader", "writer", "manager"]);
    expect(byName(asManager.rows, w.writer).actions).toEqual({
      changeRole: true,
      roles: ["reader", "writer", "manager"],
      remove: true,
    });
    // A manager never touches an admin; the only admin is the last one anyway.
    expect(byName(asManager.rows, w.admin).actions).toEqual({ changeRole: false, roles: [], remove: false });

    const asOrgManager = await listProjectMembers(t.db, as(w.orgManager), w.org.name, w.ref, {});
    expect(asOrgManager.addableRoles).toEqual(["reader", "writer", "manager", "admin"]);
    expect(byName(asOrgManager.rows, w.writer).actions.roles).toEqual(["reader", "writer", "manager", "admin"]);
    // The last project admin: neither demoted nor removed.
    expect(byName(asOrgManager.rows, w.admin).actions).toEqual({ changeRole: false, roles: [], remove: false });
    await add(w, w.orgManager, w.spare.username, "admin");
    const twoAdmins = await listProjectMembers(t.db, as(w.orgManager), w.org.name, w.ref, {});
    expect(byName(twoAdmins.rows, w.admin).actions).toMatchObject({ changeRole: true, remove: true });
  });

  it("searches and pages; outsiders to the project get NotFound", async () => {
    const w = await world();
    const r = await listProjectMembers(t.db, as(w.writer), w.org.name, w.ref, { q: w.writer.username.toUpperCase() });
    expect(r.rows.map((x) => x.username)).toEqual([w.writer.username]);
    expect(r.total).toBe(1);
    const paged = await listProjectMembers(t.db, as(w.writer), w.org.name, w.ref, { pageSize: 25, page: 2 });
    expect(paged.rows).toEqual([]);
    expect(paged.total).toBe(4);
    await expect(listProjectMembers(t.db, as(w.spare), w.org.name, w.ref, {})).rejects.toBeInstanceOf(NotFound);
  });
});

describe("addProjectMember", () => {
  it("adds an org member with the project's default role or the given one; audited", async () => {
    const w = await world();
    expect(await add(w, w.manager, w.spare.username)).toEqual({ username: w.spare.username, role: "writer" });
    expect(await roleIn(w.project.id, w.spare.id)).toBe("writer");
    const a = await lastAudit(w.org.id, "project.member_added");
    expect(a).toMatchObject({ actorId: w.manager.id, targetId: w.spare.id });
    expect(a!.after).toEqual({ project: `${w.cluster.name}/${w.project.name}`, role: "writer" });
    expect(await add(w, w.manager, ` ${w.spare2.username.toUpperCase()} `, "manager")).toEqual({
      username: w.spare2.username,
      role: "manager",
    });
  });

  it("granting admin takes a project admin or an org manager/admin", async () => {
    const w = await world();
    await expect(add(w, w.manager, w.spare.username, "admin")).rejects.toThrow(
      "Only project admins can grant the admin role.",
    );
    expect(await roleIn(w.project.id, w.spare.id)).toBeNull();
    await add(w, w.admin, w.spare.username, "admin");
    await add(w, w.orgManager, w.spare2.username, "admin");
    expect(await admins(w.project.id)).toBe(3);
  });

  it("someone outside the org, or no account at all, gets Apolo's text; a member gets Conflict", async () => {
    const w = await world();
    const outsider = await makeUser(t.db);
    for (const username of [outsider.username, "no-such-user"]) {
      expect(await fieldErrorsOf(add(w, w.admin, username))).toEqual({
        username: [`User '${w.org.name}/${username}' not found in cluster '${w.cluster.name}'`],
      });
    }
    const dup = await add(w, w.admin, w.writer.username).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(Conflict);
    expect((dup as Conflict).fieldErrors).toEqual({
      username: [`${w.writer.username} already is a member of this project (writer).`],
    });
    expect(await fieldErrorsOf(add(w, w.admin, ""))).toEqual({ username: ["Enter a username."] });
    expect(
      await fieldErrorsOf(addProjectMember(t.db, as(w.admin), w.org.name, w.ref, { username: "x", role: "owner" })),
    ).toEqual({ role: ["Choose a role: reader, writer, manager or admin."] });
  });

  it("writers and readers can't add; org users outside the project are told it doesn't exist", async () => {
    const w = await world();
    await expect(add(w, w.writer, w.spare.username)).rejects.toBeInstanceOf(Forbidden);
    await expect(add(w, w.spare2, w.spare.username)).rejects.toBeInstanceOf(NotFound);
    expect(await roleIn(w.project.id, w.spare.id)).toBeNull();
  });

  it("a forged ref (another org's project named under this org) is NotFound and adds nothing", async () => {
    const w = await world();
    const other = await world();
    await expect(
      addProjectMember(t.db, as(w.orgAdmin), w.org.name, other.ref, { username: w.spare.username }),
    ).rejects.toBeInstanceOf(NotFound);
    expect(await roleIn(other.project.id, w.spare.id)).toBeNull();
  });
});

describe("changeProjectMemberRole", () => {
  it("managers move people among reader, writer and manager; audited with the previous role", async () => {
    const w = await world();
    const r = await changeProjectMemberRole(t.db, as(w.manager), w.org.name, w.ref, {
      username: w.writer.username,
      role: "manager",
    });
    expect(r).toMatchObject({ username: w.writer.username, role: "manager", previous: "writer" });
    expect(await roleIn(w.project.id, w.writer.id)).toBe("manager");
    const a = await lastAudit(w.org.id, "project.member_role_changed");
    expect(a).toMatchObject({ actorId: w.manager.id, targetId: w.writer.id });
    expect(a!.before).toMatchObject({ role: "writer" });
    expect(a!.after).toMatchObject({ role: "manager" });
  });

  it("managers can't touch an admin nor grant admin; nobody changes their own role; readers can't", async () => {
    const w = await world();
    const change = (by: Person, username: string, role: ProjectRole) =>
      changeProjectMemberRole(t.db, as(by), w.org.name, w.ref, { username, role });
    await expect(change(w.manager, w.admin.username, "writer")).rejects.toThrow(
      "Only project admins can change an admin's role.",
    );
    await expect(change(w.manager, w.writer.username, "admin")).rejects.toThrow(
      "Only project admins can grant the admin role.",
    );
    await expect(change(w.manager, w.manager.username, "reader")).rejects.toThrow("You can't change your own role.");
    await expect(change(w.reader, w.writer.username, "reader")).rejects.toBeInstanceOf(Forbidden);
    await expect(change(w.admin, w.spare.username, "reader")).rejects.toBeInstanceOf(NotFound);
    expect(await change(w.admin, w.writer.username, "admin")).toMatchObject({ role: "admin", previous: "writer" });
    expect(await change(w.orgManager, w.reader.username, "admin")).toMatchObject({ role: "admin" });
  });

  it("the last project admin cannot be demoted (not even by an org admin)", async () => {
    const w = await world();
    const err = await changeProjectMemberRole(t.db, as(w.orgAdmin), w.org.name, w.ref, {
      username: w.admin.username,
      role: "manager",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Conflict).message).toBe("Last project admin cannot be demoted");
    expect(await roleIn(w.project.id, w.admin.id)).toBe("admin");
  });
});

describe("removeProjectMember", () => {
  it("managers remove non-admins; admins anyone but the last admin; audited", async () => {
    const w = await world();
    expect(
      await removeProjectMember(t.db, as(w.manager), w.org.name, w.ref, { username: w.writer.username }),
    ).toMatchObject({ username: w.writer.username });
    expect(await roleIn(w.project.id, w.writer.id)).toBeNull();
    expect(await lastAudit(w.org.id, "project.member_removed")).toMatchObject({
      actorId: w.manager.id,
      targetId: w.writer.id,
    });
    await expect(
      removeProjectMember(t.db, as(w.manager), w.org.name, w.ref, { username: w.admin.username }),
    ).rejects.toThrow("Only project admins can remove an admin.");
    await expect(
      removeProjectMember(t.db, as(w.reader), w.org.name, w.ref, { username: w.manager.username }),
    ).rejects.toBeInstanceOf(Forbidden);
    const last = await removeProjectMember(t.db, as(w.orgAdmin), w.org.name, w.ref, {
      username: w.admin.username,
    }).catch((e: unknown) => e);
    expect(last).toBeInstanceOf(Conflict);
    expect((last as Conflict).message).toBe("Last project admin cannot be removed");
    await removeProjectMember(t.db, as(w.admin), w.org.name, w.ref, { username: w.manager.username });
    expect(await roleIn(w.project.id, w.manager.id)).toBeNull();
  });

  it("any member may leave; the last admin may not", async () => {
    const w = await world();
    expect(
      await removeProjectMember(t.db, as(w.reader), w.org.name, w.ref, { username: w.reader.username }),
    ).toMatchObject({ left: true });
    expect(await roleIn(w.project.id, w.reader.id)).toBeNull();
    expect(await lastAudit(w.org.id, "project.member_left")).toMatchObject({ actorId: w.reader.id });
    await expect(
      removeProjectMember(t.db, as(w.admin), w.org.name, w.ref, { username: w.admin.username }),
    ).rejects.toThrow("Last project admin cannot be removed");
  });
});

describe("listProjectCandidates", () => {
  it("suggests up to 10 org members not in the project, searched; managers and up only", async () => {
    const w = await world();
    const all = await listProjectCandidates(t.db, as(w.manager), w.org.name, w.ref, {});
    expect(all.map((c) => c.username).sort()).toEqual(
      [w.orgAdmin, w.orgManager, w.spare, w.spare2].map((p) => p.username).sort(),
    );
    const one = await listProjectCandidates(t.db, as(w.manager), w.org.name, w.ref, { q: w.spare2.username });
    expect(one).toEqual([{ username: w.spare2.username, name: w.spare2.name ?? null }]);
    for (let i = 0; i < 12; i++) await addMember(t.db, w.org, await makeUser(t.db), "user");
    expect(await listProjectCandidates(t.db, as(w.admin), w.org.name, w.ref, {})).toHaveLength(10);
    await expect(listProjectCandidates(t.db, as(w.writer), w.org.name, w.ref, {})).rejects.toBeInstanceOf(Forbidden);
  });
});

describe("default projects and org membership", () => {
  it("a new org member joins every default project with its default role: accepted invitation, platform admin's add", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const [o] = await t.db.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, org.id));
    const cluster = await makeCluster(t.db);
    await addOrgToCluster(t.db, org, cluster);
    const dflt = await createProject(t.db, as(admin), o!.name, {
      cluster: cluster.name,
      name: "everyone",
      isDefault: true,
      defaultRole: "reader",
    });
    const dflt2 = await makeProject(t.db, { org, cluster, isDefault: true, defaultRole: "writer" });
    const plain = await makeProject(t.db, { org, cluster });

    const invited = await makeUser(t.db);
    await joinByUsername(t.db, { name: o!.name }, admin, invited);
    expect(await roleIn(dflt.id, invited.id)).toBe("reader");
    expect(await roleIn(dflt2.id, invited.id)).toBe("writer");
    expect(await roleIn(plain.id, invited.id)).toBeNull();

    const op = await makePlatformAdmin(t.db);
    const added = await makeUser(t.db);
    await addMemberAsPlatformAdmin(t.db, as(op), { org: o!.name, username: added.username });
    expect(await roleIn(dflt.id, added.id)).toBe("reader");
    expect(await roleIn(dflt2.id, added.id)).toBe("writer");
    expect(await roleIn(plain.id, added.id)).toBeNull();
  });

  it("leaving or being removed from the org removes every project membership", async () => {
    const w = await world();
    const second = await makeProject(t.db, { org: w.org, cluster: w.cluster, members: [[w.writer, "admin"]] });
    await removeMember(t.db, as(w.orgAdmin), w.org.name, { username: w.writer.username });
    expect(await roleIn(w.project.id, w.writer.id)).toBeNull();
    expect(await roleIn(second.id, w.writer.id)).toBeNull();
    await leaveOrg(t.db, as(w.reader), w.org.name);
    expect(await roleIn(w.project.id, w.reader.id)).toBeNull();
    expect(await roleIn(w.project.id, w.manager.id)).toBe("manager");
  });
});

describe("races (real concurrent transactions)", () => {
  const ITERATIONS = 5;

  function settle(results: PromiseSettledResult<unknown>[]) {
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason);
    for (const e of rejected) expect(e).toBeInstanceOf(DomainError);
    return { fulfilled: results.filter((r) => r.status === "fulfilled").length, rejected };
  }

  it("two project admins demoting each other at once leave exactly one admin", async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const w = await world();
      await changeProjectMemberRole(t.db, as(w.admin), w.org.name, w.ref, {
        username: w.manager.username,
        role: "admin",
      });
      const r = settle(
        await Promise.allSettled([
          changeProjectMemberRole(t.db, as(w.admin), w.org.name, w.ref, {
            username: w.manager.username,
            role: "writer",
          }),
          changeProjectMemberRole(t.db, as(w.manager), w.org.name, w.ref, {
            username: w.admin.username,
            role: "reader",
          }),
        ]),
      );
      expect(r.fulfilled, `iteration ${i}`).toBe(1);
      expect(await admins(w.project.id), `iteration ${i}`).toBe(1);
    }
  });

  it("two project admins removing each other (or leaving) at once leave at least one admin", async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const w = await world();
      await changeProjectMemberRole(t.db, as(w.admin), w.org.name, w.ref, {
        username: w.manager.username,
        role: "admin",
      });
      const r = settle(
        await Promise.allSettled([
          removeProjectMember(t.db, as(w.admin), w.org.name, w.ref, { username: w.manager.username }),
          removeProjectMember(t.db, as(w.manager), w.org.name, w.ref, { username: w.admin.username }),
          removeProjectMember(t.db, as(w.admin), w.org.name, w.ref, { username: w.admin.username }),
        ]),
      );
      expect(r.fulfilled, `iteration ${i}`).toBe(1);
      expect(await admins(w.project.id), `iteration ${i}`).toBe(1);
    }
  });

  it("removal from the org while being added to a project: never a project member outside the org, no crash", async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const w = await world();
      const results = await Promise.allSettled([
        add(w, w.admin, w.spare.username),
        removeMember(t.db, as(w.orgAdmin), w.org.name, { username: w.spare.username }),
      ]);
      const r = settle(results);
      for (const e of r.rejected) {
        expect(e).toBeInstanceOf(Invalid);
        expect((e as Invalid).fieldErrors).toEqual({
          username: [`User '${w.org.name}/${w.spare.username}' not found in cluster '${w.cluster.name}'`],
        });
      }
      const [om] = await t.db
        .select()
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.spare.id)));
      expect(om, `iteration ${i}`).toBeUndefined();
      expect(await roleIn(w.project.id, w.spare.id), `iteration ${i}`).toBeNull();
    }
  });
});

describe("personal access tokens", () => {
  const token = (user: Person, scopes: ("read" | "write")[], orgId?: string) =>
    tokenCaller({ userId: user.id, tokenId: "t", tokenName: "bench", scopes, orgId });

  it("a read-only token reads but neither adds, changes, removes nor leaves", async () => {
    const w = await world();
    const ro = token(w.admin, ["read"]);
    expect((await listProjectMembers(t.db, ro, w.org.name, w.ref, {})).canAdd).toBe(false);
    const p = await getProject(t.db, ro, w.org.name, w.ref);
    expect(p.can["project.view"]).toBe(true);
    expect(p.can["project.manageMembers"]).toBe(false);
    expect(p.can["project.delete"]).toBe(false);
    for (const call of [
      addProjectMember(t.db, ro, w.org.name, w.ref, { username: w.spare.username }),
      changeProjectMemberRole(t.db, ro, w.org.name, w.ref, { username: w.reader.username, role: "writer" }),
      removeProjectMember(t.db, ro, w.org.name, w.ref, { username: w.reader.username }),
      removeProjectMember(t.db, token(w.reader, ["read"]), w.org.name, w.ref, { username: w.reader.username }),
      createProject(t.db, ro, w.org.name, { cluster: w.cluster.name, name: "by-token" }),
    ]) {
      await expect(call).rejects.toBeInstanceOf(Forbidden);
    }
    expect(await roleIn(w.project.id, w.reader.id)).toBe("reader");
    const asReader = await listProjectMembers(t.db, token(w.reader, ["read"]), w.org.name, w.ref, {});
    expect(asReader.rows.find((r) => r.username === w.reader.username)!.actions.remove).toBe(false);
    const rw = token(w.admin, ["read", "write"], w.org.id);
    await addProjectMember(t.db, rw, w.org.name, w.ref, { username: w.spare.username });
    expect(await roleIn(w.project.id, w.spare.id)).toBe("writer");
  });

  it("a token restricted to another org finds nothing here", async () => {
    const w = await world();
    const other = await world();
    const elsewhere = token(w.admin, ["read", "write"], other.org.id);
    await expect(listProjects(t.db, elsewhere, w.org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(
      addProjectMember(t.db, elsewhere, w.org.name, w.ref, { username: w.spare.username }),
    ).rejects.toBeInstanceOf(NotFound);
  });
});
