import { and, asc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { orgMembers, orgs, orgWallets, users } from "@/db/schema";
import { allowed, ORG_ROLES, requireOrgAccess, type OrgRole } from "../core/authz";
import { requireUser, type Caller } from "../core/caller";
import { NotFound } from "../core/errors";
import { parseInput, safeText } from "../core/validation";
import { isPlatformAdmin } from "./platform";

/**
 * Read models of orgs and their members with their money, for Apolo's admin API (`apolo admin get-orgs`,
 * `get-org-users`, …): the same access rules as the console's pages. Amounts are exact decimal strings without
 * trailing zeros (PostgreSQL `trim_scale`), never floats.
 */

export interface OrgDetails {
  name: string;
  /** The org wallet's balance (never null: an org's balance is never unlimited). */
  balance: string;
  /** Everything charged to the wallet so far. */
  spent: string;
  /** The credit limit of new members with role user; null = unlimited. */
  defaultUserCreditLimit: string | null;
  /** Low-balance notification thresholds (descending). */
  lowBalanceThresholds: string[];
  /** Warnings by projection: whole seconds before the projected zero (descending). */
  balanceProjectionSeconds: number[];
}

const detailsColumns = {
  name: orgs.name,
  balance: sql<string>`trim_scale(${orgWallets.balance})::text`,
  spent: sql<string>`trim_scale(${orgWallets.spent})::text`,
  defaultUserCreditLimit: sql<string | null>`trim_scale(${orgs.defaultUserCreditLimit})::text`,
  lowBalanceThresholds: sql<string[]>`array(select trim_scale(t)::text from unnest(${orgs.lowBalanceThresholds}) t)`,
  balanceProjectionSeconds: orgs.balanceProjectionSeconds,
};

/** The org a token is restricted to, if any (such a token sees and acts in that org only). */
function tokenOrg(caller: Caller): string | null {
  return caller?.kind === "token" && caller.orgId ? caller.orgId : null;
}

/**
 * The orgs the caller is a member of, by name; a platform admin's list is every open org. A token restricted
 * to one org lists that org only.
 */
export async function listOrgDetails(db: Db, caller: Caller): Promise<OrgDetails[]> {
  const { userId } = requireUser(caller, "read");
  const only = tokenOrg(caller);
  const operator = await isPlatformAdmin(db, caller);
  const where: SQL | undefined = and(
    isNull(orgs.deletedAt),
    only ? eq(orgs.id, only) : undefined,
    operator
      ? undefined
      : sql`exists (select 1 from org_members m where m.org_id = ${orgs.id} and m.user_id = ${userId})`,
  );
  return db
    .select(detailsColumns)
    .from(orgs)
    .innerJoin(orgWallets, eq(orgWallets.orgId, orgs.id))
    .where(where)
    .orderBy(asc(orgs.name));
}

/**
 * One org's details: for its members (any role), and for platform admins (every org). Anyone else, and a
 * token restricted to another org, is told it doesn't exist.
 */
export async function getOrgDetails(db: Db, caller: Caller, orgName: string): Promise<OrgDetails> {
  const orgId = await resolveOrgForReading(db, caller, orgName);
  const [row] = await db
    .select(detailsColumns)
    .from(orgs)
    .innerJoin(orgWallets, eq(orgWallets.orgId, orgs.id))
    .where(eq(orgs.id, orgId));
  if (!row) throw new NotFound("Organization not found");
  return row;
}

/**
 * The org's id when the caller may read it: a member (org.view, through requireOrgAccess, which also applies a
 * token's org restriction), or a platform admin (read). NotFound otherwise, exactly as for a missing org.
 */
async function resolveOrgForReading(db: Db, caller: Caller, orgName: string): Promise<string> {
  requireUser(caller, "read");
  try {
    return (await requireOrgAccess(db, caller, orgName, "org.view")).org.id;
  } catch (err) {
    if (!(err instanceof NotFound) || !(await isPlatformAdmin(db, caller))) throw err;
    const [org] = await db
      .select({ id: orgs.id })
      .from(orgs)
      .where(and(eq(orgs.name, orgName), isNull(orgs.deletedAt)));
    const only = tokenOrg(caller);
    if (!org || (only && only !== org.id)) throw new NotFound("Organization not found");
    return org.id;
  }
}

export interface OrgUserDetails {
  username: string;
  role: OrgRole;
  /** What the member may still spend: credit limit − spent; null when the limit is unlimited. */
  credits: string | null;
  /** What the member has spent in the org. */
  spent: string;
  creditLimit: string | null;
  maxRunningJobs: number | null;
  /** Only for viewers who may see members' addresses (managers, admins, platform admins); else null. */
  email: string | null;
  name: string | null;
  createdAt: Date;
}

export const orgUserRolesSchema = z.object({
  roles: z.array(z.enum(ORG_ROLES, "A role is user, manager or admin.")).max(3).optional(),
});

function memberColumns(seesEmail: boolean) {
  return {
    username: users.username,
    role: orgMembers.role,
    credits: sql<string | null>`trim_scale(${orgMembers.creditLimit} - ${orgMembers.spent})::text`,
    spent: sql<string>`trim_scale(${orgMembers.spent})::text`,
    creditLimit: sql<string | null>`trim_scale(${orgMembers.creditLimit})::text`,
    maxRunningJobs: orgMembers.maxRunningJobs,
    email: seesEmail ? users.email : sql<string | null>`null`,
    name: users.name,
    createdAt: users.createdAt,
  };
}

/**
 * Reading an org's members: a member with members.list (addresses only with members.viewEmail), or a
 * platform admin (addresses too). Returns the org's id and whether addresses are shown.
 */
async function memberReader(db: Db, caller: Caller, orgName: string): Promise<{ orgId: string; seesEmail: boolean }> {
  requireUser(caller, "read");
  try {
    const access = await requireOrgAccess(db, caller, orgName, "members.list");
    return {
      orgId: access.org.id,
      seesEmail: allowed(access, "members.viewEmail") || (await isPlatformAdmin(db, caller)),
    };
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
    return { orgId: await resolveOrgForReading(db, caller, orgName), seesEmail: true };
  }
}

/**
 * Every member of an org (optionally of some roles), by username, with their balance in the org. The whole
 * list, as Apolo's `GET orgs/{org}/users` answers it (the console's Users tab pages the same rows).
 */
export async function listOrgUsers(db: Db, caller: Caller, orgName: string, query: unknown = {}) {
  const q = parseInput(orgUserRolesSchema, query ?? {});
  const { orgId, seesEmail } = await memberReader(db, caller, orgName);
  const rows: OrgUserDetails[] = await db
    .select(memberColumns(seesEmail))
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(orgMembers.orgId, orgId), q.roles?.length ? inArray(orgMembers.role, q.roles) : undefined))
    .orderBy(asc(orgMembers.username));
  return rows;
}

export const orgUserNameSchema = z.object({ username: safeText().trim().toLowerCase().min(1).max(64) });

/** One member of an org with their balance; NotFound when they aren't a member. */
export async function getOrgUser(db: Db, caller: Caller, orgName: string, username: string): Promise<OrgUserDetails> {
  const { username: name } = parseInput(orgUserNameSchema, { username });
  const { orgId, seesEmail } = await memberReader(db, caller, orgName);
  const [row] = await db
    .select(memberColumns(seesEmail))
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.username, name)));
  if (!row) throw new NotFound(`'${name}' is not a member of this organization.`);
  return row;
}
