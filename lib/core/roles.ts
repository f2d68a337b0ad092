/** Org roles in order; each role may do everything the roles before it may. */
export const ORG_ROLES = ["user", "manager", "admin"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

const RANK: Record<OrgRole, number> = { user: 0, manager: 1, admin: 2 };

export function roleAtLeast(role: OrgRole, min: OrgRole): boolean {
  return RANK[role] >= RANK[min];
}

/** The higher of two roles. */
export function higherRole(a: OrgRole, b: OrgRole): OrgRole {
  return RANK[a] >= RANK[b] ? a : b;
}

/** A member may grant at most their own role (manager: user/manager; admin: all three). */
export function canGrant(actorRole: OrgRole, targetRole: OrgRole): boolean {
  return roleAtLeast(actorRole, targetRole);
}

export function grantableRoles(actorRole: OrgRole): OrgRole[] {
  return ORG_ROLES.filter((r) => canGrant(actorRole, r));
}
