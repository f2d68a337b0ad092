/**
 * Project artifacts from the console: disks, buckets and secrets (created and deleted by project writers), and
 * the lists — a project's tab and the org's Artifacts page. Images are registered by the cluster's runner
 * (lib/artifacts/internal.ts). A secret's value is write-only: encrypted under SECRETS_KEY
 * (shared/secrets-crypto.ts) and never selected by any read path here.
 */
import { escapeLike } from "../core/like";
import { and, asc, count, desc, eq, ilike, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { artifacts, clusters, orgWallets, projectMembers, projects, users } from "@/db/schema";
import { requireOrgAccess, type OrgAccess, type OrgRef } from "../core/authz";
import type { Caller } from "../core/caller";
import { isNonPositive } from "../core/credits-amount";
import { Conflict, Forbidden, NotFound, QuotaExceeded } from "../core/errors";
import { allowed } from "../core/policy";
import type { SecretsServices } from "../core/services";
import { cursorLimitSchema, decodeKeyset, encodeKeyset } from "../core/keyset";
import {
  CONTROL_CHARACTERS_MESSAGE,
  filterText,
  hasControlCharacters,
  lineText,
  pagingShape,
  parseInput,
} from "../core/validation";
import { recordAudit } from "../orgs/audit";
import { projectAllowed, requireProjectAccess, type ProjectAccess, type ProjectRef } from "../projects/access";
import { encryptSecret } from "./shared/secrets-crypto";
import { BYTES_PER_GB, settleDisks } from "./shared/storage";
import { ARTIFACT_KINDS, artifactUri, type ArtifactKind } from "./shared/uri";

export { ARTIFACT_KINDS, URI_SCHEMES, type ArtifactKind } from "./shared/uri";
export const BUCKET_PROVIDERS = ["aws", "gcp", "azure", "minio", "open_stack"] as const;

export const MAX_DISK_GB = 10240;
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
export const MAX_SECRET_KEY_LENGTH = 253;

/** Apolo's name rule (as org names): 3–63 characters, `[a-z0-9](-?[a-z0-9])*`. */
export const artifactNameSchema = lineText()
  .trim()
  .min(1, "Enter a name.")
  .refine((v) => v.length === 0 || (v.length >= 3 && v.length <= 63), "Name must be 3 to 63 characters long.")
  .refine((v) => /^[a-z0-9-]*$/.test(v), "Use only lowercase letters, digits and hyphens.")
  .refine(
    (v) => !v.startsWith("-") && !v.endsWith("-") && !/--/.test(v),
    "Hyphens must be single and between letters or digits.",
  );

/** "10G", "10GB", "10 GiB" or "10": whole gigabytes (2^30 bytes), 1 to 10240. */
export const diskSizeSchema = z.union([z.string(), z.number()], "Enter a size, e.g. 10G.").transform((v, ctx) => {
  const m = /^\s*(\d{1,6})\s*(?:g|gb|gi|gib)?\s*$/i.exec(String(v));
  const gb = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(gb) || gb < 1 || gb > MAX_DISK_GB) {
    ctx.addIssue({ code: "custom", message: `Size must be a whole number of GB from 1 to ${MAX_DISK_GB}, e.g. 10G.` });
    return z.NEVER;
  }
  return gb;
});

export const createDiskSchema = z.object({
  name: artifactNameSchema,
  size: diskSizeSchema,
  storageClass: lineText()
    .trim()
    .max(63, "At most 63 characters.")
    .refine(
      (v) => v === "" || /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(v),
      "Use lowercase letters, digits, '.' and '-'.",
    )
    .optional()
    .transform((v) => v || null),
});

export const createBucketSchema = z.object({
  name: artifactNameSchema,
  provider: z.enum(BUCKET_PROVIDERS, `Choose a provider: ${BUCKET_PROVIDERS.join(", ")}.`),
  region: lineText()
    .trim()
    .min(1, "Enter a region, e.g. us-east-1.")
    .max(63, "At most 63 characters.")
    .refine(
      (v) => v === "" || /^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/.test(v),
      "Use letters, digits, '-' and '_'.",
    ),
});

