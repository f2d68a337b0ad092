import { z } from "zod";
import {
  ARTIFACT_KINDS,
  BUCKET_PROVIDERS,
  createBucket,
  createDisk,
  createSecret,
  deleteArtifact,
  ARTIFACT_CURSOR_LIMITS,
  listOrgArtifactsByCursor,
  listProjectArtifactsByCursor,
  type ArtifactRow,
} from "@/lib/artifacts";
import { NotFound } from "@/lib/core";
import { defineEndpoint } from "../endpoint";
import { cursorQuery, decimal, iso, isoDate, nextCursor, orgParam, orgParams } from "./console-shared";

/** The console's own API: an org's disks, buckets, secrets and images, through the Artifacts pages' lib calls. */

const kind = z.enum(ARTIFACT_KINDS);

const artifactRow = z.object({
  id: z.uuid(),
  kind,
  name: z.string(),
  uri: z.string().describe("The Apolo URI, e.g. disk://<cluster>/<org>/<project>/<name>."),
  project: z.string(),
  cluster: z.string(),
  owner: z.string().nullable(),
  size_bytes: z.number().int().nullable(),
  storage_class: z.string().nullable(),
  status: z.string().nullable(),
  provider: z.string().nullable(),
  region: z.string().nullable(),
  tags: z.array(z.string()).nullable().describe("An image's tags."),
  pushed_at: isoDate.nullable(),
  credits_charged: decimal.describe("A disk's storage charged so far."),
  created_at: isoDate,
  updated_at: isoDate,
});

function rowOut(r: ArtifactRow): z.input<typeof artifactRow> {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    uri: r.uri,
    project: r.project,
    cluster: r.cluster,
    owner: r.owner,
    size_bytes: r.sizeBytes,
    storage_class: r.storageClass,
    status: r.status,
    provider: r.provider,
    region: r.region,
    tags: r.tags,
    pushed_at: iso(r.pushedAt),
    credits_charged: r.creditsCharged,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export const orgArtifactsQuery = z.object({
  kind: kind.optional(),
  project: z.string().max(130).optional().describe('"<cluster>/<project>".'),
  owner: z.string().max(100).optional().describe('A username ("-": artifacts without an owner).'),
  cluster: z.string().max(63).optional(),
  q: z.string().max(100).optional().describe("Search in names."),
  ...cursorQuery(ARTIFACT_CURSOR_LIMITS.default, ARTIFACT_CURSOR_LIMITS.max),
});

export const orgArtifactsResponse = z.object({
  artifacts: z.array(artifactRow),
  next_cursor: nextCursor,
  scope: z
    .enum(["all", "member"])
    .describe("all: every artifact of the org (managers, admins); member: those of the caller's projects."),
});

/** GET /api/v1/orgs/{org}/artifacts: the org's artifacts the caller may see. */
export const listArtifacts = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs/{org}/artifacts",
    tag: "Artifacts",
    summary: "An org's artifacts, newest first, cursor-paged (managers and admins: all; users: their projects').",
    params: orgParams,
    query: orgArtifactsQuery,
    response: orgArtifactsResponse,
  },
  async ({ db, caller, params, query }) => {
    const r = await listOrgArtifactsByCursor(db, caller, params.org, query);
    return {
      artifacts: r.rows.map(rowOut),
      next_cursor: r.nextCursor,
      scope: r.scope,
    } satisfies z.input<typeof orgArtifactsResponse>;
  },
);

const projectParams = z.object({
  org: orgParam,
  cluster: z.string().min(1).max(63).describe("The project's cluster."),
  project: z.string().min(1).max(100).describe("The project's name."),
});

export const projectArtifactsQuery = z.object({
  kind: kind.optional(),
  q: z.string().max(100).optional().describe("Search in names."),
  ...cursorQuery(ARTIFACT_CURSOR_LIMITS.default, ARTIFACT_CURSOR_LIMITS.max),
});

export const projectArtifactsResponse = z.object({
  artifacts: z.array(artifactRow),
  next_cursor: nextCursor,
  can_write: z.boolean().describe("The caller may create and delete artifacts here (project writer or more)."),
});

/** GET /api/v1/orgs/{org}/projects/{cluster}/{project}/artifacts: one project's artifacts. */
export const listProjectArtifactsEndpoint = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs/{org}/projects/{cluster}/{project}/artifacts",
    tag: "Artifacts",
    summary: "A project's artifacts, newest first, cursor-paged (its members; org managers and admins).",
    params: projectParams,
    query: projectArtifactsQuery,
    response: projectArtifactsResponse,
  },
  async ({ db, caller, params, query }) => {
    const r = await listProjectArtifactsByCursor(
      db,
      caller,
      params.org,
      { cluster: params.cluster, project: params.project },
      query,
    );
    return {
      artifacts: r.rows.map(rowOut),
      next_cursor: r.nextCursor,
      can_write: r.canWrite,
    } satisfies z.input<typeof projectArtifactsResponse>;
  },
);

