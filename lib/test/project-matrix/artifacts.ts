/**
 * Project matrix rows of lib/artifacts (lib/projects.matrix.test.ts): creating, replacing and deleting a
 * project's disks, buckets and secrets (project writers), the lists (project readers; every org member on the
 * org page, managers and admins seeing everything), the runner and metering internals (no person), and forged
 * ids (another org's project or artifact: not found, nothing changes).
 */
import { randomBytes } from "node:crypto";
import { artifacts } from "@/db/schema";
import * as ops from "../../artifacts/artifacts";
import * as internal from "../../artifacts/internal";
import { encryptSecret } from "../../artifacts/shared/secrets-crypto";
import { everyone, orgOp, projectOp, systemOnly, type ProjectMatrixRow, type ProjectWorld } from "../project-matrix";

const secretsKey = randomBytes(32);
const svcOf = (w: ProjectWorld) => ({ ...w.svc, secretsKey });
const forged = { ...everyone("not_found"), signedOut: "unauthenticated" } as const;

/** An artifact of the world's project (or of the other org's project), inserted directly, owned by its admin. */
async function artifactIn(w: ProjectWorld, kind: "disk" | "bucket" | "secret" | "image", other = false) {
  const project = other ? w.otherProject : w.project;
  const orgId = other ? w.otherOrg.id : w.org.id;
  const name = kind === "secret" ? "API_TOKEN" : `${kind}-one`;
  const [row] = await w.db
    .insert(artifacts)
    .values({
      kind,
      orgId,
      projectId: project.id,
      clusterId: other ? w.otherCluster.id : w.cluster.id,
      ownerId: other ? w.people.otherAdmin.id : w.people.projectAdmin.id,
      name,
      sizeBytes: kind === "disk" ? 2 * 1024 ** 3 : null,
      status: kind === "disk" ? "ready" : null,
      provider: kind === "bucket" ? "aws" : null,
      region: kind === "bucket" ? "us-east-1" : null,
      secretCiphertext:
        kind === "secret" ? encryptSecret(secretsKey, { orgId, projectId: project.id, key: name }, "old") : null,
    })
    .returning({ id: artifacts.id });
  w.data.artifactId = row!.id;
}

const imageInput = (w: ProjectWorld) => ({
  org: w.org.name,
  project: w.project.name,
  name: "trainer",
  tags: ["v1"],
  size_bytes: 10,
  cluster: w.cluster.name,
});

export const ROWS: Record<string, ProjectMatrixRow> = {
  "artifacts.createDisk": {
    run: (w) => ops.createDisk(w.db, w.actor, w.org.name, w.ref, { name: "data", size: "10G" }),
    expect: projectOp("writer"),
    writes: true,
  },
  "artifacts.createDisk in another org's project": {
    run: (w) =>
      ops.createDisk(
        w.db,
        w.actor,
        w.org.name,
        { cluster: w.otherCluster.name, project: w.otherProject.name },
        { name: "data", size: "10G" },
      ),
    expect: forged,
  },
  "artifacts.createBucket": {
    run: (w) => ops.createBucket(w.db, w.actor, w.org.name, w.ref, { name: "blobs", provider: "gcp", region: "eu" }),
    expect: projectOp("writer"),
    writes: true,
  },
  "artifacts.createSecret": {
    run: (w) => ops.createSecret(w.db, w.actor, w.org.name, w.ref, { key: "NEW_KEY", value: "v" }, svcOf(w)),
    expect: projectOp("writer"),
    writes: true,
  },
  "artifacts.updateSecret": {
    prepare: (w) => artifactIn(w, "secret"),
    run: (w) => ops.updateSecret(w.db, w.actor, w.org.name, w.ref, { key: "API_TOKEN", value: "new" }, svcOf(w)),
    expect: projectOp("writer"),
    writes: true,
  },
  "artifacts.deleteArtifact": {
    prepare: (w) => artifactIn(w, "disk"),
    run: (w) => ops.deleteArtifact(w.db, w.actor, w.org.name, { id: w.data.artifactId }),
    expect: projectOp("writer"),
    writes: true,
  },
  "artifacts.deleteArtifact of another org's artifact": {
    prepare: (w) => artifactIn(w, "bucket", true),
    run: (w) => ops.deleteArtifact(w.db, w.actor, w.org.name, { id: w.data.artifactId }),
    expect: forged,
  },
  "artifacts.listProjectArtifacts": {
    prepare: (w) => artifactIn(w, "secret"),
    run: (w) => ops.listProjectArtifacts(w.db, w.actor, w.org.name, w.ref),
    expect: projectOp("reader"),
  },
  "artifacts.listProjectArtifacts of another org's project": {
    run: (w) =>
      ops.listProjectArtifacts(w.db, w.actor, w.org.name, {
        cluster: w.otherCluster.name,
        project: w.otherProject.name,
      }),
    expect: forged,
  },
  // Every org member: managers and admins see all of the org's artifacts, users their projects'.
  "artifacts.listOrgArtifacts": {
    prepare: (w) => artifactIn(w, "disk"),
    run: (w) => ops.listOrgArtifacts(w.db, w.actor, w.org.name),
    expect: orgOp({ member: "ok" }),
  },
  "artifacts.listProjectArtifactsByCursor": {
    prepare: (w) => artifactIn(w, "secret"),
    run: (w) => ops.listProjectArtifactsByCursor(w.db, w.actor, w.org.name, w.ref, { limit: 10 }),
    expect: projectOp("reader"),
  },
  "artifacts.listOrgArtifactsByCursor": {
    prepare: (w) => artifactIn(w, "disk"),
    run: (w) => ops.listOrgArtifactsByCursor(w.db, w.actor, w.org.name, { limit: 10 }),
    expect: orgOp({ member: "ok" }),
  },
  "artifacts/internal.registerImage": {
    run: (w) => internal.registerImage(w.db, w.actor, imageInput(w)),
    expect: systemOnly(),
  },
  "artifacts/internal.removeImage": {
    prepare: (w) => artifactIn(w, "image"),
    run: (w) => internal.removeImage(w.db, w.actor, { ...imageInput(w), name: "image-one" }),
    expect: systemOnly(),
  },
  "artifacts/internal.meterStorage": {
    prepare: (w) => artifactIn(w, "disk"),
    run: (w) => internal.meterStorage(w.db, w.actor),
    expect: systemOnly(),
  },
};
