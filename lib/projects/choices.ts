import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { clusters, projectMembers, projects } from "@/db/schema";
import { requireOrgAccess, roleAtLeast, type OrgAccess, type OrgRef } from "../core/authz";
import type { Caller } from "../core/caller";
import { projectAllowed, type ProjectRole } from "./access";

/**
 * The projects a caller can pick from: in the start-job form (projects they may run jobs in) and in the
 * project filters of the jobs list, the ledger and the Reports tab (projects they can see). Read from the
 * database on every call: org managers and admins see every project of the org (as project admins); org users
 * only the projects they belong to, with their project role.
 */
export interface ProjectChoice {
  id: string;
  name: string;
  displayName: string | null;
  cluster: string;
  isDefault: boolean;
  /** The role the caller acts with in the project. */
  role: ProjectRole;
}

/** The visible projects of the org, default first, then by name and cluster. */
async function visibleProjects(db: Db | Tx, access: OrgAccess): Promise<ProjectChoice[]> {
  const manager = roleAtLeast(access.role, "manager");
  const rows = await db
    .select({
      id: projects.id,
      name: projects.name,
      displayName: projects.displayName,
      cluster: clusters.name,
      isDefault: projects.isDefault,
      memberRole: projectMembers.role,
    })
    .from(projects)
    .innerJoin(clusters, eq(clusters.id, projects.clusterId))
    [manager ? "leftJoin" : "innerJoin"](
      projectMembers,
      and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, access.caller.id)),
    )
    .where(eq(projects.orgId, access.org.id))
    .orderBy(desc(projects.isDefault), asc(projects.name), asc(clusters.name));
  return rows.map(({ memberRole, ...p }) => ({ ...p, role: manager ? "admin" : memberRole! }));
}

/**
 * The projects the caller may start jobs in (project role writer or more; a read-only token none): org managers
 * and admins every project of the org, users their writer, manager and admin memberships. The org's default
 * project comes first, then by name.
 */
export async function listJobProjects(db: Db, caller: Caller, orgName: OrgRef): Promise<ProjectChoice[]> {
  const access = await requireOrgAccess(db, caller, orgName, "org.view");
  const all = await visibleProjects(db, access);
  return all.filter((p) => projectAllowed({ projectRole: p.role, caller: access.caller }, "project.runJobs"));
}

/** The projects the caller can see (any project role): the options of the project filters. */
export async function listProjectFilterOptions(db: Db, caller: Caller, orgName: OrgRef): Promise<ProjectChoice[]> {
  const access = await requireOrgAccess(db, caller, orgName, "org.view");
  return visibleProjects(db, access);
}

/**
 * A project filter as the URL carries it: "" (every project), "none" (no project) or "<cluster>/<project>".
 * `project` resolves to the project's id only when the caller can see it; a project they can't see (or that
 * doesn't exist) is `hidden`, which filters everything out, so a filter never reveals a project.
 */
export type ProjectFilter =
  | { kind: "all" }
  | { kind: "none" }
  | { kind: "project"; id: string; name: string; cluster: string }
  | { kind: "hidden" };

export async function resolveProjectFilter(
  db: Db,
  caller: Caller,
  org: OrgRef,
  value: string | undefined,
): Promise<ProjectFilter> {
  const access = await requireOrgAccess(db, caller, org, "org.view");
  if (!value) return { kind: "all" };
  if (value === "none") return { kind: "none" };
  const slash = value.indexOf("/");
  if (slash <= 0) return { kind: "hidden" };
  const cluster = value.slice(0, slash);
  const name = value.slice(slash + 1);
  const manager = roleAtLeast(access.role, "manager");
  const [row] = await db
    .select({ id: projects.id })
    .from(projects)
    .innerJoin(clusters, eq(clusters.id, projects.clusterId))
    .where(
      and(
        eq(projects.orgId, access.org.id),
        eq(clusters.name, cluster),
        eq(projects.name, name),
        manager
          ? undefined
          : sql`exists (select 1 from ${projectMembers} pm where pm.project_id = ${projects.id}
                          and pm.user_id = ${access.caller.id})`,
      ),
    )
    .limit(1);
  return row ? { kind: "project", id: row.id, name, cluster } : { kind: "hidden" };
}
