import type { Db } from "@/db";
import { type Caller } from "../core/caller";
import { rawRows } from "@/db/client";
import { orgs, orgWallets } from "@/db/schema";
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { isCreditAmount } from "../core/credits-amount";
import { Invalid } from "../core/errors";
import { isNonPositive } from "../core/money";
import type { Services } from "../core/services";
import { MAX_LENGTH, parseInput, safeText } from "../core/validation";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";
import { recordAudit } from "../orgs/audit";
import { requirePlatformAdmin } from "../orgs/platform";
import { postLedger } from "./ledger";

export const grantSchema = z.object({
  org: safeText().trim().min(1, "Choose an organization."),
  mode: z.enum(["add", "set"]).default("add"),
  amount: z
    .string()
    .trim()
    .refine((v) => isCreditAmount(v, { maxDigits: 12, signed: true }), "Enter an amount with at most two decimals."),
  note: safeText().trim().max(MAX_LENGTH.description).optional(),
  /**
   * Makes the change happen once (Apolo's `idempotency_key`): a second grant with the same key to the same org
   * and mode changes nothing and answers the balance as it is.
   */
  idempotencyKey: safeText().trim().min(1).max(255).optional(),
});

/**
 * Platform admins grant credits without payment (add), or set the balance to an amount (the ledger records
 * the difference as an 'adjustment'). Recorded with the admin as actor.
 */
export async function grantCredits(db: Db, caller: Caller, input: unknown, svc: Pick<Services, "mailer" | "appUrl">) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(grantSchema, input);
  if (data.mode === "add" && isNonPositive(data.amount)) throw new Invalid({ amount: ["A grant must be positive."] });
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await db.transaction(async (tx) => {
    // Lock order (lib/billing/ledger.ts): the org (shared: closing can't slip in between), then its wallet.
    const [open] = await tx
      .select({ id: orgs.id, name: orgs.name })
      .from(orgs)
      .where(and(eq(orgs.name, data.org), isNull(orgs.deletedAt)))
      .for("share");
    if (!open) throw new Invalid({ org: [`No organization named '${data.org}'.`] });
    // A token restricted to one org acts in that org only.
    if (caller?.kind === "token" && caller.orgId && caller.orgId !== open.id) {
      throw new Invalid({ org: [`No organization named '${data.org}'.`] });
    }
    const [wallet] = await tx
      .select({ balance: orgWallets.balance })
      .from(orgWallets)
      .where(eq(orgWallets.orgId, open.id))
      .for("update");
    const org = { ...open, balance: wallet!.balance };
    const [{ delta } = { delta: "0" }] = await rawRows<{ delta: string }>(
      tx,
      data.mode === "set"
        ? sql`select (${data.amount}::numeric - ${org.balance}::numeric)::text as delta`
        : sql`select ${data.amount}::numeric::text as delta`,
    );
    const posted = await postLedger(
      tx,
      {
        orgId: org.id,
        // Setting the balance is an adjustment (its own kind: it may take credits away), adding is a grant.
        kind: data.mode === "set" ? "adjustment" : "grant",
        amount: delta,
        actorId: admin.userId,
        note: data.note ?? (data.mode === "set" ? `balance set to ${data.amount}` : null),
        // Namespaced by org and mode: the same key elsewhere never collides with this one.
        idempotencyKey: data.idempotencyKey ? `grant:${org.id}:${data.mode}:${data.idempotencyKey}` : null,
      },
      svc.appUrl,
    );
    if (!posted) return { org: org.name, balance: org.balance, delta: "0" };
    await recordAudit(tx, {
      org: { id: org.id, name: org.name },
      actor: admin,
      action: "credits.granted",
      target: { type: "org", id: org.id, label: org.name },
      before: { balance: org.balance },
      after: { balance: posted.balanceAfter, mode: data.mode },
    });
    mails.push(...posted.mails);
    mailIds = await enqueueMail(tx, mails);
    return { org: org.name, balance: posted.balanceAfter, delta };
  });
  await mailCommitted(svc, db, mailIds);
  return result;
}
