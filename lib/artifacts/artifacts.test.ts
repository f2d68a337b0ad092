/**
 * Artifacts: disks, buckets and secrets from the console (who may, names, credits, conflicts), deletes (forged
 * ids change nothing), the project and org lists (filters, paging, visibility, totals), images from runners
 * (idempotent, cluster-scoped) and disk storage metering (exact, idempotent, balance = Σ ledger). Real database.
 */
import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { artifacts, auditEvents, clusters, creditLedger } from "@/db/schema";
import { clusterCaller } from "../core/caller";
import { Conflict, Forbidden, Invalid, NotFound, QuotaExceeded, Unauthenticated } from "../core/errors";
import { setClusterStorageRate } from "../compute/clusters";
import {
  createBucket,
  createDisk,
  createSecret,
  deleteArtifact,
  listOrgArtifacts,
  listProjectArtifacts,
  updateSecret,
} from "./artifacts";
import { meterStorage, registerImage, removeImage } from "./internal";
import { decryptSecret } from "./shared/secrets-crypto";
import {
  addMember,
  addOrgToCluster,
  as,
  decimalQuotient,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  SYSTEM,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();
const svc = { secretsKey: randomBytes(32) };
const GB = 1024 ** 3;

async function setup(opts: { funds?: string } = {}) {
  const db = t.db;
  const [admin, manager, user, writer, reader, writer2] = await Promise.all(
    Array.from({ length: 6 }, () => makeUser(db)),
  );
  const org = await makeOrg(db, { admin: admin!, manager: manager!, user: user! });
  for (const p of [writer!, reader!, writer2!]) await addMember(db, org, p, "user");
  const cluster = await makeCluster(db);
  await addOrgToCluster(db, org, cluster);
  if (opts.funds !== "0") await fundOrg(db, org, opts.funds ?? "100");
  const project = await makeProject(db, {
    org,
    cluster,
    members: [
      [writer!, "writer"],
      [reader!, "reader"],
    ],
  });
  const project2 = await makeProject(db, { org, cluster, members: [[writer2!, "writer"]] });
  const ref = { cluster: cluster.name, project: project.name };
  const ref2 = { cluster: cluster.name, project: project2.name };
  return {
    db,
    admin: admin!,
    manager: manager!,
    user: user!,
    writer: writer!,
    reader: reader!,
    writer2: writer2!,
    org,
    cluster,
    project,
    project2,
    ref,
    ref2,
  };
}

describe("creating disks, buckets and secrets", () => {
  it("lets a writer create a disk with its Apolo URI, owner and audit row", async () => {
    const w = await setup();
    const d = await createDisk(w.db, as(w.writer), w.org.name, w.ref, {
      name: "data",
      size: "10G",
      storageClass: "ssd",
    });
    expect(d.uri).toBe(`disk://${w.cluster.name}/${w.org.name}/${w.project.name}/data`);
    const [row] = await w.db.select().from(artifacts).where(eq(artifacts.id, d.id));
    expect(row).toMatchObject({
      kind: "disk",
      sizeBytes: 10 * GB,
      storageClass: "ssd",
      ownerId: w.writer.id,
      status: "ready",
    });
    expect(row!.clusterId).toBe(w.cluster.id);
    const audit = await w.db.select().from(auditEvents).where(eq(auditEvents.targetId, d.id));
    expect(audit.map((a) => a.action)).toEqual(["artifact.created"]);
    const b = await createBucket(w.db, as(w.manager), w.org.name, w.ref, {
      name: "blobs",
      provider: "aws",
      region: "us-east-1",
    });
    expect(b.uri).toBe(`blob://${w.cluster.name}/${w.org.name}/${w.project.name}/blobs`);
  });

  it("refuses readers (Forbidden), org users outside the project and outsiders (NotFound), signed out", async () => {
    const w = await setup();
    const input = { name: "data", size: "1" };
    await expect(createDisk(w.db, as(w.reader), w.org.name, w.ref, input)).rejects.toBeInstanceOf(Forbidden);
    await expect(createDisk(w.db, as(w.user), w.org.name, w.ref, input)).rejects.toBeInstanceOf(NotFound);
    await expect(createDisk(w.db, as(await makeUser(w.db)), w.org.name, w.ref, input)).rejects.toBeInstanceOf(NotFound);
    await expect(createDisk(w.db, null, w.org.name, w.ref, input)).rejects.toBeInstanceOf(Unauthenticated);
    expect(await w.db.select().from(artifacts).where(eq(artifacts.orgId, w.org.id))).toEqual([]);
  });

  it("validates names, sizes, providers and keys; a taken name is a Conflict", async () => {
    const w = await setup();
    const c = as(w.writer);
    for (const input of [
      { name: "Bad_Name", size: "10G" },
      { name: "ok-name", size: "0G" },
      { name: "ok-name", size: "10241G" },
      { name: "ok-name", size: "1.5G" },
      { name: "ok-name", size: "10T" },
    ]) {
      await expect(createDisk(w.db, c, w.org.name, w.ref, input)).rejects.toBeInstanceOf(Invalid);
    }
    await expect(
      createBucket(w.db, c, w.org.name, w.ref, { name: "bkt", provider: "dropbox", region: "x" }),
    ).rejects.toBeInstanceOf(Invalid);
    for (const key of ["1abc", "has space", "a".repeat(254), ""]) {
      await expect(createSecret(w.db, c, w.org.name, w.ref, { key, value: "v" }, svc)).rejects.toBeInstanceOf(Invalid);
    }
    await expect(
      createSecret(w.db, c, w.org.name, w.ref, { key: "BIG", value: "x".repeat(64 * 1024 + 1) }, svc),
    ).rejects.toBeInstanceOf(Invalid);
    await createDisk(w.db, c, w.org.name, w.ref, { name: "data", size: 5 });
    await expect(createDisk(w.db, c, w.org.name, w.ref, { name: "data", size: 5 })).rejects.toBeInstanceOf(Conflict);
    // The same name in another project, or of another kind, is fine.
    await createBucket(w.db, c, w.org.name, w.ref, { name: "data", provider: "gcp", region: "europe-west4" });
    await createDisk(w.db, as(w.writer2), w.org.name, w.ref2, { name: "data", size: 5 });
  });

  it("refuses disks and buckets when the org has no credits, with Apolo's message; secrets are free", async () => {
    const w = await setup({ funds: "0" });
    const err = await createDisk(w.db, as(w.writer), w.org.name, w.ref, { name: "data", size: "1G" }).catch((e) => e);
    expect(err).toBeInstanceOf(QuotaExceeded);
    expect(err.message).toBe(`No credits left for org '${w.org.name}'`);
    await expect(
      createBucket(w.db, as(w.writer), w.org.name, w.ref, { name: "bk1", provider: "minio", region: "local" }),
    ).rejects.toBeInstanceOf(QuotaExceeded);
    await createSecret(w.db, as(w.writer), w.org.name, w.ref, { key: "TOKEN", value: "v" }, svc);
  });
});

describe("secrets", () => {
  it("stores the value encrypted (bound to its place) and never returns it from lists or audit rows", async () => {
    const w = await setup();
    const value = `s3cr3t-${randomBytes(8).toString("hex")}`;
    const s = await createSecret(w.db, as(w.writer), w.org.name, w.ref, { key: "API_TOKEN", value }, svc);
    expect(JSON.stringify(s)).not.toContain(value);
    expect(s.uri).toBe(`secret://${w.cluster.name}/${w.org.name}/${w.project.name}/API_TOKEN`);
    const [row] = await w.db.select().from(artifacts).where(eq(artifacts.id, s.id));
    expect(row!.secretCiphertext).not.toContain(value);
    const place = { orgId: w.org.id, projectId: w.project.id, key: "API_TOKEN" };
    expect(decryptSecret(svc.secretsKey, place, row!.secretCiphertext!)).toBe(value);

    const lists = JSON.stringify([
      await listProjectArtifacts(w.db, as(w.reader), w.org.name, w.ref),
      await listOrgArtifacts(w.db, as(w.admin), w.org.name),
    ]);
    expect(lists).toContain("API_TOKEN");
    expect(lists).not.toContain(value);
    expect(lists).not.toContain(row!.secretCiphertext!);
    expect(lists).not.toMatch(/ciphertext/i);

    await expect(
      createSecret(w.db, as(w.writer), w.org.name, w.ref, { key: "API_TOKEN", value: "other" }, svc),
    ).rejects.toBeInstanceOf(Conflict);
    const replaced = await updateSecret(
      w.db,
      as(w.writer),
      w.org.name,
      w.ref,
      { key: "API_TOKEN", value: "new-value" },
      svc,
    );
    expect(JSON.stringify(replaced)).not.toContain("new-value");
    const [after] = await w.db.select().from(artifacts).where(eq(artifacts.id, s.id));
    expect(decryptSecret(svc.secretsKey, place, after!.secretCiphertext!)).toBe("new-value");
    await expect(
      updateSecret(w.db, as(w.writer), w.org.name, w.ref, { key: "MISSING", value: "x" }, svc),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      updateSecret(w.db, as(w.reader), w.org.name, w.ref, { key: "API_TOKEN", value: "x" }, svc),
    ).rejects.toBeInstanceOf(Forbidden);

    await deleteArtifact(w.db, as(w.writer), w.org.name, { id: s.id });
    const audit = JSON.stringify(await w.db.select().from(auditEvents).where(eq(auditEvents.orgId, w.org.id)));
    expect(audit).toContain("artifact.secret_replaced");
    expect(audit).toContain("artifact.deleted");
    expect(audit).not.toContain(value);
    expect(audit).not.toContain("new-value");
  });
});

describe("deleting", () => {
  it("lets writers delete; readers are refused; a forged id of another org is NotFound and changes nothing", async () => {
    const w = await setup();
    const other = await setup();
    const b = await createBucket(w.db, as(w.writer), w.org.name, w.ref, {
      name: "bkt",
      provider: "azure",
      region: "eastus",
    });
    const theirs = await createBucket(other.db, as(other.writer), other.org.name, other.ref, {
      name: "bkt",
      provider: "azure",
      region: "eastus",
    });
    await expect(deleteArtifact(w.db, as(w.reader), w.org.name, { id: b.id })).rejects.toBeInstanceOf(Forbidden);
    await expect(deleteArtifact(w.db, as(w.user), w.org.name, { id: b.id })).rejects.toBeInstanceOf(NotFound);
    await expect(deleteArtifact(w.db, as(w.admin), w.org.name, { id: theirs.id })).rejects.toBeInstanceOf(NotFound);
    await expect(deleteArtifact(w.db, as(w.writer2), w.org.name, { id: b.id })).rejects.toBeInstanceOf(NotFound);
    await expect(deleteArtifact(w.db, as(w.writer), w.org.name, { id: "nope" })).rejects.toBeInstanceOf(Invalid);
    expect(await w.db.select().from(artifacts).where(eq(artifacts.id, theirs.id))).toHaveLength(1);
    const r = await deleteArtifact(w.db, as(w.writer), w.org.name, { id: b.id });
    expect(r.uri).toBe(b.uri);
    expect(await w.db.select().from(artifacts).where(eq(artifacts.id, b.id))).toEqual([]);
  });

  it("leaves images to the runner", async () => {
    const w = await setup();
    const img = await registerImage(w.db, clusterCaller(w.cluster.id), {
      org: w.org.name,
      project: w.project.name,
      name: "trainer",
      tags: ["v1"],
      size_bytes: 100,
    });
    await expect(deleteArtifact(w.db, as(w.admin), w.org.name, { id: img.id })).rejects.toBeInstanceOf(Forbidden);
  });
});

describe("lists", () => {
  it("pages and filters a project's artifacts; the org page shows managers everything and users their projects'", async () => {
    const w = await setup();
    const c = as(w.writer);
    for (let i = 0; i < 27; i++) {
      await createSecret(w.db, c, w.org.name, w.ref, { key: `KEY_${String(i).padStart(2, "0")}`, value: "v" }, svc);
    }
    await createDisk(w.db, c, w.org.name, w.ref, { name: "disk-a", size: "3G" });
    await createDisk(w.db, c, w.org.name, w.ref, { name: "disk-b", size: "4G" });
    await createDisk(w.db, as(w.writer2), w.org.name, w.ref2, { name: "disk-c", size: "5G" });

    const p1 = await listProjectArtifacts(w.db, as(w.reader), w.org.name, w.ref);
    expect(p1.total).toBe(29);
    expect(p1.rows).toHaveLength(25);
    expect(p1.canWrite).toBe(false);
    expect(p1.counts).toEqual({ disk: 2, bucket: 0, secret: 27, image: 0 });
    expect(p1.diskBytes).toBe(7 * GB);
    const p2 = await listProjectArtifacts(w.db, as(w.reader), w.org.name, w.ref, { page: "2" });
    expect(p2.rows).toHaveLength(4);
    expect(new Set([...p1.rows, ...p2.rows].map((r) => r.id)).size).toBe(29);
    const disks = await listProjectArtifacts(w.db, as(w.writer), w.org.name, w.ref, { kind: "disk" });
    expect(disks.rows.map((r) => r.name).sort()).toEqual(["disk-a", "disk-b"]);
    expect(disks.canWrite).toBe(true);
    expect((await listProjectArtifacts(w.db, c, w.org.name, w.ref, { q: "KEY_1" })).total).toBe(10);
    expect((await listProjectArtifacts(w.db, c, w.org.name, w.ref, { q: "%" })).total).toBe(0);
    await expect(listProjectArtifacts(w.db, as(w.user), w.org.name, w.ref)).rejects.toBeInstanceOf(NotFound);

    const all = await listOrgArtifacts(w.db, as(w.manager), w.org.name, { pageSize: "100" });
    expect(all.scope).toBe("all");
    expect(all.total).toBe(30);
    expect(all.options.projects).toEqual(
      [`${w.cluster.name}/${w.project.name}`, `${w.cluster.name}/${w.project2.name}`].sort(),
    );
    expect(all.options.owners).toEqual([w.writer.username, w.writer2.username].sort());
    expect(all.options.clusters).toEqual([w.cluster.name]);
    expect(all.diskTotals.find((d) => d.project === w.project.name)).toMatchObject({ disks: 2, bytes: 7 * GB });
    expect(all.diskTotals.find((d) => d.project === w.project2.name)).toMatchObject({ disks: 1, bytes: 5 * GB });
    const row = all.rows.find((r) => r.name === "disk-c")!;
    expect(row).toMatchObject({
      kind: "disk",
      owner: w.writer2.username,
      project: w.project2.name,
      cluster: w.cluster.name,
    });
    expect(row.uri).toBe(`disk://${w.cluster.name}/${w.org.name}/${w.project2.name}/disk-c`);

    const byProject = await listOrgArtifacts(w.db, as(w.admin), w.org.name, {
      project: `${w.cluster.name}/${w.project2.name}`,
    });
    expect(byProject.rows.map((r) => r.name)).toEqual(["disk-c"]);
    expect((await listOrgArtifacts(w.db, as(w.admin), w.org.name, { owner: w.writer2.username })).total).toBe(1);
    expect((await listOrgArtifacts(w.db, as(w.admin), w.org.name, { kind: "disk" })).total).toBe(3);
    expect((await listOrgArtifacts(w.db, as(w.admin), w.org.name, { cluster: "elsewhere" })).total).toBe(0);
    expect((await listOrgArtifacts(w.db, as(w.admin), w.org.name, { q: "disk" })).total).toBe(3);

    // An org user sees the artifacts of the projects they belong to, and only those options.
    const mine = await listOrgArtifacts(w.db, as(w.writer2), w.org.name);
    expect(mine.scope).toBe("member");
    expect(mine.rows.map((r) => r.name)).toEqual(["disk-c"]);
    expect(mine.options.projects).toEqual([`${w.cluster.name}/${w.project2.name}`]);
    expect((await listOrgArtifacts(w.db, as(w.user), w.org.name)).total).toBe(0);
    await expect(listOrgArtifacts(w.db, as(await makeUser(w.db)), w.org.name)).rejects.toBeInstanceOf(NotFound);
  });
});

describe("images from runners", () => {
  it("registers and updates idempotently, removes idempotently, only on the runner's own cluster", async () => {
    const w = await setup();
    const runner = clusterCaller(w.cluster.id);
    const input = {
      org: w.org.name,
      project: w.project.name,
      name: "team/trainer",
      tags: ["v1", "latest"],
      size_bytes: 1234,
    };
    const first = await registerImage(w.db, runner, { ...input, owner: w.writer.username });
    expect(first).toMatchObject({
      created: true,
      uri: `image://${w.cluster.name}/${w.org.name}/${w.project.name}/team/trainer`,
    });
    const again = await registerImage(w.db, runner, { ...input, tags: ["v2", "latest", "v2"], size_bytes: 99 });
    expect(again).toMatchObject({ created: false, id: first.id });
    const rows = await w.db.select().from(artifacts).where(eq(artifacts.kind, "image"));
    expect(rows.filter((r) => r.orgId === w.org.id)).toHaveLength(1);
    const [img] = rows.filter((r) => r.orgId === w.org.id);
    expect(img).toMatchObject({ tags: ["latest", "v2"], sizeBytes: 99, ownerId: w.writer.id, clusterId: w.cluster.id });

    // Another cluster's runner: the project isn't there.
    const elsewhere = await makeCluster(w.db);
    await expect(registerImage(w.db, clusterCaller(elsewhere.id), input)).rejects.toBeInstanceOf(NotFound);
    await expect(removeImage(w.db, clusterCaller(elsewhere.id), input)).rejects.toBeInstanceOf(NotFound);
    await expect(registerImage(w.db, runner, { ...input, project: "nope" })).rejects.toBeInstanceOf(NotFound);
    await expect(registerImage(w.db, runner, { ...input, owner: "nobody-here" })).rejects.toBeInstanceOf(Invalid);
    await expect(registerImage(w.db, runner, { ...input, size_bytes: -1 })).rejects.toBeInstanceOf(Invalid);
    await expect(registerImage(w.db, runner, { ...input, tags: ["bad tag"] })).rejects.toBeInstanceOf(Invalid);
    await expect(registerImage(w.db, as(w.admin), input)).rejects.toBeInstanceOf(Forbidden);
    await expect(registerImage(w.db, null, input)).rejects.toBeInstanceOf(Unauthenticated);

    expect(await removeImage(w.db, runner, input)).toMatchObject({ removed: true });
    expect(await removeImage(w.db, runner, input)).toMatchObject({ removed: false });
    const audit = await w.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.targetType, "image")));
    expect(audit.map((a) => a.action)).toEqual(["artifact.created", "artifact.deleted"]);
  });
});

