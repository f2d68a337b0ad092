import { z } from "zod";
import type { Db } from "@/db";
import { ORG_ROLES, type OrgRole } from "../core/authz";
import { requireUser, type Caller } from "../core/caller";
import { compareCredits } from "../core/credits-amount";
import { Conflict, Invalid, NotFound } from "../core/errors";
import { creditLimitSchema } from "../core/money";
import type { Services } from "../core/services";
import { lineText, parseInput } from "../core/validation";
import { setMemberCredits } from "../billing/member-credits";
import { inviteMembers } from "./invitations";
import { changeMemberRole } from "./members";
import { getOrgDetails, getOrgUser, type OrgUserDetails } from "./org-details";
import { addMemberAsPlatformAdmin, isPlatformAdmin } from "./platform";

export const addOrgUserSchema = z.object({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9](?:-?[a-z0-9])*$/, "Give a username (letters, digits and single hyphens).")
    .max(64, "No such account."),
  role: z.enum(ORG_ROLES, "Choose a role: user, manager or admin.").default("user"),
  /** The member's credit limit: absent = the default for the role, null = unlimited. */
  creditLimit: z.union([z.null(), creditLimitSchema]).optional(),
});

export type AddOrgUserResult =
  | { pending: false; user: OrgUserDetails }
  | { pending: true; username: string; role: OrgRole; creditLimit: string | null };

/**
 * Apolo's `add-org-user`: a platform admin adds the account at once (platform.addMemberAsPlatformAdmin, with
 * the credit limit asked for); anyone else sends the in-app invitation by username (invitations.inviteMembers:
 * managers and admins, granting at most their own role), and the person becomes a member when they accept.
 * An invitation carries no credit limit: asking for one other than what the member would get on acceptance
 * (the org's default for role user, unlimited otherwise) is refused rather than silently dropped.
 */
export async function addOrgUser(
  db: Db,
  caller: Caller,
  orgName: string,
  input: unknown,
  svc: Services,
): Promise<AddOrgUserResult> {
  requireUser(caller, "write");
  const data = parseInput(addOrgUserSchema, input);
  if (await isPlatformAdmin(db, caller)) {
    // A token restricted to another org doesn't learn of this one.
    const restricted = caller?.kind === "token" && caller.orgId;
    if (restricted) await getOrgDetails(db, caller, orgName);
    try {
      await addMemberAsPlatformAdmin(
        db,
        caller,
        { org: orgName, username: data.username, role: data.role, creditLimit: data.creditLimit },
        svc,
      );
    } catch (err) {
      if (err instanceof Invalid && err.fieldErrors.org) throw new NotFound("Organization not found");
      throw err;
    }
    return { pending: false, user: await getOrgUser(db, caller, orgName, data.username) };
  }
  // The invitation's own checks (membership, role, scope) run first: an outsider learns nothing from the
  // credit check below.
  const org = await getOrgDetails(db, caller, orgName);
  const onAcceptance = data.role === "user" ? org.defaultUserCreditLimit : null;
  if (data.creditLimit !== undefined && !sameLimit(data.creditLimit, onAcceptance)) {
    throw new Invalid(
      {
        balance: [
          `An invitation can't carry a credit limit: invite without one (they get ${onAcceptance ?? "unlimited"} credits on acceptance), then set their credits once they accept.`,
        ],
      },
      "An invitation can't carry a credit limit.",
    );
  }
  const { results } = await inviteMembers(db, caller, orgName, { entries: data.username, role: data.role }, svc);
  const r = results[0]!;
  switch (r.outcome) {
    case "invited":
    case "already_invited":
      return { pending: true, username: data.username, role: data.role, creditLimit: onAcceptance };
    case "already_member":
      throw new Conflict(`${data.username} already is a member of ${orgName}.`, "user_name");
    case "not_found":
      throw new NotFound(r.message);
    default:
      throw new Invalid({ user_name: [r.message] });
  }
}

function sameLimit(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return compareCredits(a, b) === 0;
  } catch {
    return false;
  }
}

export const updateOrgUserSchema = z.object({
  username: lineText().trim().toLowerCase().min(1).max(64),
  role: z.enum(ORG_ROLES, "Choose a role: user, manager or admin."),
  /** What the member may still spend (null = unlimited); absent: unchanged. */
  credits: z.union([z.null(), lineText().max(40)]).optional(),
});

/**
 * Apolo's `PUT orgs/{org}/users/{user}` (a whole OrgUser): the console's role change (members.changeMemberRole,
 * only when the role differs, so a member may send their own unchanged role) and, when `credits` differs from
 * what the member has left, the credits change of the quota dialog (billing.setMemberCredits). Each change is
 * authorized and audited by its own operation; the role change comes first.
 */
export async function updateOrgUser(db: Db, caller: Caller, orgName: string, input: unknown) {
  const data = parseInput(updateOrgUserSchema, input);
  const current = await getOrgUser(db, caller, orgName, data.username);
  if (current.role !== data.role) {
    await changeMemberRole(db, caller, orgName, { username: data.username, role: data.role });
  }
  if (data.credits !== undefined && !sameLimit(data.credits, current.credits)) {
    await setMemberCredits(db, caller, orgName, { username: data.username, credits: data.credits });
  }
  return getOrgUser(db, caller, orgName, data.username);
}
