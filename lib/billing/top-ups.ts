import type { Db } from "@/db";
import { orgs, payments, users } from "@/db/schema";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { requireActor, requireOrgAccess, roleAtLeast, type Actor } from "../core/authz";
import { Forbidden, NotFound, RateLimited } from "../core/errors";
import { creditAmountSchema, priceInMinorUnits } from "../core/money";
import { consume, RATE_LIMITS } from "../core/rate-limit";
import type { Services } from "../core/services";
import { parseInput } from "../core/validation";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";
import { receiptMail } from "../mail/mail-templates";
import { postLedger } from "./ledger";
import { formatMinor, type PaymentProvider, type Pricing } from "./payments";

export const TOP_UP_PRESETS = ["10", "100", "1000"] as const;
export const topUpSchema = z.object({ credits: creditAmountSchema("1", "100000", "Amount") });
/**
 * Starts a top-up: a pending payment row, then the provider's checkout. Every member may top up unless an
 * admin raised the minimum role. Rate-limited per account.
 */
export async function createTopUp(
  db: Db,
  actor: Actor,
  orgName: string,
  input: unknown,
  svc: Pick<Services, "limiter" | "appUrl"> & { provider: PaymentProvider; pricing: Pricing },
) {
  const { userId } = requireActor(actor);
  const { credits } = parseInput(topUpSchema, input);
  const access = await requireOrgAccess(db, actor, orgName, "credits.topup");
  if (!roleAtLeast(access.role, access.org.topUpMinRole)) {
    throw new Forbidden(`In ${orgName}, only ${access.org.topUpMinRole}s and above can top up.`);
  }
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
export async function getPayment(db: Db, actor: Actor, orgName: string, paymentId: string) {
  const access = await requireOrgAccess(db, actor, orgName, "org.view");
  if (!z.uuid().safeParse(paymentId).success) throw new NotFound("Payment not found");
  const [p] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.id, paymentId), eq(payments.orgId, access.org.id), eq(payments.userId, actor!.userId)));
  if (!p) throw new NotFound("Payment not found");
  return { ...p, amount: formatMinor(p.amountMinor, p.currency) };
}

export type CompletionInput =
  | { provider: "sandbox"; paymentId: string }
  | { provider: "stripe"; ref: string; amountMinor: number | null; currency: string | null; paymentId?: string | null };

/**
 * Completes a payment: the only code path that credits a top-up, used by the sandbox's Pay and by the Stripe
 * webhook. In one transaction: the payment is claimed (pending → paid), the balance rises and the ledger row
 * is written under the key `payment:<id>`, so a replay changes nothing. A Stripe amount or currency that
 * disagrees with the stored payment marks it failed and credits nothing.
 */
export async function completePayment(db: Db, input: CompletionInput, svc: Pick<Services, "mailer" | "appUrl">) {
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await db.transaction(async (tx) => {
    const where =
      input.provider === "sandbox"
        ? and(eq(payments.id, input.paymentId), eq(payments.provider, "sandbox"))
        : and(eq(payments.provider, "stripe"), eq(payments.providerRef, input.ref));
    const [p] = await tx.select().from(payments).where(where).for("update");
    if (!p) return { outcome: "unknown" as const };
    if (p.status !== "pending") return { outcome: "already" as const, status: p.status };
    if (
      input.provider === "stripe" &&
      (input.amountMinor !== p.amountMinor ||
        input.currency?.toLowerCase() !== p.currency ||
        (input.paymentId && input.paymentId !== p.id))
    ) {
      await tx.update(payments).set({ status: "failed", completedAt: new Date() }).where(eq(payments.id, p.id));
      return { outcome: "mismatch" as const };
    }
    await tx.update(payments).set({ status: "paid", completedAt: new Date() }).where(eq(payments.id, p.id));
    const posted = await postLedger(
      tx,
      {
        orgId: p.orgId,
        kind: "topup",
        amount: p.credits,
        actorId: p.userId,
        paymentId: p.id,
        idempotencyKey: `payment:${p.id}`,
      },
      svc.appUrl,
    );
    const [org] = await tx.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, p.orgId));
    const [payer] = p.userId ? await tx.select({ email: users.email }).from(users).where(eq(users.id, p.userId)) : [];
    if (posted) {
      mails.push(...posted.mails);
      if (payer?.email) {
        mails.push(
          receiptMail({
            to: payer.email,
            orgName: org!.name,
            credits: p.credits,
            amount: formatMinor(p.amountMinor, p.currency),
            currency: p.currency,
            balance: posted.balanceAfter,
            link: `${svc.appUrl}/orgs/${org!.name}/credits`,
          }),
        );
      }
    }
    mailIds = await enqueueMail(tx, mails);
    return { outcome: "paid" as const, orgName: org!.name, credits: p.credits, balance: posted?.balanceAfter };
  });
  await mailCommitted(svc, db, mailIds);
  return result;
}

/** The payer pays in the sandbox checkout: completes through completePayment, like a webhook would. */
export async function paySandboxPayment(
  db: Db,
  actor: Actor,
  orgName: string,
  paymentId: string,
  svc: Pick<Services, "mailer" | "appUrl">,
) {
  const p = await getPayment(db, actor, orgName, paymentId);
  if (p.provider !== "sandbox") throw new Forbidden("This payment is not a sandbox payment.");
  return completePayment(db, { provider: "sandbox", paymentId: p.id }, svc);
}

/** The payer cancels a pending checkout (sandbox Cancel, or back from Stripe's cancel URL). */
export async function cancelPayment(db: Db, actor: Actor, orgName: string, paymentId: string) {
  const p = await getPayment(db, actor, orgName, paymentId);
  // A Stripe session stays payable on Stripe's side: it is settled by its own events (expired / paid), never here.
  if (p.provider !== "sandbox") throw new Forbidden("A Stripe checkout is cancelled on Stripe's page.");
  const [updated] = await db
    .update(payments)
    .set({ status: "cancelled", completedAt: new Date() })
    .where(and(eq(payments.id, p.id), eq(payments.status, "pending")))
    .returning({ id: payments.id });
  return { cancelled: Boolean(updated), status: updated ? "cancelled" : p.status };
}
