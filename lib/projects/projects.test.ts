import { and, desc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { artifacts, auditEvents, clusters, creditLedger, jobs, orgs, projectMembers, projects } from "@/db/schema";
import { postLedger } from "../billing/ledger";
import { userCaller } from "../core/caller";
import { Conflict, DomainError, Forbidden, NotFound } from "../core/errors";
import {
  addMember,
  addOrgToCluster,
  as,
  fieldErrorsOf,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeJob,
  makeOrg,
  makeProject,
  makeUser,
  uniqueName,
  withTestDatabase,
} from "../test/fixtures";
import { createProject, deleteProject, getProject, listProjects, updateProject } from "./projects";

const t = withTestDatabase();

/** An org (admin, manager, user, user2) on a cluster, funded. */
async function world() {
  const [admin, manager, user, user2] = [
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
  ];
  const org = await makeOrg(t.db, { admin, manager, user });
  await addMember(t.db, org, user2, "user");
  const [o] = await t.db.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, org.id));
  const cluster = await makeCluster(t.db, { presets: { small: "1" } });
  await addOrgToCluster(t.db, org, cluster);
  await fundOrg(t.db, org, "100");
  return { org: { id: org.id, name: o!.name }, cluster, admin, manager, user, user2 };
}

async function audit(orgId: string, action: string) {
  return t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)))
    .orderBy(desc(auditEvents.id));
}

async function membersOf(projectId: string) {
  return t.db
    .select({ userId: projectMembers.userId, role: projectMembers.role })
    .from(projectMembers)
    .where(eq(projectMembers.projectId, projectId));
}

