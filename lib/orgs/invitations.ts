import { randomUUID } from "node:crypto";
import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { invitations, orgMembers, orgs, users } from "@/db/schema";
import { recordAudit } from "./audit";
import { canGrant, ORG_ROLES, requireOrgAccess, withOrgLock, type OrgRole } from "../core/authz";
import { requireUser, type Caller } from "../core/caller";
import type { OrgRef } from "../core/authz";
import { Conflict, Forbidden, NotFound, RateLimited } from "../core/errors";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";
import { accountInvitationMail, invitationMail } from "../mail/mail-templates";
import { insertMembership } from "./membership";
import { consume, RATE_LIMITS } from "../core/rate-limit";
import type { Services } from "../core/services";
import { hashToken, isWellFormedToken, newToken } from "../core/tokens";
import { emailSchema, parseInput, safeText, usernameSchema } from "../core/validation";

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
export const MAX_INVITE_ENTRIES = 50;

const open = () => and(isNull(invitations.acceptedAt), isNull(invitations.declinedAt), isNull(invitations.revokedAt));

export function invitationLink(appUrl: string, token: string) {
  return `${appUrl}/invite/${token}`;
}

/** Where an invitation bound to an account is answered: the invitee's own Invitations page. */
const myInvitationsLink = (appUrl: string) => `${appUrl}/invites`;

export const inviteSchema = z.object({
  entries: safeText()
    .transform((s) => {
      const seen = new Set<string>();
      return s
        .split(/[,\n;]/)
        .map((e) => e.trim())
        .filter((e) => e && !seen.has(e.toLowerCase()) && seen.add(e.toLowerCase()));
    })
    .pipe(
      z
        .array(z.string())
        .min(1, "Enter at least one username or email address.")
        .max(MAX_INVITE_ENTRIES, {
          error: (iss) =>
            `You can invite at most ${MAX_INVITE_ENTRIES} — you entered ${Array.isArray(iss.input) ? iss.input.length : "more"}.`,
        }),
    ),
  role: z.enum(ORG_ROLES, "Choose a role: user, manager or admin."),
});

export type InviteOutcome = "invited" | "already_member" | "already_invited" | "not_found" | "invalid";
export interface InviteResult {
  entry: string;
  outcome: InviteOutcome;
  message: string;
  /** For a new email invitation: the link to pass on by hand (shown once). */
  link?: string;
}

async function usernameOf(tx: Db, userId: string) {
  const [u] = await tx.select({ username: users.username }).from(users).where(eq(users.id, userId));
  return u?.username ?? "unknown";
}

/**
 * Invites one or more usernames or email addresses with one role. A username gets an invitation bound to that
 * account, which they accept or decline in the console (and a notice by mail when the account has an
 * address); an email gets a pending invitation with a single-use link. Nobody becomes a member before saying
 * yes. Each entry gets its own outcome: the valid entries of a mixed list go through. Mail is queued in the
 * same transaction and delivered by the mail worker after it commits.
 */
