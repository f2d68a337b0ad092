import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { artifacts, clusters, clusterTokens, jobs, orgClusters, orgs, presets } from "@/db/schema";
import { settleDisks } from "../artifacts/shared/storage";
import { recordAudit } from "../orgs/audit";
import { requireOrgAccess } from "../core/authz";
import { type Caller } from "../core/caller";
import { Conflict, Invalid, NotFound } from "../core/errors";
import { uniqueViolation } from "../core/db-errors";
import { isCreditAmount, parseCreditAmount } from "../core/credits-amount";
import { countLimitSchema } from "../core/money";
import { requirePlatformAdmin } from "../orgs/platform";
import { newToken } from "../core/tokens";
import { MAX_LENGTH, parseInput, platformNameSchema, safeText } from "../core/validation";

export const clusterSchema = z.object({
  name: platformNameSchema,
  description: safeText()
    .trim()
    .max(MAX_LENGTH.description, `At most ${MAX_LENGTH.description} characters.`)
    .optional()
    .default(""),
  isDefault: z.boolean().optional().default(false),
  runner: z.enum(["embedded", "external"]).optional().default("embedded"),
});

/** Platform admins: every cluster with its presets and orgs. */
export async function listClusters(db: Db, caller: Caller) {
  await requirePlatformAdmin(db, caller, "read");
  const [all, allPresets, links] = await Promise.all([
    db.select().from(clusters).orderBy(asc(clusters.name)),
    db.select().from(presets).orderBy(asc(presets.creditsPerHour), asc(presets.name)),
    db
      .select({ clusterId: orgClusters.clusterId, org: orgs.name, maxRunningJobs: orgClusters.maxRunningJobs })
      .from(orgClusters)
      .innerJoin(orgs, and(eq(orgs.id, orgClusters.orgId), isNull(orgs.deletedAt)))
      .orderBy(asc(orgs.name)),
  ]);
  return all.map((c) => ({
    ...c,
    presets: allPresets.filter((p) => p.clusterId === c.id),
    orgs: links.filter((l) => l.clusterId === c.id),
  }));
}

export async function createCluster(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(clusterSchema, input);
  try {
    return await db.transaction(async (tx) => {
      const [c] = await tx.insert(clusters).values(data).returning();
      await recordAudit(tx, {
        org: null,
        actor: admin,
        action: "cluster.created",
        target: { type: "cluster", id: c!.id, label: c!.name },
        after: { isDefault: c!.isDefault, runner: c!.runner },
      });
      return c!;
    });
  } catch (err) {
    if (uniqueViolation(err) === "clusters_name_key")
      throw new Conflict(`A cluster named '${data.name}' already exists.`, "name");
    throw err;
  }
}

export const presetSchema = z.object({
  cluster: safeText().trim().min(1),
  name: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9.-]{0,39}$/, "Use lowercase letters, digits, dots and hyphens (up to 40)."),
  cpu: z
    .string()
    .trim()
    .regex(/^\d{1,4}(\.\d{1,2})?$/, "CPU: a number of cores, e.g. 0.5 or 4."),
  memoryMb: z.coerce.number().int("Memory: whole MB.").min(1, "Memory must be at least 1 MB.").max(10_000_000),
  gpu: z.coerce.number().int("GPU: a whole number.").min(0).max(64).default(0),
  creditsPerHour: z
    .string()
    .trim()
    .refine(
      (v) => isCreditAmount(v, { maxDigits: 9, decimals: 4 }),
      "Credits per hour: a number with at most four decimals.",
    ),
});

export async function createPreset(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(presetSchema, input);
  const [cluster] = await db.select().from(clusters).where(eq(clusters.name, data.cluster));
  if (!cluster) throw new Invalid({ cluster: [`No cluster named '${data.cluster}'.`] });
  try {
    return await db.transaction(async (tx) => {
      const [p] = await tx
        .insert(presets)
        .values({
          clusterId: cluster.id,
          name: data.name,
          cpu: data.cpu,
          memoryMb: data.memoryMb,
          gpu: data.gpu,
          creditsPerHour: data.creditsPerHour,
        })
        .returning();
      await recordAudit(tx, {
        org: null,
        actor: admin,
        action: "preset.created",
        target: { type: "preset", id: p!.id, label: `${cluster.name}/${p!.name}` },
        after: { cpu: p!.cpu, memoryMb: p!.memoryMb, gpu: p!.gpu, creditsPerHour: p!.creditsPerHour },
      });
      return p!;
    });
  } catch (err) {
    if (uniqueViolation(err)) throw new Conflict(`Preset '${data.name}' already exists on ${data.cluster}.`, "name");
    throw err;
  }
}