describe("createProject", () => {
  it("creates a project on one of the org's clusters; the creator becomes its admin; audited", async () => {
    const w = await world();
    const r = await createProject(t.db, as(w.user), w.org.name, {
      cluster: w.cluster.name,
      name: "  my-project ",
      displayName: "My project",
      description: "Training runs",
    });
    expect(r).toMatchObject({ name: "my-project", cluster: w.cluster.name });
    const [p] = await t.db.select().from(projects).where(eq(projects.id, r.id));
    expect(p).toMatchObject({
      orgId: w.org.id,
      clusterId: w.cluster.id,
      displayName: "My project",
      description: "Training runs",
      defaultRole: "writer",
      isDefault: false,
      createdById: w.user.id,
    });
    expect(await membersOf(r.id)).toEqual([{ userId: w.user.id, role: "admin" }]);
    const [a] = await audit(w.org.id, "project.created");
    expect(a).toMatchObject({ actorId: w.user.id, targetId: r.id, targetLabel: `${w.cluster.name}/my-project` });
  });

  it("validates the name with Apolo's rule and tells what is wrong", async () => {
    const w = await world();
    const create = (input: Record<string, unknown>) =>
      createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, ...input });
    expect(await fieldErrorsOf(create({ name: "" }))).toEqual({ name: ["Name your project."] });
    expect((await fieldErrorsOf(create({ name: "ab" }))).name).toEqual(["Name must be 3 to 63 characters long."]);
    expect((await fieldErrorsOf(create({ name: "Big_Name" }))).name).toContain(
      "Use only lowercase letters, digits and hyphens.",
    );
    expect((await fieldErrorsOf(create({ name: "a--b" }))).name).toEqual([
      "Hyphens must be single and between letters or digits.",
    ]);
    expect((await fieldErrorsOf(create({ name: "x".repeat(64) }))).name).toEqual([
      "Name must be 3 to 63 characters long.",
    ]);
    expect((await fieldErrorsOf(create({ name: "okay", defaultRole: "owner" }))).defaultRole).toEqual([
      "Choose a role: reader, writer, manager or admin.",
    ]);
    expect((await fieldErrorsOf(create({ name: "okay", displayName: "a\u0000b" }))).displayName).toEqual([
      "Remove the control characters.",
    ]);
    expect(await fieldErrorsOf(createProject(t.db, as(w.user), w.org.name, { name: "okay" }))).toHaveProperty(
      "cluster",
    );
    expect(await t.db.select().from(projects).where(eq(projects.orgId, w.org.id))).toEqual([]);
  });

  it("refuses a cluster the org is not on, and another org's cluster", async () => {
    const w = await world();
    const elsewhere = await makeCluster(t.db);
    for (const cluster of [elsewhere.name, "no-such-cluster"]) {
      expect(await fieldErrorsOf(createProject(t.db, as(w.user), w.org.name, { cluster, name: "proj" }))).toEqual({
        cluster: [`Organization '${w.org.name}' has no access to cluster '${cluster}'.`],
      });
    }
    expect(await t.db.select().from(projects).where(eq(projects.orgId, w.org.id))).toEqual([]);
  });

  it("keeps (cluster, org, name) unique: Conflict on name; the same name on another cluster or org is fine", async () => {
    const w = await world();
    await createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, name: "shared" });
    const err = await createProject(t.db, as(w.user2), w.org.name, { cluster: w.cluster.name, name: "shared" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Conflict).message).toBe(`A project named 'shared' already exists on cluster '${w.cluster.name}'.`);
    expect((err as Conflict).field).toBe("name");

    const second = await makeCluster(t.db);
    await addOrgToCluster(t.db, w.org, second);
    await createProject(t.db, as(w.user), w.org.name, { cluster: second.name, name: "shared" });
    const other = await world();
    await addOrgToCluster(t.db, other.org, w.cluster);
    await createProject(t.db, as(other.user), other.org.name, { cluster: w.cluster.name, name: "shared" });
  });

  it("two members creating the same name at once: one wins, the other gets the Conflict", async () => {
    for (let i = 0; i < 3; i++) {
      const w = await world();
      const name = uniqueName("race-");
      const results = await Promise.allSettled([
        createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, name }),
        createProject(t.db, as(w.user2), w.org.name, { cluster: w.cluster.name, name }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
      expect(rejected.reason).toBeInstanceOf(Conflict);
    }
  });

  it("a default project takes an org manager or admin", async () => {
    const w = await world();
    const err = await createProject(t.db, as(w.user), w.org.name, {
      cluster: w.cluster.name,
      name: "everyone",
      isDefault: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Forbidden);
    expect((err as Forbidden).message).toBe(
      "Only org managers and admins can make a project the default for new members.",
    );
    const r = await createProject(t.db, as(w.manager), w.org.name, {
      cluster: w.cluster.name,
      name: "everyone",
      isDefault: "on",
      defaultRole: "reader",
    });
    const [p] = await t.db.select().from(projects).where(eq(projects.id, r.id));
    expect(p).toMatchObject({ isDefault: true, defaultRole: "reader" });
  });

  it("outsiders are told the org doesn't exist; signed out is refused", async () => {
    const w = await world();
    const outsider = await makeUser(t.db);
    await expect(
      createProject(t.db, as(outsider), w.org.name, { cluster: w.cluster.name, name: "proj" }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(createProject(t.db, null, w.org.name, { cluster: w.cluster.name, name: "proj" })).rejects.toThrow();
  });
});

describe("listProjects", () => {
  it("org users see their own projects only; managers and admins see all, acting as admins", async () => {
    const w = await world();
    const mine = await makeProject(t.db, {
      org: w.org,
      cluster: w.cluster,
      name: "beta",
      members: [[w.user, "reader"]],
    });
    await makeProject(t.db, { org: w.org, cluster: w.cluster, name: "alpha", members: [[w.user2, "admin"]] });
    await makeProject(t.db, {
      org: w.org,
      cluster: w.cluster,
      name: "gamma",
      members: [
        [w.user, "manager"],
        [w.manager, "writer"],
      ],
    });

    const u = await listProjects(t.db, as(w.user), w.org.name, { scope: "all" });
    expect(u.canSeeAll).toBe(false);
    expect(u.canCreate).toBe(true);
    expect(u.query.scope).toBe("mine");
    expect(u.total).toBe(2);
    expect(u.rows.map((r) => [r.name, r.role, r.memberRole])).toEqual([
      ["beta", "reader", "reader"],
      ["gamma", "manager", "manager"],
    ]);
    expect(u.rows[0]).toMatchObject({ id: mine.id, cluster: w.cluster.name, isDefault: false, members: 1 });
    expect(u.rows[0]!.createdAt).toBeInstanceOf(Date);

    const m = await listProjects(t.db, as(w.manager), w.org.name, {});
    expect(m.canSeeAll).toBe(true);
    expect(m.query.scope).toBe("all");
    expect(m.rows.map((r) => [r.name, r.role, r.memberRole])).toEqual([
      ["alpha", "admin", null],
      ["beta", "admin", null],
      ["gamma", "admin", "writer"],
    ]);
    const mMine = await listProjects(t.db, as(w.manager), w.org.name, { scope: "mine" });
    expect(mMine.rows.map((r) => r.name)).toEqual(["gamma"]);
    expect(mMine.query.scope).toBe("mine");

    const a = await listProjects(t.db, as(w.admin), w.org.name, { scope: "nonsense" });
    expect(a.query.scope).toBe("all");
    expect(a.total).toBe(3);
  });

  it("searches name and display name, sorts by name then cluster, pages", async () => {
    const w = await world();
    const second = await makeCluster(t.db, { name: `a-${uniqueName("cl")}` });
    await addOrgToCluster(t.db, w.org, second);
    for (let i = 0; i < 30; i++) {
      await makeProject(t.db, { org: w.org, cluster: w.cluster, name: `p-${String(i).padStart(2, "0")}` });
    }
    await makeProject(t.db, { org: w.org, cluster: second, name: "p-00" });
    await t.db
      .update(projects)
      .set({ displayName: "Vision 100%" })
      .where(and(eq(projects.orgId, w.org.id), eq(projects.name, "p-17")));

    const first = await listProjects(t.db, as(w.admin), w.org.name, {});
    expect(first.total).toBe(31);
    expect(first.rows).toHaveLength(25);
    expect(first.rows.slice(0, 3).map((r) => [r.name, r.cluster])).toEqual([
      ["p-00", second.name],
      ["p-00", w.cluster.name],
      ["p-01", w.cluster.name],
    ]);
    const page2 = await listProjects(t.db, as(w.admin), w.org.name, { page: 2 });
    expect(page2.rows.map((r) => r.name)).toEqual(["p-24", "p-25", "p-26", "p-27", "p-28", "p-29"]);
    const bySize = await listProjects(t.db, as(w.admin), w.org.name, { pageSize: 50 });
    expect(bySize.rows).toHaveLength(31);

    const search = await listProjects(t.db, as(w.admin), w.org.name, { q: "VISION" });
    expect(search.rows.map((r) => r.name)).toEqual(["p-17"]);
    expect(search.total).toBe(1);
    // like's wildcards are literal
    expect((await listProjects(t.db, as(w.admin), w.org.name, { q: "100%" })).total).toBe(1);
    expect((await listProjects(t.db, as(w.admin), w.org.name, { q: "_" })).total).toBe(0);
    expect((await listProjects(t.db, as(w.admin), w.org.name, { q: "p-2" })).total).toBe(10);
  });

  it("counts members and running jobs, and sums this UTC month's charges exactly", async () => {
    const w = await world();
    const p = await makeProject(t.db, {
      org: w.org,
      cluster: w.cluster,
      name: "busy",
      members: [
        [w.user, "writer"],
        [w.user2, "reader"],
      ],
    });
    const other = await makeProject(t.db, { org: w.org, cluster: w.cluster, name: "quiet" });
    const running = await makeJob(t.db, {
      org: w.org,
      user: w.user,
      cluster: w.cluster,
      preset: w.cluster.presets.small!,
    });
    const stopped = await makeJob(t.db, {
      org: w.org,
      user: w.user,
      cluster: w.cluster,
      preset: w.cluster.presets.small!,
    });
    await t.db.update(jobs).set({ projectId: p.id }).where(eq(jobs.id, running.id));
    await t.db
      .update(jobs)
      .set({ projectId: p.id, status: "stopped", stoppedAt: new Date() })
      .where(eq(jobs.id, stopped.id));
    await t.db.transaction(async (tx) => {
      await postLedger(tx, { orgId: w.org.id, kind: "charge", amount: "-0.1", projectId: p.id });
      await postLedger(tx, { orgId: w.org.id, kind: "charge", amount: "-0.2", projectId: p.id });
      await postLedger(tx, { orgId: w.org.id, kind: "charge", amount: "-5", projectId: other.id });
      await postLedger(tx, { orgId: w.org.id, kind: "adjustment", amount: "3", projectId: p.id });
      const old = await postLedger(tx, { orgId: w.org.id, kind: "charge", amount: "-7", projectId: p.id });
      await tx
        .update(creditLedger)
        .set({ createdAt: sql`date_trunc('month', now() at time zone 'UTC') at time zone 'UTC' - interval '1 second'` })
        .where(eq(creditLedger.id, old!.ledgerId));
    });
    const r = await listProjects(t.db, as(w.user), w.org.name, {});
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ name: "busy", members: 2, jobsRunning: 1, creditsThisMonth: "0.30000000" });
    const all = await listProjects(t.db, as(w.admin), w.org.name, {});
    expect(all.rows.map((x) => [x.name, x.members, x.jobsRunning, x.creditsThisMonth])).toEqual([
      ["busy", 2, 1, "0.30000000"],
      ["quiet", 0, 0, "5.00000000"],
    ]);
    const g = await getProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, project: "busy" });
    expect(g.counts).toEqual({ members: 2, jobsRunning: 1 });
    expect(g.creditsThisMonth).toBe("0.30000000");
  });

  it("keeps the org's project count with every insert and delete: the 'all' total reads it", async () => {
    const w = await world();
    const other = await world();
    await makeProject(t.db, { org: other.org, cluster: other.cluster });
    const check = async () => {
      const [row] = await t.db
        .select({
          kept: orgs.projectCount,
          actual: sql<number>`(select count(*)::int from projects p where p.org_id = ${w.org.id})`,
        })
        .from(orgs)
        .where(eq(orgs.id, w.org.id));
      expect(row!.kept).toBe(row!.actual);
      expect((await listProjects(t.db, as(w.admin), w.org.name, {})).total).toBe(row!.actual);
      return row!.actual;
    };
    expect(await check()).toBe(0);
    const a = await makeProject(t.db, { org: w.org, cluster: w.cluster, name: "a" });
    expect(await check()).toBe(1);
    // One statement of many rows (a bulk insert), and one deleting many.
    await t.db.execute(sql`
      insert into projects (org_id, cluster_id, name)
      select ${w.org.id}, ${w.cluster.id}, 'bulk-' || i from generate_series(1, 5) as i`);
    expect(await check()).toBe(6);
    await t.db.delete(projects).where(and(eq(projects.orgId, w.org.id), sql`${projects.name} like 'bulk-%'`));
    expect(await check()).toBe(1);
    await deleteProject(
      t.db,
      as(w.admin),
      w.org.name,
      { cluster: w.cluster.name, project: a.name },
      { confirm: a.name },
    );
    expect(await check()).toBe(0);
    // Another org's projects never count here, nor ours there.
    const [theirs] = await t.db.select({ n: orgs.projectCount }).from(orgs).where(eq(orgs.id, other.org.id));
    expect(theirs!.n).toBe(1);
  });

  it("lists nothing of another org, and nothing for an outsider", async () => {
    const w = await world();
    const other = await world();
    await makeProject(t.db, { org: other.org, cluster: other.cluster, members: [[other.user, "admin"]] });
    expect((await listProjects(t.db, as(w.admin), w.org.name, {})).total).toBe(0);
    await expect(listProjects(t.db, as(other.user), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
  });
});

