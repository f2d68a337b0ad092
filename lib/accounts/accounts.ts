import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { emailVerifications, invitations, oauthAccounts, users } from "@/db/schema";
import { requireUser, type Caller } from "../core/caller";
import { Conflict, Invalid, NotFound, RateLimited, type FieldErrors } from "../core/errors";
import { uniqueViolation } from "../core/db-errors";
import { EMAIL_TAKEN, releaseForVerifiedClaim } from "./email-claims";
import { hashPassword, verifyPassword } from "./passwords";
import type { SessionUser } from "./sessions";
import { enqueueMail, mailCommitted } from "../mail/mail";
import { verifyEmailMail } from "../mail/mail-templates";
import { confirmEmailChange, type EmailChangeResult } from "./account-settings";
import { consume, RATE_LIMITS, type RateLimitStore } from "../core/rate-limit";
import type { Services } from "../core/services";
import { hashToken, isWellFormedToken, newToken } from "../core/tokens";
import { chooseUsernameSchema, parseInput, signInSchema, signUpSchema } from "../core/validation";

/** What the pre-auth operations need besides the database: the limiter and who is asking. */
export interface RequestContext {
  limiter: RateLimitStore;
  /** The client's address, for per-address limits. */
  clientAddress: string;
}

export type { SessionUser } from "./sessions";

const USERNAME_TAKEN = "That username is taken.";

function conflictFromConstraint(constraint: string): Conflict {
  return constraint === "users_username_key"
    ? new Conflict(USERNAME_TAKEN, "username")
    : new Conflict(EMAIL_TAKEN, "email");
}

/**
 * Which of a username and an email are taken. With `verifiedClaim` (the person proved they own the inbox), an
 * address that another account holds unverified doesn't count: that account loses it (lib/accounts/email-claims.ts).
 */
async function findTaken(db: Db, username: string, email: string, verifiedClaim = false): Promise<FieldErrors> {
  const rows = await db
    .select({ username: users.username, email: users.email, verified: users.emailVerifiedAt })
    .from(users)
    .where(sql`${users.username} = ${username} or lower(${users.email}) = lower(${email})`);
  const errors: FieldErrors = {};
  if (rows.some((r) => r.username === username)) errors.username = [USERNAME_TAKEN];
  const holder = rows.find((r) => r.email?.toLowerCase() === email.toLowerCase());
  if (holder && (holder.verified || !verifiedClaim)) errors.email = [EMAIL_TAKEN];
  return errors;
}

async function limitSignUps(ctx: RequestContext) {
  const r = await consume(ctx.limiter, `signup:addr:${ctx.clientAddress}`, RATE_LIMITS.signUpPerAddress);
  if (!r.ok) throw new RateLimited(r.retryAfterSec);
}

/**
 * Inserts a new account inside `tx`. With `emailVerified` (the person proved the inbox), an account that
 * registered the address first without ever proving it loses it now, and the address starts verified.
 */
async function insertAccount(
  tx: Db,
  values: { username: string; email: string; passwordHash?: string; name?: string | null },
  emailVerified: boolean,
): Promise<SessionUser> {
  if (emailVerified) await releaseForVerifiedClaim(tx, values.email, null);
  const [user] = await tx
    .insert(users)
    .values({ ...values, emailVerifiedAt: emailVerified ? new Date() : null })
    .returning({ id: users.id, username: users.username });
  return user!;
}

/**
 * Creates an account. Every broken rule is reported per field; a taken username or email is a Conflict on
 * that field. The unique indexes decide races: of two concurrent sign-ups with one username, one wins.
 */
export async function signUp(
  db: Db,
  input: unknown,
  ctx: RequestContext & { inviteToken?: string },
): Promise<SessionUser & { emailVerified: boolean }> {
  const data = parseInput(signUpSchema, input);
  await limitSignUps(ctx);
  // Signing up through an invitation link sent to this address proves the inbox: a verified claim.
  const emailVerified = await invitationProvesEmail(db, ctx.inviteToken, data.email);
  const taken = await findTaken(db, data.username, data.email, emailVerified);
  if (Object.keys(taken).length > 0) throw new Invalid(taken);
  const passwordHash = await hashPassword(data.password);
  try {
    return await db.transaction(async (tx) => {
      const user = await insertAccount(tx, { username: data.username, email: data.email, passwordHash }, emailVerified);
      return { ...user, emailVerified };
    });
  } catch (err) {
    const constraint = uniqueViolation(err);
    if (constraint) throw conflictFromConstraint(constraint);
    throw err;
  }
}