export async function inviteMembers(db: Db, caller: Caller, orgName: string, input: unknown, svc: Services) {
  const { userId } = requireUser(caller, "write");
  const data = parseInput(inviteSchema, input);
  const limited = await consume(svc.limiter, `invite:${userId}`, RATE_LIMITS.invitesPerActor);
  if (!limited.ok) throw new RateLimited(limited.retryAfterSec);

  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const results = await withOrgLock(db, caller, orgName, "members.invite", async (tx, access) => {
    if (!canGrant(access.role, data.role))
      throw new Forbidden(`As ${access.role} you can't grant the ${data.role} role.`);
    const inviter = access.caller;
    const out: InviteResult[] = [];
    // One batch id for every audit row of a bulk invite: the Audit log shows them as one grouped row.
    const batchId = data.entries.length > 1 ? randomUUID() : undefined;
    for (const entry of data.entries) {
      out.push(entry.includes("@") ? await inviteEmail(tx, entry) : await inviteUsername(tx, entry));
    }
    mailIds = await enqueueMail(tx, mails);
    return out;

    /**
     * An unknown username is told as today ("No account with the username …"): the inviter learns that a
     * name is free, as sign-up would tell anyone, but never the account's address, nor any membership
     * before the person says yes.
     */
    async function inviteUsername(tx: Tx, entry: string): Promise<InviteResult> {
      const name = usernameSchema.safeParse(entry.toLowerCase());
      if (!name.success)
        return { entry, outcome: "invalid", message: `'${entry}' is not a valid username or email address.` };
      const [user] = await tx
        .select({ id: users.id, username: users.username, email: users.email })
        .from(users)
        .where(and(eq(users.username, name.data), isNull(users.deletedAt)))
        .limit(1);
      if (!user) return { entry, outcome: "not_found", message: `No account with the username '${name.data}'.` };
      const [member] = await tx
        .select({ userId: orgMembers.userId })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, user.id)))
        .limit(1);
      if (member) return { entry, outcome: "already_member", message: `${user.username} is already a member.` };
      const [existing] = await tx
        .select()
        .from(invitations)
        .where(and(eq(invitations.orgId, access.org.id), eq(invitations.inviteeId, user.id), open()))
        .limit(1);
      if (existing && existing.expiresAt > new Date()) {
        return {
          entry,
          outcome: "already_invited",
          message: `${user.username} already has a pending invitation.`,
        };
      }
      const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
      const values = { role: data.role, invitedById: userId, expiresAt, createdAt: new Date() };
      // An expired open invitation to the same account is renewed rather than duplicated.
      const [inv] = existing
        ? await tx.update(invitations).set(values).where(eq(invitations.id, existing.id)).returning()
        : await tx
            .insert(invitations)
            .values({ ...values, orgId: access.org.id, inviteeId: user.id, email: null, tokenHash: null })
            .returning();
      await recordAudit(tx, {
        org: access.org,
        actor: inviter,
        action: "invitation.created",
        target: { type: "invitation", id: inv!.id, label: user.username },
        after: { role: data.role, expiresAt: expiresAt.toISOString(), invitee: user.username },
        batchId,
      });
      if (user.email) {
        mails.push(
          accountInvitationMail({
            to: user.email,
            username: user.username,
            orgName,
            role: data.role,
            inviter: inviter.username,
            link: myInvitationsLink(svc.appUrl),
            expiresAt,
          }),
        );
      }
      return { entry, outcome: "invited", message: `Invited ${user.username} (waiting for them to accept).` };
    }

    async function inviteEmail(tx: Tx, entry: string): Promise<InviteResult> {
      const parsed = emailSchema.safeParse(entry);
      if (!parsed.success) return { entry, outcome: "invalid", message: `'${entry}' is not a valid email address.` };
      const email = parsed.data;
      const [member] = await tx
        .select({ username: users.username })
        .from(orgMembers)
        .innerJoin(users, eq(users.id, orgMembers.userId))
        .where(and(eq(orgMembers.orgId, access.org.id), sql`lower(${users.email}) = lower(${email})`))
        .limit(1);
      if (member)
        return { entry, outcome: "already_member", message: `${email} is already a member (${member.username}).` };
      const [existing] = await tx
        .select()
        .from(invitations)
        .where(and(eq(invitations.orgId, access.org.id), sql`lower(${invitations.email}) = lower(${email})`, open()))
        .limit(1);
      if (existing && existing.expiresAt > new Date()) {
        return { entry, outcome: "already_invited", message: `${email} already has a pending invitation.` };
      }
      const { token, hash } = newToken();
      const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
      const values = { email, role: data.role, tokenHash: hash, invitedById: userId, expiresAt, createdAt: new Date() };
      // An expired open invitation to the same address is renewed rather than duplicated.
      const [inv] = existing
        ? await tx.update(invitations).set(values).where(eq(invitations.id, existing.id)).returning()
        : await tx
            .insert(invitations)
            .values({ ...values, orgId: access.org.id })
            .returning();
      await recordAudit(tx, {
        org: access.org,
        actor: inviter,
        action: "invitation.created",
        target: { type: "invitation", id: inv!.id, label: email },
        after: { role: data.role, expiresAt: expiresAt.toISOString() },
        batchId,
      });
      const link = invitationLink(svc.appUrl, token);
      mails.push(invitationMail({ to: email, orgName, role: data.role, inviter: inviter.username, link, expiresAt }));
      return { entry, outcome: "invited", message: `Invitation sent to ${email}.`, link };
    }
  });
  await mailCommitted(svc, db, mailIds);
  // Queued with the invitations; the mail worker delivers (and retries) it: nothing failed here.
  return { results, mailFailed: 0 };
}

