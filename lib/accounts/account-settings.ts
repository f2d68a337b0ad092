/**
 * The Account page: a person's own display name, password, email address and the account itself. Every
 * operation acts on the caller's own account and nobody else's; there is no target to choose.
 */
import { and, asc, desc, eq, gt, inArray, isNull, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import {
  emailVerifications,
  invitations,
  jobs,
  oauthAccounts,
  orgMembers,
  orgs,
  passwordResets,
  sessions,
  users,
} from "@/db/schema";
import { ACCOUNT_LIMITS } from "./account-limits";
import { recordAudit } from "../orgs/audit";
import { requireUser, type Caller } from "../core/caller";
import { claimVerifiedEmail, EMAIL_TAKEN } from "./email-claims";
import { Conflict, Invalid, NotFound, RateLimited } from "../core/errors";
import { enqueueMail, mailCommitted } from "../mail/mail";
import { emailChangedMail, emailChangeMail } from "../mail/mail-templates";
import { hashPassword, verifyPassword } from "./passwords";
import { consume, RATE_LIMITS } from "../core/rate-limit";
import type { Services } from "../core/services";
import { endOtherSessions } from "./sessions";
import { revokeAllTokens } from "./tokens";
import { newToken } from "../core/tokens";
import { displayNameSchema, emailSchema, parseInput, passwordSchema, safeText } from "../core/validation";

/** How long an email-change link works. */
export const EMAIL_CHANGE_TTL_MS = 24 * 3600 * 1000;

// ------------------------------------------------------------------------------------------------ schemas

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export const accountNameSchema = z.object({
  name: z
    .string({ error: "Enter a display name, or leave it empty." })
    .refine((v) => !CONTROL_CHARS.test(v), "Display name can't contain control characters.")
    .pipe(displayNameSchema),
});

export const currentPasswordSchema = z
  .string()
  .max(ACCOUNT_LIMITS.password, "Password must be at most 256 characters.");

export const changePasswordSchema = z.object({
  currentPassword: currentPasswordSchema.optional().default(""),
  newPassword: passwordSchema,
});

export const emailChangeSchema = z.object({
  email: emailSchema,
  currentPassword: currentPasswordSchema.optional().default(""),
});

export const deleteAccountSchema = z.object({
  confirmUsername: safeText().trim().max(ACCOUNT_LIMITS.confirmUsername, "That is not your username."),
});

// --------------------------------------------------------------------------------------------------- reads

async function loadMe(db: Db, userId: string, lock = false) {
  const query = db.select().from(users).where(eq(users.id, userId)).limit(1);
  const [me] = lock ? await query.for("update") : await query;
  if (!me || me.deletedAt) throw new NotFound("Account not found");
  return me;
}

/** An account's email-change requests that were neither confirmed nor cancelled. */
function openEmailChanges(userId: string) {
  return and(
    eq(emailVerifications.userId, userId),
    eq(emailVerifications.purpose, "change"),
    isNull(emailVerifications.usedAt),
  );
}

/** The latest email change of an account that was requested and not yet confirmed or cancelled. */
async function pendingChangeOf(db: Db, userId: string) {
  const [row] = await db
    .select()
    .from(emailVerifications)
    .where(openEmailChanges(userId))
    .orderBy(desc(emailVerifications.createdAt), desc(emailVerifications.id))
    .limit(1);
  return row ?? null;
}

export interface AccountSettings {
  username: string;
  name: string | null;
  email: string | null;
  emailVerified: boolean;
  /** The unverified address someone who proved they own it took from this account (see getAccountNotice). */
  lostEmail: string | null;
  /** False for accounts that only sign in through GitHub or Google: they may set a first password. */
  hasPassword: boolean;
  createdAt: Date;
  /** A requested email change waiting for its link to be followed. */
  pendingEmail: { email: string; requestedAt: Date; expiresAt: Date; expired: boolean } | null;
  /** The orgs where the person is the only admin: deleting the account is refused until that changes. */
  soleAdminOf: string[];
}

/** Names of the orgs where `userId` is an admin and no other member is. */
async function soleAdminOrgs(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ name: orgs.name })
    .from(orgMembers)
    .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
    .where(
      and(
        eq(orgMembers.userId, userId),
        eq(orgMembers.role, "admin"),
        sql`not exists (select 1 from org_members o where o.org_id = ${orgMembers.orgId}
              and o.role = 'admin' and o.user_id <> ${userId})`,
      ),
    )
    .orderBy(asc(orgs.name));
  return rows.map((r) => r.name);
}

