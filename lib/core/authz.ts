import { and, eq, isNull } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { orgMembers, orgs } from "@/db/schema";
import { Forbidden, NotFound, Unauthenticated } from "./errors";

/** Org roles in order; each role may do everything the roles before it may. */
export const ORG_ROLES = ["user", "manager", "admin"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

const RANK: Record<OrgRole, number> = { user: 0, manager: 1, admin: 2 };

export function roleAtLeast(role: OrgRole, min: OrgRole): boolean {
  return RANK[role] >= RANK[min];
}

/** A member may grant at most their own role (manager: user/manager; admin: all three). */
export function canGrant(actorRole: OrgRole, targetRole: OrgRole): boolean {
  return roleAtLeast(actorRole, targetRole);
}

export function grantableRoles(actorRole: OrgRole): OrgRole[] {
  return ORG_ROLES.filter((r) => canGrant(actorRole, r));
}

/**
 * The permission table of DESIGN.md: the lowest role that may do each thing. The UI reads it to hide what
 * the server would refuse; lib functions check it against the role read from the database.
 */
export const ORG_PERMISSIONS = {
  "org.view": "user", // see the org, its members list, its clusters, the org balance
  "members.list": "user",
  "members.viewEmail": "manager", // members' email addresses (users see usernames and names only)
  "projects.create": "user",
  "jobs.run": "user",
  "credits.topup": "user", // an org setting may raise this to manager
  "org.leave": "user", // never the last admin
  "settings.open": "manager", // Users tab actions, Reports, Audit log
  "members.invite": "manager", // grant at most own role
  "members.changeRole": "manager", // manager only between user and manager, never touching an admin
  "members.remove": "manager", // manager removes users and managers; admin removes anyone
  "projects.viewAll": "manager",
  "artifacts.viewAll": "manager",
  "ledger.viewAll": "manager",
  "reports.view": "manager", // the Reports tab and its Grafana proxy
  "quotas.set": "manager",
  "jobs.manageAll": "manager", // see and stop everyone's jobs
  "members.promoteAdmin": "admin",
  "org.updateSettings": "admin",
  "org.delete": "admin",
} as const satisfies Record<string, OrgRole>;

export type OrgPermission = keyof typeof ORG_PERMISSIONS;

export function can(role: OrgRole, permission: OrgPermission): boolean {
  return roleAtLeast(role, ORG_PERMISSIONS[permission]);
}

/** What the viewer may do to a member: the UI shows exactly these, the server checks them again. */
export function memberActions(viewer: { userId: string; role: OrgRole }, target: { userId: string; role: OrgRole }) {
  const self = viewer.userId === target.userId;
  const touchable = !self && can(viewer.role, "members.changeRole") && canGrant(viewer.role, target.role);
  return {
    changeRole: touchable,
    roles: touchable ? grantableRoles(viewer.role) : [],
    remove: !self && can(viewer.role, "members.remove") && canGrant(viewer.role, target.role),
    quotas: can(viewer.role, "quotas.set") && canGrant(viewer.role, target.role),
  };
}

/**
 * Who is calling: a signed-in account, or null when signed out. `sessionId` is the browser session the call
 * came through (lib/accounts/sessions.ts), when there is one: "this device" on the Sessions list, the session a
 * password change keeps.
 */
export type Actor = { userId: string; sessionId?: string } | null;

export function requireActor(actor: Actor): { userId: string; sessionId?: string } {
  if (!actor) throw new Unauthenticated();
  return actor;
}

export interface OrgAccess {
  org: typeof orgs.$inferSelect;
  /** The member this access was loaded for. */
  userId: string;
  role: OrgRole;
  memberSince: Date;
}

/**
 * An org by name, or the caller's access to it already loaded during the same request (a page whose layout
 * loaded it passes it on, so one request reads the membership once).
 */
export type OrgRef = string | OrgAccess;

/**
 * Loads an org *through* the caller's membership, read from the database (unless `org` is an access loaded
 * for the same caller in this request). No membership, or no such org, is the same NotFound: an org's
 * existence is never revealed to outsiders. A member whose role is too low for `permission` gets Forbidden.
 */
export async function requireOrgAccess(
  db: Db,
  actor: Actor,
  org: OrgRef,
  permission: OrgPermission = "org.view",
): Promise<OrgAccess> {
  const { userId } = requireActor(actor);
  if (typeof org !== "string") {
    if (org.userId !== userId) throw new NotFound("Organization not found");
    if (!can(org.role, permission)) throw new Forbidden();
    return org;
  }
  const orgName = org;
  const [row] = await db
    .select({ org: orgs, userId: orgMembers.userId, role: orgMembers.role, memberSince: orgMembers.createdAt })
    .from(orgs)
    .innerJoin(orgMembers, and(eq(orgMembers.orgId, orgs.id), eq(orgMembers.userId, userId)))
    .where(and(eq(orgs.name, orgName), isNull(orgs.deletedAt)))
    .limit(1);
  if (!row) throw new NotFound("Organization not found");
  if (!can(row.role, permission)) throw new Forbidden();
  return row;
}

/**
 * Runs `fn` in one transaction that first locks the org row, then reads the caller's membership afresh.
 * Every membership change goes through here, so changes to one org are serialized and invariants such as
 * "at least one admin" are checked against what is committed, not against a stale read.
 */
export async function withOrgLock<T>(
  db: Db,
  actor: Actor,
  orgName: string,
  permission: OrgPermission,
  fn: (tx: Tx, access: OrgAccess) => Promise<T>,
): Promise<T> {
  requireActor(actor);
  return db.transaction(async (tx) => {
    const locked = await tx
      .select({ id: orgs.id })
      .from(orgs)
      .where(and(eq(orgs.name, orgName), isNull(orgs.deletedAt)))
      // NO KEY UPDATE, not UPDATE: foreign key checks against the org (KEY SHARE) never wait for it, so charges
      // don't queue behind membership changes (lock order: lib/billing/ledger.ts).
      .for("no key update");
    if (locked.length === 0) throw new NotFound("Organization not found");
    const access = await requireOrgAccess(tx, actor, orgName, permission);
    return fn(tx, access);
  });
}
