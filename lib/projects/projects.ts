import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { containsPattern } from "../core/like";
import type { Db, Tx } from "@/db";
import { rawRows } from "@/db/client";
import { artifacts, clusters, jobs, orgClusters, projectMembers, projects } from "@/db/schema";
import { allowed, requireOrgAccess, withOrgLock, type OrgRef } from "../core/authz";
import type { Caller } from "../core/caller";
import { uniqueViolation } from "../core/db-errors";
import { Conflict, Forbidden, Invalid } from "../core/errors";
import {
  displayNameSchema,
  filterText,
  MAX_LENGTH,
  pagingShape,
  parseInput,
  platformNameSchema,
  safeText,
} from "../core/validation";
import { settleDisks } from "../artifacts/shared/storage";
import { recordAudit } from "../orgs/audit";
import {
  effectiveProjectRole,
  PROJECT_POLICY,
  PROJECT_ROLES,
  projectAllowed,
  requireProjectAccess,
  withProjectLock,
  type ProjectAction,
  type ProjectRef,
  type ProjectRole,
} from "./access";

// ------------------------------------------------------------------------------------------------ schemas

/** A project's name: Apolo's rule, as org names (3–63, `[a-z0-9](-?[a-z0-9])*`), without the reserved words. */
const projectNameSchema = z.string("Name your project.").trim().min(1, "Name your project.").pipe(platformNameSchema);

const clusterNameSchema = safeText().trim().min(1, "Choose a cluster.").max(MAX_LENGTH.orgName, "No such cluster.");

const descriptionSchema = safeText()
  .trim()
  .max(MAX_LENGTH.description, `Description must be at most ${MAX_LENGTH.description} characters.`)
  .transform((v) => (v === "" ? null : v));

const projectRoleSchema = z.enum(PROJECT_ROLES, "Choose a role: reader, writer, manager or admin.");

/** A yes/no field: a boolean, or what a form sends for a checkbox ("on", "true", "false", "off"). */
const flagSchema = z
  .union([z.boolean(), z.enum(["true", "false", "on", "off"])], "Choose yes or no.")
  .transform((v) => v === true || v === "true" || v === "on");

export const createProjectSchema = z.object({
  cluster: clusterNameSchema,
  name: projectNameSchema,
  displayName: displayNameSchema.optional().transform((v) => v ?? null),
  description: descriptionSchema.optional().transform((v) => v ?? null),
  defaultRole: projectRoleSchema.optional().transform((r) => r ?? "writer"),
  isDefault: flagSchema.optional().transform((v) => v ?? false),
});
export type CreateProjectInput = z.input<typeof createProjectSchema>;

export const updateProjectSchema = z.object({
  name: projectNameSchema.optional(),
  displayName: displayNameSchema.optional(),
  description: descriptionSchema.optional(),
  defaultRole: projectRoleSchema.optional(),
  isDefault: flagSchema.optional(),
});
export type UpdateProjectInput = z.input<typeof updateProjectSchema>;

export const deleteProjectSchema = z.object({
  confirm: safeText().trim().max(200, "Type the project's name to confirm."),
});

export const PROJECT_SCOPES = ["mine", "all"] as const;
export type ProjectScope = (typeof PROJECT_SCOPES)[number];

export const listProjectsSchema = z.object({
  q: filterText(100).catch(""),
  scope: z.enum(PROJECT_SCOPES).optional().catch(undefined),
  ...pagingShape(25),
});
export type ListProjectsQuery = z.output<typeof listProjectsSchema>;

// ------------------------------------------------------------------------------------------------ helpers

const NOT_DEFAULT_SETTER = "Only org managers and admins can make a project the default for new members.";

/** The start of the current UTC month, in SQL. */
const MONTH_START = sql`(date_trunc('month', now() at time zone 'UTC') at time zone 'UTC')`;

/** Credits charged to a project since the start of the UTC month (Σ −charges), exact decimal text. */
function creditsThisMonthSql(orgId: string, projectId: ReturnType<typeof sql>) {
  return sql`(select coalesce(-sum(l.amount), 0)::numeric(24, 8)::text from credit_ledger l
    where l.org_id = ${orgId} and l.project_id = ${projectId} and l.kind = 'charge' and l.created_at >= ${MONTH_START})`;
}

function membersCountSql(projectId: ReturnType<typeof sql>) {
  return sql`(select count(*)::int from project_members m where m.project_id = ${projectId})`;
}

function runningJobsSql(projectId: ReturnType<typeof sql>) {
  return sql`(select count(*)::int from jobs j where j.project_id = ${projectId} and j.status = 'running')`;
}