export const secretKeySchema = lineText()
  .trim()
  .min(1, "Enter a key.")
  .max(MAX_SECRET_KEY_LENGTH, `At most ${MAX_SECRET_KEY_LENGTH} characters.`)
  .refine(
    (v) => v === "" || /^[a-zA-Z_][a-zA-Z0-9_.-]*$/.test(v),
    "Start with a letter or '_'; then letters, digits, '_', '.' and '-'.",
  );

/** Any text: newlines and tabs are fine (a certificate, a key file), NUL and the other C0 controls are not. */
export const secretValueSchema = z
  .string("Enter a value.")
  .refine((v) => !hasControlCharacters(v), { message: CONTROL_CHARACTERS_MESSAGE, abort: true })
  .min(1, "Enter a value.")
  .refine(
    (v) => Buffer.byteLength(v, "utf8") <= MAX_SECRET_VALUE_BYTES,
    `The value must be at most ${MAX_SECRET_VALUE_BYTES / 1024} KiB.`,
  );

export const createSecretSchema = z.object({ key: secretKeySchema, value: secretValueSchema });
export const updateSecretSchema = createSecretSchema;
export const deleteArtifactSchema = z.object({ id: z.uuid("Not an artifact id.") });

export const projectArtifactsQuerySchema = z.object({
  kind: z.enum(ARTIFACT_KINDS).optional().catch(undefined),
  q: filterText(100).optional().catch(undefined),
  ...pagingShape(25),
});

export const orgArtifactsQuerySchema = z.object({
  kind: z.enum(ARTIFACT_KINDS).optional().catch(undefined),
  /** "<cluster>/<project>" */
  project: filterText(130).optional().catch(undefined),
  owner: filterText(100).optional().catch(undefined),
  cluster: filterText(63).optional().catch(undefined),
  q: filterText(100).optional().catch(undefined),
  ...pagingShape(25),
});

const auditOrg = (a: OrgAccess) => ({ id: a.org.id, name: a.org.name });

/** Disks and buckets need credits: Apolo's refusal when the org's balance is at or below zero. */
async function requireCredits(tx: Tx, access: ProjectAccess) {
  const [w] = await tx
    .select({ balance: orgWallets.balance })
    .from(orgWallets)
    .where(eq(orgWallets.orgId, access.org.id));
  if (!w || isNonPositive(w.balance)) {
    throw new QuotaExceeded(`No credits left for org '${access.org.name}'`, true);
  }
}

type NewArtifact = Omit<typeof artifacts.$inferInsert, "orgId" | "projectId" | "clusterId" | "ownerId">;

/** Inserts one artifact of the project (owner: the caller) or throws Conflict on its (kind, name). */
async function insertArtifact(tx: Tx, access: ProjectAccess, values: NewArtifact, what: string, field: string) {
  const [row] = await tx
    .insert(artifacts)
    .values({
      ...values,
      orgId: access.org.id,
      projectId: access.project.id,
      clusterId: access.project.clusterId,
      ownerId: access.caller.id,
    })
    .onConflictDoNothing({ target: [artifacts.projectId, artifacts.kind, artifacts.name] })
    .returning({ id: artifacts.id, createdAt: artifacts.createdAt });
  if (!row) throw new Conflict(`A ${what} named '${values.name}' already exists in this project.`, field);
  const uri = artifactUri(values.kind, access.project.clusterName, access.org.name, access.project.name, values.name);
  return { id: row.id, kind: values.kind, name: values.name, uri, createdAt: row.createdAt };
}

async function created(
  tx: Tx,
  access: ProjectAccess,
  a: { id: string; kind: ArtifactKind; name: string; uri: string },
  details: Record<string, unknown>,
) {
  await recordAudit(tx, {
    org: auditOrg(access),
    actor: access.caller,
    action: "artifact.created",
    target: { type: a.kind, id: a.id, label: a.uri },
    after: { project: access.project.name, cluster: access.project.clusterName, ...details },
  });
}

/** A disk in the project (writer+), `size` in whole GB. Refused without credits. */
export async function createDisk(db: Db, caller: Caller, orgName: OrgRef, ref: ProjectRef, input: unknown) {
  const data = parseInput(createDiskSchema, input);
  return db.transaction(async (tx) => {
    const access = await requireProjectAccess(tx, caller, orgName, ref, "project.writeArtifacts");
    await requireCredits(tx, access);
    const a = await insertArtifact(
      tx,
      access,
      {
        kind: "disk",
        name: data.name,
        sizeBytes: data.size * BYTES_PER_GB,
        storageClass: data.storageClass,
        status: "ready",
      },
      "disk",
      "name",
    );
    await created(tx, access, a, { sizeGb: data.size, storageClass: data.storageClass });
    return a;
  });
}

