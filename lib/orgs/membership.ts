import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { invitations, orgMembers, orgs, users } from "@/db/schema";
import { ORG_ROLES, type OrgRole } from "../core/authz";
import { Conflict, Invalid } from "../core/errors";
import { creditLimitSchema } from "../core/money";
import type { Services } from "../core/services";
import { parseInput, safeText } from "../core/validation";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";
import { memberAddedMail } from "../mail/mail-templates";
import { recordAudit } from "./audit";

/**
 * The one insert of a membership row, for the operations that let someone in (an accepted invitation, a
 * platform admin's add). Internal: the caller has authorized the change and locked the org row in its own
 * transaction. Returns false when the person already was a member (nothing changed). A new member also joins
 * every default project of the org (projects.is_default) with its default role.
 */
export async function insertMembership(
  tx: Tx,
  org: { id: string; defaultUserCreditLimit: string | null },
  userId: string,
  role: OrgRole,
): Promise<boolean> {
  const inserted = await tx
    .insert(orgMembers)
    .values({ orgId: org.id, userId, role, creditLimit: defaultCreditLimit(org, role) })
    .onConflictDoNothing()
    .returning({ userId: orgMembers.userId });
  if (inserted.length === 0) return false;
  // Default projects (is_default) take every new member, with their default role, in the same transaction.
  await tx.execute(sql`
    insert into project_members (project_id, org_id, user_id, role)
    select p.id, p.org_id, ${userId}, p.default_role from projects p where p.org_id = ${org.id} and p.is_default
    on conflict do nothing`);
  return true;
}

/** New members with role user start with the org's default credit limit; managers and admins are unlimited. */
function defaultCreditLimit(org: { defaultUserCreditLimit: string | null }, role: OrgRole): string | null {
  return role === "user" ? org.defaultUserCreditLimit : null;
}

export const addMemberSchema = z.object({
  org: safeText().trim().toLowerCase().min(1, "Enter the organization's name.").max(63, "No such organization."),
  username: safeText().trim().toLowerCase().min(1, "Enter a username.").max(32, "No such account."),
  role: z
    .enum(ORG_ROLES, "Choose a role: user, manager or admin.")
    .optional()
    .transform((r) => r ?? "user"),
  /** An explicit credit limit (null = unlimited); absent: the default for the role. */
  creditLimit: z.union([z.null(), creditLimitSchema]).optional(),
});

/**
 * Internal: the add of platform.addMemberAsPlatformAdmin (`operator` = the platform admin) and of
 * internal.addMemberAsSystem (`operator` = null, the system), after they authorized the caller.
 */
export async function addMemberDirectly(
  db: Db,
  operator: { id: string; username: string } | null,
  input: unknown,
  svc?: Services,
) {
  const data = parseInput(addMemberSchema, input);
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await db.transaction(async (tx) => {
    // The org row is locked first, as every membership change does (lib/core/authz.ts withOrgLock).
    const [org] = await tx
      .select()
      .from(orgs)
      .where(and(eq(orgs.name, data.org), isNull(orgs.deletedAt)))
      .for("no key update");
    if (!org) throw new Invalid({ org: [`No organization named '${data.org}'.`] });
    const [user] = await tx
      .select({ id: users.id, username: users.username, email: users.email })
      .from(users)
      .where(and(eq(users.username, data.username), isNull(users.deletedAt)));
    if (!user) throw new Invalid({ username: [`No account with the username '${data.username}'.`] });
    const inserted = await insertMembership(tx, org, user.id, data.role);
    if (inserted && data.creditLimit !== undefined) {
      await tx
        .update(orgMembers)
        .set({ creditLimit: data.creditLimit })
        .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
    }
    if (!inserted) {
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
      actor: operator,
      action: "member.added",
      target: { type: "user", id: user.id, label: user.username },
      after: {
        role: data.role,
        by: operator ? "platform admin" : "system",
        ...(data.creditLimit !== undefined ? { creditLimit: data.creditLimit } : {}),
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
