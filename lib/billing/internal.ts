/**
 * System-only billing operations: completing a payment and the Stripe webhook. They accept only the system
 * caller; nothing a browser or a personal token reaches calls them. app/ reaches them as `internal` from
 * lib/billing's index.
 */
import type { Db } from "@/db";
import { requireSystem, type Caller } from "../core/caller";
import type { Services } from "../core/services";
import { settlePayment, type CompletionInput } from "./settlement";

export { handleStripeWebhook } from "./stripe";

/** Completes a payment as the system (lib/billing/settlement.ts): credits the org once, a replay changes nothing. */
export async function completePayment(
  db: Db,
  caller: Caller,
  input: CompletionInput,
  svc: Pick<Services, "mailer" | "appUrl">,
) {
  requireSystem(caller);
  return settlePayment(db, input, svc);
}

export { creditsWorkerTick } from "./worker";

// The credits worker's warnings by projection (system only: the tick calls it on every instance).
export { notifyProjections } from "./projection-notices";