/** A bucket in the project (writer+). Refused without credits. */
export async function createBucket(db: Db, caller: Caller, orgName: OrgRef, ref: ProjectRef, input: unknown) {
  const data = parseInput(createBucketSchema, input);
  return db.transaction(async (tx) => {
    const access = await requireProjectAccess(tx, caller, orgName, ref, "project.writeArtifacts");
    await requireCredits(tx, access);
    const a = await insertArtifact(
      tx,
      access,
      { kind: "bucket", name: data.name, provider: data.provider, region: data.region },
      "bucket",
      "name",
    );
    await created(tx, access, a, { provider: data.provider, region: data.region });
    return a;
  });
}

/** A secret in the project (writer+): the value is stored encrypted and never returned. An existing key: Conflict. */
export async function createSecret(
  db: Db,
  caller: Caller,
  orgName: OrgRef,
  ref: ProjectRef,
  input: unknown,
  svc: SecretsServices,
) {
  const data = parseInput(createSecretSchema, input);
  return db.transaction(async (tx) => {
    const access = await requireProjectAccess(tx, caller, orgName, ref, "project.writeArtifacts");
    const place = { orgId: access.org.id, projectId: access.project.id, key: data.key };
    const a = await insertArtifact(
      tx,
      access,
      { kind: "secret", name: data.key, secretCiphertext: encryptSecret(svc.secretsKey, place, data.value) },
      "secret",
      "key",
    );
    await created(tx, access, a, {});
    return a;
  });
}

/** Replaces the value of an existing secret of the project (writer+). A key that doesn't exist: NotFound. */
export async function updateSecret(
  db: Db,
  caller: Caller,
  orgName: OrgRef,
  ref: ProjectRef,
  input: unknown,
  svc: SecretsServices,
) {
  const data = parseInput(updateSecretSchema, input);
  return db.transaction(async (tx) => {
    const access = await requireProjectAccess(tx, caller, orgName, ref, "project.writeArtifacts");
    const place = { orgId: access.org.id, projectId: access.project.id, key: data.key };
    const [row] = await tx
      .update(artifacts)
      .set({ secretCiphertext: encryptSecret(svc.secretsKey, place, data.value), updatedAt: sql`now()` })
      .where(
        and(eq(artifacts.projectId, access.project.id), eq(artifacts.kind, "secret"), eq(artifacts.name, data.key)),
      )
      .returning({ id: artifacts.id });
    if (!row) throw new NotFound(`No secret '${data.key}' in this project.`);
    const uri = artifactUri("secret", access.project.clusterName, access.org.name, access.project.name, data.key);
    await recordAudit(tx, {
      org: auditOrg(access),
      actor: access.caller,
      action: "artifact.secret_replaced",
      target: { type: "secret", id: row.id, label: uri },
      after: { project: access.project.name, cluster: access.project.clusterName },
    });
    return { id: row.id, kind: "secret" as const, name: data.key, uri };
  });
}

/**
 * Deletes a disk, bucket or secret (writer+ in its project). An id of another org, or of a project the caller
 * can't see, is NotFound and changes nothing. A disk's storage is settled up to now first, in the same
 * transaction. Images are removed by the cluster's runner, not from the console (Forbidden).
 */
