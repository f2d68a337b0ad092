/**
 * The credits worker's tick (app/_server/runner.ts runs it on every instance): warnings by projection and
 * automatic top-ups. Each part is safe with several workers running at once, and one failing never keeps the
 * other from running (both errors are rethrown together for the loop to log).
 */
import type { Db } from "@/db";
import { requireSystem, type Caller } from "../core/caller";
import { runAutoTopUps, type AutoTopUpServices } from "./auto-topup";
import { notifyProjections } from "./projection-notices";

export async function creditsWorkerTick(
  db: Db,
  caller: Caller,
  now: Date,
  svc: AutoTopUpServices,
  opts: { projections: boolean },
) {
  requireSystem(caller);
  const [topUps, notices] = await Promise.allSettled([
    runAutoTopUps(db, caller, now, svc),
    opts.projections ? notifyProjections(db, caller, now, svc) : Promise.resolve(null),
  ]);
  const failed = [topUps, notices].filter((r) => r.status === "rejected").map((r) => r.reason as unknown);
  if (failed.length) throw new AggregateError(failed, "credits worker tick failed");
  return {
    topUps: topUps.status === "fulfilled" ? topUps.value : null,
    notices: notices.status === "fulfilled" ? notices.value : null,
  };
}