/** Everything the Account page shows about the caller's own account. */
export async function getAccountSettings(db: Db, caller: Caller): Promise<AccountSettings> {
  const { userId } = requireUser(caller, "read");
  const me = await loadMe(db, userId);
  const [pending, soleAdminOf] = await Promise.all([pendingChangeOf(db, userId), soleAdminOrgs(db, userId)]);
  return {
    username: me.username,
    name: me.name,
    email: me.email,
    emailVerified: Boolean(me.email && me.emailVerifiedAt),
    lostEmail: me.lostEmail,
    hasPassword: Boolean(me.passwordHash),
    createdAt: me.createdAt,
    pendingEmail: pending
      ? {
          email: pending.email,
          requestedAt: pending.createdAt,
          expiresAt: pending.expiresAt,
          expired: pending.expiresAt.getTime() <= Date.now(),
        }
      : null,
    soleAdminOf,
  };
}

/** A notice for every console page; `href` is where the person acts on it (the Account page's email section). */
export type AccountNotice = { kind: "lost_email"; email: string; message: string; href: string } | null;

export function lostEmailMessage(email: string) {
  return `Your address ${email} was claimed by an account that proved it owns it. Add and verify another address.`;
}

/**
 * What the console should tell the signed-in person on every page, if anything: today only that their
 * unverified address was taken by someone who proved they own it (null otherwise). Cheap: one row by key.
 */
export async function getAccountNotice(db: Db, caller: Caller): Promise<AccountNotice> {
  const { userId } = requireUser(caller, "read");
  const [me] = await db.select({ lostEmail: users.lostEmail }).from(users).where(eq(users.id, userId)).limit(1);
  if (!me?.lostEmail) return null;
  return { kind: "lost_email", email: me.lostEmail, message: lostEmailMessage(me.lostEmail), href: "/account#email" };
}

// --------------------------------------------------------------------------------------------- display name

/** Sets (or, with an empty value, clears) the caller's display name: trimmed, at most 100 characters. */
export async function updateDisplayName(db: Db, caller: Caller, input: unknown): Promise<{ name: string | null }> {
  const { userId } = requireUser(caller, "write");
  const { name } = parseInput(accountNameSchema, input);
  const [row] = await db
    .update(users)
    .set({ name, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ name: users.name });
  if (!row) throw new NotFound("Account not found");
  return row;
}

// ------------------------------------------------------------------------------------------------- password

/** Checks the caller's current password (rate-limited per account); a wrong one is a message on `field`. */
async function checkCurrentPassword(
  limiter: Services["limiter"],
  me: { id: string; passwordHash: string | null },
  password: string,
) {
  if (!me.passwordHash) return;
  if (!password) throw new Invalid({ currentPassword: ["Enter your current password."] });
  const r = await consume(limiter, `account-password:${me.id}`, RATE_LIMITS.accountPasswordChecksPerAccount);
  if (!r.ok) throw new RateLimited(r.retryAfterSec);
  if (!(await verifyPassword(me.passwordHash, password))) {
    throw new Invalid({ currentPassword: ["That is not your current password."] });
  }
}

/**
 * Changes the caller's password. Accounts with a password must give the current one; accounts that only sign
 * in through OAuth (no password yet) set a first one without it. In the same transaction every OTHER session
 * of the account ends (the one this call came through stays) and unused password-reset links die.
 */
