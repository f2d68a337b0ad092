import type { Tx } from "@/db";
import { orgMembers } from "@/db/schema";
import type { OrgRole } from "../core/authz";

/**
 * The one insert of a membership row, for the operations that let someone in (an accepted invitation, a
 * platform admin's add). Internal: the caller has authorized the change and locked the org row in its own
 * transaction. Returns false when the person already was a member (nothing changed).
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
  return inserted.length > 0;
}

/** New members with role user start with the org's default credit limit; managers and admins are unlimited. */
function defaultCreditLimit(org: { defaultUserCreditLimit: string | null }, role: OrgRole): string | null {
  return role === "user" ? org.defaultUserCreditLimit : null;
}
