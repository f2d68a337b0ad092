/**
 * Cluster access requests (lib/compute/cluster-access.ts) and the overview checklist (lib/orgs/checklist.ts):
 * who may ask, one pending request per org, approval onto a cluster through setOrgCluster (once, even with two
 * admins approving at once), decline, the mail queued. Real database, no mocks.
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, clusterAccessRequests, orgClusters } from "@/db/schema";
import { Forbidden, Invalid, NotFound } from "../core/errors";
import { getOrgChecklist } from "../orgs/checklist";
import {
  approveClusterAccessRequest,
  declineClusterAccessRequest,
  listClusterAccessRequests,
  requestClusterAccess,
} from "./cluster-access";
import {
  addMember,
  addOrgToCluster,
  as,
  fieldErrorsOf,
  fundOrg,
  makeCluster,
  makeInvitation,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  testServices,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();

async function setup() {
  const [admin, manager, user, outsider] = await Promise.all([
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
  ]);
  const op = await makePlatformAdmin(t.db);
  const op2 = await makePlatformAdmin(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  const cluster = await makeCluster(t.db);
  return { admin, manager, user, outsider, op, op2, org, cluster };
}

describe("requesting cluster access", () => {
  it("an admin or a manager asks; every platform admin is mailed; the audit log says so", async () => {
    const s = await setup();
    const svc = testServices();
    const r = await requestClusterAccess(
      t.db,
      as(s.manager),
      { org: s.org.name, message: "  We train\nsmall models.  " },
      svc,
    );
    expect(r.status).toBe("pending");
    const [row] = await t.db.select().from(clusterAccessRequests).where(eq(clusterAccessRequests.id, r.id));
    expect(row).toMatchObject({ orgId: s.org.id, requestedBy: s.manager.id, message: "We train\nsmall models." });
    expect(svc.mailer.to(s.op.email)).toHaveLength(1);
    expect(svc.mailer.to(s.op2.email)).toHaveLength(1);
    expect(svc.mailer.to(s.op.email)[0]!.text).toContain(s.org.name);
    expect(svc.mailer.to(s.op.email)[0]!.text).toContain("> small models.");
    const audit = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, s.org.id), eq(auditEvents.action, "cluster_access.requested")));
    expect(audit).toHaveLength(1);
  });

  it("refuses a second pending request, an org already on a cluster, users and outsiders", async () => {
    const s = await setup();
    const svc = testServices();
    await requestClusterAccess(t.db, as(s.admin), { org: s.org.name }, svc);
    await expect(requestClusterAccess(t.db, as(s.manager), { org: s.org.name }, svc)).rejects.toThrow(
      /already has a pending cluster access request/,
    );
    await expect(requestClusterAccess(t.db, as(s.user), { org: s.org.name }, svc)).rejects.toBeInstanceOf(Forbidden);
    await expect(requestClusterAccess(t.db, as(s.outsider), { org: s.org.name }, svc)).rejects.toBeInstanceOf(NotFound);
    const other = await makeOrg(t.db, { admin: s.outsider });
    await addOrgToCluster(t.db, other, s.cluster);
    await expect(requestClusterAccess(t.db, as(s.outsider), { org: other.name }, svc)).rejects.toThrow(
      /already on cluster/,
    );
    expect(
      await t.db.select().from(clusterAccessRequests).where(eq(clusterAccessRequests.orgId, s.org.id)),
    ).toHaveLength(1);
  });

  it("refuses a message over 500 characters or with control characters, writing nothing", async () => {
    const s = await setup();
    const svc = testServices();
    const long = await fieldErrorsOf(
      requestClusterAccess(t.db, as(s.admin), { org: s.org.name, message: "x".repeat(501) }, svc),
    );
    expect(long.message).toEqual(["At most 500 characters."]);
    await expect(
      requestClusterAccess(t.db, as(s.admin), { org: s.org.name, message: "a\u0007b" }, svc),
    ).rejects.toBeInstanceOf(Invalid);
    expect(await t.db.select().from(clusterAccessRequests).where(eq(clusterAccessRequests.orgId, s.org.id))).toEqual(
      [],
    );
    expect(svc.mailer.sent).toEqual([]);
  });
});

describe("deciding cluster access requests", () => {
  it("approval puts the org on the cluster once, even when two admins approve at once, and mails the requester", async () => {
    const s = await setup();
    const svc = testServices();
    const r = await requestClusterAccess(t.db, as(s.admin), { org: s.org.name }, svc);
    const listed = await listClusterAccessRequests(t.db, as(s.op));
    expect(listed.pending.map((p) => p.id)).toContain(r.id);
    const results = await Promise.allSettled([
      approveClusterAccessRequest(t.db, as(s.op), { id: r.id, cluster: s.cluster.name }, svc),
      approveClusterAccessRequest(t.db, as(s.op2), { id: r.id, cluster: s.cluster.name }, svc),
    ]);
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((x) => x.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(Invalid);
    expect(String(refused.reason.message)).toMatch(/already approved/);
    expect(await t.db.select().from(orgClusters).where(eq(orgClusters.orgId, s.org.id))).toHaveLength(1);
    const [row] = await t.db.select().from(clusterAccessRequests).where(eq(clusterAccessRequests.id, r.id));
    expect(row).toMatchObject({ status: "approved", clusterId: s.cluster.id });
    expect(svc.mailer.to(s.admin.email).map((m) => m.subject)).toEqual([
      `${s.org.name} is on cluster ${s.cluster.name}`,
    ]);
    const actions = (await t.db.select().from(auditEvents).where(eq(auditEvents.orgId, s.org.id))).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(["cluster_access.requested", "cluster.org_set", "cluster_access.approved"]),
    );
    expect(actions.filter((a) => a === "cluster.org_set")).toHaveLength(1);
    // On a cluster now: no new request.
    await expect(requestClusterAccess(t.db, as(s.admin), { org: s.org.name }, svc)).rejects.toThrow(
      /already on cluster/,
    );
  });

  it("decline mails the reason; the org may ask again; members and unknown clusters are refused", async () => {
    const s = await setup();
    const svc = testServices();
    const r = await requestClusterAccess(t.db, as(s.admin), { org: s.org.name }, svc);
    await expect(
      approveClusterAccessRequest(t.db, as(s.admin), { id: r.id, cluster: s.cluster.name }, svc),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(declineClusterAccessRequest(t.db, as(s.manager), { id: r.id }, svc)).rejects.toBeInstanceOf(NotFound);
    const bad = await fieldErrorsOf(approveClusterAccessRequest(t.db, as(s.op), { id: r.id, cluster: "nope" }, svc));
    expect(bad.cluster).toEqual(["No cluster named 'nope'."]);
    await declineClusterAccessRequest(t.db, as(s.op), { id: r.id, reason: "No capacity this month." }, svc);
    const declined = svc.mailer.to(s.admin.email);
    expect(declined.at(-1)!.text).toContain("No capacity this month.");
    expect(await t.db.select().from(orgClusters).where(eq(orgClusters.orgId, s.org.id))).toEqual([]);
    await expect(
      approveClusterAccessRequest(t.db, as(s.op), { id: r.id, cluster: s.cluster.name }, svc),
    ).rejects.toThrow(/already declined/);
    // The reason is kept on the request: the org's overview (any member) and the Admin area show it.
    const [stored] = await t.db.select().from(clusterAccessRequests).where(eq(clusterAccessRequests.id, r.id));
    expect(stored).toMatchObject({ status: "declined", declineReason: "No capacity this month." });
    for (const who of [s.admin, s.manager]) {
      const checklist = await getOrgChecklist(t.db, as(who), { org: s.org.name });
      expect(checklist.cluster.request).toMatchObject({ status: "declined", reason: "No capacity this month." });
    }
    const listed = await listClusterAccessRequests(t.db, as(s.op));
    expect(listed.decided.find((d) => d.id === r.id)).toMatchObject({ declineReason: "No capacity this month." });
    // Asking again: the new pending request has no reason; a decline without one stores null.
    const again = await requestClusterAccess(t.db, as(s.admin), { org: s.org.name }, svc);
    expect((await getOrgChecklist(t.db, as(s.admin), { org: s.org.name })).cluster.request).toMatchObject({
      status: "pending",
      reason: null,
    });
    await declineClusterAccessRequest(t.db, as(s.op), { id: again.id, reason: "   " }, svc);
    expect((await getOrgChecklist(t.db, as(s.admin), { org: s.org.name })).cluster.request).toMatchObject({
      status: "declined",
      reason: null,
    });
  });
});

describe("the overview checklist", () => {
  it("ticks each step off from the database", async () => {
    const admin = await makeUser(t.db);
    const user = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    let c = await getOrgChecklist(t.db, as(admin), { org: org.name });
    expect(c).toMatchObject({
      invite: { done: false, can: true },
      topUp: { done: false },
      cluster: { done: false, can: true, request: null },
      job: { done: false },
      allDone: false,
    });
    await makeInvitation(t.db, org, { email: "someone@example.net", role: "user", invitedById: admin.id });
    await fundOrg(t.db, org, "10");
    await requestClusterAccess(t.db, as(admin), { org: org.name }, testServices());
    c = await getOrgChecklist(t.db, as(admin), { org: org.name });
    expect(c.invite.done).toBe(true);
    expect(c.topUp.done).toBe(true);
    expect(c.cluster.request?.status).toBe("pending");
    const cluster = await makeCluster(t.db);
    await addOrgToCluster(t.db, org, cluster);
    await addMember(t.db, org, user, "user");
    await makeJob(t.db, { org, user, cluster, preset: cluster.presets.small! });
    c = await getOrgChecklist(t.db, as(user), { org: org.name });
    expect(c).toMatchObject({
      invite: { done: true, can: false },
      cluster: { done: true, can: false, request: null },
      job: { done: true },
      allDone: true,
    });
    await expect(getOrgChecklist(t.db, as(await makeUser(t.db)), { org: org.name })).rejects.toBeInstanceOf(NotFound);
  });
});
