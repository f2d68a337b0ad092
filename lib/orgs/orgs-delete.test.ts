import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rawRows } from "@/db/client";
import { auditEvents, creditLedger, invitations, jobs, orgMembers, orgs, orgWallets, payments } from "@/db/schema";
import { requireOrgAccess } from "../core/authz";
import { Conflict, DomainError, Forbidden, Invalid, NotFound, Unauthenticated } from "../core/errors";
import { getCreditsSummary, listLedger } from "../billing/credits-view";
import { completePayment } from "../billing/internal";
import { createTopUp } from "../billing/top-ups";
import { createClusterToken } from "../compute/clusters";
import { listJobs, startJob } from "../compute/jobs";
import { meterUsage, runEmbeddedTick } from "../compute/internal";
import { handleUsageRequest } from "../compute/usage-api";
import { acceptInvitation, getInvitationByToken } from "./invitations";
import { createOrg, deleteOrg, enterOrg, homePath, listMyOrgs, ORG_NAME_RESERVED_DAYS } from "./orgs";
import { listAllOrgs } from "./platform";
import {
  addMember,
  addOrgToCluster,
  as,
  decimalQuotient,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeInvitation,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  paymentServices,
  secondsAgo,
  testServices,
  withTestDatabase,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();

async function countWhere(
  table: typeof orgMembers | typeof invitations,
  col: typeof orgMembers.orgId | typeof invitations.orgId,
  orgId: string,
) {
  const [r] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(table)
    .where(eq(col, orgId));
  return r!.n;
}

/** Whether the org is open (not closed), and its members and invitations. */
async function snapshot(orgId: string) {
  const [org] = await t.db.select().from(orgs).where(eq(orgs.id, orgId));
  return {
    org: Boolean(org) && org!.deletedAt === null,
    members: await countWhere(orgMembers, orgMembers.orgId, orgId),
    invitations: await countWhere(invitations, invitations.orgId, orgId),
  };
}

/** An org with an admin, a second admin, a manager and a user, and two invitations. */
async function world() {
  const [admin, admin2, manager, user] = [
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
  ];
  const org = await makeOrg(t.db, { admin, manager, user });
  await addMember(t.db, org, admin2, "admin");
  const inv1 = await makeInvitation(t.db, org, { email: "one@x.com", invitedById: admin.id });
  const inv2 = await makeInvitation(t.db, org, {
    email: "two@x.com",
    role: "manager",
    expiresAt: new Date(Date.now() - 1000),
  });
  return { org, admin, admin2, manager, user, inv1, inv2 };
}

describe("deleteOrg (closing an org)", () => {
  it("is for admins only: managers and users get Forbidden, outsiders NotFound, and nothing is deleted", async () => {
    const w = await world();
    const outsider = await makeUser(t.db);
    await makeOrg(t.db, { admin: outsider });
    const before = await snapshot(w.org.id);
    expect(before).toEqual({ org: true, members: 4, invitations: 2 });
    const confirm = { confirmName: w.org.name };
    await expect(deleteOrg(t.db, as(w.manager), w.org.name, confirm)).rejects.toBeInstanceOf(Forbidden);
    await expect(deleteOrg(t.db, as(w.user), w.org.name, confirm)).rejects.toBeInstanceOf(Forbidden);
    await expect(deleteOrg(t.db, as(outsider), w.org.name, confirm)).rejects.toBeInstanceOf(NotFound);
    await expect(deleteOrg(t.db, null, w.org.name, confirm)).rejects.toBeInstanceOf(Unauthenticated);
    await expect(deleteOrg(t.db, as(w.admin), "no-such-org", { confirmName: "no-such-org" })).rejects.toBeInstanceOf(
      NotFound,
    );
    expect(await snapshot(w.org.id)).toEqual(before);
  });

  it("refuses a wrong confirmation name on the confirmName field, deleting nothing", async () => {
    const w = await world();
    const before = await snapshot(w.org.id);
    for (const confirmName of ["", "wrong", w.org.name.toUpperCase(), `${w.org.name}x`]) {
      const err = await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName }).catch((e) => e);
      expect(err, confirmName).toBeInstanceOf(Invalid);
      expect(err.fieldErrors).toEqual({ confirmName: [`Type the organization name, '${w.org.name}', to confirm.`] });
    }
    await expect(deleteOrg(t.db, as(w.admin), w.org.name, {})).rejects.toBeInstanceOf(Invalid);
    expect(await snapshot(w.org.id)).toEqual(before);
    const audit = await t.db.select().from(auditEvents).where(eq(auditEvents.action, "org.deleted"));
    expect(audit.filter((a) => a.orgId === w.org.id)).toEqual([]);
  });

  it("closes the org: memberships and invitations go, the org row stays closed, the audit row records it", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "42.5");
    expect(await deleteOrg(t.db, as(w.admin2), w.org.name, { confirmName: `  ${w.org.name} ` })).toEqual({
      name: w.org.name,
      members: 4,
      balance: "42.50000000",
      stoppedJobs: [],
    });
    expect(await snapshot(w.org.id)).toEqual({ org: false, members: 0, invitations: 0 });
    const [row] = await t.db.select().from(orgs).where(eq(orgs.id, w.org.id));
    expect(row!.deletedAt).toBeInstanceOf(Date);
    expect(row!.memberCount).toBe(0);
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.orgId, w.org.id))
      .orderBy(sql`${auditEvents.id} desc`);
    expect(audit).toMatchObject({
      action: "org.deleted",
      orgName: w.org.name,
      actorId: w.admin2.id,
      actorUsername: w.admin2.username,
      targetType: "org",
      targetLabel: w.org.name,
      before: { name: w.org.name, members: 4 },
      after: { balance: "42.50000000", spent: "0.00000000", stoppedJobs: 0 },
    });
    expect(await getInvitationByToken(t.db, null, w.inv1.token)).toEqual({ state: "unknown" });
  });

  it("answers 404 to its former members everywhere and disappears from their org switcher and the admin list", async () => {
    const w = await world();
    const op = await makePlatformAdmin(t.db);
    const other = await makeOrg(t.db, { user: w.user });
    await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name });
    for (const who of [w.admin, w.admin2, w.manager, w.user]) {
      await expect(requireOrgAccess(t.db, as(who), w.org.name)).rejects.toBeInstanceOf(NotFound);
      await expect(enterOrg(t.db, as(who), w.org.name)).rejects.toBeInstanceOf(NotFound);
      await expect(getCreditsSummary(t.db, as(who), w.org.name)).rejects.toBeInstanceOf(NotFound);
      await expect(listLedger(t.db, as(who), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
      await expect(listJobs(t.db, as(who), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
      await expect(deleteOrg(t.db, as(who), w.org.name, { confirmName: w.org.name })).rejects.toBeInstanceOf(NotFound);
      expect((await listMyOrgs(t.db, as(who))).map((o) => o.name)).not.toContain(w.org.name);
    }
    expect((await listMyOrgs(t.db, as(w.user))).map((o) => o.name)).toEqual([other.name]);
    expect((await listAllOrgs(t.db, as(op), { q: w.org.name })).rows).toEqual([]);
  });

  it("keeps its wallet, ledger, payments, jobs and audit rows; the database refuses to delete the org row", async () => {
    const w = await world();
    const cluster = await makeCluster(t.db, { presets: { small: "3600" } });
    await addOrgToCluster(t.db, w.org, cluster);
    await fundOrg(t.db, w.org, "100");
    const svc = paymentServices();
    const topUp = await createTopUp(t.db, as(w.user), w.org.name, { credits: "10" }, svc);
    await completePayment(t.db, SYSTEM, { provider: "sandbox", paymentId: topUp.paymentId }, svc);
    const pending = await createTopUp(t.db, as(w.user), w.org.name, { credits: "20" }, svc);
    const job = await makeJob(t.db, {
      org: w.org,
      user: w.user,
      cluster,
      preset: cluster.presets.small!,
      startedAt: secondsAgo(5),
    });
    await meterUsage(t.db, SYSTEM, [{ jobId: job.id, until: secondsAgo(2), idempotencyKey: "r1" }], testServices());
    const before = {
      ledger: await t.db.select().from(creditLedger).where(eq(creditLedger.orgId, w.org.id)),
      payments: await t.db.select().from(payments).where(eq(payments.orgId, w.org.id)),
      audit: await t.db.select().from(auditEvents).where(eq(auditEvents.orgId, w.org.id)),
    };
    expect(before.ledger).toHaveLength(3);
    expect(before.payments).toHaveLength(2);
    await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name });
    // Nothing was deleted or rewritten: the closing only added the job's settlement (growing the job's row for
    // the UTC hour, or a new one in the next hour: one ledger row per job per hour) and the audit row.
    const ledger = await t.db.select().from(creditLedger).where(eq(creditLedger.orgId, w.org.id));
    const notJob = (rows: (typeof ledger)[number][]) => rows.filter((r) => r.jobId !== job.id);
    expect(notJob(ledger).slice(0, 2)).toEqual(notJob(before.ledger));
    const jobRows = ledger.filter((r) => r.jobId === job.id);
    expect(jobRows.length).toBeLessThanOrEqual(2);
    expect(jobRows[0]!.id).toBe(before.ledger.find((r) => r.jobId === job.id)!.id);
    expect(await t.db.select().from(payments).where(eq(payments.orgId, w.org.id))).toEqual(before.payments);
    const audit = await t.db.select().from(auditEvents).where(eq(auditEvents.orgId, w.org.id));
    expect(audit.slice(0, before.audit.length)).toEqual(before.audit);
    expect(audit.at(-1)!.action).toBe("org.deleted");
    const [j] = await t.db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(j).toMatchObject({ status: "stopped", stopReason: "OrgDeleted" });
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
    expect((audit.at(-1)!.after as { balance: string }).balance).toBe(totals.balance);
    // A payment still pending at closing that is paid later is recorded (the money arrived) in the closed wallet.
    const late = await completePayment(t.db, SYSTEM, { provider: "sandbox", paymentId: pending.paymentId }, svc);
    expect(late.outcome).toBe("paid");
    const after = await ledgerTotals(t.db, w.org);
    expect(after.balance).toBe(after.ledgerSum);
    // RESTRICT: the money records pin the org row.
    await expect(t.db.delete(orgs).where(eq(orgs.id, w.org.id))).rejects.toThrow();
    await expect(t.db.delete(orgWallets).where(eq(orgWallets.orgId, w.org.id))).rejects.toThrow();
  });

  it("stops a running embedded job and an external one with OrgDeleted; the embedded one is settled up to the stop, the external runner gets `stop`", async () => {
    const w = await world();
    const embedded = await makeCluster(t.db, { runner: "embedded", presets: { small: "3600" } });
    const external = await makeCluster(t.db, { runner: "external", presets: { small: "7200" } });
    await addOrgToCluster(t.db, w.org, embedded);
    await addOrgToCluster(t.db, w.org, external);
    await fundOrg(t.db, w.org, "1000000");
    const op = await makePlatformAdmin(t.db);
    const { token } = await createClusterToken(t.db, as(op), { cluster: external.name, label: "runner" });
    const started = secondsAgo(30);
    const smallJob = (user: typeof w.user, cluster: typeof embedded) =>
      makeJob(t.db, { org: w.org, user, cluster, preset: cluster.presets.small!, startedAt: started });
    const e = await smallJob(w.user, embedded);
    const x = await smallJob(w.manager, external);
    // The external runner reported 10 s so far.
    const first = await handleUsageRequest(
      t.db,
      `Bearer ${token}`,
      {
        records: [{ job_id: x.id, until: new Date(started.getTime() + 10_000).toISOString(), idempotency_key: "x-1" }],
      },
      testServices(),
    );
    expect(first).toMatchObject({ charged: 1, stop: [], unknown_jobs: [] });

    const closed = await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name });
    expect(closed.stoppedJobs).toEqual([e.id, x.id].sort());
    const rows = await t.db.select().from(jobs).where(eq(jobs.orgId, w.org.id));
    for (const j of rows) expect(j).toMatchObject({ status: "stopped", stopReason: "OrgDeleted" });
    // Embedded: charged in the closing transaction exactly up to its stop (1 credit per second).
    const [[ej], [stopAt]] = await Promise.all([
      t.db.select().from(jobs).where(eq(jobs.id, e.id)),
      rawRows<{ secs: string }>(
        t.db,
        sql`select extract(epoch from stopped_at - started_at)::text as secs from jobs where id = ${e.id}`,
      ),
    ]);
    expect(ej!.chargedUntil!.getTime()).toBe(ej!.stoppedAt!.getTime());
    const micros = BigInt(Math.round(Number(stopAt!.secs) * 1e6));
    expect(ej!.creditsCharged).toBe(decimalQuotient(micros * 3600n, 3600n * 1_000_000n));
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "org.deleted")));
    expect((audit!.after as { balance: string }).balance).toBe(closed.balance);
    expect((await ledgerTotals(t.db, w.org)).balance).toBe(closed.balance);

    // The external runner's next report: the job is in `stop`, not unknown, and charged only up to the stop.
    const later = new Date(Date.now() + 5_000);
    const report = await handleUsageRequest(
      t.db,
      `Bearer ${token}`,
      {
        records: [{ job_id: x.id, until: later.toISOString(), idempotency_key: "x-2" }],
      },
      testServices(),
      { now: later },
    );
    expect(report).toMatchObject({ charged: 1, unknown_jobs: [], stop: [x.id] });
    const [xj] = await t.db.select().from(jobs).where(eq(jobs.id, x.id));
    expect(xj!.chargedUntil!.getTime()).toBe(xj!.stoppedAt!.getTime());
    const xMicros = BigInt(xj!.stoppedAt!.getTime() - started.getTime()) * 1000n;
    // 2 credits per second, from its start to its stop (stopped_at has microseconds: compare to the millisecond).
    expect(Number(xj!.creditsCharged)).toBeCloseTo(Number(decimalQuotient(xMicros * 7200n, 3600n * 1_000_000n)), 2);
    // A replay of the report changes nothing; the embedded runner's tick has nothing left to do for this org.
    await runEmbeddedTick(t.db, SYSTEM, new Date(), 1000, testServices());
    const [ej2] = await t.db.select().from(jobs).where(eq(jobs.id, e.id));
    expect(ej2!.creditsCharged).toBe(ej!.creditsCharged);
    const totals = await ledgerTotals(t.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
  });

  it("reserves the name for 30 days: creating an org with it is refused, then allowed once the time is up", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "5");
    await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name });
    const err = await createOrg(t.db, as(w.user), { name: w.org.name }).catch((e) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect(err.field).toBe("name");
    expect(err.message).toMatch(
      new RegExp(
        `^The name '${w.org.name}' belonged to an organization that was closed; it stays reserved until \\d{4}-\\d{2}-\\d{2}\\.$`,
      ),
    );
    // Day 29: still reserved.
    await t.db
      .update(orgs)
      .set({ deletedAt: sql`now() - make_interval(days => ${ORG_NAME_RESERVED_DAYS - 1})` })
      .where(eq(orgs.id, w.org.id));
    await expect(createOrg(t.db, as(w.user), { name: w.org.name })).rejects.toBeInstanceOf(Conflict);
    // Day 31: free again, for a brand-new org with its own wallet; the closed one's records stay apart.
    await t.db
      .update(orgs)
      .set({ deletedAt: sql`now() - make_interval(days => ${ORG_NAME_RESERVED_DAYS + 1})` })
      .where(eq(orgs.id, w.org.id));
    expect((await createOrg(t.db, as(w.user), { name: w.org.name })).role).toBe("admin");
    const summary = await getCreditsSummary(t.db, as(w.user), w.org.name);
    expect(summary.balance).not.toBe("5.00000000");
    const named = await t.db.select().from(orgs).where(eq(orgs.name, w.org.name));
    expect(named).toHaveLength(2);
    expect((await ledgerTotals(t.db, w.org)).balance).toBe("5.00000000");
    // The new org answers to its member; a former member of the closed one is an outsider to it.
    await expect(requireOrgAccess(t.db, as(w.admin), w.org.name)).rejects.toBeInstanceOf(NotFound);
    // A second open org with that name is refused as before.
    await expect(createOrg(t.db, as(w.admin), { name: w.org.name })).rejects.toBeInstanceOf(Conflict);
  });

  it("sends its former members to another org of theirs, or to onboarding", async () => {
    const w = await world();
    const elsewhere = await makeOrg(t.db, { user: w.manager, admin: await makeUser(t.db) });
    for (const who of [w.admin, w.manager, w.user]) await enterOrg(t.db, as(who), w.org.name);
    expect(await homePath(t.db, as(w.manager))).toBe(`/orgs/${w.org.name}`);
    await deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name });
    expect(await homePath(t.db, as(w.manager))).toBe(`/orgs/${elsewhere.name}`);
    expect(await homePath(t.db, as(w.user))).toBe("/onboarding");
    expect(await homePath(t.db, as(w.admin))).toBe("/onboarding");
  });

  it("two admins deleting at once: one deletes, the other gets NotFound", async () => {
    for (let i = 0; i < 3; i++) {
      const w = await world();
      const results = await Promise.allSettled([
        deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name }),
        deleteOrg(t.db, as(w.admin2), w.org.name, { confirmName: w.org.name }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(NotFound);
      expect(await snapshot(w.org.id)).toEqual({ org: false, members: 0, invitations: 0 });
    }
  });

  it("an invitation accepted while the org is being deleted: no deadlock, and no membership survives", async () => {
    for (let i = 0; i < 5; i++) {
      const w = await world();
      const pat = await makeUser(t.db);
      const inv = await makeInvitation(t.db, w.org, { email: pat.email });
      const results = await Promise.allSettled([
        acceptInvitation(t.db, as(pat), { token: inv.token }),
        deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name }),
      ]);
      for (const r of results)
        if (r.status === "rejected") expect(r.reason, `iteration ${i}`).toBeInstanceOf(DomainError);
      expect(results[1]!.status).toBe("fulfilled");
      expect(await snapshot(w.org.id)).toEqual({ org: false, members: 0, invitations: 0 });
      expect(await homePath(t.db, as(pat))).toBe("/onboarding");
    }
  });

  it("closing while charges and job starts run: no deadlock, every job stopped and settled, balance = Σ ledger", async () => {
    for (let i = 0; i < 4; i++) {
      const w = await world();
      const cluster = await makeCluster(t.db, { runner: "embedded", presets: { small: "3600" } });
      await addOrgToCluster(t.db, w.org, cluster);
      await fundOrg(t.db, w.org, "1000000");
      const running = [];
      for (let k = 0; k < 3; k++) {
        running.push(
          await makeJob(t.db, {
            org: w.org,
            user: w.user,
            cluster,
            preset: cluster.presets.small!,
            startedAt: secondsAgo(20 + k),
          }),
        );
      }
      const results = await Promise.allSettled([
        meterUsage(
          t.db,
          SYSTEM,
          running.map((j) => ({ jobId: j.id, until: secondsAgo(1), idempotencyKey: `a-${j.id}` })),
          testServices(),
        ),
        deleteOrg(t.db, as(w.admin), w.org.name, { confirmName: w.org.name }),
        meterUsage(
          t.db,
          SYSTEM,
          running.map((j) => ({ jobId: j.id, until: new Date(), idempotencyKey: `b-${j.id}` })),
          testServices(),
        ),
        startJob(
          t.db,
          as(w.user),
          w.org.name,
          { name: "late", cluster: cluster.name, preset: "small" },
          testServices(),
        ),
      ]);
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason, `iteration ${i}`).toBeInstanceOf(NotFound); // the late start only
      }
      expect(results[0].status).toBe("fulfilled");
      expect(results[1].status).toBe("fulfilled");
      expect(results[2].status).toBe("fulfilled");
      const rows = await t.db.select().from(jobs).where(eq(jobs.orgId, w.org.id));
      for (const j of rows) {
        expect(j.status, `iteration ${i}`).toBe("stopped");
        expect(j.chargedUntil!.getTime(), `iteration ${i}`).toBe(j.stoppedAt!.getTime());
      }
      const totals = await ledgerTotals(t.db, w.org);
      expect(totals.balance).toBe(totals.ledgerSum);
      const [audit] = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "org.deleted")));
      // Nothing was charged after the closing: its recorded balance is final.
      expect((audit!.after as { balance: string }).balance).toBe(totals.balance);
    }
  });
});
