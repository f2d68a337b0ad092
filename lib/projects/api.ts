import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters, projectMembers, projects, users } from "@/db/schema";
import { allowed, requireOrgAccess, type OrgRef } from "../core/authz";
import type { Caller } from "../core/caller";
import { NotFound } from "../core/errors";
import { isPlatformAdmin } from "../orgs/platform";
import { requireProjectAccess, type ProjectAccess, type ProjectRef, type ProjectRole } from "./access";

/**
 * The whole lists Apolo's admin API answers (it doesn't page): the projects of an org on one cluster, and a
 * project's members with their account details. The same access rules as the pages (listProjects,
 * listProjectMembers): an org user sees the projects they belong to, org managers and admins every project;
 * every project member sees the project's members. Email addresses go only to the person themself, org
 * managers and admins ("members.viewEmail") and platform admins; everyone else gets null.
 */

export interface ClusterProjectRow {
  name: string;
  cluster: string;
  org: string;
  isDefault: boolean;
  defaultRole: ProjectRole;
}

/** Every project of the org on `cluster` the caller may see (an org user: their own), sorted by name. */
export async function listClusterProjects(
  db: Db,
  caller: Caller,
  org: OrgRef,
  cluster: string,
): Promise<ClusterProjectRow[]> {
  const access = await requireOrgAccess(db, caller, org, "org.view");
  const seeAll = allowed(access, "projects.viewAll");
  const base = db
    .select({ name: projects.name, isDefault: projects.isDefault, defaultRole: projects.defaultRole })
    .from(projects)
    .innerJoin(clusters, eq(clusters.id, projects.clusterId));
  const where = and(eq(projects.orgId, access.org.id), eq(clusters.name, cluster));
  const rows = seeAll
    ? await base.where(where).orderBy(asc(projects.name))
    : await base
        .innerJoin(
          projectMembers,
          and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, access.caller.id)),
        )
        .where(where)
        .orderBy(asc(projects.name));
  return rows.map((r) => ({ ...r, cluster, org: access.org.name }));
}

export interface ProjectUserInfo {
  /** Null unless the viewer may see it (the person themself, an org manager or admin, a platform admin). */
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  createdAt: Date;
}

export interface ProjectUserRow {
  username: string;
  role: ProjectRole;
  info: ProjectUserInfo;
}

/** A display name split at its first space, as Apolo's first_name / last_name. */
export function splitName(name: string | null): { firstName: string | null; lastName: string | null } {
  const n = (name ?? "").trim();
  if (!n) return { firstName: null, lastName: null };
  const i = n.indexOf(" ");
  return i < 0 ? { firstName: n, lastName: null } : { firstName: n.slice(0, i), lastName: n.slice(i + 1).trim() };
}

async function membersOf(db: Db, access: ProjectAccess, caller: Caller, username?: string) {
  const rows = await db
    .select({
      userId: users.id,
      username: users.username,
      name: users.name,
      email: users.email,
      createdAt: users.createdAt,
      role: projectMembers.role,
    })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(
      and(
        eq(projectMembers.projectId, access.project.id),
        username === undefined ? undefined : eq(users.username, username),
      ),
    )
    .orderBy(asc(users.username));
  const seesEmails = allowed(access, "members.viewEmail") || (await isPlatformAdmin(db, caller));
  return rows.map((r): ProjectUserRow => ({
    username: r.username,
    role: r.role,
    info: {
      email: seesEmails || r.userId === access.caller.id ? r.email : null,
      ...splitName(r.name),
      createdAt: r.createdAt,
    },
  }));
}

/** Every member of the project (any project member may see them), sorted by username. */
export async function listProjectUsers(db: Db, caller: Caller, org: OrgRef, ref: ProjectRef) {
  const access = await requireProjectAccess(db, caller, org, ref, "project.view");
  return { project: access.project, org: access.org.name, users: await membersOf(db, access, caller) };
}

/** One member of the project; NotFound when the account isn't a member. */
export async function getProjectUser(db: Db, caller: Caller, org: OrgRef, ref: ProjectRef, username: string) {
  const access = await requireProjectAccess(db, caller, org, ref, "project.view");
  const [row] = await membersOf(db, access, caller, username.trim().toLowerCase());
  if (!row) throw new NotFound(`'${username}' is not a member of this project.`);
  return { project: access.project, org: access.org.name, user: row };
}