export async function changePassword(
  db: Db,
  caller: Caller,
  input: unknown,
  svc: Pick<Services, "limiter">,
): Promise<{ firstPassword: boolean; endedSessions: number }> {
  const { userId, sessionId } = requireUser(caller, "write");
  const data = parseInput(changePasswordSchema, input);
  const me = await loadMe(db, userId);
  await checkCurrentPassword(svc.limiter, me, data.currentPassword);
  if (me.passwordHash && data.newPassword === data.currentPassword) {
    throw new Invalid({ newPassword: ["Choose a password different from your current one."] });
  }
  const passwordHash = await hashPassword(data.newPassword);
  return db.transaction(async (tx) => {
    // The hash checked above must still be the account's: a concurrent change wins, this one is refused.
    const [updated] = await tx
      .update(users)
      .set({ passwordHash, updatedAt: new Date() })
      .where(
        and(
          eq(users.id, userId),
          me.passwordHash ? eq(users.passwordHash, me.passwordHash) : isNull(users.passwordHash),
        ),
      )
      .returning({ id: users.id });
    if (!updated) throw new Conflict("Your password was changed meanwhile. Reload the page and try again.");
    await tx
      .update(passwordResets)
      .set({ usedAt: new Date() })
      .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
    const endedSessions = await endOtherSessions(tx, userId, sessionId);
    return { firstPassword: !me.passwordHash, endedSessions };
  });
}

// ---------------------------------------------------------------------------------------------------- email

/** Refuses an address another account has verified (an unverified holder loses it when this one is proven). */
async function refuseVerifiedElsewhere(db: Db, userId: string, email: string) {
  const [holder] = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        sql`lower(${users.email}) = lower(${email})`,
        ne(users.id, userId),
        sql`${users.emailVerifiedAt} is not null`,
      ),
    )
    .limit(1);
  if (holder) throw new Conflict(EMAIL_TAKEN, "email");
}

async function limitEmailChanges(limiter: Services["limiter"], userId: string) {
  const r = await consume(limiter, `email-change:${userId}`, RATE_LIMITS.emailChangesPerAccount);
  if (!r.ok) throw new RateLimited(r.retryAfterSec);
}

const linkFor = (svc: Pick<Services, "appUrl">, token: string) => `${svc.appUrl}/verify-email?token=${token}`;

/**
 * Starts an email change: mails a link to the NEW address; the account keeps its current address until the
 * link is followed (accounts.verifyEmail → confirmEmailChange). The current password is required when the
 * account has one. An address another account has verified is refused here; one held unverified by someone
 * else is allowed (it is claimed at verification). A new request replaces any pending one. Rate-limited.
 */
export async function requestEmailChange(
  db: Db,
  caller: Caller,
  input: unknown,
  svc: Services,
): Promise<{ email: string; expiresAt: Date }> {
  const { userId } = requireUser(caller, "write");
  const data = parseInput(emailChangeSchema, input);
  const me = await loadMe(db, userId);
  if (me.email && me.email.toLowerCase() === data.email.toLowerCase()) {
    throw new Invalid({
      email: [
        me.emailVerifiedAt
          ? "That is already your address."
          : "That is already your address: send yourself a verification email instead.",
      ],
    });
  }
  await checkCurrentPassword(svc.limiter, me, data.currentPassword);
  // Counted before the "taken" check, so the answer can't be used to probe many addresses.
  await limitEmailChanges(svc.limiter, userId);
  await refuseVerifiedElsewhere(db, userId, data.email);
  const { token, hash } = newToken();
  const expiresAt = new Date(Date.now() + EMAIL_CHANGE_TTL_MS);
  const mailIds = await db.transaction(async (tx) => {
    await tx.delete(emailVerifications).where(openEmailChanges(userId));
    await tx
      .insert(emailVerifications)
      .values({ userId, email: data.email, purpose: "change", tokenHash: hash, expiresAt });
    return enqueueMail(tx, [
      emailChangeMail({ to: data.email, username: me.username, oldEmail: me.email, link: linkFor(svc, token) }),
    ]);
  });
  await mailCommitted(svc, db, mailIds);
  return { email: data.email, expiresAt };
}

