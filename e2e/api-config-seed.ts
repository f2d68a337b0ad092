// Seeds what e2e/api-config.spec.ts needs before the server starts (the API's tokens are made in Account →
// Tokens, which this spec does not drive): people with known personal access tokens (stored hashed, as
// createToken stores them), an org on a cluster with presets and a project. Idempotent.
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters, orgClusters, orgMembers, orgs, presets, projectMembers, projects } from "@/db/schema";
import { seedPerson, seedToken } from "./api-seed";

export const API_CFG = {
  org: "apicfg-org",
  cluster: "apicfg-cluster",
  project: "apicfg-proj",
  registryUrl: "https://registry.apicfg.example.com",
  people: {
    admin: {
      username: "apicfg-admin",
      name: "Ada King Lovelace",
      token: "apolo_pat_" + "A".repeat(43),
      scope: "write",
    },
    user: { username: "apicfg-user", name: "Grace", token: "apolo_pat_" + "B".repeat(43), scope: "read" },
    outsider: { username: "apicfg-outsider", name: null, token: "apolo_pat_" + "C".repeat(43), scope: "write" },
    operator: { username: "apicfg-operator", name: null, token: "apolo_pat_" + "D".repeat(43), scope: "read" },
  },
} as const;

export async function seedApiConfig(db: Db) {
  const [existing] = await db.select().from(orgs).where(eq(orgs.name, API_CFG.org));
  if (existing) return;
  const ids: Record<string, string> = {};
  for (const [role, p] of Object.entries(API_CFG.people)) {
    ids[role] = await seedPerson(db, { username: p.username, name: p.name, platformAdmin: role === "operator" });
    await seedToken(db, { userId: ids[role]!, name: "e2e cli", token: p.token, scope: p.scope });
  }
  await db.transaction(async (tx) => {
    const [org] = await tx.insert(orgs).values({ name: API_CFG.org }).returning();
    await tx.insert(orgMembers).values([
      { orgId: org!.id, userId: ids.admin!, role: "admin" },
      { orgId: org!.id, userId: ids.user!, role: "user", creditLimit: "40", spent: "10", maxRunningJobs: 2 },
    ]);
    const [cluster] = await tx
      .insert(clusters)
      .values({ name: API_CFG.cluster, runner: "external", registryUrl: API_CFG.registryUrl })
      .returning();
    await tx.insert(presets).values([
      { clusterId: cluster!.id, name: "cpu-small", cpu: "0.5", memoryMb: 512, gpu: 0, creditsPerHour: "0.25" },
      { clusterId: cluster!.id, name: "gpu-large", cpu: "4", memoryMb: 16384, gpu: 1, creditsPerHour: "3.5" },
    ]);
    await tx.insert(orgClusters).values({ orgId: org!.id, clusterId: cluster!.id });
    const [project] = await tx
      .insert(projects)
      .values({ orgId: org!.id, clusterId: cluster!.id, name: API_CFG.project })
      .returning();
    await tx
      .insert(projectMembers)
      .values({ projectId: project!.id, orgId: org!.id, userId: ids.user!, role: "writer" });
  });
  console.log(`[e2e seed] ${API_CFG.org} on ${API_CFG.cluster} with API tokens`);
}
