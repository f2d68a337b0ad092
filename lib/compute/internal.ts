/**
 * System-only compute operations: the embedded runner's tick and charging on a runner's behalf. They accept
 * only the system caller (or a cluster runner, for its own usage); nothing a browser or a personal token
 * reaches calls them. app/ reaches them as `internal` from lib/compute's index.
 */
import type { Db } from "@/db";
import { clusters, jobs, presets } from "@/db/schema";
import { and, eq, isNotNull, lt, or, sql } from "drizzle-orm";
import { requireClusterOrSystem, requireSystem, type Caller } from "../core/caller";
import type { Services } from "../core/services";
import { chargeUsage, type UsageRecord } from "./metering";

/**
 * Charges usage records (lib/compute/metering.ts chargeUsage): for the system, or for a cluster runner, whose
 * records then count only for jobs on its own cluster.
 */
export async function meterUsage(
  db: Db,
  caller: Caller,
  records: UsageRecord[],
  svc: Pick<Services, "mailer" | "appUrl">,
) {
  const runner = requireClusterOrSystem(caller);
  const scoped = runner.kind === "cluster" ? records.map((r) => ({ ...r, clusterId: runner.clusterId })) : records;
  return chargeUsage(db, scoped, svc);
}

/**
 * One tick of the embedded runner (system only): charges every running job on embedded clusters up to `now`,
 * and settles stopped jobs not yet charged to their stop time. Keys are job + tick period, so two app
 * instances ticking the same period charge once.
 */
export async function runEmbeddedTick(
  db: Db,
  caller: Caller,
  now: Date,
  intervalMs: number,
  svc: Pick<Services, "mailer" | "appUrl">,
) {
  requireSystem(caller);
  const due = await db
    .select({ id: jobs.id, status: jobs.status })
    .from(jobs)
    .innerJoin(clusters, eq(clusters.id, jobs.clusterId))
    .where(
      and(
        eq(clusters.runner, "embedded"),
        or(eq(jobs.status, "running"), and(isNotNull(jobs.stoppedAt), lt(jobs.chargedUntil, jobs.stoppedAt))),
      ),
    )
    .limit(5000);
  const period = Math.floor(now.getTime() / intervalMs);
  let charged = 0;
  for (let i = 0; i < due.length; i += 200) {
    const batch = due.slice(i, i + 200).map((j) => ({
      jobId: j.id,
      until: now,
      idempotencyKey: j.status === "running" ? `tick:${j.id}:${period}` : `final:${j.id}`,
    }));
    const r = await chargeUsage(db, batch, svc);
    charged += r.outcomes.filter((o) => o.outcome === "charged").length;
  }
  return { jobs: due.length, charged };
}

/**
 * A fresh development database gets one default cluster with a few presets, so a new user can run a job at
 * once. Does nothing when any cluster exists. Called at server start (system only) when SEED_DEFAULT_CLUSTER is on.
 */
export async function seedDefaultCluster(db: Db, caller: Caller): Promise<boolean> {
  requireSystem(caller);
  return db.transaction(async (tx) => {
    const [any] = await tx.select({ id: clusters.id }).from(clusters).limit(1);
    if (any) return false;
    // Two instances starting at once both find no cluster: the second waits on the name, then does nothing.
    const [c] = await tx
      .insert(clusters)
      .values({ name: "default", description: "Development cluster (embedded runner)", isDefault: true })
      .onConflictDoNothing()
      .returning();
    if (!c) return false;
    await tx.insert(presets).values([
      { clusterId: c!.id, name: "cpu-small", cpu: "1", memoryMb: 2048, gpu: 0, creditsPerHour: "1" },
      { clusterId: c!.id, name: "cpu-large", cpu: "8", memoryMb: 32768, gpu: 0, creditsPerHour: "8" },
      { clusterId: c!.id, name: "gpu-1x", cpu: "8", memoryMb: 65536, gpu: 1, creditsPerHour: "60" },
      { clusterId: c!.id, name: "gpu-8x", cpu: "64", memoryMb: 524288, gpu: 8, creditsPerHour: "480" },
    ]);
    await tx.execute(
      sql`insert into org_clusters (org_id, cluster_id) select id, ${c!.id} from orgs where deleted_at is null on conflict do nothing`,
    );
    return true;
  });
}
