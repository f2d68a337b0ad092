import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { orgMembers, orgs } from "@/db/schema";
import { canGrant, withOrgLock } from "../core/authz";
import { type Caller } from "../core/caller";
import { isCreditAmount, parseCreditAmount } from "../core/credits-amount";
import { Forbidden, Invalid, NotFound } from "../core/errors";
import { isNonPositive } from "../core/money";
import type { Services } from "../core/services";
import { parseInput, safeText } from "../core/validation";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";
import { recordAudit } from "../orgs/audit";
import { requirePlatformAdmin } from "../orgs/platform";
import { postLedger, stopExhaustedJobs } from "./ledger";

/** A signed or unsigned amount with at most two decimals and twelve digits, canonical ("007.5" → "7.50"). */
const amount = (label: string, signed: boolean) =>
  z
    .string()
    .trim()
    .max(20, `${label} must be a number with at most two decimals.`)
    .refine(
      (v) => isCreditAmount(v, { maxDigits: 12, signed }),
      `${label} must be a number with at most two decimals${signed ? "" : ", not negative"}.`,
    )
    .transform((v) => parseCreditAmount(v, { maxDigits: 12, signed })!);

export const memberCreditsSchema = z.union([
  z.object({
    username: safeText().trim().toLowerCase().min(1, "Choose a member.").max(64),
    /** What the member may still spend from now on; null = unlimited. */
    credits: amount("Credits", false).nullable(),
  }),
  z.object({
    username: safeText().trim().toLowerCase().min(1, "Choose a member.").max(64),
    /** Added to what the member may still spend (negative lowers it). */
    additionalCredits: amount("Additional credits", true),
  }),
]);

/**
 * Apolo's org-user balance, on the console's member credit limit (the Users tab's quota dialog: "quotas.set",
 * managers and admins, a manager never touches an admin). `credits` X sets what the member may still spend:
 * limit = spent + X (null: unlimited). `additionalCredits` d moves the limit by d; an unlimited member stays
 * unlimited (as Apolo applies a delta only to a limited balance). Arithmetic in SQL (numeric); audited;
 * lowering a limit below what the member spent stops their running jobs, as the dialog's save does.
 */
export async function setMemberCredits(db: Db, caller: Caller, orgName: string, input: unknown) {
  const data = parseInput(memberCreditsSchema, input);
  return withOrgLock(db, caller, orgName, "quotas.set", async (tx, access) => {
    const [target] = await tx
      .select({ userId: orgMembers.userId, role: orgMembers.role, creditLimit: orgMembers.creditLimit })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.username, data.username)))
      .for("update");
    if (!target) throw new NotFound(`'${data.username}' is not a member of this organization.`);
    if (!canGrant(access.role, target.role)) throw new Forbidden("Managers can't change an admin's quotas.");
    const next =
      "credits" in data
        ? data.credits === null
          ? null
          : sql`${orgMembers.spent} + ${data.credits}::numeric`
        : target.creditLimit === null
          ? null
          : sql`${orgMembers.creditLimit} + ${data.additionalCredits}::numeric`;
    const [after] = await tx
      .update(orgMembers)
      .set({ creditLimit: next, updatedAt: new Date() })
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, target.userId)))
      .returning({ creditLimit: orgMembers.creditLimit });
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "member.quota_changed",
      target: { type: "user", id: target.userId, label: data.username },
      before: { creditLimit: target.creditLimit },
      after: {
        creditLimit: after!.creditLimit,
        ...("credits" in data ? { credits: data.credits } : { additionalCredits: data.additionalCredits }),
      },
    });
    const stopped = await stopExhaustedJobs(tx, access.org.id);
    return { username: data.username, creditLimit: after!.creditLimit, stoppedJobs: stopped.length };
  });
}

export const spendingSchema = z.object({
  org: safeText().trim().min(1, "Choose an organization.").max(63),
  /** Charged to the org's wallet (and to this member's spending, when given). */
  username: safeText().trim().toLowerCase().min(1).max(64).optional(),
  amount: amount("Spending", false),
  /** Makes the charge happen once: a second charge with the same key to the same org changes nothing. */
  idempotencyKey: safeText().trim().min(1).max(255).optional(),
});

/**
 * Apolo's `spending`: a platform admin charges an org (and one of its members) an amount outside metering,
 * e.g. to correct usage. A ledger charge with the admin as actor, in one transaction with its audit row; jobs
 * of an org or member left without credits stop, as after any charge. Platform admins only (everyone else is
 * told the resource doesn't exist); a token restricted to another org is refused the same way.
 */
export async function chargeSpending(db: Db, caller: Caller, input: unknown, svc: Pick<Services, "mailer" | "appUrl">) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(spendingSchema, input);
  if (isNonPositive(data.amount)) throw new Invalid({ spending: ["Spending must be positive."] });
  let mailIds: number[] = [];
  const mails: MailMessage[] = [];
  const result = await db.transaction(async (tx) => {
    // Lock order (lib/billing/ledger.ts): the org (shared: closing can't slip in between), then its wallet.
    const [org] = await tx
      .select({ id: orgs.id, name: orgs.name })
      .from(orgs)
      .where(and(eq(orgs.name, data.org), isNull(orgs.deletedAt)))
      .for("share");
    const restricted = caller?.kind === "token" && caller.orgId && caller.orgId !== org?.id;
    if (!org || restricted) throw new NotFound("Organization not found");
    let memberId: string | null = null;
    if (data.username) {
      const [m] = await tx
        .select({ userId: orgMembers.userId })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.username, data.username)));
      if (!m) throw new NotFound(`'${data.username}' is not a member of this organization.`);
      memberId = m.userId;
    }
    const [{ negated } = { negated: "0" }] = await rawRows<{ negated: string }>(
      tx,
      sql`select (-${data.amount}::numeric)::text as negated`,
    );
    const posted = await postLedger(
      tx,
      {
        orgId: org.id,
        kind: "charge",
        amount: negated,
        actorId: admin.userId,
        memberId,
        note: "spending charged by a platform admin",
        idempotencyKey: data.idempotencyKey ? `spending:${org.id}:${memberId ?? "org"}:${data.idempotencyKey}` : null,
      },
      svc.appUrl,
    );
    if (!posted) return { org: org.name, replayed: true };
    await recordAudit(tx, {
      org,
      actor: admin,
      action: "credits.charged",
      target: data.username
        ? { type: "user", id: memberId ?? undefined, label: data.username }
        : { type: "org", id: org.id, label: org.name },
      before: { balance: posted.balanceBefore },
      after: { balance: posted.balanceAfter, spending: data.amount },
    });
    await stopExhaustedJobs(tx, org.id);
    mails.push(...posted.mails);
    mailIds = await enqueueMail(tx, mails);
    return { org: org.name, replayed: false };
  });
  await mailCommitted(svc, db, mailIds);
  return result;
}