export async function deletePreset(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const { id } = parseInput(z.object({ id: z.uuid() }), input);
  return db.transaction(async (tx) => {
    const [deleted] = await tx.delete(presets).where(eq(presets.id, id)).returning();
    if (!deleted) throw new NotFound("Preset not found");
    const [cluster] = await tx.select({ name: clusters.name }).from(clusters).where(eq(clusters.id, deleted.clusterId));
    await recordAudit(tx, {
      org: null,
      actor: admin,
      action: "preset.deleted",
      target: { type: "preset", id: deleted.id, label: `${cluster?.name ?? "?"}/${deleted.name}` },
      before: {
        cpu: deleted.cpu,
        memoryMb: deleted.memoryMb,
        gpu: deleted.gpu,
        creditsPerHour: deleted.creditsPerHour,
      },
    });
    return { id };
  });
}

export const orgClusterSchema = z.object({
  cluster: safeText().trim().min(1, "Choose a cluster."),
  org: safeText().trim().min(1, "Choose an organization."),
  maxRunningJobs: countLimitSchema.optional().default(null),
});

async function resolveOrgCluster(db: Db, clusterName: string, orgName: string) {
  const [c] = await db.select().from(clusters).where(eq(clusters.name, clusterName));
  if (!c) throw new Invalid({ cluster: [`No cluster named '${clusterName}'.`] });
  const [o] = await db
    .select()
    .from(orgs)
    .where(and(eq(orgs.name, orgName), isNull(orgs.deletedAt)));
  if (!o) throw new Invalid({ org: [`No organization named '${orgName}'.`] });
  return { cluster: c, org: o };
}

/** Adds an org to a cluster (or updates its max-running-jobs quota there). */
export async function setOrgCluster(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(orgClusterSchema, input);
  const { cluster, org } = await resolveOrgCluster(db, data.cluster, data.org);
  return db.transaction(async (tx) => {
    await tx
      .insert(orgClusters)
      .values({ orgId: org.id, clusterId: cluster.id, maxRunningJobs: data.maxRunningJobs })
      .onConflictDoUpdate({
        target: [orgClusters.orgId, orgClusters.clusterId],
        set: { maxRunningJobs: data.maxRunningJobs },
      });
    await recordAudit(tx, {
      org: { id: org.id, name: org.name },
      actor: admin,
      action: "cluster.org_set",
      target: { type: "cluster", id: cluster.id, label: cluster.name },
      after: { maxRunningJobs: data.maxRunningJobs },
    });
    return { cluster: cluster.name, org: org.name, maxRunningJobs: data.maxRunningJobs };
  });
}

/** Removes an org from a cluster; the org's running jobs there stop (ClusterRemoved). */
export async function removeOrgCluster(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(orgClusterSchema.pick({ cluster: true, org: true }), input);
  const { cluster, org } = await resolveOrgCluster(db, data.cluster, data.org);
  return db.transaction(async (tx) => {
    const removed = await tx
      .delete(orgClusters)
      .where(and(eq(orgClusters.orgId, org.id), eq(orgClusters.clusterId, cluster.id)))
      .returning({ orgId: orgClusters.orgId });
    if (removed.length === 0) throw new NotFound(`${org.name} is not on ${cluster.name}.`);
    const stopped = await tx
      .update(jobs)
      .set({ status: "stopped", stoppedAt: sql`now()`, stopReason: "ClusterRemoved" })
      .where(and(eq(jobs.orgId, org.id), eq(jobs.clusterId, cluster.id), eq(jobs.status, "running")))
      .returning({ id: jobs.id });
    await recordAudit(tx, {
      org: { id: org.id, name: org.name },
      actor: admin,
      action: "cluster.org_removed",
      target: { type: "cluster", id: cluster.id, label: cluster.name },
      after: { stoppedJobs: stopped.length },
    });
    return { stoppedJobs: stopped.length };
  });
}

/** A token for an external runner of this cluster: returned once, stored as SHA-256. */
export async function createClusterToken(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(
    z.object({ cluster: safeText().trim().min(1), label: safeText().trim().min(1, "Name the token.").max(60) }),
    input,
  );
  const [c] = await db.select().from(clusters).where(eq(clusters.name, data.cluster));
  if (!c) throw new Invalid({ cluster: [`No cluster named '${data.cluster}'.`] });
  const { token, hash } = newToken();
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(clusterTokens)
      .values({ clusterId: c.id, label: data.label, tokenHash: hash, createdById: admin.userId })
      .returning({ id: clusterTokens.id });
    // The token itself never goes into the log: its id, cluster and label describe it.
    await recordAudit(tx, {
      org: null,
      actor: admin,
      action: "cluster_token.created",
      target: { type: "cluster_token", id: inserted!.id, label: data.label },
      after: { cluster: c.name },
    });
    return inserted!;
  });
  return { id: row.id, token: `apc_${token}`, cluster: c.name };
}

