import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { users } from "@/db/schema";
import { Conflict } from "../core/errors";
import { uniqueViolation } from "../core/db-errors";

export const EMAIL_TAKEN = "An account with this email already exists.";

/**
 * The accounts other than `userId` that hold `email` (case-insensitive), locked for the rest of the transaction.
 * An address is held by at most one account (unique index), so this is zero or one row.
 */
async function holdersOf(tx: Db, email: string, userId: string | null) {
  return tx
    .select({ id: users.id, email: users.email, verified: users.emailVerifiedAt })
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, userId ? ne(users.id, userId) : undefined))
    .for("update");
}

/**
 * Frees `email` for a claim that proved the inbox (a sign-up through an invitation link sent to it, a verified
 * email change). An unverified address reserves nothing against such a claim: the account that held it
 * unverified loses it (it keeps its username, is told on its next sign-in, and must add and verify another
 * address). An address another account has verified is never taken: Conflict on the email field.
 * Call inside the transaction that then writes the address to the claiming account.
 */
export async function releaseForVerifiedClaim(tx: Db, email: string, claimantId: string | null): Promise<void> {
  const holders = await holdersOf(tx, email, claimantId);
  for (const h of holders) {
    if (h.verified) throw new Conflict(EMAIL_TAKEN, "email");
    await tx
      .update(users)
      .set({ email: null, emailVerifiedAt: null, lostEmail: h.email, updatedAt: new Date() })
      .where(eq(users.id, h.id));
  }
}

/**
 * Gives `email` to `userId` as a verified address, in one transaction: another account holding it unverified
 * loses it (see releaseForVerifiedClaim); one holding it verified keeps it and this is a Conflict. Two
 * concurrent claims of one address are decided by the unique index: the loser gets the same Conflict.
 */
export async function claimVerifiedEmail(tx: Db, userId: string, email: string): Promise<void> {
  await releaseForVerifiedClaim(tx, email, userId);
  try {
    await tx
      .update(users)
      .set({ email, emailVerifiedAt: new Date(), lostEmail: null, updatedAt: new Date() })
      .where(eq(users.id, userId));
  } catch (err) {
    if (uniqueViolation(err)) throw new Conflict(EMAIL_TAKEN, "email");
    throw err;
  }
}
