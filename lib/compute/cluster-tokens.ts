import { asc, desc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters, clusterTokens, users } from "@/db/schema";
import { type Caller } from "../core/caller";
import { requirePlatformAdmin } from "../orgs/platform";

/**
 * Platform admins: the tokens of external cluster runners (all clusters, or the one named), newest first.
 * Never returns the token hashes: a token is shown once, when it is created, and then only described.
 */
export async function listClusterTokens(db: Db, caller: Caller, clusterName?: string) {
  await requirePlatformAdmin(db, caller, "read");
  return db
    .select({
      id: clusterTokens.id,
      cluster: clusters.name,
      label: clusterTokens.label,
      createdAt: clusterTokens.createdAt,
      createdBy: users.username,
      lastUsedAt: clusterTokens.lastUsedAt,
      revokedAt: clusterTokens.revokedAt,
    })
    .from(clusterTokens)
    .innerJoin(clusters, eq(clusters.id, clusterTokens.clusterId))
    .leftJoin(users, eq(users.id, clusterTokens.createdById))
    .where(clusterName === undefined ? undefined : eq(clusters.name, clusterName))
    .orderBy(asc(clusters.name), desc(clusterTokens.createdAt), desc(clusterTokens.id));
}
