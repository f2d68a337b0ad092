// Seeds what e2e/auto-topup.spec.ts needs (called by e2e/seed.ts before the server starts, after the default
// cluster): an admin and a manager, a new org of theirs on the default cluster with a small balance, and a preset
// on the default cluster expensive enough that one job drains it in seconds. The org is new on every run (its
// name goes to AUTO_TOPUP_ORG_FILE), so a persistent database never hands the spec last run's settings.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters, orgClusters, orgMembers, orgs, orgWallets, presets } from "@/db/schema";
import { postLedger } from "@/lib/billing/ledger";
import { seedPerson } from "./api-seed";
import { AUTO, AUTO_TOPUP_ORG_FILE } from "./auto-topup-data";

export async function seedAutoTopUp(db: Db): Promise<void> {
  const admin = await seedPerson(db, { username: AUTO.admin, name: "Ada Admin" });
  const manager = await seedPerson(db, { username: AUTO.manager, name: "Max Manager" });
  const [cluster] = await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.name, "default"));
  if (!cluster) throw new Error("seed-auto-topup: the default cluster must be seeded first");
  const [preset] = await db
    .select({ id: presets.id })
    .from(presets)
    .where(and(eq(presets.clusterId, cluster.id), eq(presets.name, AUTO.preset)));
  if (!preset) {
    await db
      .insert(presets)
      .values({ clusterId: cluster.id, name: AUTO.preset, cpu: "2", memoryMb: 4096, gpu: 0, creditsPerHour: "3600" });
  }
  const name = `autotop-${Date.now().toString(36)}`;
  await db.transaction(async (tx) => {
    const [org] = await tx
      .insert(orgs)
      .values({ name, displayName: "Automatic Top-up Lab" })
      .returning({ id: orgs.id });
    await tx.insert(orgWallets).values({ orgId: org!.id }).onConflictDoNothing();
    await tx.insert(orgMembers).values([
      { orgId: org!.id, userId: admin, role: "admin" },
      { orgId: org!.id, userId: manager, role: "manager" },
    ]);
    await tx.insert(orgClusters).values({ orgId: org!.id, clusterId: cluster.id });
    await postLedger(tx, { orgId: org!.id, kind: "grant", amount: AUTO.balance, note: "e2e auto-topup" });
  });
  mkdirSync(dirname(AUTO_TOPUP_ORG_FILE), { recursive: true });
  writeFileSync(AUTO_TOPUP_ORG_FILE, JSON.stringify({ org: name }));
}