export const createdArtifactResponse = z.object({
  id: z.uuid(),
  kind,
  name: z.string(),
  uri: z.string(),
  created_at: isoDate,
});

function createdOut(a: {
  id: string;
  kind: (typeof ARTIFACT_KINDS)[number];
  name: string;
  uri: string;
  createdAt: Date;
}) {
  return { id: a.id, kind: a.kind, name: a.name, uri: a.uri, created_at: iso(a.createdAt) } satisfies z.input<
    typeof createdArtifactResponse
  >;
}

const writerNote = "Project writers and more. Send an Idempotency-Key to retry safely.";

export const createDiskBody = z.object({
  name: z.string().max(100),
  size: z.union([z.string().max(20), z.number().int()]).describe('Whole GB, 1 to 10240: 10, "10", "10G" or "10GiB".'),
  storage_class: z.string().max(63).optional(),
});

/** POST …/projects/{cluster}/{project}/disks: a disk in the project. */
export const createDiskEndpoint = defineEndpoint(
  {
    family: "console",
    method: "POST",
    path: "/api/v1/orgs/{org}/projects/{cluster}/{project}/disks",
    tag: "Artifacts",
    summary: "Create a disk in a project. Refused without credits (409).",
    description: writerNote,
    params: projectParams,
    body: createDiskBody,
    response: createdArtifactResponse,
    status: 201,
    idempotent: true,
  },
  async ({ db, caller, params, body }) => {
    const a = await createDisk(
      db,
      caller,
      params.org,
      { cluster: params.cluster, project: params.project },
      { name: body.name, size: body.size, storageClass: body.storage_class },
    );
    return createdOut(a);
  },
);

export const createBucketBody = z.object({
  name: z.string().max(100),
  provider: z.enum(BUCKET_PROVIDERS),
  region: z.string().max(63),
});

/** POST …/projects/{cluster}/{project}/buckets: a bucket in the project. */
export const createBucketEndpoint = defineEndpoint(
  {
    family: "console",
    method: "POST",
    path: "/api/v1/orgs/{org}/projects/{cluster}/{project}/buckets",
    tag: "Artifacts",
    summary: "Create a bucket in a project. Refused without credits (409).",
    description: writerNote,
    params: projectParams,
    body: createBucketBody,
    response: createdArtifactResponse,
    status: 201,
    idempotent: true,
  },
  async ({ db, caller, params, body }) =>
    createdOut(await createBucket(db, caller, params.org, { cluster: params.cluster, project: params.project }, body)),
);

export const createSecretBody = z.object({
  key: z.string().max(253),
  value: z.string().describe("At most 64 KiB; stored encrypted and never returned."),
});

/** POST …/projects/{cluster}/{project}/secrets: a secret in the project (the value is never answered). */
export const createSecretEndpoint = defineEndpoint(
  {
    family: "console",
    method: "POST",
    path: "/api/v1/orgs/{org}/projects/{cluster}/{project}/secrets",
    tag: "Artifacts",
    summary: "Create a secret in a project; its value is stored encrypted and never answered. An existing key: 409.",
    description: writerNote,
    params: projectParams,
    body: createSecretBody,
    response: createdArtifactResponse,
    status: 201,
    idempotent: true,
    maxBodyBytes: 96 * 1024,
  },
  async ({ db, caller, params, body, services }) => {
    const svc = await services();
    const a = await createSecret(db, caller, params.org, { cluster: params.cluster, project: params.project }, body, {
      secretsKey: svc.secretsKey,
    });
    return createdOut(a);
  },
);

export const deletedArtifactResponse = z.object({
  id: z.uuid(),
  kind,
  name: z.string(),
  uri: z.string(),
  settled: decimal.nullable().describe("A disk's storage charged up to its deletion; null for other kinds."),
});

/** DELETE /api/v1/orgs/{org}/artifacts/{id}: deletes a disk, bucket or secret. */
export const deleteArtifactEndpoint = defineEndpoint(
  {
    family: "console",
    method: "DELETE",
    path: "/api/v1/orgs/{org}/artifacts/{id}",
    tag: "Artifacts",
    summary: "Delete a disk, bucket or secret (project writers and more). Images are removed by the cluster (403).",
    params: z.object({ org: orgParam, id: z.string().max(64).describe("The artifact's id.") }),
    response: deletedArtifactResponse,
  },
  async ({ db, caller, params }) => {
    if (!z.uuid().safeParse(params.id).success) throw new NotFound("Artifact not found");
    const r = await deleteArtifact(db, caller, params.org, { id: params.id });
    return {
      id: r.id,
      kind: r.kind,
      name: r.name,
      uri: r.uri,
      settled: r.settled,
    } satisfies z.input<typeof deletedArtifactResponse>;
  },
);