/** Mails the pending email change's link again (a fresh link; the previous one stops working). Rate-limited. */
export async function resendEmailChange(db: Db, caller: Caller, svc: Services): Promise<{ email: string }> {
  const { userId } = requireUser(caller, "write");
  const me = await loadMe(db, userId);
  const pending = await pendingChangeOf(db, userId);
  if (!pending) throw new NotFound("There is no pending email change. Enter the new address again.");
  await limitEmailChanges(svc.limiter, userId);
  await refuseVerifiedElsewhere(db, userId, pending.email);
  const { token, hash } = newToken();
  const { email, mailIds } = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(emailVerifications)
      .set({ tokenHash: hash, createdAt: new Date(), expiresAt: new Date(Date.now() + EMAIL_CHANGE_TTL_MS) })
      .where(and(eq(emailVerifications.id, pending.id), isNull(emailVerifications.usedAt)))
      .returning({ email: emailVerifications.email });
    if (!row) throw new NotFound("There is no pending email change. Enter the new address again.");
    const mail = emailChangeMail({
      to: row.email,
      username: me.username,
      oldEmail: me.email,
      link: linkFor(svc, token),
    });
    return { email: row.email, mailIds: await enqueueMail(tx, [mail]) };
  });
  await mailCommitted(svc, db, mailIds);
  return { email };
}

/** Cancels the caller's pending email change: its link stops working. Nothing pending is not an error. */
export async function cancelEmailChange(db: Db, caller: Caller): Promise<{ cancelled: number }> {
  const { userId } = requireUser(caller, "write");
  const gone = await db
    .delete(emailVerifications)
    .where(openEmailChanges(userId))
    .returning({ id: emailVerifications.id });
  return { cancelled: gone.length };
}

type VerificationRow = typeof emailVerifications.$inferSelect;

export type EmailChangeResult =
  | { ok: true; username: string; changed: true; email: string; notice: ReturnType<typeof emailChangedMail> | null }
  | { ok: false };

/**
 * Applies a followed email-change link, inside the transaction that marked the row used (accounts.verifyEmail):
 * only the account's latest change request counts; the new address becomes the account's verified address
 * (taken from an account that held it unverified; Conflict when another account verified it meanwhile).
 * Returns the notice to mail to the old address after the commit. Not an operation: no caller, the token is
 * the credential.
 */
export async function confirmEmailChange(
  tx: Db,
  v: VerificationRow,
  svc: Pick<Services, "appUrl">,
): Promise<EmailChangeResult> {
  const [newer] = await tx
    .select({ id: emailVerifications.id })
    .from(emailVerifications)
    .where(
      and(
        eq(emailVerifications.userId, v.userId),
        eq(emailVerifications.purpose, "change"),
        ne(emailVerifications.id, v.id),
        gt(emailVerifications.createdAt, v.createdAt),
      ),
    )
    .limit(1);
  if (newer) return { ok: false };
  const me = await loadMe(tx, v.userId, true);
  const oldEmail = me.email;
  await claimVerifiedEmail(tx, v.userId, v.email);
  const replaced = oldEmail !== null && oldEmail.toLowerCase() !== v.email.toLowerCase();
  return {
    ok: true,
    username: me.username,
    changed: true,
    email: v.email,
    notice: replaced
      ? emailChangedMail({ to: oldEmail, username: me.username, newEmail: v.email, link: `${svc.appUrl}/account` })
      : null,
  };
}

// ------------------------------------------------------------------------------------------------- deletion

/**
 * Deletes the caller's account after they typed their username. Refused while they are the last admin of an
 * org (naming those orgs) or have running jobs. In one transaction: an audit row in every org they belonged
 * to or were invited to, their pending email invitations (when their address is verified: an unverified
 * address might be someone else's), then the account; memberships, sessions, verification and reset links,
 * OAuth links and in-app invitations go with it (foreign keys cascade). Ledger rows, payments and audit rows
 * stay (their user columns become null; audit rows keep the username as text).
 */
