/**
 * System-only artifact operations: images registered and removed by a cluster's runner (POST/DELETE
 * /api/v1/artifacts, with its cluster token), and disk storage metering (the embedded runner's loop). app/
 * reaches them as `internal` from lib/artifacts' index.
 */
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { artifacts, clusters, orgMembers, orgs, projects, users } from "@/db/schema";
import { requireClusterOrSystem, requireSystem, type Caller } from "../core/caller";
import { Invalid, NotFound } from "../core/errors";
import type { Services } from "../core/services";
import { lineText, parseInput } from "../core/validation";
import { enqueueMail, mailCommitted } from "../mail/mail";
import { recordAudit } from "../orgs/audit";
import { settleDisks } from "./shared/storage";
import { artifactUri } from "./shared/uri";

/** A Docker repository path: lowercase components separated by `.`, `_`, `-` or `/`, up to 255 characters. */
const IMAGE_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
/** A Docker tag. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const imageRefShape = {
  org: lineText("org must not contain control characters.").trim().min(1, "org is required.").max(63),
  project: lineText("project must not contain control characters.").trim().min(1, "project is required.").max(63),
  name: z
    .string("name must be a string.")
    .trim()
    .min(1, "name is required.")
    .max(255, "name must be at most 255 characters.")
    .refine((v) => IMAGE_NAME.test(v), "name must be a repository path, e.g. my-image or team/my-image."),
  /** The cluster (system callers only; a runner's is its token's). */
  cluster: lineText("cluster must not contain control characters.").trim().max(63).optional(),
};

export const registerImageSchema = z.object({
  ...imageRefShape,
  tags: z
    .array(
      z
        .string("Each tag must be a string.")
        .refine((v) => IMAGE_TAG.test(v), "Each tag must be a Docker tag, e.g. v1.2."),
      "tags must be an array of strings.",
    )
    .max(1000, "At most 1000 tags.")
    .default([])
    .transform((tags) => [...new Set(tags)].sort()),
  size_bytes: z
    .number("size_bytes must be a number.")
    .int("size_bytes must be a whole number.")
    .min(0, "size_bytes must be 0 or more.")
    .max(Number.MAX_SAFE_INTEGER, "size_bytes is too large."),
  pushed_at: z.iso
    .datetime({ offset: true, message: "pushed_at must be an ISO 8601 date-time with a time zone." })
    .optional(),
  /** The username of the org member who pushed it; unknown or not a member: refused. */
  owner: lineText("owner must not contain control characters.").trim().max(100).optional(),
});

export const removeImageSchema = z.object(imageRefShape);

/** The project on the runner's cluster (or the named cluster, for the system): NotFound otherwise. */
async function projectOnCluster(db: Db, caller: Caller, input: { org: string; project: string; cluster?: string }) {
  const runner = requireClusterOrSystem(caller);
  if (runner.kind === "system" && !input.cluster) throw new Invalid({ cluster: ["cluster is required."] });
  const [p] = await db
    .select({ id: projects.id, orgId: orgs.id, org: orgs.name, clusterId: clusters.id, cluster: clusters.name })
    .from(projects)
    .innerJoin(orgs, and(eq(orgs.id, projects.orgId), isNull(orgs.deletedAt)))
    .innerJoin(clusters, eq(clusters.id, projects.clusterId))
    .where(
      and(
        eq(orgs.name, input.org),
        eq(projects.name, input.project),
        runner.kind === "cluster" ? eq(clusters.id, runner.clusterId) : eq(clusters.name, input.cluster!),
      ),
    )
    .limit(1);
  if (!p) throw new NotFound("Project not found");
  return p;
}

/**
 * Registers an image of a project on the runner's cluster, or updates it (tags, size, pushed at; the owner when
 * given): an idempotent upsert on (project, name). Returns whether it was new.
 */