/** The org's cluster by name, or Invalid on `cluster` when the org isn't on it. */
async function orgCluster(tx: Db | Tx, orgId: string, orgName: string, name: string) {
  const [c] = await tx
    .select({ id: clusters.id, name: clusters.name })
    .from(orgClusters)
    .innerJoin(clusters, eq(clusters.id, orgClusters.clusterId))
    .where(and(eq(orgClusters.orgId, orgId), eq(clusters.name, name)))
    .limit(1);
  if (!c) throw new Invalid({ cluster: [`Organization '${orgName}' has no access to cluster '${name}'.`] });
  return c;
}

function nameTaken(name: string, cluster: string): Conflict {
  return new Conflict(`A project named '${name}' already exists on cluster '${cluster}'.`, "name");
}

// ------------------------------------------------------------------------------------------------ operations

/**
 * Creates a project of the org on one of the org's clusters; the creator becomes its admin. Every member may
 * ("projects.create"); flagging it the default project (new org members join it) takes an org manager or
 * admin. Runs under the org lock, so two creations (or a creation and a rename) of one name are serialized.
 */
export async function createProject(db: Db, caller: Caller, orgName: string, input: unknown) {
  const data = parseInput(createProjectSchema, input);
  try {
    return await withOrgLock(db, caller, orgName, "projects.create", async (tx, access) => {
      if (data.isDefault && !allowed(access, "projects.viewAll")) throw new Forbidden(NOT_DEFAULT_SETTER);
      const cluster = await orgCluster(tx, access.org.id, access.org.name, data.cluster);
      const [project] = await tx
        .insert(projects)
        .values({
          orgId: access.org.id,
          clusterId: cluster.id,
          name: data.name,
          displayName: data.displayName,
          description: data.description,
          defaultRole: data.defaultRole,
          isDefault: data.isDefault,
          createdById: access.caller.id,
        })
        .onConflictDoNothing()
        .returning();
      if (!project) throw nameTaken(data.name, cluster.name);
      await tx
        .insert(projectMembers)
        .values({ projectId: project.id, orgId: access.org.id, userId: access.caller.id, role: "admin" });
      await recordAudit(tx, {
        org: access.org,
        actor: access.caller,
        action: "project.created",
        target: { type: "project", id: project.id, label: `${cluster.name}/${project.name}` },
        after: {
          cluster: cluster.name,
          name: project.name,
          displayName: project.displayName,
          defaultRole: project.defaultRole,
          isDefault: project.isDefault,
        },
      });
      return { id: project.id, name: project.name, cluster: cluster.name };
    });
  } catch (err) {
    if (uniqueViolation(err) === "projects_cluster_org_name_key") throw nameTaken(data.name, data.cluster);
    throw err;
  }
}

export interface ProjectListRow {
  id: string;
  name: string;
  displayName: string | null;
  cluster: string;
  isDefault: boolean;
  /** What the caller acts as in the project: admin for org managers and admins, else their membership role. */
  role: ProjectRole;
  /** The caller's own membership role, null when not a member. */
  memberRole: ProjectRole | null;
  members: number;
  jobsRunning: number;
  /** Credits charged to the project since the start of the UTC month, exact decimal text. */
  creditsThisMonth: string;
  createdAt: Date;
}

/**
 * One page of the org's projects: an org user's own ("mine"; "all" falls back to it), or for org managers and
 * admins every project ("all", their default). Searched on name and display name, sorted by name then cluster,
 * paged in the database first (project_members_org_user_idx for "mine", projects_org_name_idx for "all"); the
 * counts and this month's credits are computed for the page's rows only.
 */
