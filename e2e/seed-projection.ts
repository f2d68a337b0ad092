// Seeds what e2e/projection.spec.ts needs (called by e2e/seed.ts before the server starts): an org that spends
// (150 credits, a job running at 3 credits/hour on an external cluster, which the embedded runner leaves alone,
// so the projection holds still: about 2 days) with a week of charges behind it, and an org that spends nothing.
// Idempotent: a rerun on the same database (E2E_DATABASE_URL) keeps what is there.
import { eq, inArray } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters, creditLedger, jobs, orgClusters, orgMembers, orgs, presets } from "@/db/schema";
import { postLedger } from "@/lib/billing/ledger";
import { seedPerson } from "./api-seed";
import { PROJ } from "./projection-data";

const DAY_MS = 86_400_000;

export async function seedProjection(db: Db): Promise<void> {
  const ids: Record<string, string> = {};
  for (const username of [PROJ.admin, PROJ.manager]) ids[username] = await seedPerson(db, { username });
  const [existing] = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.name, PROJ.org));
  if (existing) return;

  const [cluster] = await db.insert(clusters).values({ name: PROJ.cluster, runner: "external" }).returning();
  const [preset] = await db
    .insert(presets)
    .values({ clusterId: cluster!.id, name: "gpu-proj", cpu: "4", memoryMb: 8192, gpu: 1, creditsPerHour: "3" })
    .returning();

  const now = Date.now();
  await db.transaction(async (tx) => {
    const [org] = await tx.insert(orgs).values({ name: PROJ.org, displayName: "Projection Lab" }).returning();
    const [idle] = await tx.insert(orgs).values({ name: PROJ.idleOrg }).returning();
    await tx.insert(orgMembers).values([
      { orgId: org!.id, userId: ids[PROJ.admin]!, role: "admin" },
      { orgId: org!.id, userId: ids[PROJ.manager]!, role: "manager" },
      { orgId: idle!.id, userId: ids[PROJ.admin]!, role: "admin" },
    ]);
    await tx.insert(orgClusters).values([{ orgId: org!.id, clusterId: cluster!.id }]);
    // The running job, started six days ago: what it used so far is the week of charges below.
    const [job] = await tx
      .insert(jobs)
      .values({
        orgId: org!.id,
        userId: ids[PROJ.admin]!,
        clusterId: cluster!.id,
        presetId: preset!.id,
        presetName: preset!.name,
        name: "train-proj",
        creditsPerHour: preset!.creditsPerHour,
        startedAt: new Date(now - 6 * DAY_MS),
        chargedUntil: new Date(now - 6 * DAY_MS),
      })
      .returning();
    // 210 granted six days ago, then 12 charged on each of the five days since: 150 left, none of the
    // low-balance thresholds (100, 10, 0) crossed. Posted through the ledger, then dated back to draw a week.
    const entries = [
      { at: now - 6 * DAY_MS, kind: "grant" as const, amount: "210" },
      ...[5, 4, 3, 2, 1].map((d) => ({ at: now - d * DAY_MS + 3_600_000, kind: "charge" as const, amount: "-12" })),
    ];
    for (const e of entries) {
      const posted = await postLedger(tx, {
        orgId: org!.id,
        kind: e.kind,
        amount: e.amount,
        ...(e.kind === "charge" ? { jobId: job!.id, memberId: ids[PROJ.admin]! } : { note: "e2e projection" }),
      });
      await tx
        .update(creditLedger)
        .set({ createdAt: new Date(e.at) })
        .where(inArray(creditLedger.id, [posted!.ledgerId]));
    }
    await postLedger(tx, { orgId: idle!.id, kind: "grant", amount: "50", note: "e2e projection" });
  });
  console.log(`[e2e seed] ${PROJ.org} (spending) and ${PROJ.idleOrg} (idle)`);
}
