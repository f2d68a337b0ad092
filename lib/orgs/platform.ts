import { and, asc, count, eq, ilike, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { invitations, orgMembers, orgs, users } from "@/db/schema";
import { recordAudit } from "./audit";
import { ORG_ROLES, requireActor, type Actor } from "../core/authz";
import { Conflict, Invalid, NotFound } from "../core/errors";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";
import { memberAddedMail } from "../mail/mail-templates";
import { insertMembership } from "./membership";
import type { Services } from "../core/services";
import { filterText, parseInput, safeText } from "../core/validation";

/** Usernames in PLATFORM_ADMINS (comma-separated) are platform admins, as are accounts granted the flag. */
export function platformAdminNames(env: Record<string, string | undefined> = process.env): Set<string> {
  return new Set(
    (env.PLATFORM_ADMINS ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

export async function isPlatformAdmin(db: Db, actor: Actor): Promise<boolean> {
  return actor ? (await operatorOf(db, actor.userId)) !== null : false;
}

/** The account's username when it is a platform admin (flag or PLATFORM_ADMINS), else null. */
async function operatorOf(db: Db, userId: string): Promise<string | null> {
  const [u] = await db
    .select({ username: users.username, flag: users.isPlatformAdmin })
    .from(users)
    .where(eq(users.id, userId));
  return u && (u.flag || platformAdminNames().has(u.username)) ? u.username : null;
}

/** Operator-only operations. Everyone else is told the page doesn't exist. */
export async function requirePlatformAdmin(db: Db, actor: Actor): Promise<{ userId: string; username: string }> {
  const { userId } = requireActor(actor);
  const username = await operatorOf(db, userId);
  if (!username) throw new NotFound("Not found");
  return { userId, username };
}

/** `npm run admin -- grant-platform-admin NAME`: run by the operator on the server, not by a person in the console. */
export async function grantPlatformAdmin(db: Db, username: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ id: users.id, flag: users.isPlatformAdmin })
      .from(users)
      .where(and(eq(users.username, username), isNull(users.deletedAt)))
      .for("update");
    if (!before) throw new NotFound(`No account with the username '${username}'.`);
    await tx.update(users).set({ isPlatformAdmin: true }).where(eq(users.id, before.id));
    // A system operation (the admin command on the server): no actor.
    await recordAudit(tx, {
      org: null,
      actor: null,
      action: "platform_admin.granted",
      target: { type: "user", id: before.id, label: username },
      before: { isPlatformAdmin: before.flag },
      after: { isPlatformAdmin: true, by: "system" },
    });
  });
}

export const orgListSchema = z.object({
  q: filterText(63).catch(""),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** Operators see every org: name, members, balance, creation date; searched by name, paged in the database. */
export async function listAllOrgs(db: Db, actor: Actor, query: unknown) {
  await requirePlatformAdmin(db, actor);
  const q = orgListSchema.parse(query ?? {});
  const where = q.q ? ilike(orgs.name, `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined;
  const pageSize = 50;
  const [rows, [total]] = await Promise.all([
    db
      .select({
        name: orgs.name,
        displayName: orgs.displayName,
        memberCount: orgs.memberCount,
        balance: orgs.balance,
        createdAt: orgs.createdAt,
      })
      .from(orgs)
      .where(where)
      .orderBy(asc(orgs.name))
      .limit(pageSize)
      .offset((q.page - 1) * pageSize),
    db.select({ n: count() }).from(orgs).where(where),
  ]);
  return { rows, total: total?.n ?? 0, query: { ...q, pageSize } };
}

export const addMemberSchema = z.object({
  org: safeText().trim().toLowerCase().min(1, "Enter the organization's name.").max(63, "No such organization."),
  username: safeText().trim().toLowerCase().min(1, "Enter a username.").max(32, "No such account."),
  role: z
    .enum(ORG_ROLES, "Choose a role: user, manager or admin.")
    .optional()
    .transform((r) => r ?? "user"),
});

/**
 * Adds an account to an org at once, without asking them: the one exception to "nobody becomes a member
 * without saying yes", for a platform admin in the Admin area (`by` = their session; anyone else is told the
 * page doesn't exist) and for `npm run admin -- add-member` on the server (`by` = "system", no actor).
 * Audited in the org's log; the person is told by mail when `svc` is given and their account has an address.
 * Open invitations of that org to the account are closed (revoked): they are answered by the add.
 */
export async function addMemberAsPlatformAdmin(db: Db, by: Actor | "system", input: unknown, svc?: Services) {
  const operator = by === "system" ? null : await requirePlatformAdmin(db, by);
  const data = parseInput(addMemberSchema, input);
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await db.transaction(async (tx) => {
    // The org row is locked first, as every membership change does (lib/core/authz.ts withOrgLock).
    const [org] = await tx.select().from(orgs).where(eq(orgs.name, data.org)).for("update");
    if (!org) throw new Invalid({ org: [`No organization named '${data.org}'.`] });
    const [user] = await tx
      .select({ id: users.id, username: users.username, email: users.email })
      .from(users)
      .where(and(eq(users.username, data.username), isNull(users.deletedAt)));
    if (!user) throw new Invalid({ username: [`No account with the username '${data.username}'.`] });
    if (!(await insertMembership(tx, org, user.id, data.role))) {
      const [m] = await tx
        .select({ role: orgMembers.role })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
      throw new Conflict(`${user.username} already is a member of ${org.name} (${m?.role ?? "member"}).`, "username");
    }
    const closed = await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(invitations.orgId, org.id),
          eq(invitations.inviteeId, user.id),
          isNull(invitations.acceptedAt),
          isNull(invitations.declinedAt),
          isNull(invitations.revokedAt),
        ),
      )
      .returning({ id: invitations.id });
    await recordAudit(tx, {
      org: { id: org.id, name: org.name },
      actor: operator ? { id: operator.userId, username: operator.username } : null,
      action: "member.added",
      target: { type: "user", id: user.id, label: user.username },
      after: {
        role: data.role,
        by: operator ? "platform admin" : "system",
        ...(closed.length ? { closedInvitations: closed.length } : {}),
      },
    });
    if (svc && user.email) {
      mails.push(
        memberAddedMail({
          to: user.email,
          orgName: org.name,
          role: data.role,
          inviter: operator ? operator.username : "A platform administrator",
          link: `${svc.appUrl}/orgs/${org.name}`,
        }),
      );
    }
    mailIds = await enqueueMail(tx, mails);
    return { org: org.name, username: user.username, role: data.role };
  });
  if (svc) await mailCommitted(svc, db, mailIds);
  // The mail is queued with the change; the mail worker delivers (and retries) it: nothing failed here.
  return { ...result, mailFailed: 0 };
}
