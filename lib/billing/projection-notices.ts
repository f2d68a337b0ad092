/**
 * Warnings by projection (CONTRACT ONLY in this commit; implemented by the projection work): when an org's
 * projected zero (lib/billing/projection.ts) comes within one of its orgs.balance_projection_seconds intervals,
 * mail its admins and managers once per crossing (org_wallets.projection_notified_seconds/_at), re-armed after a
 * top-up pushes the projection back out; the low-balance banner shows it too.
 */
import type { Db } from "@/db";
import type { Caller } from "../core/caller";
import type { Services } from "../core/services";

export async function notifyProjections(
  _db: Db,
  _caller: Caller,
  _now: Date,
  _svc: Pick<Services, "mailer" | "appUrl">,
): Promise<{ notified: number; rearmed: number }> {
  throw new Error("notifyProjections: not implemented yet");
}