describe("getProject", () => {
  it("returns the project, the caller's roles and what they may do", async () => {
    const w = await world();
    const created = await createProject(t.db, as(w.user), w.org.name, {
      cluster: w.cluster.name,
      name: "look",
      description: "d",
    });
    await t.db
      .insert(projectMembers)
      .values({ projectId: created.id, orgId: w.org.id, userId: w.user2.id, role: "reader" });
    const ref = { cluster: w.cluster.name, project: "look" };

    const asReader = await getProject(t.db, as(w.user2), w.org.name, ref);
    expect(asReader.project).toMatchObject({
      id: created.id,
      name: "look",
      description: "d",
      cluster: w.cluster.name,
      defaultRole: "writer",
      isDefault: false,
      createdBy: w.user.username,
    });
    expect(asReader.memberRole).toBe("reader");
    expect(asReader.projectRole).toBe("reader");
    expect(asReader.can).toEqual({
      "project.view": true,
      "project.runJobs": false,
      "project.writeArtifacts": false,
      "project.manageMembers": false,
      "project.grantAdmin": false,
      "project.updateSettings": false,
      "project.delete": false,
      canSetDefault: false,
    });

    const asCreator = await getProject(t.db, as(w.user), w.org.name, ref);
    expect(asCreator.projectRole).toBe("admin");
    expect(asCreator.can["project.delete"]).toBe(true);
    expect(asCreator.canSetDefault).toBe(false);

    const asManager = await getProject(t.db, as(w.manager), w.org.name, ref);
    expect(asManager.memberRole).toBeNull();
    expect(asManager.projectRole).toBe("admin");
    expect(asManager.canSetDefault).toBe(true);
  });

  it("is NotFound for an org user outside the project, a forged ref and an unknown project", async () => {
    const w = await world();
    const other = await world();
    const p = await makeProject(t.db, { org: w.org, cluster: w.cluster, members: [[w.user2, "admin"]] });
    const theirs = await makeProject(t.db, {
      org: other.org,
      cluster: other.cluster,
      members: [[other.admin, "admin"]],
    });
    await expect(
      getProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, project: p.name }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      getProject(t.db, as(w.admin), w.org.name, { cluster: other.cluster.name, project: theirs.name }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      getProject(t.db, as(w.admin), w.org.name, { cluster: w.cluster.name, project: "nope" }),
    ).rejects.toBeInstanceOf(NotFound);
  });
});

