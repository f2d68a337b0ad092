/**
 * The credits worker's tick (app/_server/runner.ts runs it on every instance): warnings by projection and
 * automatic top-ups. Each part is safe with several workers running at once.
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
  const topUps = await runAutoTopUps(db, caller, now, svc);
  const notices = opts.projections ? await notifyProjections(db, caller, now, svc) : null;
  return { topUps, notices };
}
