import { revokeAllTokens } from "./tokens";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { passwordResets, users } from "@/db/schema";
import type { RequestContext } from "./accounts";
import { Invalid, RateLimited } from "../core/errors";
import { enqueueMail, mailCommitted } from "../mail/mail";
import { passwordResetMail } from "../mail/mail-templates";
import { hashPassword } from "./passwords";
import { consume, RATE_LIMITS } from "../core/rate-limit";
import type { Services } from "../core/services";
import { endOtherSessions } from "./sessions";
import { hashToken, isWellFormedToken, newToken } from "../core/tokens";
import { forgotPasswordSchema, parseInput, resetPasswordSchema } from "../core/validation";

export const PASSWORD_RESET_TTL_MS = 3600 * 1000;
export const RESET_LINK_DEAD = "This reset link is invalid, used or expired. Ask for a new one.";

/**
 * "Forgot password": mails a one-hour, single-use reset link to the account with this address, if there is
 * one. The caller learns nothing about whether there is: the answer, and the rate limits (per client address,
 * and per account, keyed by the address for unknown ones, as sign-in does), are the same either way.
 */
export async function requestPasswordReset(
  db: Db,
  input: unknown,
  ctx: RequestContext & { svc: Services },
): Promise<{ sent: true }> {
  const { email } = parseInput(forgotPasswordSchema, input);
  const [user] = await db
    .select({ id: users.id, username: users.username, email: users.email })
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, isNull(users.deletedAt)))
    .limit(1);
  const [perAccount, perAddress] = await Promise.all([
    consume(ctx.limiter, `pwreset:acct:${user?.id ?? email.toLowerCase()}`, RATE_LIMITS.passwordResetsPerAccount),
    consume(ctx.limiter, `pwreset:addr:${ctx.clientAddress}`, RATE_LIMITS.passwordResetsPerAddress),
  ]);
  if (!perAccount.ok || !perAddress.ok) {
    throw new RateLimited(Math.max(perAccount.retryAfterSec, perAddress.retryAfterSec));
  }
  if (!user?.email) return { sent: true };
  const { token, hash } = newToken();
  const expiresAt = new Date(Date.now() + PASSWORD_RESET_TTL_MS);
  const to = user.email;
  const mailIds = await db.transaction(async (tx) => {
    await tx.insert(passwordResets).values({ userId: user.id, tokenHash: hash, expiresAt });
    return enqueueMail(tx, [
      passwordResetMail({
        to,
        username: user.username,
        link: `${ctx.svc.appUrl}/reset-password?token=${token}`,
        expiresAt,
      }),
    ]);
  });
  await mailCommitted(ctx.svc, db, mailIds);
  return { sent: true };
}

/** Whether a reset link can still be used (the reset page asks before showing its form). */
export async function isPasswordResetUsable(db: Db, token: string): Promise<boolean> {
  if (!isWellFormedToken(token)) return false;
  const [row] = await db
    .select({ id: passwordResets.id })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(
      and(
        eq(passwordResets.tokenHash, hashToken(token)),
        isNull(passwordResets.usedAt),
        gt(passwordResets.expiresAt, sql`now()`),
        isNull(users.deletedAt),
      ),
    )
    .limit(1);
  return Boolean(row);
}

/**
 * Kills every unused reset link of an account: called whenever its password changes, so a link mailed
 * before the change can't undo it.
 */
export async function invalidatePasswordResets(tx: Db, userId: string): Promise<void> {
  await tx
    .update(passwordResets)
    .set({ usedAt: new Date() })
    .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
}

/**
 * Sets a new password from a reset link. The link is claimed with one conditional update (two concurrent
 * uses: one wins), then in the same transaction the password changes, the account's other reset links die
 * and every session of the account ends (whoever knew the old password is signed out).
 */
export async function resetPassword(db: Db, input: unknown): Promise<{ username: string }> {
  const data = parseInput(resetPasswordSchema, input);
  if (!isWellFormedToken(data.token)) throw new Invalid({ token: [RESET_LINK_DEAD] }, RESET_LINK_DEAD);
  const passwordHash = await hashPassword(data.password);
  return db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(passwordResets)
      .set({ usedAt: new Date() })
      .where(
        and(
          eq(passwordResets.tokenHash, hashToken(data.token)),
          isNull(passwordResets.usedAt),
          gt(passwordResets.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: passwordResets.userId });
    const [user] = claimed
      ? await tx
          .update(users)
          .set({ passwordHash, updatedAt: new Date() })
          .where(and(eq(users.id, claimed.userId), isNull(users.deletedAt)))
          .returning({ id: users.id, username: users.username })
      : [];
    if (!user) throw new Invalid({ token: [RESET_LINK_DEAD] }, RESET_LINK_DEAD);
    await invalidatePasswordResets(tx, user.id);
    await endOtherSessions(tx, user.id);
    // A reset is what someone does when they fear the account is compromised: every API token goes too.
    await revokeAllTokens(tx, user.id);
    return { username: user.username };
  });
}