describe("updateProject", () => {
  it("renames and changes settings (project admins), audited with before and after", async () => {
    const w = await world();
    const c = await createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, name: "old-name" });
    const ref = { cluster: w.cluster.name, project: "old-name" };
    const r = await updateProject(t.db, as(w.user), w.org.name, ref, {
      name: "new-name",
      displayName: "New",
      description: "",
      defaultRole: "reader",
    });
    expect(r).toMatchObject({ name: "new-name", cluster: w.cluster.name });
    const [p] = await t.db.select().from(projects).where(eq(projects.id, c.id));
    expect(p).toMatchObject({ name: "new-name", displayName: "New", description: null, defaultRole: "reader" });
    const [a] = await audit(w.org.id, "project.updated");
    expect(a!.before).toEqual({ name: "old-name", displayName: null, defaultRole: "writer" });
    expect(a!.after).toEqual({ name: "new-name", displayName: "New", defaultRole: "reader" });
    // Nothing to change: no audit row.
    await updateProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, project: "new-name" }, {});
    expect(await audit(w.org.id, "project.updated")).toHaveLength(1);
  });

  it("refuses a taken name, a default flag from a project admin who is an org user, and members below admin", async () => {
    const w = await world();
    await createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, name: "one" });
    await createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, name: "two" });
    const ref = { cluster: w.cluster.name, project: "two" };
    const taken = await updateProject(t.db, as(w.user), w.org.name, ref, { name: "one" }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(Conflict);
    expect((taken as Conflict).fieldErrors).toEqual({
      name: [`A project named 'one' already exists on cluster '${w.cluster.name}'.`],
    });
    await expect(updateProject(t.db, as(w.user), w.org.name, ref, { isDefault: true })).rejects.toThrow(
      "Only org managers and admins can make a project the default for new members.",
    );
    expect(await fieldErrorsOf(updateProject(t.db, as(w.user), w.org.name, ref, { name: "X" }))).toHaveProperty("name");
    const r = await updateProject(t.db, as(w.admin), w.org.name, ref, { isDefault: true });
    expect(r.name).toBe("two");
    const [p] = await t.db
      .select()
      .from(projects)
      .where(and(eq(projects.orgId, w.org.id), eq(projects.name, "two")));
    expect(p!.isDefault).toBe(true);

    const proj = p!;
    await t.db
      .insert(projectMembers)
      .values({ projectId: proj.id, orgId: w.org.id, userId: w.user2.id, role: "manager" });
    await expect(updateProject(t.db, as(w.user2), w.org.name, ref, { displayName: "x" })).rejects.toBeInstanceOf(
      Forbidden,
    );
  });
});