const inviterUser = alias(users, "inviter");
const inviteeUser = alias(users, "invitee");

/**
 * An org's open invitations (pending and expired, newest first), for the Users tab: an email invitation shows
 * its address, an invitation to an account its username (never the account's address).
 */
export async function listOrgInvitations(db: Db, caller: Caller, org: OrgRef) {
  const access = await requireOrgAccess(db, caller, org, "members.invite");
  const rows = await db
    .select({
      id: invitations.id,
      email: invitations.email,
      username: inviteeUser.username,
      role: invitations.role,
      createdAt: invitations.createdAt,
      expiresAt: invitations.expiresAt,
      invitedBy: inviterUser.username,
    })
    .from(invitations)
    .leftJoin(inviterUser, eq(inviterUser.id, invitations.invitedById))
    .leftJoin(inviteeUser, eq(inviteeUser.id, invitations.inviteeId))
    .where(and(eq(invitations.orgId, access.org.id), open()))
    .orderBy(desc(invitations.createdAt))
    .limit(500);
  const now = Date.now();
  return rows.map((r) => ({ ...r, expired: r.expiresAt.getTime() <= now }));
}

const idInput = z.object({ id: z.uuid("Unknown invitation.") });

async function lockedOpenInvitation(tx: Db, orgId: string, id: string, actorRole: OrgRole) {
  const [inv] = await tx
    .select()
    .from(invitations)
    .where(and(eq(invitations.id, id), eq(invitations.orgId, orgId), open()))
    .for("update");
  if (!inv) throw new NotFound("That invitation was accepted, declined or revoked already.");
  if (!canGrant(actorRole, inv.role))
    throw new Forbidden(`As ${actorRole} you can't manage an invitation for ${inv.role}.`);
  return inv;
}

/**
 * Gives an open invitation 7 more days. An email invitation gets a new token: the old link stops working, and
 * `send` mails the new link (Resend); without it the link is only returned, for the inviter to copy (Copy
 * link). An invitation to an account has no link: `send` mails its notice again when the account has an
 * address (it shows in their console either way); asking it for a link is a Conflict.
 */
