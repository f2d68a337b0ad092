/**
 * The whole lists Apolo's admin API answers (lib/projects/api.ts): an org's projects on one cluster, a
 * project's members with account details and who sees their email. Real database.
 */
import { describe, expect, it } from "vitest";
import { tokenCaller } from "../core/caller";
import { NotFound } from "../core/errors";
import { getProjectUser, listClusterProjects, listProjectUsers, splitName } from "./api";
import {
  addMember,
  addOrgToCluster,
  as,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();

async function setup() {
  const [admin, manager, user, writer, outsider] = await Promise.all([
    makeUser(t.db, undefined, { name: "Ada Lovelace King" }),
    makeUser(t.db),
    makeUser(t.db, undefined, { name: "Bob" }),
    makeUser(t.db),
    makeUser(t.db),
  ]);
  const org = await makeOrg(t.db, { admin, manager, user });
  await addMember(t.db, org, writer, "user");
  const cluster = await makeCluster(t.db);
  const other = await makeCluster(t.db);
  await addOrgToCluster(t.db, org, cluster);
  await addOrgToCluster(t.db, org, other);
  const mine = await makeProject(t.db, {
    org,
    cluster,
    name: "b-mine",
    members: [
      [user, "admin"],
      [writer, "writer"],
      [admin, "reader"],
    ],
  });
  const theirs = await makeProject(t.db, { org, cluster, name: "a-theirs", isDefault: true, defaultRole: "reader" });
  await makeProject(t.db, { org, cluster: other, name: "c-elsewhere" });
  return { admin, manager, user, writer, outsider, org, cluster, other, mine, theirs };
}

describe("listClusterProjects", () => {
  it("gives org managers every project on the cluster, an org user their own", async () => {
    const s = await setup();
    expect(await listClusterProjects(t.db, as(s.manager), s.org.name, s.cluster.name)).toEqual([
      { name: "a-theirs", cluster: s.cluster.name, org: s.org.name, isDefault: true, defaultRole: "reader" },
      { name: "b-mine", cluster: s.cluster.name, org: s.org.name, isDefault: false, defaultRole: "writer" },
    ]);
    expect((await listClusterProjects(t.db, as(s.user), s.org.name, s.cluster.name)).map((p) => p.name)).toEqual([
      "b-mine",
    ]);
    expect((await listClusterProjects(t.db, as(s.manager), s.org.name, s.other.name)).map((p) => p.name)).toEqual([
      "c-elsewhere",
    ]);
    await expect(listClusterProjects(t.db, as(s.outsider), s.org.name, s.cluster.name)).rejects.toThrow(NotFound);
  });
});

describe("listProjectUsers / getProjectUser", () => {
  it("lists members with names split at the first space; email only for self, org managers, platform admins", async () => {
    const s = await setup();
    const ref = { cluster: s.cluster.name, project: "b-mine" };
    const asWriter = await listProjectUsers(t.db, as(s.writer), s.org.name, ref);
    const byName = Object.fromEntries(asWriter.users.map((u) => [u.username, u]));
    expect(Object.keys(byName).sort()).toEqual([s.admin.username, s.user.username, s.writer.username].sort());
    expect(byName[s.admin.username]!.info).toMatchObject({ email: null, firstName: "Ada", lastName: "Lovelace King" });
    expect(byName[s.user.username]!.info).toMatchObject({ email: null, firstName: "Bob", lastName: null });
    expect(byName[s.writer.username]!.info.email).toBe(s.writer.email);
    expect(byName[s.writer.username]!.role).toBe("writer");

    const asManager = await listProjectUsers(t.db, as(s.manager), s.org.name, ref);
    expect(asManager.users.every((u) => u.info.email !== null)).toBe(true);
    const op = await makePlatformAdmin(t.db);
    // A platform admin who is not in the org doesn't see the project at all (lib/projects access).
    await expect(listProjectUsers(t.db, as(op), s.org.name, ref)).rejects.toThrow(NotFound);

    const one = await getProjectUser(t.db, as(s.writer), s.org.name, ref, s.user.username.toUpperCase());
    expect(one.user).toMatchObject({ username: s.user.username, role: "admin" });
    await expect(getProjectUser(t.db, as(s.writer), s.org.name, ref, s.manager.username)).rejects.toThrow(NotFound);
    // An org user outside the project: the project doesn't exist for them.
    const stranger = await makeUser(t.db);
    await addMember(t.db, s.org, stranger, "user");
    await expect(listProjectUsers(t.db, as(stranger), s.org.name, ref)).rejects.toThrow(NotFound);
    // A token restricted to another org.
    const restricted = tokenCaller({
      userId: s.writer.id,
      tokenId: "00000000-0000-0000-0000-000000000002",
      tokenName: "x",
      scopes: ["read"],
      orgId: "00000000-0000-0000-0000-000000000003",
    });
    await expect(listProjectUsers(t.db, restricted, s.org.name, ref)).rejects.toThrow(NotFound);
  });

  it("splits names", () => {
    expect(splitName(null)).toEqual({ firstName: null, lastName: null });
    expect(splitName("  ")).toEqual({ firstName: null, lastName: null });
    expect(splitName("Ada")).toEqual({ firstName: "Ada", lastName: null });
    expect(splitName("Ada B  C")).toEqual({ firstName: "Ada", lastName: "B  C" });
  });
});