export async function deleteArtifact(db: Db, caller: Caller, orgName: OrgRef, input: unknown) {
  const { id } = parseInput(deleteArtifactSchema, input);
  return db.transaction(async (tx) => {
    const org = await requireOrgAccess(tx, caller, orgName, "org.view");
    const [found] = await tx
      .select({ kind: artifacts.kind, name: artifacts.name, project: projects.name, cluster: clusters.name })
      .from(artifacts)
      .innerJoin(projects, eq(projects.id, artifacts.projectId))
      .innerJoin(clusters, eq(clusters.id, artifacts.clusterId))
      .where(and(eq(artifacts.id, id), eq(artifacts.orgId, org.org.id)))
      .limit(1);
    if (!found) throw new NotFound("Artifact not found");
    const access = await requireProjectAccess(
      tx,
      caller,
      org,
      { cluster: found.cluster, project: found.project },
      "project.writeArtifacts",
    );
    if (found.kind === "image") {
      throw new Forbidden("Images are removed by the cluster's runner when they are deleted from its registry.");
    }
    const settled = found.kind === "disk" ? await settleDisks(tx, [id], new Date()) : null;
    const [gone] = await tx
      .delete(artifacts)
      .where(and(eq(artifacts.id, id), eq(artifacts.orgId, org.org.id)))
      .returning({ id: artifacts.id, creditsCharged: artifacts.creditsCharged });
    if (!gone) throw new NotFound("Artifact not found");
    const uri = artifactUri(found.kind, found.cluster, access.org.name, found.project, found.name);
    await recordAudit(tx, {
      org: auditOrg(access),
      actor: access.caller,
      action: "artifact.deleted",
      target: { type: found.kind, id, label: uri },
      before: {
        project: found.project,
        cluster: found.cluster,
        ...(found.kind === "disk" ? { creditsCharged: gone.creditsCharged } : {}),
      },
    });
    return { id, kind: found.kind, name: found.name, uri, settled: settled?.total ?? null };
  });
}

// ------------------------------------------------------------------------------------------------- lists

/** The columns a list shows: never secret_ciphertext. */
const listColumns = {
  id: artifacts.id,
  kind: artifacts.kind,
  name: artifacts.name,
  project: projects.name,
  cluster: clusters.name,
  owner: users.username,
  sizeBytes: artifacts.sizeBytes,
  storageClass: artifacts.storageClass,
  status: artifacts.status,
  provider: artifacts.provider,
  region: artifacts.region,
  tags: artifacts.tags,
  pushedAt: artifacts.pushedAt,
  creditsCharged: artifacts.creditsCharged,
  createdAt: artifacts.createdAt,
  updatedAt: artifacts.updatedAt,
};

export interface ArtifactRow {
  id: string;
  kind: ArtifactKind;
  name: string;
  uri: string;
  project: string;
  cluster: string;
  owner: string | null;
  sizeBytes: number | null;
  storageClass: string | null;
  status: string | null;
  provider: string | null;
  region: string | null;
  tags: string[] | null;
  pushedAt: Date | null;
  creditsCharged: string;
  createdAt: Date;
  updatedAt: Date;
}