export async function renewInvitation(
  db: Db,
  caller: Caller,
  orgName: string,
  input: unknown,
  svc: Services & { send: boolean },
) {
  const { id } = parseInput(idInput, input);
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await withOrgLock(db, caller, orgName, "members.invite", async (tx, access) => {
    const inv = await lockedOpenInvitation(tx, access.org.id, id, access.role);
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    const inviter = access.caller.username;
    const audit = (label: string | undefined) =>
      recordAudit(tx, {
        org: access.org,
        actor: access.caller,
        action: svc.send ? "invitation.resent" : "invitation.link_renewed",
        target: { type: "invitation", id: inv.id, label },
        before: { expiresAt: inv.expiresAt.toISOString() },
        after: { expiresAt: expiresAt.toISOString() },
      });

    if (inv.inviteeId) {
      if (!svc.send) {
        throw new Conflict("An invitation to an account has no link: they accept it on their Invitations page.");
      }
      const [invitee] = await tx
        .select({ username: users.username, email: users.email })
        .from(users)
        .where(eq(users.id, inv.inviteeId));
      const username = invitee?.username ?? "unknown";
      await tx.update(invitations).set({ expiresAt }).where(eq(invitations.id, inv.id));
      await audit(username);
      if (invitee?.email) {
        mails.push(
          accountInvitationMail({
            to: invitee.email,
            username,
            orgName,
            role: inv.role,
            inviter,
            link: myInvitationsLink(svc.appUrl),
            expiresAt,
          }),
        );
      }
      mailIds = await enqueueMail(tx, mails);
      return { email: null, username, link: null, expiresAt, mailed: Boolean(invitee?.email) };
    }

    const { token, hash } = newToken();
    await tx.update(invitations).set({ tokenHash: hash, expiresAt }).where(eq(invitations.id, inv.id));
    await audit(inv.email ?? undefined);
    const link = invitationLink(svc.appUrl, token);
    if (svc.send) mails.push(invitationMail({ to: inv.email!, orgName, role: inv.role, inviter, link, expiresAt }));
    mailIds = await enqueueMail(tx, mails);
    return { email: inv.email!, username: null, link, expiresAt, mailed: svc.send };
  });
  await mailCommitted(svc, db, mailIds);
  return { ...result, mailFailed: 0 };
}

/** What the Users tab calls an invitation: its address, or the username of the account it is bound to. */
async function inviteeLabel(tx: Db, inv: { email: string | null; inviteeId: string | null }) {
  if (inv.email) return inv.email;
  return inv.inviteeId ? await usernameOf(tx, inv.inviteeId) : "unknown";
}

/**
 * Revokes an open invitation: its link stops working at once, and an invitation to an account leaves that
 * person's Invitations page.
 */
export async function revokeInvitation(db: Db, caller: Caller, orgName: string, input: unknown) {
  const { id } = parseInput(idInput, input);
  return withOrgLock(db, caller, orgName, "members.invite", async (tx, access) => {
    const inv = await lockedOpenInvitation(tx, access.org.id, id, access.role);
    await tx.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, inv.id));
    const label = await inviteeLabel(tx, inv);
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "invitation.revoked",
      target: { type: "invitation", id: inv.id, label },
      before: { role: inv.role },
    });
    return { email: inv.email, label };
  });
}

export type InvitationState = "valid" | "expired" | "revoked" | "accepted" | "declined" | "unknown";

/**
 * What an invitation link shows. The token is the credential: anyone holding it may see the org, role and
 * address it is for. `viewer` says how the signed-in person relates to it.
 */
export async function getInvitationByToken(db: Db, caller: Caller, token: string) {
  if (!isWellFormedToken(token)) return { state: "unknown" as const };
  const [row] = await db
    .select({ inv: invitations, orgName: orgs.name, orgDisplayName: orgs.displayName, inviter: users.username })
    .from(invitations)
    .innerJoin(orgs, eq(orgs.id, invitations.orgId))
    .leftJoin(users, eq(users.id, invitations.invitedById))
    .where(eq(invitations.tokenHash, hashToken(token)))
    .limit(1);
  if (!row) return { state: "unknown" as const };
  const inv = row.inv;
  const state: InvitationState = inv.revokedAt
    ? "revoked"
    : inv.acceptedAt
      ? "accepted"
      : inv.declinedAt
        ? "declined"
        : inv.expiresAt <= new Date()
          ? "expired"
          : "valid";
  let viewer: "signed_out" | "invitee" | "other_email" | "member" = "signed_out";
  const person = caller ? requireUser(caller, "read") : null;
  if (person) {
    const [me] = await db.select({ email: users.email }).from(users).where(eq(users.id, person.userId));
    const [membership] = await db
      .select({ role: orgMembers.role })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, inv.orgId), eq(orgMembers.userId, person.userId)));
    viewer = membership
      ? "member"
      : me?.email && inv.email && me.email.toLowerCase() === inv.email.toLowerCase()
        ? "invitee"
        : "other_email";
  }
  return {
    state,
    id: inv.id,
    orgName: row.orgName,
    orgDisplayName: row.orgDisplayName,
    role: inv.role,
    email: inv.email,
    invitedBy: row.inviter,
    expiresAt: inv.expiresAt,
    viewer,
  };
}

