import type { Db } from "@/db";
import { orgAutoTopups, orgs, orgWallets, payments, users } from "@/db/schema";
import { and, eq } from "drizzle-orm";
import type { Services } from "../core/services";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";
import { autoTopUpMail, receiptMail } from "../mail/mail-templates";
import { failAutoPaymentInTx, orgAdminEmails } from "./auto-topup-off";
import { postLedger } from "./ledger";
import { formatMinor } from "./payments";

export type CompletionInput =
  | { provider: "sandbox"; paymentId: string }
  | { provider: "stripe"; ref: string; amountMinor: number | null; currency: string | null; paymentId?: string | null };

/**
 * Completes a payment: the only code path that credits a top-up. Internal: used by the sandbox's Pay (after it
 * checked the payer), the Stripe webhook (after its signature check) and lib/billing/internal.ts
 * completePayment. In one transaction: the payment is claimed (pending → paid), the balance rises and the ledger row
 * is written under the key `payment:<id>`, so a replay changes nothing. A Stripe amount or currency that
 * disagrees with the stored payment marks it failed (with the reason) and credits nothing; an automatic one then
 * turns automatic top-up off like a declined card (lib/billing/auto-topup-off.ts). Lock order (lib/billing/ledger.ts):
 * the payment is read unlocked to find its org, then (an automatic payment) the org's automatic top-up settings,
 * the org's wallet, then the payment. A payment
 * that completes after its org was closed is still recorded (the money was received): its ledger row and the
 * closed org's wallet show it. An automatic top-up (kind 'auto') posts ledger kind "auto_topup" with its reference (the
 * PaymentIntent, or the payment id in the sandbox) in the note, settles its crossing (org_wallets.auto_topup_due_at) and mails the org's admins.
 */
export async function settlePayment(db: Db, input: CompletionInput, svc: Pick<Services, "mailer" | "appUrl">) {
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await db.transaction(async (tx) => {
    const where =
      input.provider === "sandbox"
        ? and(eq(payments.id, input.paymentId), eq(payments.provider, "sandbox"))
        : and(eq(payments.provider, "stripe"), eq(payments.providerRef, input.ref));
    const [found] = await tx.select({ orgId: payments.orgId, kind: payments.kind }).from(payments).where(where);
    if (!found) return { outcome: "unknown" as const };
    // An automatic payment may turn automatic top-up off (a mismatch): its settings row comes first (1c).
    if (found.kind === "auto") {
      await tx
        .select({ orgId: orgAutoTopups.orgId })
        .from(orgAutoTopups)
        .where(eq(orgAutoTopups.orgId, found.orgId))
        .for("update");
    }
    await tx
      .select({ orgId: orgWallets.orgId })
      .from(orgWallets)
      .where(eq(orgWallets.orgId, found.orgId))
      .for("update");
    const [p] = await tx.select().from(payments).where(where).for("update");
    if (!p) return { outcome: "unknown" as const };
    if (p.status !== "pending") return { outcome: "already" as const, status: p.status };
    if (
      input.provider === "stripe" &&
      (input.amountMinor !== p.amountMinor ||
        input.currency?.toLowerCase() !== p.currency ||
        (input.paymentId && input.paymentId !== p.id))
    ) {
      const reason = mismatchReason(p, input);
      if (p.kind === "auto") {
        // Like a declined card: failed, automatic top-up off with the reason, audit, mail — and its crossing
        // cleared, so the worker doesn't keep meeting this payment's idempotency key.
        mails.push(...((await failAutoPaymentInTx(tx, p.id, reason, svc.appUrl)) ?? []));
        mailIds = await enqueueMail(tx, mails);
      } else {
        await tx
          .update(payments)
          .set({ status: "failed", failureReason: reason, completedAt: new Date() })
          .where(eq(payments.id, p.id));
      }
      return { outcome: "mismatch" as const };
    }
    await tx
      .update(payments)
      .set({ status: "paid", failureReason: null, completedAt: new Date() })
      .where(eq(payments.id, p.id));
    const auto = p.kind === "auto";
    const posted = await postLedger(
      tx,
      {
        orgId: p.orgId,
        kind: auto ? "auto_topup" : "topup",
        amount: p.credits,
        actorId: p.userId,
        paymentId: p.id,
        idempotencyKey: `payment:${p.id}`,
        // An automatic top-up names its payment in the ledger: the PaymentIntent, or the sandbox's payment id.
        note: auto ? autoTopUpNote(p) : null,
      },
      svc.appUrl,
    );
    // The crossing this automatic top-up was for is settled (a later charge below the threshold marks a new one).
    if (auto) await tx.update(orgWallets).set({ autoTopupDueAt: null }).where(eq(orgWallets.orgId, p.orgId));
    const [org] = await tx.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, p.orgId));
    const [payer] = p.userId ? await tx.select({ email: users.email }).from(users).where(eq(users.id, p.userId)) : [];
    if (posted) {
      mails.push(...posted.mails);
      if (auto) {
        // No payer: the org's admins are told (instead of a receipt).
        for (const to of await orgAdminEmails(tx, p.orgId)) {
          mails.push(
            autoTopUpMail({
              to,
              orgName: org!.name,
              credits: p.credits,
              amount: formatMinor(p.amountMinor, p.currency),
              currency: p.currency,
              ref: p.providerRef,
              paymentId: p.id,
              balance: posted.balanceAfter,
              link: `${svc.appUrl}/orgs/${org!.name}/credits`,
            }),
          );
        }
      } else if (payer?.email) {
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

/** The ledger note of an automatic top-up: its Stripe PaymentIntent, or in the sandbox its payment id. */
function autoTopUpNote(p: { id: string; providerRef: string | null }): string {
  return p.providerRef ? `Automatic top-up · ${p.providerRef}` : `Automatic top-up (sandbox) · payment ${p.id}`;
}

/** Why a Stripe settlement was refused: what Stripe reported against what the payment expected. */
function mismatchReason(
  p: { id: string; amountMinor: number; currency: string },
  input: { amountMinor: number | null; currency: string | null; paymentId?: string | null },
): string {
  if (input.paymentId && input.paymentId !== p.id) return "Stripe reported the payment for another top-up.";
  const reported =
    input.amountMinor === null || !input.currency
      ? "no amount"
      : `${formatMinor(input.amountMinor, input.currency.toLowerCase())} ${input.currency.toUpperCase()}`;
  return `Stripe reported ${reported}, not the expected ${formatMinor(p.amountMinor, p.currency)} ${p.currency.toUpperCase()}; nothing was credited.`;
}
