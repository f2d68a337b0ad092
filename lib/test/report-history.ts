import { eq, and } from "drizzle-orm";
import type { Db } from "@/db";
import { creditLedger, jobs, orgMembers } from "@/db/schema";
import { postLedger } from "../billing/ledger";
import { makeCluster, makeOrg, makeUser, addMember, addOrgToCluster, uniqueName } from "./fixtures";

const at = (iso: string) => new Date(iso);

/**
 * A known credit history for the Reports tests, in March 2026 (UTC). The period 2026-03-01 … 2026-03-05 holds:
 * a top-up of 100 by alice, charges of 2.5 + 1 (alice), 0.1 + 0.2 (bob), 0.2 (dave, who has since left), a
 * grant of 10 by the operator; a grant of 50 before it and a charge of 5 after it. Expected figures are in
 * REPORT_EXPECTED. A second org on the same clusters gets its own history in the same days (it must never show).
 */
export async function seedReportHistory(db: Db) {
  const [alice, bob, carol, dave, operator] = await Promise.all(
    ["alice", "bob", "carol", "dave", "op"].map((p) => makeUser(db, uniqueName(p), { name: `${p} name` })),
  );
  const org = await makeOrg(db, { user: alice!, manager: bob!, admin: carol! });
  await addMember(db, org, dave!, "user");
  await db.update(orgMembers).set({ creditLimit: "20" }).where(eq(orgMembers.userId, alice!.id));
  const c1 = await makeCluster(db, { name: uniqueName("c1-"), presets: { small: "1", big: "4" } });
  const c2 = await makeCluster(db, { name: uniqueName("c2-"), presets: { small: "1" } });
  await addOrgToCluster(db, org, c1);
  await addOrgToCluster(db, org, c2);

  async function job(
    orgId: string,
    user: { id: string },
    cluster: typeof c1,
    preset: string,
    start: string,
    stop: string | null,
  ) {
    const p = cluster.presets[preset]!;
    const [j] = await db
      .insert(jobs)
      .values({
        orgId,
        userId: user.id,
        clusterId: cluster.id,
        presetId: p.id,
        presetName: p.name,
        name: uniqueName("job-"),
        creditsPerHour: p.creditsPerHour,
        startedAt: at(start),
        chargedUntil: at(start),
        ...(stop ? { status: "stopped" as const, stoppedAt: at(stop), stopReason: "UserStopped" } : {}),
      })
      .returning();
    return j!;
  }
  async function entry(
    orgId: string,
    when: string,
    e: {
      kind: "topup" | "grant" | "charge";
      amount: string;
      actor?: { id: string };
      member?: { id: string };
      job?: { id: string };
    },
  ) {
    const posted = await db.transaction((tx) =>
      postLedger(tx, {
        orgId,
        kind: e.kind,
        amount: e.amount,
        actorId: e.actor?.id ?? null,
        memberId: e.member?.id ?? null,
        jobId: e.job?.id ?? null,
        note: `${e.kind} at ${when}`,
      }),
    );
    await db
      .update(creditLedger)
      .set({ createdAt: at(when) })
      .where(eq(creditLedger.id, posted!.ledgerId));
  }

  const j1 = await job(org.id, alice!, c1, "small", "2026-02-28T22:00:00Z", "2026-03-01T13:00:00Z");
  const j7 = await job(org.id, bob!, c1, "small", "2026-03-01T11:00:00Z", "2026-03-02T00:30:00Z");
  const j2 = await job(org.id, bob!, c1, "big", "2026-03-02T08:00:00Z", "2026-03-02T10:00:00Z");
  const j6 = await job(org.id, dave!, c1, "small", "2026-03-03T11:00:00Z", "2026-03-03T12:00:00Z");
  const j3 = await job(org.id, alice!, c2, "small", "2026-03-04T20:00:00Z", null);
  await job(org.id, carol!, c1, "small", "2026-03-06T10:00:00Z", null); // after the period
  await job(org.id, carol!, c1, "small", "2026-02-01T10:00:00Z", "2026-02-02T10:00:00Z"); // before it
  void j7;

  await entry(org.id, "2026-02-20T09:00:00Z", { kind: "grant", amount: "50", actor: operator });
  await entry(org.id, "2026-03-01T10:00:00Z", { kind: "topup", amount: "100", actor: alice });
  await entry(org.id, "2026-03-01T12:00:00Z", { kind: "charge", amount: "-2.5", member: alice, job: j1 });
  await entry(org.id, "2026-03-02T09:00:00Z", { kind: "charge", amount: "-0.1", member: bob, job: j2 });
  await entry(org.id, "2026-03-02T09:30:00Z", { kind: "charge", amount: "-0.2", member: bob, job: j2 });
  await entry(org.id, "2026-03-03T12:00:00Z", { kind: "charge", amount: "-0.2", member: dave, job: j6 });
  await entry(org.id, "2026-03-04T23:59:59Z", { kind: "charge", amount: "-1", member: alice, job: j3 });
  await entry(org.id, "2026-03-05T08:00:00Z", { kind: "grant", amount: "10", actor: operator });
  await entry(org.id, "2026-03-06T00:00:00Z", { kind: "charge", amount: "-5", member: alice, job: j3 });
  // Dave has left; his spending in the period still counts.
  await db.delete(orgMembers).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, dave!.id)));

  // Another org with carol as admin too, and its own numbers on the same days.
  const other = await makeOrg(db, { admin: carol! });
  await addOrgToCluster(db, other, c1);
  const oj = await job(other.id, carol!, c1, "big", "2026-03-02T00:00:00Z", null);
  await entry(other.id, "2026-03-01T09:00:00Z", { kind: "topup", amount: "1000", actor: carol });
  await entry(other.id, "2026-03-02T10:00:00Z", { kind: "charge", amount: "-77.77", member: carol, job: oj });

  return { org, other, alice: alice!, bob: bob!, carol: carol!, dave: dave!, operator: operator!, c1, c2 };
}

export const REPORT_PERIOD_QUERY = { period: "custom", from: "2026-03-01", to: "2026-03-05" };

/** What every panel must show for REPORT_PERIOD_QUERY (numeric(24,8) as PostgreSQL prints it). */
export const REPORT_EXPECTED = {
  totals: {
    spent: "4.00000000",
    topups: "100.00000000",
    grants: "10.00000000",
    adjustments: "0",
    openingBalance: "50.00000000",
    closingBalance: "156.00000000",
    jobsRun: 5,
  },
  balance: [
    { day: "2026-03-01", balance: "147.50000000" },
    { day: "2026-03-02", balance: "147.20000000" },
    { day: "2026-03-03", balance: "147.00000000" },
    { day: "2026-03-04", balance: "146.00000000" },
    { day: "2026-03-05", balance: "156.00000000" },
  ],
  runningJobs: [
    { day: "2026-03-01", jobs: 2 },
    { day: "2026-03-02", jobs: 2 },
    { day: "2026-03-03", jobs: 1 },
    { day: "2026-03-04", jobs: 1 },
    { day: "2026-03-05", jobs: 1 },
  ],
} as const;