export const respondSchema = z.union([
  z.object({ token: safeText().min(1) }),
  z.object({ id: z.uuid("Unknown invitation.") }),
]);

/**
 * Accepts or declines an invitation: by its link's token (which proves the inbox), or by id from /invites —
 * an invitation bound to the caller's account, or one sent to the caller's verified address. Race-safe: one
 * conditional UPDATE claims it, so two accepts at once give one membership, and nothing can be accepted
 * after a revoke or past its expiry.
 */
async function respond(db: Db, caller: Caller, input: unknown, accept: boolean) {
  const { userId } = requireUser(caller, "write");
  const data = parseInput(respondSchema, input);
  return db.transaction(async (tx) => {
    const [me] = await tx.select().from(users).where(eq(users.id, userId));
    if (!me) throw new NotFound("Account not found");
    const sameAddress = (inv: { email: string | null }) =>
      Boolean(inv.email && me.email && inv.email.toLowerCase() === me.email.toLowerCase());
    let inv: typeof invitations.$inferSelect | undefined;
    if ("token" in data) {
      if (!isWellFormedToken(data.token)) throw new NotFound("This invitation link is not valid.");
      [inv] = await tx
        .select()
        .from(invitations)
        .where(eq(invitations.tokenHash, hashToken(data.token)))
        .limit(1);
      if (!inv) throw new NotFound("This invitation link is not valid.");
      if (!sameAddress(inv)) throw new Forbidden(`This invitation is for another email address.`);
    } else {
      [inv] = await tx.select().from(invitations).where(eq(invitations.id, data.id)).limit(1);
      if (inv?.inviteeId) {
        // Bound to an account: only that account may answer it, verified address or not.
        if (inv.inviteeId !== userId) throw new NotFound("Invitation not found.");
      } else {
        if (!me.emailVerifiedAt) throw new Forbidden("Verify your email address to see invitations sent to it.");
        if (!inv || !sameAddress(inv)) throw new NotFound("Invitation not found.");
      }
    }
    // Lock the org row first, in the same order as withOrgLock (org, then invitation): a revoke, resend, delete
    // or another accept in this org then waits for us or we for it, instead of deadlocking. (Not a shared lock:
    // the membership insert below updates this row, through the member_count trigger.)
    const [org] = await tx
      .select()
      .from(orgs)
      .where(and(eq(orgs.id, inv.orgId), isNull(orgs.deletedAt)))
      .for("no key update");
    if (!org) throw new NotFound("This invitation is not valid.");
    const [claimed] = await tx
      .update(invitations)
      .set(accept ? { acceptedAt: new Date(), acceptedById: userId } : { declinedAt: new Date() })
      .where(and(eq(invitations.id, inv.id), open(), gt(invitations.expiresAt, sql`now()`)))
      .returning();
    if (!claimed) {
      // Read it again: a concurrent accept, decline or revoke may have closed it since the first read.
      const [now] = await tx.select().from(invitations).where(eq(invitations.id, inv.id));
      const cur = now ?? inv;
      const state = cur.revokedAt ? "revoked" : cur.acceptedAt ? "accepted" : cur.declinedAt ? "declined" : "expired";
      throw new Forbidden(
        `This invitation was ${state === "expired" ? "valid until " + cur.expiresAt.toUTCString() : state} and can't be used.`,
      );
    }
    if ("token" in data && !me.emailVerifiedAt) {
      // The link reached this inbox: the address is proven.
      await tx.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, userId));
    }
    let joined = false;
    // The role the person has in the org afterwards: a member accepting a leftover invitation keeps theirs.
    let role: OrgRole = inv.role;
    if (accept) {
      joined = await insertMembership(tx, org, userId, inv.role);
      if (!joined) {
        const [m] = await tx
          .select({ role: orgMembers.role })
          .from(orgMembers)
          .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, userId)));
        role = m?.role ?? inv.role;
      }
      await tx.update(users).set({ lastOrgId: inv.orgId }).where(eq(users.id, userId));
    }
    await recordAudit(tx, {
      org: { id: org.id, name: org.name },
      actor: { id: userId, username: me.username },
      action: accept ? "invitation.accepted" : "invitation.declined",
      target: { type: "invitation", id: inv.id, label: inv.email ?? me.username },
      after: accept ? { role: inv.role, member: me.username, alreadyMember: !joined } : null,
    });
    return { orgName: org.name, role };
  });
}

