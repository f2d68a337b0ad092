import type { Db } from "@/db";
import { payments, users } from "@/db/schema";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { requireOrgAccess } from "../core/authz";
import { requireUser, type Caller } from "../core/caller";
import { Forbidden, NotFound, RateLimited } from "../core/errors";
import { creditAmountSchema, priceInMinorUnits, TOP_UP_RANGE } from "../core/money";
import { consume, RATE_LIMITS } from "../core/rate-limit";
import type { Services } from "../core/services";
import { parseInput } from "../core/validation";
import { formatMinor, type PaymentProvider, type Pricing } from "./payments";
import { settlePayment } from "./settlement";

export const TOP_UP_PRESETS = ["10", "100", "1000"] as const;
export const topUpSchema = z.object({ credits: creditAmountSchema(TOP_UP_RANGE.min, TOP_UP_RANGE.max, "Amount") });
/**
 * Starts a top-up: a pending payment row, then the provider's checkout. Every member may top up unless an
 * admin raised the minimum role. Rate-limited per account.
 */
export async function createTopUp(
  db: Db,
  caller: Caller,
  orgName: string,
  input: unknown,
  svc: Pick<Services, "limiter" | "appUrl"> & { provider: PaymentProvider; pricing: Pricing },
) {
  const { userId } = requireUser(caller, "write");
  const { credits } = parseInput(topUpSchema, input);
  // The org's topUpMinRole raises "credits.topup" inside the policy.
  const access = await requireOrgAccess(db, caller, orgName, "credits.topup");
  const limited = await consume(svc.limiter, `topup:${userId}`, RATE_LIMITS.paymentsPerAccount);
  if (!limited.ok) throw new RateLimited(limited.retryAfterSec);
  const [me] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  const amountMinor = priceInMinorUnits(credits, svc.pricing.pricePerCredit, svc.pricing.currency);
  const [payment] = await db
    .insert(payments)
    .values({
      orgId: access.org.id,
      userId,
      provider: svc.provider.kind,
      credits,
      amountMinor,
      currency: svc.pricing.currency,
    })
    .returning();
  const back = `${svc.appUrl}/orgs/${orgName}/credits`;
  const checkout = await svc.provider.createCheckout({
    paymentId: payment!.id,
    orgName,
    payerEmail: me?.email ?? null,
    credits,
    amountMinor,
    currency: svc.pricing.currency,
    successUrl: `${back}?payment=${payment!.id}`,
    cancelUrl: `${back}?payment=${payment!.id}&cancelled=1`,
  });
  if (checkout.ref) await db.update(payments).set({ providerRef: checkout.ref }).where(eq(payments.id, payment!.id));
  return { paymentId: payment!.id, url: checkout.url, credits, amountMinor, currency: svc.pricing.currency };
}

/** A pending or finished payment, for its payer (the sandbox checkout page and the return to Credits). */
export async function getPayment(db: Db, caller: Caller, orgName: string, paymentId: string) {
  const access = await requireOrgAccess(db, caller, orgName, "org.view");
  if (!z.uuid().safeParse(paymentId).success) throw new NotFound("Payment not found");
  const [p] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.id, paymentId), eq(payments.orgId, access.org.id), eq(payments.userId, access.caller.id)));
  if (!p) throw new NotFound("Payment not found");
  return { ...p, amount: formatMinor(p.amountMinor, p.currency) };
}

/** The payer pays in the sandbox checkout: completes through settlePayment, like the Stripe webhook does. */
export async function paySandboxPayment(
  db: Db,
  caller: Caller,
  orgName: string,
  paymentId: string,
  svc: Pick<Services, "mailer" | "appUrl">,
) {
  requireUser(caller, "write");
  const p = await getPayment(db, caller, orgName, paymentId);
  if (p.provider !== "sandbox") throw new Forbidden("This payment is not a sandbox payment.");
  return settlePayment(db, { provider: "sandbox", paymentId: p.id }, svc);
}

/** The payer cancels a pending checkout (sandbox Cancel, or back from Stripe's cancel URL). */
export async function cancelPayment(db: Db, caller: Caller, orgName: string, paymentId: string) {
  requireUser(caller, "write");
  const p = await getPayment(db, caller, orgName, paymentId);
  // A Stripe session stays payable on Stripe's side: it is settled by its own events (expired / paid), never here.
  if (p.provider !== "sandbox") throw new Forbidden("A Stripe checkout is cancelled on Stripe's page.");
  const [updated] = await db
    .update(payments)
    .set({ status: "cancelled", completedAt: new Date() })
    .where(and(eq(payments.id, p.id), eq(payments.status, "pending")))
    .returning({ id: payments.id });
  return { cancelled: Boolean(updated), status: updated ? "cancelled" : p.status };
}