export async function deleteAccount(
  db: Db,
  caller: Caller,
  input: unknown,
): Promise<{ username: string; orgs: string[] }> {
  const { userId } = requireUser(caller, "write");
  const { confirmUsername } = parseInput(deleteAccountSchema, input);
  return db.transaction(async (tx) => {
    // Lock order as every membership change (withOrgLock): the orgs first, then the account.
    const adminOf = await tx
      .select({ orgId: orgMembers.orgId })
      .from(orgMembers)
      .where(and(eq(orgMembers.userId, userId), eq(orgMembers.role, "admin")));
    if (adminOf.length > 0) {
      await tx
        .select({ id: orgs.id })
        .from(orgs)
        .where(
          inArray(
            orgs.id,
            adminOf.map((r) => r.orgId),
          ),
        )
        .orderBy(asc(orgs.id))
        .for("no key update");
    }
    const me = await loadMe(tx, userId, true);
    if (confirmUsername !== me.username) {
      throw new Invalid({ confirmUsername: [`Type your username, '${me.username}', to confirm.`] });
    }

    const memberships = await tx
      .select({ orgId: orgs.id, orgName: orgs.name, role: orgMembers.role })
      .from(orgMembers)
      .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
      .where(eq(orgMembers.userId, userId))
      .orderBy(asc(orgs.name));
    const lastAdminOf = await soleAdminOrgs(tx, userId);
    if (lastAdminOf.length > 0) {
      const list = lastAdminOf.join(", ");
      throw new Conflict(
        lastAdminOf.length === 1
          ? `You are the last admin of ${list}. Make another member an admin or delete that organization first.`
          : `You are the last admin of ${list}. Make another member an admin or delete those organizations first.`,
      );
    }

    const running = await tx
      .select({ orgName: orgs.name })
      .from(jobs)
      .innerJoin(orgs, eq(orgs.id, jobs.orgId))
      .where(and(eq(jobs.userId, userId), eq(jobs.status, "running")))
      .groupBy(orgs.name)
      .orderBy(asc(orgs.name));
    if (running.length > 0) {
      throw new Conflict(`Stop your running jobs first (in ${running.map((r) => r.orgName).join(", ")}).`);
    }

    // Open invitations addressed to the person: in-app ones (invitee) and, for a verified address, email ones.
    const open = and(isNull(invitations.acceptedAt), isNull(invitations.declinedAt), isNull(invitations.revokedAt));
    const mine =
      me.email && me.emailVerifiedAt
        ? sql`(${invitations.inviteeId} = ${userId} or lower(${invitations.email}) = lower(${me.email}))`
        : eq(invitations.inviteeId, userId);
    const invited = await tx
      .delete(invitations)
      .where(and(open, mine))
      .returning({ id: invitations.id, orgId: invitations.orgId });

    const touched = new Map<string, { name: string; role: string | null; invitations: number }>();
    for (const m of memberships) touched.set(m.orgId, { name: m.orgName, role: m.role, invitations: 0 });
    const invitedOrgIds = [...new Set(invited.map((i) => i.orgId))].filter((id) => !touched.has(id));
    if (invitedOrgIds.length > 0) {
      const names = await tx.select({ id: orgs.id, name: orgs.name }).from(orgs).where(inArray(orgs.id, invitedOrgIds));
      for (const o of names) touched.set(o.id, { name: o.name, role: null, invitations: 0 });
    }
    for (const i of invited) touched.get(i.orgId)!.invitations += 1;

    const who = { id: userId, username: me.username };
    for (const [orgId, t] of touched) {
      await recordAudit(tx, {
        org: { id: orgId, name: t.name },
        actor: who,
        action: "account.deleted",
        target: { type: "user", id: userId, label: me.username },
        before: { role: t.role, openInvitations: t.invitations },
      });
    }
    await recordAudit(tx, {
      org: null,
      actor: who,
      action: "account.deleted",
      target: { type: "user", id: userId, label: me.username },
      before: { orgs: memberships.map((m) => m.orgName) },
    });

    // The account row stays, emptied: ledger, jobs and audit history keep naming the username, and the
    // username is never given to someone who would then appear as that history's member.
    await tx.delete(orgMembers).where(eq(orgMembers.userId, userId));
    await tx.delete(sessions).where(eq(sessions.userId, userId));
    await tx.delete(oauthAccounts).where(eq(oauthAccounts.userId, userId));
    await tx.delete(emailVerifications).where(eq(emailVerifications.userId, userId));
    await tx.delete(passwordResets).where(eq(passwordResets.userId, userId));
    await revokeAllTokens(tx, userId);
    await tx
      .update(users)
      .set({
        deletedAt: new Date(),
        email: null,
        emailVerifiedAt: null,
        lostEmail: null,
        passwordHash: null,
        name: null,
        lastOrgId: null,
        isPlatformAdmin: false,
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId));
    return { username: me.username, orgs: memberships.map((m) => m.orgName) };
  });
}