export function acceptInvitation(db: Db, caller: Caller, input: unknown) {
  return respond(db, caller, input, true);
}

export function declineInvitation(db: Db, caller: Caller, input: unknown) {
  return respond(db, caller, input, false);
}

/**
 * The signed-in person's pending invitations (for /invites, onboarding and the header badge): those bound to
 * their account (invited by username) always, and those sent to their address only once it is verified, or
 * anyone could register someone else's address and see their invitations. `verified` says whether the
 * address ones are included.
 */
export async function listMyInvitations(db: Db, caller: Caller) {
  const { verified, pending } = await myPendingInvitations(db, caller);
  const rows = await db
    .select({
      id: invitations.id,
      orgName: orgs.name,
      orgDisplayName: orgs.displayName,
      role: invitations.role,
      expiresAt: invitations.expiresAt,
      invitedBy: inviterUser.username,
      inviteeId: invitations.inviteeId,
    })
    .from(invitations)
    .innerJoin(orgs, eq(orgs.id, invitations.orgId))
    .leftJoin(inviterUser, eq(inviterUser.id, invitations.invitedById))
    .where(pending)
    .orderBy(desc(invitations.createdAt))
    .limit(100);
  return {
    verified,
    invitations: rows.map(({ inviteeId, ...r }) => ({
      ...r,
      via: inviteeId ? ("username" as const) : ("email" as const),
    })),
  };
}

/**
 * The filter for the caller's open, unexpired invitations to orgs they are not (yet) in, and whether their
 * address is verified. (Someone invited twice, by username and by email, who joined through one of them has
 * nothing left to answer there.)
 */
async function myPendingInvitations(db: Db, caller: Caller) {
  const { userId } = requireUser(caller, "read");
  const [me] = await db
    .select({ email: users.email, verified: users.emailVerifiedAt })
    .from(users)
    .where(eq(users.id, userId));
  if (!me) throw new NotFound("Account not found");
  const verified = Boolean(me.verified && me.email);
  const mine = verified
    ? or(eq(invitations.inviteeId, userId), sql`lower(${invitations.email}) = lower(${me.email})`)
    : eq(invitations.inviteeId, userId);
  const notYetMember = sql`not exists (select 1 from ${orgMembers} where ${orgMembers.orgId} = ${invitations.orgId} and ${orgMembers.userId} = ${userId})`;
  return { verified, pending: and(mine, open(), gt(invitations.expiresAt, sql`now()`), notYetMember) };
}

/** The count for the header badge. */
export async function countMyInvitations(db: Db, caller: Caller): Promise<number> {
  // On every signed-in page: a count, not the rows.
  const { pending } = await myPendingInvitations(db, caller);
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(invitations)
    .where(pending);
  return r?.n ?? 0;
}