export async function listProjects(db: Db, caller: Caller, org: OrgRef, query: unknown) {
  const access = await requireOrgAccess(db, caller, org, "org.view");
  const parsed = listProjectsSchema.parse(query ?? {});
  const canSeeAll = allowed(access, "projects.viewAll");
  const canCreate = allowed(access, "projects.create");
  const scope: ProjectScope = canSeeAll ? (parsed.scope ?? "all") : "mine";
  const q = { ...parsed, scope };
  const orgId = access.org.id;
  const me = access.caller.id;
  const pattern = q.q ? containsPattern(q.q) : null;
  const search = pattern
    ? sql`and (p.name like ${pattern} or lower(coalesce(p.display_name, '')) like ${pattern})`
    : sql``;
  // (`search` is spliced after a `where`: it starts with "and".)
  const offset = (q.page - 1) * q.pageSize;

  // The page first (LIMIT inside the subquery: it is never flattened), then the figures for its rows only.
  // "mine" walks the caller's memberships (project_members_org_user_idx) and fetches each project by its key
  // (the lateral subquery's "offset 0" keeps the planner from hashing the org's whole project table); "all"
  // walks projects_org_name_idx in name order and stops after the page.
  const pageSql =
    scope === "mine"
      ? sql`select p.id, p.name, p.display_name, p.is_default, p.created_at, c.name as cluster
          from project_members pm
          cross join lateral (select p.* from projects p where p.id = pm.project_id ${search} offset 0) p
          join clusters c on c.id = p.cluster_id
          where pm.org_id = ${orgId} and pm.user_id = ${me}
          order by p.name, c.name
          limit ${q.pageSize} offset ${offset}`
      : sql`select p.id, p.name, p.display_name, p.is_default, p.created_at, c.name as cluster
          from projects p
          join clusters c on c.id = p.cluster_id
          where p.org_id = ${orgId} ${search}
          order by p.name, c.name
          limit ${q.pageSize} offset ${offset}`;
  const id = sql.raw("page.id");
  const countSql =
    scope === "mine"
      ? pattern
        ? sql`select count(*)::int as n from project_members pm
            cross join lateral (select 1 from projects p where p.id = pm.project_id ${search} offset 0) p
            where pm.org_id = ${orgId} and pm.user_id = ${me}`
        : sql`select count(*)::int as n from project_members pm where pm.org_id = ${orgId} and pm.user_id = ${me}`
      : pattern
        ? sql`select count(*)::int as n from projects p where p.org_id = ${orgId} ${search}`
        : undefined; // every project of the org: the count the org row keeps (migration 0017)

  type Raw = {
    id: string;
    name: string;
    display_name: string | null;
    is_default: boolean;
    created_at: Date | string;
    cluster: string;
    member_role: ProjectRole | null;
    members: number;
    jobs_running: number;
    credits: string;
  };
  const [page, total] = await Promise.all([
    rawRows<Raw>(
      db,
      sql`select page.*,
            (select m.role from project_members m where m.project_id = page.id and m.user_id = ${me}) as member_role,
            ${membersCountSql(id)} as members, ${runningJobsSql(id)} as jobs_running,
            ${creditsThisMonthSql(orgId, id)} as credits
          from (${pageSql}) as page
          order by page.name, page.cluster`,
    ),
    countSql ? rawRows<{ n: number }>(db, countSql).then((r) => Number(r[0]?.n ?? 0)) : access.org.projectCount,
  ]);
  return {
    rows: page.map((r): ProjectListRow => ({
      id: r.id,
      name: r.name,
      displayName: r.display_name,
      cluster: r.cluster,
      isDefault: r.is_default,
      role: effectiveProjectRole(access.role, r.member_role) ?? "reader",
      memberRole: r.member_role,
      members: Number(r.members),
      jobsRunning: Number(r.jobs_running),
      creditsThisMonth: r.credits,
      createdAt: new Date(r.created_at),
    })),
    total,
    query: q,
    canSeeAll,
    canCreate,
  };
}

/** One project as its page shows it: settings, the caller's roles and permissions, counts, this month's credits. */
export async function getProject(db: Db, caller: Caller, org: OrgRef, ref: ProjectRef) {
  const access = await requireProjectAccess(db, caller, org, ref, "project.view");
  const p = access.project;
  const id = sql`${p.id}::uuid`;
  const [figures] = await rawRows<{
    members: number;
    jobs_running: number;
    credits: string;
    created_by: string | null;
  }>(
    db,
    sql`select ${membersCountSql(id)} as members, ${runningJobsSql(id)} as jobs_running,
          ${creditsThisMonthSql(access.org.id, id)} as credits,
          (select u.username from users u where u.id = ${p.createdById}) as created_by`,
  );
  const can = Object.fromEntries(
    (Object.keys(PROJECT_POLICY) as ProjectAction[]).map((a) => [a, projectAllowed(access, a)]),
  ) as Record<ProjectAction, boolean>;
  const canSetDefault = can["project.updateSettings"] && allowed(access, "projects.viewAll");
  return {
    project: {
      id: p.id,
      name: p.name,
      displayName: p.displayName,
      description: p.description,
      cluster: p.clusterName,
      defaultRole: p.defaultRole,
      isDefault: p.isDefault,
      createdAt: p.createdAt,
      createdBy: figures?.created_by ?? null,
    },
    org: { name: access.org.name, role: access.role },
    memberRole: access.memberRole,
    projectRole: access.projectRole,
    can: { ...can, canSetDefault },
    canSetDefault,
    counts: { members: Number(figures?.members ?? 0), jobsRunning: Number(figures?.jobs_running ?? 0) },
    creditsThisMonth: figures?.credits ?? "0.00000000",
  };
}

/**
 * Changes a project's settings (project admins: "project.updateSettings"); changing the default flag also
 * takes an org manager or admin. A rename keeps (cluster, org, name) unique: Conflict on `name`.
 */