export async function revokeClusterToken(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const { id } = parseInput(z.object({ id: z.uuid() }), input);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(clusterTokens)
      .set({ revokedAt: new Date() })
      .where(eq(clusterTokens.id, id))
      .returning({ id: clusterTokens.id, label: clusterTokens.label, clusterId: clusterTokens.clusterId });
    if (!row) throw new NotFound("Token not found");
    const [cluster] = await tx.select({ name: clusters.name }).from(clusters).where(eq(clusters.id, row.clusterId));
    await recordAudit(tx, {
      org: null,
      actor: admin,
      action: "cluster_token.revoked",
      target: { type: "cluster_token", id: row.id, label: row.label },
      before: { cluster: cluster?.name ?? null },
    });
    return { id };
  });
}

/** The clusters an org is on, with presets and its running-jobs usage there: what every member may use. */
export async function listOrgClusters(db: Db, caller: Caller, orgName: string) {
  const access = await requireOrgAccess(db, caller, orgName, "org.view");
  const rows = await db
    .select({
      id: clusters.id,
      name: clusters.name,
      description: clusters.description,
      maxRunningJobs: orgClusters.maxRunningJobs,
      running: sql<number>`(select count(*)::int from jobs j where j.org_id = ${access.org.id} and j.cluster_id = ${clusters.id} and j.status = 'running')`,
    })
    .from(orgClusters)
    .innerJoin(clusters, eq(clusters.id, orgClusters.clusterId))
    .where(eq(orgClusters.orgId, access.org.id))
    .orderBy(asc(clusters.name));
  const ps = rows.length
    ? await db
        .select()
        .from(presets)
        .where(sql`${presets.clusterId} in ${rows.map((r) => r.id)}`)
        .orderBy(asc(presets.creditsPerHour))
    : [];
  return rows.map((r) => ({ ...r, presets: ps.filter((p) => p.clusterId === r.id) }));
}

// ------------------------------------------------------------------------------------- disk storage rate

export const storageRateSchema = z.object({
  cluster: safeText().trim().min(1, "Choose a cluster."),
  rate: z
    .string("Enter a rate, e.g. 0.001.")
    .trim()
    .min(1, "Enter a rate (0 for free storage).")
    .max(20, { message: "Enter a number of credits, e.g. 0.001.", abort: true })
    .refine(
      (v) => v === "" || isCreditAmount(v, { decimals: 8, maxDigits: 9 }),
      "Enter a number of at least 0 with at most 8 decimals, e.g. 0.001.",
    )
    .transform((v) => parseCreditAmount(v, { decimals: 8 }) ?? v),
});

/**
 * Sets a cluster's disk storage price, credits per GB-hour (platform admins; 0: storage is free). Every disk
 * on the cluster is settled at the old rate up to now first, in the same transaction (lib/artifacts/shared/
 * storage.ts), so the new rate applies from this moment on.
 */
export async function setClusterStorageRate(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(storageRateSchema, input);
  return db.transaction(async (tx) => {
    const [c] = await tx.select().from(clusters).where(eq(clusters.name, data.cluster)).for("update");
    if (!c) throw new NotFound("Cluster not found");
    const disks = await tx
      .select({ id: artifacts.id })
      .from(artifacts)
      .where(and(eq(artifacts.clusterId, c.id), eq(artifacts.kind, "disk")));
    const settled = await settleDisks(
      tx,
      disks.map((d) => d.id),
      new Date(),
    );
    const [updated] = await tx
      .update(clusters)
      .set({ storageCreditsPerGbHour: data.rate })
      .where(eq(clusters.id, c.id))
      .returning({ rate: clusters.storageCreditsPerGbHour });
    await recordAudit(tx, {
      org: null,
      actor: admin,
      action: "cluster.storage_rate_set",
      target: { type: "cluster", id: c.id, label: c.name },
      before: { storageCreditsPerGbHour: c.storageCreditsPerGbHour },
      after: { storageCreditsPerGbHour: updated!.rate, settledDisks: disks.length, settledCredits: settled.total },
    });
    return { cluster: c.name, storageCreditsPerGbHour: updated!.rate };
  });
}
