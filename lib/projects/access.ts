import { and, eq, isNull } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { clusters, orgs, projectMembers, projects } from "@/db/schema";
import { requireLookupName, requireOrgAccess, roleAtLeast, type OrgAccess, type OrgRef } from "../core/authz";
import { READ_ONLY_TOKEN, requireMode, requirePerson, type AccessMode, type Caller } from "../core/caller";
import { Forbidden, NotFound } from "../core/errors";

/** Project roles in order; each may do everything the roles before it may (docs/architecture.md, "Projects"). */
export const PROJECT_ROLES = ["reader", "writer", "manager", "admin"] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

const RANK: Record<ProjectRole, number> = { reader: 0, writer: 1, manager: 2, admin: 3 };

export function projectRoleAtLeast(role: ProjectRole, min: ProjectRole): boolean {
  return RANK[role] >= RANK[min];
}

/** Roles a project member with `role` may grant: a manager up to manager, an admin all four. */
export function grantableProjectRoles(role: ProjectRole): ProjectRole[] {
  if (role === "admin") return [...PROJECT_ROLES];
  if (role === "manager") return ["reader", "writer", "manager"];
  return [];
}

/**
 * The project permission table: each project action's lowest project role and whether it reads or writes (a
 * read-only token does no writes). Org managers and admins act as project admins in every project of the org;
 * org users only in projects they belong to, with their project role.
 */
export const PROJECT_POLICY = {
  "project.view": { role: "reader", mode: "read" }, // the project, its members, its jobs and artifacts
  "project.runJobs": { role: "writer", mode: "write" },
  "project.writeArtifacts": { role: "writer", mode: "write" }, // create and delete disks, buckets, secrets
  "project.manageMembers": { role: "manager", mode: "write" }, // add org members, change roles up to manager, remove
  "project.grantAdmin": { role: "admin", mode: "write" }, // promote to admin, demote or remove an admin
  "project.updateSettings": { role: "admin", mode: "write" }, // rename, default role, default flag
  "project.delete": { role: "admin", mode: "write" },
} as const satisfies Record<string, { role: ProjectRole; mode: AccessMode }>;

export type ProjectAction = keyof typeof PROJECT_POLICY;

export type ProjectRow = typeof projects.$inferSelect;

export interface ProjectAccess extends OrgAccess {
  project: ProjectRow & { clusterName: string };
  /** The caller's own membership role in the project, null when not a member (an org manager or admin). */
  memberRole: ProjectRole | null;
  /** What the caller may do in the project: `admin` for org managers and admins, else `memberRole`. */
  role: OrgAccess["role"];
  projectRole: ProjectRole;
}

/** The role a member with org role `orgRole` and project membership `memberRole` acts with; null: can't see it. */
export function effectiveProjectRole(orgRole: OrgAccess["role"], memberRole: ProjectRole | null): ProjectRole | null {
  if (roleAtLeast(orgRole, "manager")) return "admin";
  return memberRole;
}

/** Whether the access may do `action` (token scope and project role): the UI shows exactly this. */
export function projectAllowed(
  access: Pick<ProjectAccess, "projectRole"> & { caller?: Pick<OrgAccess["caller"], "scopes"> },
  action: ProjectAction,
): boolean {
  const rule = PROJECT_POLICY[action];
  const scopes = access.caller?.scopes;
  if (rule.mode === "write" && scopes && !scopes.includes("write")) return false;
  return projectRoleAtLeast(access.projectRole, rule.role);
}

/** Throws Forbidden unless the access may do `action` (the caller can see the project: it exists for them). */
export function authorizeProject(access: ProjectAccess, action: ProjectAction): void {
  const rule = PROJECT_POLICY[action];
  const scopes = access.caller.scopes;
  if (rule.mode === "write" && scopes && !scopes.includes("write")) throw new Forbidden(READ_ONLY_TOKEN);
  if (!projectRoleAtLeast(access.projectRole, rule.role)) throw new Forbidden();
}

/** A project as the URL and Apolo's API name it: (cluster, project) within an org. */
export interface ProjectRef {
  cluster: string;
  project: string;
}

async function loadProject(db: Db | Tx, access: OrgAccess, ref: ProjectRef, lock: boolean) {
  requireLookupName(ref.cluster, "Project not found");
  requireLookupName(ref.project, "Project not found");
  const q = db
    .select({ project: projects, clusterName: clusters.name, memberRole: projectMembers.role })
    .from(projects)
    .innerJoin(clusters, eq(clusters.id, projects.clusterId))
    .leftJoin(
      projectMembers,
      and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, access.caller.id)),
    )
    .where(and(eq(projects.orgId, access.org.id), eq(clusters.name, ref.cluster), eq(projects.name, ref.project)))
    .limit(1);
  const [row] = lock ? await q.for("no key update", { of: projects }) : await q;
  return row;
}

function projectAccessOf(
  access: OrgAccess,
  row: Awaited<ReturnType<typeof loadProject>>,
  action: ProjectAction,
): ProjectAccess {
  const projectRole = row ? effectiveProjectRole(access.role, row.memberRole) : null;
  // A project the caller can't see doesn't exist for them: the same NotFound as a project that doesn't.
  if (!row || !projectRole) throw new NotFound("Project not found");
  const pa: ProjectAccess = {
    ...access,
    project: { ...row.project, clusterName: row.clusterName },
    memberRole: row.memberRole,
    projectRole,
  };
  authorizeProject(pa, action);
  return pa;
}

/**
 * Loads a project of the org *through* the caller's org membership and project membership (read from the
 * database on every call): an org the caller isn't in is NotFound (requireOrgAccess); a project that doesn't
 * exist, or that an org user doesn't belong to, is NotFound("Project not found"); a member whose project role
 * is too low for `action` gets Forbidden.
 */
export async function requireProjectAccess(
  db: Db | Tx,
  caller: Caller,
  org: OrgRef,
  ref: ProjectRef,
  action: ProjectAction = "project.view",
): Promise<ProjectAccess> {
  requireMode(requirePerson(caller), PROJECT_POLICY[action].mode);
  const access = await requireOrgAccess(db, caller, org, "org.view");
  return projectAccessOf(access, await loadProject(db, access, ref, false), action);
}

/**
 * Runs `fn` in one transaction that locks the org row (as every org membership change does), then the project
 * row (FOR NO KEY UPDATE; lock order: lib/billing/ledger.ts), and reads the caller's access afresh: project
 * membership changes are serialized per project, so "at least one project admin" is checked against what is
 * committed. Project membership rows reference org_members (ON DELETE CASCADE): an org removal that commits
 * first makes the add fail its foreign key; one that comes after removes the new row too.
 */
export async function withProjectLock<T>(
  db: Db,
  caller: Caller,
  orgName: string,
  ref: ProjectRef,
  action: ProjectAction,
  fn: (tx: Tx, access: ProjectAccess) => Promise<T>,
): Promise<T> {
  requireMode(requirePerson(caller), PROJECT_POLICY[action].mode);
  requireLookupName(orgName, "Organization not found");
  return db.transaction(async (tx) => {
    const locked = await tx
      .select({ id: orgs.id })
      .from(orgs)
      .where(and(eq(orgs.name, orgName), isNull(orgs.deletedAt)))
      .for("no key update");
    if (locked.length === 0) throw new NotFound("Organization not found");
    const access = await requireOrgAccess(tx, caller, orgName, "org.view");
    return fn(tx, projectAccessOf(access, await loadProject(tx, access, ref, true), action));
  });
}