export async function updateProject(db: Db, caller: Caller, orgName: string, ref: ProjectRef, input: unknown) {
  const data = parseInput(updateProjectSchema, input);
  try {
    return await withProjectLock(db, caller, orgName, ref, "project.updateSettings", async (tx, access) => {
      const p = access.project;
      if (data.isDefault !== undefined && data.isDefault !== p.isDefault && !allowed(access, "projects.viewAll")) {
        throw new Forbidden(NOT_DEFAULT_SETTER);
      }
      const next = {
        name: data.name ?? p.name,
        displayName: data.displayName === undefined ? p.displayName : data.displayName,
        description: data.description === undefined ? p.description : data.description,
        defaultRole: data.defaultRole ?? p.defaultRole,
        isDefault: data.isDefault ?? p.isDefault,
      };
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      for (const key of Object.keys(next) as (keyof typeof next)[]) {
        if (next[key] !== p[key]) {
          before[key] = p[key];
          after[key] = next[key];
        }
      }
      if (Object.keys(after).length === 0) return { name: p.name, cluster: p.clusterName, changed: false };
      if (next.name !== p.name) {
        // Project creations and renames hold the org row lock: this read sees every committed name.
        const [taken] = await tx
          .select({ id: projects.id })
          .from(projects)
          .where(and(eq(projects.orgId, p.orgId), eq(projects.clusterId, p.clusterId), eq(projects.name, next.name)))
          .limit(1);
        if (taken) throw nameTaken(next.name, p.clusterName);
      }
      await tx
        .update(projects)
        .set({ ...next, updatedAt: new Date() })
        .where(eq(projects.id, p.id));
      await recordAudit(tx, {
        org: access.org,
        actor: access.caller,
        action: "project.updated",
        target: { type: "project", id: p.id, label: `${p.clusterName}/${next.name}` },
        before,
        after,
      });
      return { name: next.name, cluster: p.clusterName, changed: true };
    });
  } catch (err) {
    if (uniqueViolation(err) === "projects_cluster_org_name_key") {
      throw nameTaken(data.name ?? ref.project, ref.cluster);
    }
    throw err;
  }
}

/** How many running jobs a refusal names before "and N more". */
const NAMED_JOBS = 10;

/**
 * Deletes a project (project admins), confirmed by typing its name. Refused while it has running jobs, with
 * their names. Runs under withProjectLock, which locks the org row first: job starts hold the same lock
 * (withOrgLock in startJob), so no job can start in the project between the check and the delete. Artifacts
 * and memberships go by cascade; jobs and ledger rows keep their history with project_id set null.
 */
export async function deleteProject(db: Db, caller: Caller, orgName: string, ref: ProjectRef, input: unknown) {
  const data = parseInput(deleteProjectSchema, input);
  return withProjectLock(db, caller, orgName, ref, "project.delete", async (tx, access) => {
    const p = access.project;
    if (data.confirm !== p.name) {
      throw new Invalid({ confirm: [`Type '${p.name}' to confirm.`] });
    }
    const running = await tx
      .select({ name: jobs.name })
      .from(jobs)
      .where(and(eq(jobs.projectId, p.id), eq(jobs.status, "running")))
      .orderBy(jobs.name);
    if (running.length > 0) {
      const named = running.slice(0, NAMED_JOBS).map((j) => j.name);
      const more = running.length > NAMED_JOBS ? ` and ${running.length - NAMED_JOBS} more` : "";
      throw new Conflict(`Stop its running jobs first: ${named.join(", ")}${more}.`, "confirm");
    }
    const [figures] = await rawRows<{ members: number; credits: string }>(
      tx,
      sql`select ${membersCountSql(sql`${p.id}::uuid`)} as members`,
    );
    // Its disks go with it: their storage is charged up to now first (lock order: the org and project rows,
    // held here, before the wallet settleDisks locks), so balance = Σ ledger and nothing goes unbilled.
    const disks = await tx
      .select({ id: artifacts.id })
      .from(artifacts)
      .where(and(eq(artifacts.projectId, p.id), eq(artifacts.kind, "disk")));
    const settled = await settleDisks(
      tx,
      disks.map((d) => d.id),
      new Date(),
    );
    await tx.delete(projects).where(eq(projects.id, p.id));
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "project.deleted",
      target: { type: "project", id: p.id, label: `${p.clusterName}/${p.name}` },
      before: {
        cluster: p.clusterName,
        name: p.name,
        displayName: p.displayName,
        defaultRole: p.defaultRole,
        isDefault: p.isDefault,
        members: Number(figures?.members ?? 0),
        ...(disks.length ? { disks: disks.length, storageCharged: settled.total } : {}),
      },
    });
    return { name: p.name };
  });
}
