import { and, eq, isNull } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { orgMembers, orgs, users } from "@/db/schema";
import { requirePerson, requireMode, type Caller, type PersonCaller, type TokenScope } from "./caller";
import { NotFound } from "./errors";
import { authorize, POLICY, type OrgAction } from "./policy";
import { hasControlCharacters } from "./validation";

export { ORG_ROLES, canGrant, grantableRoles, higherRole, roleAtLeast, type OrgRole } from "./roles";
export {
  ORG_PERMISSIONS,
  POLICY,
  allowed,
  authorize,
  can,
  memberActions,
  requiredRole,
  type OrgAction,
  type OrgPermission,
  type PolicyResource,
  type PolicyRule,
} from "./policy";
import type { OrgRole } from "./roles";

/**
 * The person behind an access, as audit and ledger rows record them: loaded with the membership (one query),
 * so operations never look the username up again. `scopes` is set for a token (its scopes bound writes).
 */
export interface AccessCaller {
  id: string;
  username: string;
  kind: PersonCaller["kind"];
  scopes?: TokenScope[];
  /** The token's name when the call came through a personal access token (audit rows say "via token <name>"). */
  tokenName?: string;
}

export interface OrgAccess {
  caller: AccessCaller;
  org: typeof orgs.$inferSelect;
  role: OrgRole;
  memberSince: Date;
}

/**
 * An org by name, or the caller's access to it already loaded during the same request (a page whose layout
 * loaded it passes it on, so one request reads the membership once).
 */
export type OrgRef = string | OrgAccess;

function accessCallerOf(person: PersonCaller, username: string): AccessCaller {
  return person.kind === "token"
    ? { id: person.userId, username, kind: "token", scopes: person.scopes, tokenName: person.tokenName }
    : { id: person.userId, username, kind: "user" };
}

/** No name of an org, cluster, project or user is longer (org and cluster names: 63, usernames: 32). */
const MAX_LOOKUP_NAME = 255;

/**
 * Whether `name` (from a URL or an argument) could name a row: a string of 1–255 characters without control
 * characters. Anything else is looked up nowhere — PostgreSQL refuses a NUL in text (SQLSTATE 22021), which
 * would be a 500 for what is simply a name that doesn't exist.
 */
export function isLookupName(name: unknown): name is string {
  return (
    typeof name === "string" && name.length > 0 && name.length <= MAX_LOOKUP_NAME && !hasControlCharacters(name, true)
  );
}

/** Throws NotFound(`message`) unless `name` could name a row (isLookupName): checked before any SQL. */
export function requireLookupName(name: unknown, message: string): asserts name is string {
  if (!isLookupName(name)) throw new NotFound(message);
}

/**
 * Loads an org *through* the caller's membership, read from the database (unless `org` is an access loaded
 * for the same caller in this request), with the caller's username in the same query. No membership, or no
 * such org, is the same NotFound: an org's existence is never revealed to outsiders (nor to a token restricted
 * to another org). Then `authorize(access, action)`: a member whose role is too low gets Forbidden.
 */
export async function requireOrgAccess(
  db: Db,
  caller: Caller,
  org: OrgRef,
  action: OrgAction = "org.view",
): Promise<OrgAccess> {
  const person = requirePerson(caller);
  requireMode(person, POLICY[action].mode);
  let access: OrgAccess;
  if (typeof org !== "string") {
    if (org.caller.id !== person.userId || org.caller.kind !== person.kind)
      throw new NotFound("Organization not found");
    access = org;
  } else {
    requireLookupName(org, "Organization not found");
    const [row] = await db
      .select({ org: orgs, role: orgMembers.role, memberSince: orgMembers.createdAt, username: users.username })
      .from(orgs)
      .innerJoin(orgMembers, and(eq(orgMembers.orgId, orgs.id), eq(orgMembers.userId, person.userId)))
      .innerJoin(users, eq(users.id, orgMembers.userId))
      .where(and(eq(orgs.name, org), isNull(orgs.deletedAt)))
      .limit(1);
    if (!row) throw new NotFound("Organization not found");
    access = {
      caller: accessCallerOf(person, row.username),
      org: row.org,
      role: row.role,
      memberSince: row.memberSince,
    };
  }
  if (person.kind === "token" && person.orgId && access.org.id !== person.orgId) {
    throw new NotFound("Organization not found");
  }
  authorize(access, action);
  return access;
}

/**
 * Runs `fn` in one transaction that first locks the org row, then reads the caller's membership afresh.
 * Every membership change goes through here, so changes to one org are serialized and invariants such as
 * "at least one admin" are checked against what is committed, not against a stale read.
 */
export async function withOrgLock<T>(
  db: Db,
  caller: Caller,
  orgName: string,
  action: OrgAction,
  fn: (tx: Tx, access: OrgAccess) => Promise<T>,
): Promise<T> {
  const person = requirePerson(caller);
  requireMode(person, POLICY[action].mode);
  requireLookupName(orgName, "Organization not found");
  return db.transaction(async (tx) => {
    const locked = await tx
      .select({ id: orgs.id })
      .from(orgs)
      .where(and(eq(orgs.name, orgName), isNull(orgs.deletedAt)))
      // NO KEY UPDATE, not UPDATE: foreign key checks against the org (KEY SHARE) never wait for it, so charges
      // don't queue behind membership changes (lock order: lib/billing/ledger.ts).
      .for("no key update");
    if (locked.length === 0) throw new NotFound("Organization not found");
    const access = await requireOrgAccess(tx, caller, orgName, action);
    return fn(tx, access);
  });
}

/**
 * The person calling, with their username (one query), for operations outside an org that write audit or
 * ledger rows. NotFound when the account is gone.
 */
export async function loadCaller(db: Db, caller: Caller, mode: "read" | "write"): Promise<AccessCaller> {
  const person = requirePerson(caller);
  requireMode(person, mode);
  const [u] = await db.select({ username: users.username }).from(users).where(eq(users.id, person.userId)).limit(1);
  if (!u) throw new NotFound("Account not found");
  return accessCallerOf(person, u.username);
}
