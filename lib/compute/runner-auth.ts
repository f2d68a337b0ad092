import type { Db } from "@/db";
import { clusterTokens } from "@/db/schema";
import { and, inArray, sql } from "drizzle-orm";
import { clusterCaller, type ClusterCaller } from "../core/caller";
import { hashToken } from "../core/tokens";

/** A runner authenticated by its cluster token: the cluster caller of lib/core/caller.ts. */
export type RunnerIdentity = ClusterCaller;

/** The cluster caller of an external runner's bearer token (the token is the credential), or null (revoked, unknown, malformed). */
export async function authenticateClusterToken(
  db: Db,
  bearer: string | null | undefined,
): Promise<RunnerIdentity | null> {
  if (!bearer) return null;
  return (await authenticateClusterTokens(db, [bearer])).get(bearer) ?? null;
}

/**
 * Several bearer tokens in one query (the usage API checks the tokens of concurrent requests together):
 * the cluster of each valid one; revoked, unknown and malformed tokens are absent from the map.
 */
export async function authenticateClusterTokens(db: Db, bearers: string[]): Promise<Map<string, RunnerIdentity>> {
  const byHash = new Map<string, string>();
  for (const bearer of bearers) {
    const token = bearer.startsWith("apc_") ? bearer.slice(4) : null;
    if (token && /^[A-Za-z0-9_-]{43}$/.test(token)) byHash.set(hashToken(token), bearer);
  }
  const found = new Map<string, RunnerIdentity>();
  if (byHash.size === 0) return found;
  const rows = await db
    .select({
      id: clusterTokens.id,
      hash: clusterTokens.tokenHash,
      clusterId: clusterTokens.clusterId,
      lastUsedAt: clusterTokens.lastUsedAt,
    })
    .from(clusterTokens)
    .where(and(inArray(clusterTokens.tokenHash, [...byHash.keys()]), sql`${clusterTokens.revokedAt} is null`));
  for (const row of rows) found.set(byHash.get(row.hash)!, clusterCaller(row.clusterId));
  // "Last used" to the minute is enough: a write per request would make every runner queue on this row.
  const stale = rows.filter((r) => !r.lastUsedAt || Date.now() - r.lastUsedAt.getTime() > 60_000).map((r) => r.id);
  if (stale.length) {
    await db.update(clusterTokens).set({ lastUsedAt: new Date() }).where(inArray(clusterTokens.id, stale));
  }
  return found;
}