describe("disk storage metering", () => {
  /** A disk of `gb` GB created at `at` (whole seconds). */
  async function diskAt(w: Awaited<ReturnType<typeof setup>>, name: string, gb: number, at: Date) {
    const d = await createDisk(w.db, as(w.writer), w.org.name, w.ref, { name, size: gb });
    await w.db.update(artifacts).set({ createdAt: at, chargedUntil: null }).where(eq(artifacts.id, d.id));
    return d;
  }
  const at = (base: Date, s: number) => new Date(base.getTime() + s * 1000);

  it("charges size × rate × hours exactly, telescoping over ticks, idempotently, with balance = Σ ledger", async () => {
    const w = await setup({ funds: "1000" });
    await w.db.update(clusters).set({ storageCreditsPerGbHour: "0.0007" }).where(eq(clusters.id, w.cluster.id));
    const t0 = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));
    const d = await diskAt(w, "data", 3, t0);
    // Ticks of odd lengths: 7 s, then 1 h, then 13 s, then a replay of the last.
    let expectedTotal = "0";
    for (const s of [7, 3607, 3620, 3620]) {
      await meterStorage(w.db, SYSTEM, at(t0, s));
      // round(0.0007 × 3 × s / 3600, 8) = round(21 s / 36,000,000, 8)
      expectedTotal = decimalQuotient(21 * s, 36_000_000);
    }
    const [row] = await w.db.select().from(artifacts).where(eq(artifacts.id, d.id));
    expect(row!.creditsCharged).toBe(expectedTotal);
    expect(row!.chargedUntil!.getTime()).toBe(at(t0, 3620).getTime());
    const ledger = await w.db.select().from(creditLedger).where(eq(creditLedger.artifactId, d.id));
    expect(ledger).toHaveLength(3);
    for (const l of ledger) {
      expect(l).toMatchObject({ kind: "charge", projectId: w.project.id, memberId: w.writer.id });
      expect(l.idempotencyKey).toMatch(new RegExp(`^disk:${d.id}:\\d+$`));
    }
    const [sum] = await w.db
      .select({ s: sql<string>`(-sum(${creditLedger.amount}))::numeric(24,8)::text` })
      .from(creditLedger)
      .where(eq(creditLedger.artifactId, d.id));
    expect(sum!.s).toBe(expectedTotal);
    const totals = await ledgerTotals(w.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
    expect(totals.charged).toBe(expectedTotal);
  });

  it("charges nothing on a free cluster; a deleted disk is settled up to its deletion; a new rate applies from when it is set", async () => {
    const w = await setup({ funds: "1000" });
    const t0 = new Date(Date.now() - 7200 * 1000);
    const free = await diskAt(w, "free", 10, t0);
    await meterStorage(w.db, SYSTEM);
    expect((await w.db.select().from(creditLedger).where(eq(creditLedger.artifactId, free.id))).length).toBe(0);

    // Rate set two hours after creation at 0 → the past two hours stay free.
    const op = await makePlatformAdmin(w.db);
    await setClusterStorageRate(w.db, as(op), { cluster: w.cluster.name, rate: "1" });
    const [settled] = await w.db.select().from(artifacts).where(eq(artifacts.id, free.id));
    expect(settled!.creditsCharged).toBe("0.00000000");
    expect(settled!.chargedUntil!.getTime()).toBeGreaterThan(t0.getTime() + 7000 * 1000);
    // Not a platform admin: the admin area doesn't exist for them.
    await expect(
      setClusterStorageRate(w.db, as(w.admin), { cluster: w.cluster.name, rate: "2" }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(setClusterStorageRate(w.db, as(op), { cluster: w.cluster.name, rate: "-1" })).rejects.toBeInstanceOf(
      Invalid,
    );
    // Backdate the settlement by 36 s: deleting charges 10 GB × 1 × 36 s = 0.1 credits (at least).
    await w.db
      .update(artifacts)
      .set({ chargedUntil: sql`${artifacts.chargedUntil} - interval '36 seconds'` })
      .where(eq(artifacts.id, free.id));
    const r = await deleteArtifact(w.db, as(w.writer), w.org.name, { id: free.id });
    expect(Number(r.settled)).toBeGreaterThanOrEqual(0.1);
    expect(Number(r.settled)).toBeLessThan(0.2);
    const [charge] = await w.db.select().from(creditLedger).where(eq(creditLedger.projectId, w.project.id));
    expect(charge).toMatchObject({ kind: "charge", artifactId: null }); // the disk is gone: set null
    const totals = await ledgerTotals(w.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
  });

  it("charges each interval once when two instances meter at the same time (real concurrent transactions)", async () => {
    const w = await setup({ funds: "1000" });
    await w.db.update(clusters).set({ storageCreditsPerGbHour: "0.25" }).where(eq(clusters.id, w.cluster.id));
    const t0 = new Date(Date.UTC(2026, 0, 2, 0, 0, 0));
    const disks = [await diskAt(w, "one", 4, t0), await diskAt(w, "two", 8, t0)];
    const now = at(t0, 1800);
    await Promise.all([meterStorage(w.db, SYSTEM, now), meterStorage(w.db, SYSTEM, now)]);
    for (const [d, gb] of [
      [disks[0]!, 4],
      [disks[1]!, 8],
    ] as const) {
      const rows = await w.db.select().from(creditLedger).where(eq(creditLedger.artifactId, d.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.amount).toBe(`-${decimalQuotient(25 * gb * 1800, 100 * 3600)}`);
    }
    const totals = await ledgerTotals(w.db, w.org);
    expect(totals.balance).toBe(totals.ledgerSum);
    expect(totals.charged).toBe("1.50000000"); // 0.25 × 12 GB × ½ h
  });

  it("is system-only", async () => {
    const w = await setup();
    await expect(meterStorage(w.db, as(w.admin))).rejects.toBeInstanceOf(Forbidden);
    await expect(meterStorage(w.db, clusterCaller(w.cluster.id))).rejects.toBeInstanceOf(Forbidden);
  });
});