/**
 * Checks a username-or-email and password. Rate-limited per account and per client address before any
 * password is checked. Returns null for wrong credentials without saying which part was wrong (and takes
 * as long for an unknown account as for a wrong password).
 */
export async function authenticate(db: Db, input: unknown, ctx: RequestContext): Promise<SessionUser | null> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) return null;
  const identifier = parsed.data.identifier.toLowerCase();
  const [user] = await db
    .select({ id: users.id, username: users.username, passwordHash: users.passwordHash })
    .from(users)
    .where(identifier.includes("@") ? sql`lower(${users.email}) = ${identifier}` : eq(users.username, identifier))
    .limit(1);

  const [perAccount, perAddress] = await Promise.all([
    consume(ctx.limiter, `signin:acct:${user?.id ?? identifier}`, RATE_LIMITS.signInPerAccount),
    consume(ctx.limiter, `signin:addr:${ctx.clientAddress}`, RATE_LIMITS.signInPerAddress),
  ]);
  if (!perAccount.ok || !perAddress.ok) {
    throw new RateLimited(Math.max(perAccount.retryAfterSec, perAddress.retryAfterSec));
  }

  const ok = await verifyPassword(user?.passwordHash, parsed.data.password);
  return ok && user ? { id: user.id, username: user.username } : null;
}

/**
 * The account a sign-up's own automatic sign-in is for (app/_server/signup-ticket.ts verified the ticket the
 * sign-up action made): an account that exists, isn't deleted and was created in the last 5 minutes. Called
 * by the session layer with an id it verified, never with a person's input; no rate limit (the sign-up was
 * limited itself).
 */
export async function signUpSessionUser(db: Db, userId: string): Promise<SessionUser | null> {
  const [user] = await db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAt), sql`${users.createdAt} > now() - interval '5 minutes'`))
    .limit(1);
  return user ?? null;
}

/** The signed-in person's own account. */
export async function getAccount(db: Db, caller: Caller) {
  const { userId } = requireUser(caller, "read");
  const [user] = await db
    .select({
      id: users.id,
      username: users.username,
      email: users.email,
      name: users.name,
      createdAt: users.createdAt,
      emailVerifiedAt: users.emailVerifiedAt,
      // When a still-valid link to verify the current address was last sent (onboarding says "we sent … — resend").
      // (Written out: drizzle leaves columns unqualified in a one-table select, which a subquery would misread.)
      verificationSentAt: sql<Date | null>`(
        select max(ev.created_at) from email_verifications ev
        where ev.user_id = "users"."id" and ev.purpose = 'verify' and ev.email = "users"."email"
          and ev.used_at is null and ev.expires_at > now()
      )`.mapWith((v: string | Date | null) => (v === null ? null : new Date(v))),
    })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!user) throw new NotFound("Account not found");
  return user;
}

/** The account linked to an OAuth identity, if any. Called by the sign-in callback, not by a person. */
export async function findOAuthUser(db: Db, provider: string, providerAccountId: string): Promise<SessionUser | null> {
  const [row] = await db
    .select({ id: users.id, username: users.username })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(sql`${oauthAccounts.provider} = ${provider} and ${oauthAccounts.providerAccountId} = ${providerAccountId}`)
    .limit(1);
  return row ?? null;
}

/** An OAuth identity that signed in for the first time and has no account yet (kept in the signed session). */
export interface PendingOAuth {
  provider: string;
  providerAccountId: string;
  /** The address the provider vouched for, if any. */
  email: string | null;
  name: string | null;
}

/**
 * Finishes a first OAuth sign-in: the person chose a username (and confirmed an email). The email counts as
 * verified only when it is the one the provider vouched for.
 */
export async function completeOAuthSignUp(
  db: Db,
  pending: PendingOAuth,
  input: unknown,
  ctx: RequestContext,
): Promise<SessionUser> {
  const data = parseInput(chooseUsernameSchema, input);
  await limitSignUps(ctx);
  const existing = await findOAuthUser(db, pending.provider, pending.providerAccountId);
  if (existing) return existing;
  // The provider vouched for this address (lib: only when it says it verified it): a verified claim.
  const verified = pending.email !== null && pending.email.toLowerCase() === data.email.toLowerCase();
  const taken = await findTaken(db, data.username, data.email, verified);
  if (taken.email) taken.email = [`${EMAIL_TAKEN} Sign in with your password instead.`];
  if (Object.keys(taken).length > 0) throw new Invalid(taken);
  try {
    return await db.transaction(async (tx) => {
      const user = await insertAccount(
        tx,
        { username: data.username, email: data.email, name: pending.name },
        verified,
      );
      await tx
        .insert(oauthAccounts)
        .values({ provider: pending.provider, providerAccountId: pending.providerAccountId, userId: user.id });
      return user;
    });
  } catch (err) {
    const constraint = uniqueViolation(err);
    if (constraint === "oauth_accounts_provider_provider_account_id_pk") {
      const linked = await findOAuthUser(db, pending.provider, pending.providerAccountId);
      if (linked) return linked;
    }
    if (constraint) throw conflictFromConstraint(constraint);
    throw err;
  }
}