describe("deleteProject", () => {
  it("needs the name typed; deletes memberships; jobs and ledger keep their history; audited", async () => {
    const w = await world();
    const c = await createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, name: "doomed" });
    const ref = { cluster: w.cluster.name, project: "doomed" };
    const job = await makeJob(t.db, { org: w.org, user: w.user, cluster: w.cluster, preset: w.cluster.presets.small! });
    await t.db
      .update(jobs)
      .set({ projectId: c.id, status: "stopped", stoppedAt: new Date() })
      .where(eq(jobs.id, job.id));
    const posted = await t.db.transaction((tx) =>
      postLedger(tx, { orgId: w.org.id, kind: "charge", amount: "-1", projectId: c.id, jobId: job.id }),
    );

    expect(await fieldErrorsOf(deleteProject(t.db, as(w.user), w.org.name, ref, { confirm: "Doomed" }))).toEqual({
      confirm: ["Type 'doomed' to confirm."],
    });
    expect(await membersOf(c.id)).toHaveLength(1);
    expect(await deleteProject(t.db, as(w.user), w.org.name, ref, { confirm: "doomed" })).toEqual({ name: "doomed" });
    expect(await t.db.select().from(projects).where(eq(projects.id, c.id))).toEqual([]);
    expect(await membersOf(c.id)).toEqual([]);
    const [j] = await t.db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(j!.projectId).toBeNull();
    const [l] = await t.db.select().from(creditLedger).where(eq(creditLedger.id, posted!.ledgerId));
    expect(l).toMatchObject({ projectId: null, amount: "-1.00000000" });
    const [a] = await audit(w.org.id, "project.deleted");
    expect(a).toMatchObject({ actorId: w.user.id, targetId: c.id });
  });

  it("charges its disks' storage up to the deletion, so balance = Σ ledger and nothing goes unbilled", async () => {
    const w = await world();
    await t.db.update(clusters).set({ storageCreditsPerGbHour: "0.5" }).where(eq(clusters.id, w.cluster.id));
    const c = await createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, name: "disky" });
    const created = new Date(Date.now() - 3_600_000);
    // A 2 GiB disk made an hour ago: 2 × 0.5 × 1 h ≈ 1 credit is due at the deletion.
    await t.db.insert(artifacts).values({
      kind: "disk",
      orgId: w.org.id,
      projectId: c.id,
      clusterId: w.cluster.id,
      ownerId: w.user.id,
      name: "data",
      sizeBytes: 2 * 1024 ** 3,
      status: "ready",
      createdAt: created,
      chargedUntil: created,
    });
    await deleteProject(
      t.db,
      as(w.user),
      w.org.name,
      { cluster: w.cluster.name, project: "disky" },
      { confirm: "disky" },
    );
    const charges = await t.db
      .select({ amount: creditLedger.amount, key: creditLedger.idempotencyKey })
      .from(creditLedger)
      .where(and(eq(creditLedger.orgId, w.org.id), eq(creditLedger.kind, "charge")));
    expect(charges).toHaveLength(1);
    expect(Number(charges[0]!.amount)).toBeCloseTo(-1, 2);
    expect(charges[0]!.key).toMatch(/^disk:/);
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
    const [a] = await audit(w.org.id, "project.deleted");
    expect(a!.before).toMatchObject({ disks: 1 });
  });

  it("is refused while jobs run in the project, naming them", async () => {
    const w = await world();
    const c = await createProject(t.db, as(w.user), w.org.name, { cluster: w.cluster.name, name: "running" });
    const names = ["job-b", "job-a"];
    for (const name of names) {
      const job = await makeJob(t.db, {
        org: w.org,
        user: w.user,
        cluster: w.cluster,
        preset: w.cluster.presets.small!,
      });
      await t.db.update(jobs).set({ projectId: c.id, name }).where(eq(jobs.id, job.id));
    }
    const err = await deleteProject(
      t.db,
      as(w.admin),
      w.org.name,
      { cluster: w.cluster.name, project: "running" },
      {
        confirm: "running",
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Conflict).message).toBe("Stop its running jobs first: job-a, job-b.");
    expect(await t.db.select().from(projects).where(eq(projects.id, c.id))).toHaveLength(1);
  });

  it("only project admins (and org managers/admins) delete", async () => {
    const w = await world();
    const p = await makeProject(t.db, {
      org: w.org,
      cluster: w.cluster,
      name: "kept",
      members: [
        [w.user, "manager"],
        [w.user2, "admin"],
      ],
    });
    const ref = { cluster: w.cluster.name, project: "kept" };
    await expect(deleteProject(t.db, as(w.user), w.org.name, ref, { confirm: "kept" })).rejects.toBeInstanceOf(
      Forbidden,
    );
    await deleteProject(t.db, as(w.manager), w.org.name, ref, { confirm: "kept" });
    expect(await t.db.select().from(projects).where(eq(projects.id, p.id))).toEqual([]);
  });

  it("a job start racing the delete (both under the org lock): never a running job left without its project", async () => {
    for (let i = 0; i < 5; i++) {
      const w = await world();
      const p = await makeProject(t.db, {
        org: w.org,
        cluster: w.cluster,
        name: "contested",
        members: [[w.user, "admin"]],
      });
      // What startJob does (withOrgLock): lock the org row, see the project, insert the running job in it.
      const start = t.db.transaction(async (tx) => {
        await tx.execute(sql`select id from orgs where id = ${w.org.id} for no key update`);
        const [still] = await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, p.id));
        if (!still) throw new NotFound("Project not found");
        const [job] = await tx
          .insert(jobs)
          .values({
            orgId: w.org.id,
            userId: w.user.id,
            clusterId: w.cluster.id,
            projectId: p.id,
            presetName: "small",
            name: "racer",
            creditsPerHour: "1",
          })
          .returning();
        return job!;
      });
      const del = deleteProject(
        t.db,
        userCaller(w.user.id),
        w.org.name,
        { cluster: w.cluster.name, project: "contested" },
        {
          confirm: "contested",
        },
      );
      const results = await Promise.allSettled([start, del]);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(DomainError);
      const orphaned = await t.db
        .select()
        .from(jobs)
        .where(and(eq(jobs.orgId, w.org.id), eq(jobs.status, "running")));
      const projectGone = (await t.db.select().from(projects).where(eq(projects.id, p.id))).length === 0;
      // Exactly one wins: either the job runs in the kept project, or the project is gone and no job started.
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      if (projectGone) expect(orphaned).toEqual([]);
      else expect(orphaned.map((j) => j.projectId)).toEqual([p.id]);
    }
  });
});

describe("default projects", () => {
  it("flags validated input only", async () => {
    const w = await world();
    expect(
      await fieldErrorsOf(
        createProject(t.db, as(w.admin), w.org.name, { cluster: w.cluster.name, name: "flag", isDefault: "maybe" }),
      ),
    ).toEqual({ isDefault: ["Choose yes or no."] });
    expect(await t.db.select().from(projects).where(eq(projects.orgId, w.org.id))).toEqual([]);
  });
});