async function pageOf(db: Db, orgName: string, where: SQL | undefined, page: number, pageSize: number) {
  const base = db
    .select(listColumns)
    .from(artifacts)
    .innerJoin(projects, eq(projects.id, artifacts.projectId))
    .innerJoin(clusters, eq(clusters.id, artifacts.clusterId))
    .leftJoin(users, eq(users.id, artifacts.ownerId));
  const [rows, [total]] = await Promise.all([
    base
      .where(where)
      .orderBy(desc(artifacts.createdAt), desc(artifacts.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    db
      .select({ n: count() })
      .from(artifacts)
      .innerJoin(projects, eq(projects.id, artifacts.projectId))
      .innerJoin(clusters, eq(clusters.id, artifacts.clusterId))
      .leftJoin(users, eq(users.id, artifacts.ownerId))
      .where(where),
  ]);
  const out: ArtifactRow[] = rows.map((r) => ({
    ...r,
    uri: artifactUri(r.kind, r.cluster, orgName, r.project, r.name),
  }));
  return { rows: out, total: total?.n ?? 0 };
}

/** Disk count and size (bytes) per project, over `where` (kind aside). */
async function diskTotals(db: Db, where: SQL | undefined) {
  const rows = await db
    .select({
      project: projects.name,
      cluster: clusters.name,
      disks: count(),
      bytes: sql<string>`coalesce(sum(${artifacts.sizeBytes}), 0)::text`,
    })
    .from(artifacts)
    .innerJoin(projects, eq(projects.id, artifacts.projectId))
    .innerJoin(clusters, eq(clusters.id, artifacts.clusterId))
    .leftJoin(users, eq(users.id, artifacts.ownerId))
    .where(and(where, eq(artifacts.kind, "disk")))
    .groupBy(projects.name, clusters.name)
    .orderBy(asc(clusters.name), asc(projects.name));
  return rows.map((r) => ({ ...r, bytes: Number(r.bytes) }));
}

/** A project's artifacts (project.view), newest first, filtered by kind and name, paged on the server. */
export async function listProjectArtifacts(
  db: Db,
  caller: Caller,
  orgName: OrgRef,
  ref: ProjectRef,
  query: unknown = {},
) {
  const access = await requireProjectAccess(db, caller, orgName, ref, "project.view");
  const q = projectArtifactsQuerySchema.parse(query ?? {});
  const scope = eq(artifacts.projectId, access.project.id);
  const where = and(
    scope,
    q.kind ? eq(artifacts.kind, q.kind) : undefined,
    q.q ? ilike(artifacts.name, `%${escapeLike(q.q)}%`) : undefined,
  );
  const [page, counts, totals] = await Promise.all([
    pageOf(db, access.org.name, where, q.page, q.pageSize),
    db.select({ kind: artifacts.kind, n: count() }).from(artifacts).where(scope).groupBy(artifacts.kind),
    diskTotals(db, scope),
  ]);
  return {
    ...page,
    page: q.page,
    pageSize: q.pageSize,
    query: q,
    counts: Object.fromEntries(ARTIFACT_KINDS.map((k) => [k, counts.find((c) => c.kind === k)?.n ?? 0])) as Record<
      ArtifactKind,
      number
    >,
    diskBytes: totals[0]?.bytes ?? 0,
    project: {
      name: access.project.name,
      cluster: access.project.clusterName,
      org: access.org.name,
      role: access.projectRole,
    },
    canWrite: projectAllowed(access, "project.writeArtifacts"),
  };
}

/** The org-wide list's visibility and filters (listOrgArtifacts, listOrgArtifactsByCursor). */
async function orgArtifactsWhere(db: Db, caller: Caller, orgName: OrgRef, query: unknown) {
  const access = await requireOrgAccess(db, caller, orgName, "org.view");
  const q = orgArtifactsQuerySchema.parse(query ?? {});
  const all = allowed(access, "artifacts.viewAll");
  const visible = and(
    eq(artifacts.orgId, access.org.id),
    all
      ? undefined
      : inArray(
          artifacts.projectId,
          db
            .select({ id: projectMembers.projectId })
            .from(projectMembers)
            .where(and(eq(projectMembers.orgId, access.org.id), eq(projectMembers.userId, access.caller.id))),
        ),
  );
  const [projCluster, projName] = q.project?.includes("/") ? q.project.split("/", 2) : [undefined, q.project];
  const filters = and(
    visible,
    projName ? eq(projects.name, projName) : undefined,
    projCluster ? eq(clusters.name, projCluster) : undefined,
    q.owner ? (q.owner === "-" ? isNull(artifacts.ownerId) : eq(users.username, q.owner)) : undefined,
    q.cluster ? eq(clusters.name, q.cluster) : undefined,
    q.q ? ilike(artifacts.name, `%${escapeLike(q.q)}%`) : undefined,
  );
  return { access, q, all, visible, filters };
}

/**
 * The org's Artifacts page. Org managers and admins (artifacts.viewAll) see every artifact of the org; an org
 * user sees the artifacts of the projects they belong to (scope "member"). Filters: kind, project
 * ("<cluster>/<name>"), owner (username), cluster, a name search; newest first, paged on the server; the
 * filters' options and the disk totals per project are over what the caller may see.
 */
export async function listOrgArtifacts(db: Db, caller: Caller, orgName: OrgRef, query: unknown = {}) {
  const { access, q, all, visible, filters } = await orgArtifactsWhere(db, caller, orgName, query);
  const where = and(filters, q.kind ? eq(artifacts.kind, q.kind) : undefined);
  const joined = () =>
    db
      .selectDistinct({ project: projects.name, cluster: clusters.name, owner: users.username })
      .from(artifacts)
      .innerJoin(projects, eq(projects.id, artifacts.projectId))
      .innerJoin(clusters, eq(clusters.id, artifacts.clusterId))
      .leftJoin(users, eq(users.id, artifacts.ownerId))
      .where(visible);
  const [page, options, totals] = await Promise.all([
    pageOf(db, access.org.name, where, q.page, q.pageSize),
    joined(),
    diskTotals(db, filters),
  ]);
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort();
  return {
    ...page,
    page: q.page,
    pageSize: q.pageSize,
    query: q,
    scope: all ? ("all" as const) : ("member" as const),
    options: {
      projects: uniq(options.map((o) => `${o.cluster}/${o.project}`)),
      owners: uniq(options.map((o) => o.owner)),
      clusters: uniq(options.map((o) => o.cluster)),
    },
    diskTotals: totals,
  };
}

export type ProjectArtifacts = Awaited<ReturnType<typeof listProjectArtifacts>>;
export type OrgArtifacts = Awaited<ReturnType<typeof listOrgArtifacts>>;

/** Rows per page of the cursor-paged artifact lists (the API's `limit`). */
export const ARTIFACT_CURSOR_LIMITS = { default: 25, max: 100 } as const;

/** One page after `cursor` (newest first, keyset on (created_at, id): the order pageOf uses). */
async function keysetPageOf(db: Db, orgName: string, where: SQL | undefined, query: Record<string, unknown>) {
  const paging = parseInput(cursorLimitSchema(ARTIFACT_CURSOR_LIMITS.default, ARTIFACT_CURSOR_LIMITS.max), {
    cursor: query.cursor,
    limit: query.limit,
  });
  const after = paging.cursor ? decodeKeyset(paging.cursor, "uuid") : null;
  const rows = await db
    .select({ ...listColumns, createdAtText: sql<string>`${artifacts.createdAt}::text` })
    .from(artifacts)
    .innerJoin(projects, eq(projects.id, artifacts.projectId))
    .innerJoin(clusters, eq(clusters.id, artifacts.clusterId))
    .leftJoin(users, eq(users.id, artifacts.ownerId))
    .where(
      and(
        where,
        after
          ? sql`(${artifacts.createdAt}, ${artifacts.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(artifacts.createdAt), desc(artifacts.id))
    .limit(paging.limit + 1);
  const more = rows.length > paging.limit;
  const page = more ? rows.slice(0, paging.limit) : rows;
  const last = page.at(-1);
  const out: ArtifactRow[] = page.map((row) => {
    const r: Omit<typeof row, "createdAtText"> & { createdAtText?: string } = { ...row };
    delete r.createdAtText;
    return { ...r, uri: artifactUri(r.kind, r.cluster, orgName, r.project, r.name) };
  });
  return {
    rows: out,
    nextCursor: more && last ? encodeKeyset(last.createdAtText, last.id) : null,
    limit: paging.limit,
  };
}

/**
 * The org's artifacts as listOrgArtifacts filters and scopes them, paged by an opaque cursor (the API):
 * `cursor` and `limit` besides the filters; `nextCursor` null on the last page.
 */
export async function listOrgArtifactsByCursor(db: Db, caller: Caller, orgName: OrgRef, query: unknown = {}) {
  const { cursor, limit, ...rest } = (query ?? {}) as Record<string, unknown>;
  const { access, q, all, filters } = await orgArtifactsWhere(db, caller, orgName, rest);
  const where = and(filters, q.kind ? eq(artifacts.kind, q.kind) : undefined);
  const page = await keysetPageOf(db, access.org.name, where, { cursor, limit });
  return { ...page, scope: all ? ("all" as const) : ("member" as const) };
}

/** A project's artifacts as listProjectArtifacts filters them (project.view), paged by an opaque cursor (the API). */
export async function listProjectArtifactsByCursor(
  db: Db,
  caller: Caller,
  orgName: OrgRef,
  ref: ProjectRef,
  query: unknown = {},
) {
  const { cursor, limit, ...rest } = (query ?? {}) as Record<string, unknown>;
  const access = await requireProjectAccess(db, caller, orgName, ref, "project.view");
  const q = projectArtifactsQuerySchema.parse(rest);
  const where = and(
    eq(artifacts.projectId, access.project.id),
    q.kind ? eq(artifacts.kind, q.kind) : undefined,
    q.q ? ilike(artifacts.name, `%${escapeLike(q.q)}%`) : undefined,
  );
  const page = await keysetPageOf(db, access.org.name, where, { cursor, limit });
  return { ...page, canWrite: projectAllowed(access, "project.writeArtifacts") };
}
