/**
 * The one path by which an automatic top-up fails (lib/billing/auto-topup.ts): the pending automatic payment is
 * marked failed with its reason and automatic top-up turns off — the reason shown in Settings, an audit row
 * (credits.auto_topup_failed) and a mail to the org's admins — whatever failed it (a declined card, Stripe's
 * payment_intent.payment_failed or .canceled, an amount Stripe reported that disagrees, a payment that stayed
 * pending too long) and the cap or a missing card, which turn it off without a payment. Its own module so that
 * lib/billing/settlement.ts can use it inside its transaction without importing auto-topup.ts (which imports it).
 */
import { and, eq, isNotNull } from "drizzle-orm";
import type { Tx } from "@/db";
import { orgAutoTopups, orgMembers, orgs, orgWallets, payments, users } from "@/db/schema";
import type { MailMessage } from "../mail/mail";
import { autoTopUpOffMail } from "../mail/mail-templates";
import { recordAudit } from "../orgs/audit";

/**
 * Inside a transaction holding the settings row (1c) and the wallet (2): turns automatic top-up off for `reason`
 * (the crossing it was for is cleared, so the worker never claims it again); returns the mails to send.
 */
export async function turnAutoTopUpOff(
  tx: Tx,
  org: { id: string; name: string },
  reason: string,
  audit: Record<string, unknown>,
  appUrl: string,
): Promise<MailMessage[]> {
  await tx
    .update(orgAutoTopups)
    .set({ enabled: false, disabledReason: reason, disabledAt: new Date(), updatedAt: new Date() })
    .where(eq(orgAutoTopups.orgId, org.id));
  await tx.update(orgWallets).set({ autoTopupBelow: null, autoTopupDueAt: null }).where(eq(orgWallets.orgId, org.id));
  await recordAudit(tx, {
    org,
    actor: null,
    action: "credits.auto_topup_failed",
    target: { type: "org", id: org.id, label: org.name },
    before: { enabled: true },
    after: { enabled: false, reason, ...audit },
  });
  return (await orgAdminEmails(tx, org.id)).map((to) =>
    autoTopUpOffMail({ to, orgName: org.name, reason, link: `${appUrl}/orgs/${org.name}/settings/general` }),
  );
}

/** The addresses of the org's admins: who hears of automatic top-ups, which have no payer. */
export async function orgAdminEmails(tx: Tx, orgId: string): Promise<string[]> {
  const admins = await tx
    .select({ email: users.email })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, "admin"), isNotNull(users.email)));
  return admins.map((a) => a.email!);
}

/**
 * Inside a transaction holding the org's settings row (1c) and wallet (2): marks the automatic payment `paymentId`
 * failed (pending → failed, once) with `reason` and turns automatic top-up off. Null when it was no longer pending
 * (a replay, or it completed): nothing changes; else the mails to send.
 */
export async function failAutoPaymentInTx(
  tx: Tx,
  paymentId: string,
  reason: string,
  appUrl: string,
): Promise<MailMessage[] | null> {
  const [p] = await tx
    .update(payments)
    .set({ status: "failed", failureReason: reason, completedAt: new Date() })
    .where(and(eq(payments.id, paymentId), eq(payments.kind, "auto"), eq(payments.status, "pending")))
    .returning({ id: payments.id, orgId: payments.orgId, ref: payments.providerRef, credits: payments.credits });
  if (!p) return null;
  const [org] = await tx.select({ id: orgs.id, name: orgs.name }).from(orgs).where(eq(orgs.id, p.orgId));
  return turnAutoTopUpOff(tx, org!, reason, { paymentId: p.id, ref: p.ref, credits: p.credits }, appUrl);
}