async function invitationProvesEmail(db: Db, token: string | undefined, email: string): Promise<boolean> {
  if (!token || !isWellFormedToken(token)) return false;
  const [inv] = await db
    .select({ email: invitations.email })
    .from(invitations)
    .where(
      and(
        eq(invitations.tokenHash, hashToken(token)),
        isNull(invitations.acceptedAt),
        isNull(invitations.declinedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, sql`now()`),
      ),
    )
    .limit(1);
  return Boolean(inv?.email && inv.email.toLowerCase() === email.toLowerCase());
}

export const VERIFICATION_TTL_MS = 24 * 3600 * 1000;

/** Mails the signed-in person a link that proves their address (rate-limited; a no-op once verified). */
export async function requestEmailVerification(db: Db, caller: Caller, svc: Services) {
  const { userId } = requireUser(caller, "write");
  const [me] = await db.select().from(users).where(eq(users.id, userId));
  if (!me) throw new NotFound("Account not found");
  if (me.emailVerifiedAt) return { sent: false, alreadyVerified: true };
  if (!me.email) throw new Invalid({ email: ["Add an email address first."] });
  const r = await consume(svc.limiter, `verify-mail:${userId}`, RATE_LIMITS.verificationMailsPerAccount);
  if (!r.ok) throw new RateLimited(r.retryAfterSec);
  const { token, hash } = newToken();
  const email = me.email;
  const mailIds = await db.transaction(async (tx) => {
    await tx.insert(emailVerifications).values({
      userId,
      email,
      purpose: "verify",
      tokenHash: hash,
      expiresAt: new Date(Date.now() + VERIFICATION_TTL_MS),
    });
    return enqueueMail(tx, [
      verifyEmailMail({ to: email, username: me.username, link: `${svc.appUrl}/verify-email?token=${token}` }),
    ]);
  });
  await mailCommitted(svc, db, mailIds);
  return { sent: true, alreadyVerified: false };
}

/**
 * Marks an address verified from its link. The token is the credential (no session needed); it works once,
 * for 24 hours, and only while the account still has that address. An email-change link (purpose 'change',
 * lib/accounts/account-settings.ts) instead makes the new address the account's verified one, if it is still the
 * account's latest request, and then mails the old address a notice (so `svc` is required for those).
 */
export async function verifyEmail(
  db: Db,
  token: string,
  svc?: Pick<Services, "mailer" | "appUrl">,
): Promise<{ ok: boolean; username?: string; changed?: true; email?: string }> {
  if (!isWellFormedToken(token)) return { ok: false };
  let result: { ok: boolean; username?: string } | EmailChangeResult;
  let mailIds: number[] = [];
  try {
    result = await db.transaction(async (tx) => {
      const [v] = await tx
        .update(emailVerifications)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(emailVerifications.tokenHash, hashToken(token)),
            isNull(emailVerifications.usedAt),
            gt(emailVerifications.expiresAt, sql`now()`),
          ),
        )
        .returning();
      if (!v) return { ok: false };
      if (v.purpose === "change") {
        if (!svc) throw new Error("verifyEmail needs services to confirm an email change");
        const change = await confirmEmailChange(tx, v, svc);
        if (change.ok && change.notice) mailIds = await enqueueMail(tx, [change.notice]);
        return change;
      }
      const [user] = await tx
        .update(users)
        .set({ emailVerifiedAt: new Date() })
        .where(and(eq(users.id, v.userId), sql`lower(${users.email}) = lower(${v.email})`))
        .returning({ username: users.username });
      return user ? { ok: true, username: user.username } : { ok: false };
    });
  } catch (err) {
    // Another account verified the new address after the change was requested: the link can't apply.
    if (err instanceof Conflict) return { ok: false };
    throw err;
  }
  if ("changed" in result) {
    await mailCommitted(svc!, db, mailIds);
    return { ok: true, username: result.username, changed: true, email: result.email };
  }
  return result;
}
