import type { Db } from "@/db";
import { clusters, jobs } from "@/db/schema";
import { and, eq, isNotNull, lt, or } from "drizzle-orm";
import type { Services } from "../core/services";
import { meterUsage } from "./metering";

/**
 * One tick of the embedded runner: charges every running job on embedded clusters up to `now`, and settles
 * stopped jobs not yet charged to their stop time. Keys are job + tick period, so two app instances ticking
 * the same period charge once.
 */
export async function runEmbeddedTick(db: Db, now: Date, intervalMs: number, svc: Pick<Services, "mailer" | "appUrl">) {
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
    const r = await meterUsage(db, batch, svc);
    charged += r.outcomes.filter((o) => o.outcome === "charged").length;
  }
  return { jobs: due.length, charged };
}
