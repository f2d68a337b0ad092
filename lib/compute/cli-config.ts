import { and, asc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters, orgClusters, orgMembers, orgs, presets, projectMembers, projects } from "@/db/schema";
import { requireUser, type Caller } from "../core/caller";
import { clusterServiceUrls, type ClusterUrls } from "./cluster-urls";

export interface CliPreset {
  name: string;
  /** Decimal string, exact. */
  creditsPerHour: string;
  /** Decimal string of cores, e.g. "0.5". */
  cpu: string;
  memoryMb: number;
  gpu: number;
}

export interface CliCluster {
  name: string;
  /** The caller's orgs on this cluster, by name. */
  orgs: string[];
  urls: ClusterUrls;
  presets: CliPreset[];
}

export interface CliProject {
  name: string;
  clusterName: string;
  orgName: string;
  role: "reader" | "writer" | "manager" | "admin";
}

/**
 * What the `apolo` CLI's configuration document tells a person (GET /api/v1/config): the clusters their orgs
 * are on (with the orgs of theirs on each, the cluster's service URLs and presets) and the projects they are a
 * member of. Only the person's own memberships, and only the token's org when the token is restricted to one.
 */
export async function cliConfig(db: Db, caller: Caller, appUrl: string) {
  const { userId } = requireUser(caller, "read");
  const onlyOrg = caller?.kind === "token" && caller.orgId ? caller.orgId : null;
  const orgFilter: SQL[] = [isNull(orgs.deletedAt)];
  if (onlyOrg) orgFilter.push(eq(orgs.id, onlyOrg));

  const [links, memberships] = await Promise.all([
    db
      .select({ cluster: clusters, org: orgs.name })
      .from(orgMembers)
      .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
      .innerJoin(orgClusters, eq(orgClusters.orgId, orgs.id))
      .innerJoin(clusters, eq(clusters.id, orgClusters.clusterId))
      .where(and(eq(orgMembers.userId, userId), ...orgFilter))
      .orderBy(asc(clusters.name), asc(orgs.name)),
    db
      .select({
        name: projects.name,
        clusterName: clusters.name,
        orgName: orgs.name,
        role: projectMembers.role,
      })
      .from(projectMembers)
      .innerJoin(projects, eq(projects.id, projectMembers.projectId))
      .innerJoin(orgs, eq(orgs.id, projects.orgId))
      .innerJoin(clusters, eq(clusters.id, projects.clusterId))
      .where(and(eq(projectMembers.userId, userId), ...orgFilter))
      .orderBy(asc(clusters.name), asc(orgs.name), asc(projects.name)),
  ]);

  const byCluster = new Map<string, { row: (typeof links)[number]["cluster"]; orgs: string[] }>();
  for (const l of links) {
    const entry = byCluster.get(l.cluster.id) ?? { row: l.cluster, orgs: [] };
    entry.orgs.push(l.org);
    byCluster.set(l.cluster.id, entry);
  }
  const ids = [...byCluster.keys()];
  const clusterPresets = ids.length
    ? await db
        .select()
        .from(presets)
        .where(inArray(presets.clusterId, ids))
        .orderBy(asc(presets.creditsPerHour), asc(presets.name))
    : [];

  const out: CliCluster[] = [...byCluster.values()].map(({ row, orgs: names }) => ({
    name: row.name,
    orgs: names,
    urls: clusterServiceUrls(row, appUrl),
    presets: clusterPresets
      .filter((p) => p.clusterId === row.id)
      .map((p) => ({ name: p.name, creditsPerHour: p.creditsPerHour, cpu: p.cpu, memoryMb: p.memoryMb, gpu: p.gpu })),
  }));
  return { clusters: out, projects: memberships satisfies CliProject[] };
}
