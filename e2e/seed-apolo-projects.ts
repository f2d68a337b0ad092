// Seeds what e2e/api-admin-projects.spec.ts needs (called by e2e/seed.ts before the server starts): a platform
// admin, an org with an admin, a user and a member on cluster `ap-cluster`, an outsider, a second cluster, and
// personal access tokens for each, written to APOLO_PROJECTS_TOKENS_FILE for the spec (tokens exist only hashed
// in the database, and the Tokens page may not exist yet). Idempotent: a rerun on the same database keeps the
// accounts and replaces their tokens.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { eq, inArray } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters, orgClusters, orgMembers, orgs, orgWallets, personalAccessTokens, presets } from "@/db/schema";
import { createToken } from "@/lib/accounts/tokens";
import { postLedger } from "@/lib/billing/ledger";
import { userCaller } from "@/lib/core/caller";
import { seedPerson } from "./api-seed";
import { AP, APOLO_PROJECTS_TOKENS_FILE } from "./fixtures-data";

export async function seedApoloProjects(db: Db): Promise<void> {
  const ids: Record<string, string> = {};
  for (const username of [AP.op, AP.admin, AP.user, AP.member, AP.outsider]) {
    ids[username] = await seedPerson(db, {
      username,
      name: username === AP.member ? "Mia Member" : null,
      platformAdmin: username === AP.op,
    });
  }
  let [org] = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.name, AP.org));
  if (!org) {
    [org] = await db.insert(orgs).values({ name: AP.org }).returning({ id: orgs.id });
    await db.insert(orgWallets).values({ orgId: org!.id }).onConflictDoNothing();
    await db.insert(orgMembers).values([
      { orgId: org!.id, userId: ids[AP.admin]!, role: "admin" },
      { orgId: org!.id, userId: ids[AP.user]!, role: "user" },
      { orgId: org!.id, userId: ids[AP.member]!, role: "user" },
    ]);
    await db.transaction((tx) =>
      postLedger(tx, { orgId: org!.id, kind: "grant", amount: "100.25", note: "e2e api-admin-projects" }),
    );
  }
  for (const name of [AP.cluster, AP.cluster2]) {
    const [c] = await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.name, name));
    if (c) continue;
    const [made] = await db.insert(clusters).values({ name, runner: "external" }).returning({ id: clusters.id });
    await db
      .insert(presets)
      .values({ clusterId: made!.id, name: "cpu-small", cpu: "1", memoryMb: 1024, gpu: 0, creditsPerHour: "1" });
    if (name === AP.cluster)
      await db.insert(orgClusters).values({ orgId: org!.id, clusterId: made!.id, maxRunningJobs: 5 });
  }
  // Fresh tokens every run.
  await db.delete(personalAccessTokens).where(inArray(personalAccessTokens.userId, Object.values(ids)));
  const make = async (username: string, scope: "read" | "write" = "write") =>
    (
      await createToken(db, userCaller(ids[username]!, "e2e-seed"), {
        name: `${username}-${scope}`,
        expiresIn: "7",
        scope,
      })
    ).token;
  const tokens = {
    op: await make(AP.op),
    admin: await make(AP.admin),
    user: await make(AP.user),
    userReadOnly: await make(AP.user, "read"),
    outsider: await make(AP.outsider),
  };
  mkdirSync(dirname(APOLO_PROJECTS_TOKENS_FILE), { recursive: true });
  writeFileSync(APOLO_PROJECTS_TOKENS_FILE, JSON.stringify(tokens), { mode: 0o600 });
}