export async function registerImage(db: Db, caller: Caller, input: unknown) {
  requireClusterOrSystem(caller);
  const data = parseInput(registerImageSchema, input);
  const p = await projectOnCluster(db, caller, data);
  let ownerId: string | null = null;
  if (data.owner) {
    const [m] = await db
      .select({ id: users.id })
      .from(orgMembers)
      .innerJoin(users, eq(users.id, orgMembers.userId))
      .where(and(eq(orgMembers.orgId, p.orgId), sql`lower(${users.username}) = lower(${data.owner})`))
      .limit(1);
    if (!m) throw new Invalid({ owner: [`No member of org '${p.org}' is named '${data.owner}'.`] });
    ownerId = m.id;
  }
  const pushedAt = data.pushed_at ? new Date(data.pushed_at) : new Date();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(artifacts)
      .values({
        kind: "image",
        orgId: p.orgId,
        projectId: p.id,
        clusterId: p.clusterId,
        ownerId,
        name: data.name,
        tags: data.tags,
        sizeBytes: data.size_bytes,
        pushedAt,
      })
      .onConflictDoUpdate({
        target: [artifacts.projectId, artifacts.kind, artifacts.name],
        set: {
          tags: data.tags,
          sizeBytes: data.size_bytes,
          pushedAt,
          ownerId: sql`coalesce(excluded.owner_id, ${artifacts.ownerId})`,
          updatedAt: sql`now()`,
        },
      })
      .returning({ id: artifacts.id, created: sql<boolean>`xmax = 0` });
    const uri = artifactUri("image", p.cluster, p.org, data.project, data.name);
    if (row!.created) {
      await recordAudit(tx, {
        org: { id: p.orgId, name: p.org },
        actor: null,
        action: "artifact.created",
        target: { type: "image", id: row!.id, label: uri },
        after: { project: data.project, cluster: p.cluster, tags: data.tags, sizeBytes: data.size_bytes },
      });
    }
    return { id: row!.id, uri, created: row!.created };
  });
}

/** Removes an image of a project on the runner's cluster; removing one that isn't there is fine (removed: false). */
export async function removeImage(db: Db, caller: Caller, input: unknown) {
  requireClusterOrSystem(caller);
  const data = parseInput(removeImageSchema, input);
  const p = await projectOnCluster(db, caller, data);
  return db.transaction(async (tx) => {
    const [gone] = await tx
      .delete(artifacts)
      .where(and(eq(artifacts.projectId, p.id), eq(artifacts.kind, "image"), eq(artifacts.name, data.name)))
      .returning({ id: artifacts.id });
    const uri = artifactUri("image", p.cluster, p.org, data.project, data.name);
    if (gone) {
      await recordAudit(tx, {
        org: { id: p.orgId, name: p.org },
        actor: null,
        action: "artifact.deleted",
        target: { type: "image", id: gone.id, label: uri },
        before: { project: data.project, cluster: p.cluster },
      });
    }
    return { uri, removed: Boolean(gone) };
  });
}

/** Disks settled per transaction. */
const BATCH = 200;

/**
 * Charges the storage of every disk on clusters whose storage_credits_per_gb_hour is above zero, up to `now`
 * (system only; the embedded runner's loop calls it every tick). Batches of disks, one transaction each; within
 * a batch the wallets are locked in org id order, then the disks (lib/artifacts/shared/storage.ts settleDisks:
 * telescoping charges, keyed per disk and interval, so replays and concurrent instances charge once). Jobs of
 * an org a storage charge empties stop with QuotaExhausted, as after a job charge. Low-balance mail is queued
 * when `svc` is given.
 */
export async function meterStorage(
  db: Db,
  caller: Caller,
  now: Date = new Date(),
  svc?: Pick<Services, "mailer" | "appUrl">,
) {
  requireSystem(caller);
  const disks = await db
    .select({ id: artifacts.id })
    .from(artifacts)
    .innerJoin(clusters, eq(clusters.id, artifacts.clusterId))
    .where(and(eq(artifacts.kind, "disk"), gt(clusters.storageCreditsPerGbHour, "0")))
    .orderBy(artifacts.id)
    .limit(20_000);
  let charged = 0;
  const stoppedJobs: string[] = [];
  for (let i = 0; i < disks.length; i += BATCH) {
    const ids = disks.slice(i, i + BATCH).map((d) => d.id);
    let mailIds: number[] = [];
    const r = await db.transaction(async (tx) => {
      const settled = await settleDisks(tx, ids, now, svc?.appUrl);
      if (svc) mailIds = await enqueueMail(tx, settled.mails);
      return settled;
    });
    if (svc) await mailCommitted(svc, db, mailIds);
    charged += r.charged;
    stoppedJobs.push(...r.stoppedJobs);
  }
  return { disks: disks.length, charged, stoppedJobs };
}
