import { and, asc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { clusters, orgClusters, orgMembers, orgs, projectMembers, projects, users } from "@/db/schema";
import { allowed, canGrant, requireOrgAccess, roleAtLeast, withOrgLock, type OrgRole } from "../core/authz";
import { requirePerson, type Caller } from "../core/caller";
import { Forbidden, Invalid, NotFound } from "../core/errors";
import { parseInput, safeText } from "../core/validation";
import { recordAudit } from "./audit";
import { isPlatformAdmin } from "./platform";

/**
 * Apolo's "cluster users" and user records over the console's model (the agreed mapping of issue 13): a
 * cluster user is one org membership on one of the org's clusters; its role is the member's org role, its
 * running-jobs quota the member's max running jobs, its balance the member's credit limit minus what they
 * spent (null when the limit is unlimited). Reading follows the Users tab (every member lists members; email
 * addresses only for managers and admins, and for platform admins); the quota changes as in the Users tab's
 * quota dialog ("quotas.set", managers never touch an admin).
 */

export interface MemberBalance {
  /** Decimal string (limit − spent), null when the member's limit is unlimited. */
  credits: string | null;
  /** Decimal string. */
  spent: string;
}

export interface ClusterUserRow {
  clusterName: string;
  orgName: string;
  username: string;
  role: OrgRole;
  maxRunningJobs: number | null;
  balance: MemberBalance;
  /** Set when the caller may see the person's details; `email` is null when not theirs to see. */
  info: { email: string | null; name: string | null; createdAt: Date };
}

/** credits = limit − spent in SQL (numeric, exact), spent; trailing zeros trimmed ("12.5", not "12.50000000"). */
const memberCredits = sql<
  string | null
>`case when ${orgMembers.creditLimit} is null then null else trim_scale(${orgMembers.creditLimit} - ${orgMembers.spent})::text end`;
const memberSpent = sql<string>`trim_scale(${orgMembers.spent})::text`;

const clusterUserQuery = z.object({
  cluster: safeText().trim().min(1).max(200),
  org: safeText().trim().min(1).max(200).optional(),
  user: safeText().trim().min(1).max(200).optional(),
});

/** The orgs on `clusterName` whose members the caller may list, with whether they see addresses there. */
async function visibleOrgsOnCluster(db: Db, caller: Caller, clusterName: string, orgName?: string) {
  const person = requirePerson(caller);
  const [cluster] = await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.name, clusterName));
  if (!cluster) throw new NotFound("Cluster not found");
  const onCluster = (extra: SQL[]) =>
    db
      .select({ id: orgs.id, name: orgs.name })
      .from(orgClusters)
      .innerJoin(orgs, and(eq(orgs.id, orgClusters.orgId), isNull(orgs.deletedAt)))
      .where(and(eq(orgClusters.clusterId, cluster.id), ...extra))
      .orderBy(asc(orgs.name));
  const restricted = person.kind === "token" && person.orgId ? [eq(orgs.id, person.orgId)] : [];
  const named = orgName ? [eq(orgs.name, orgName)] : [];
  if (await isPlatformAdmin(db, caller)) {
    const rows = await onCluster([...restricted, ...named]);
    if (orgName && rows.length === 0)
      throw new NotFound(`Organization '${orgName}' is not on cluster '${clusterName}'.`);
    return { clusterId: cluster.id, orgs: rows.map((o) => ({ ...o, seesEmail: true })) };
  }
  if (orgName) {
    // Membership first (NotFound for outsiders, as everywhere), then the org must be on the cluster.
    const access = await requireOrgAccess(db, caller, orgName, "members.list");
    const rows = await onCluster([eq(orgs.id, access.org.id)]);
    if (rows.length === 0) throw new NotFound(`Organization '${orgName}' is not on cluster '${clusterName}'.`);
    return { clusterId: cluster.id, orgs: [{ ...rows[0]!, seesEmail: allowed(access, "members.viewEmail") }] };
  }
  const mine = await db
    .select({ id: orgs.id, name: orgs.name, role: orgMembers.role })
    .from(orgMembers)
    .innerJoin(orgs, and(eq(orgs.id, orgMembers.orgId), isNull(orgs.deletedAt)))
    .innerJoin(orgClusters, and(eq(orgClusters.orgId, orgs.id), eq(orgClusters.clusterId, cluster.id)))
    .where(and(eq(orgMembers.userId, person.userId), ...restricted))
    .orderBy(asc(orgs.name));
  const visible = [];
  for (const o of mine) {
    const access = await requireOrgAccess(db, caller, o.name, "members.list");
    visible.push({ id: o.id, name: o.name, seesEmail: allowed(access, "members.viewEmail") });
  }
  return { clusterId: cluster.id, orgs: visible };
}

/**
 * Cluster users of `cluster`: of one org (`org`), or of every org on it the caller may list (all of them for
 * platform admins); one user when `user` is given (NotFound when they aren't a member).
 */
export async function listClusterUsers(db: Db, caller: Caller, input: unknown): Promise<ClusterUserRow[]> {
  const q = parseInput(clusterUserQuery, input);
  const { orgs: visible } = await visibleOrgsOnCluster(db, caller, q.cluster, q.org);
  if (visible.length === 0) return [];
  const rows = await db
    .select({
      orgId: orgMembers.orgId,
      username: users.username,
      name: users.name,
      email: users.email,
      createdAt: users.createdAt,
      role: orgMembers.role,
      maxRunningJobs: orgMembers.maxRunningJobs,
      credits: memberCredits,
      spent: memberSpent,
    })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(
      and(
        inArray(
          orgMembers.orgId,
          visible.map((o) => o.id),
        ),
        q.user ? eq(orgMembers.username, q.user) : undefined,
      ),
    )
    .orderBy(asc(orgMembers.username), asc(orgMembers.orgId));
  const byId = new Map(visible.map((o) => [o.id, o]));
  return rows.map((r) => {
    const org = byId.get(r.orgId)!;
    return {
      clusterName: q.cluster,
      orgName: org.name,
      username: r.username,
      role: r.role,
      maxRunningJobs: r.maxRunningJobs,
      balance: { credits: r.credits, spent: r.spent },
      info: { email: org.seesEmail ? r.email : null, name: r.name, createdAt: r.createdAt },
    };
  });
}

/** One cluster user of an org on a cluster. */
export async function getClusterUser(db: Db, caller: Caller, input: unknown): Promise<ClusterUserRow> {
  const q = parseInput(clusterUserQuery.required({ org: true, user: true }), input);
  const [row] = await listClusterUsers(db, caller, q);
  if (!row) throw new NotFound(`User '${q.user}' is not a member of '${q.org}' on cluster '${q.cluster}'.`);
  return row;
}

const jobsCount = z
  .number("A whole number of jobs.")
  .int("A whole number of jobs.")
  .min(0, "At least 0.")
  .max(1_000_000, "At most 1000000.");

export const clusterUserQuotaSchema = z
  .object({
    cluster: safeText().trim().min(1).max(200),
    org: safeText().trim().min(1).max(200),
    user: safeText().trim().min(1).max(200),
    /** Set the limit (null: unlimited). */
    totalRunningJobs: jobsCount.nullable().optional(),
    /** Or add to it (only when it is not unlimited). */
    additionalRunningJobs: z.number().int("A whole number of jobs.").min(-1_000_000).max(1_000_000).optional(),
  })
  .refine((v) => !(v.totalRunningJobs !== undefined && v.additionalRunningJobs !== undefined), {
    message: "Either set the quota or add to it, not both.",
    path: ["additional_quota"],
  });

/**
 * Sets (or changes by a delta) a member's running-jobs limit through the org on one of its clusters: Apolo's
 * `set-user-quota`. The same rule as the Users tab's quota dialog ("quotas.set": managers and admins; managers
 * never change an admin's), audited as member.quota_changed. The credit limit is left as it is. A delta on an
 * unlimited quota leaves it unlimited (Apolo's rule for deltas); a delta below zero is refused.
 */
export async function setClusterUserJobsQuota(db: Db, caller: Caller, input: unknown): Promise<ClusterUserRow> {
  const data = parseInput(clusterUserQuotaSchema, input);
  await withOrgLock(db, caller, data.org, "quotas.set", async (tx, access) => {
    const [link] = await tx
      .select({ orgId: orgClusters.orgId })
      .from(orgClusters)
      .innerJoin(clusters, eq(clusters.id, orgClusters.clusterId))
      .where(and(eq(orgClusters.orgId, access.org.id), eq(clusters.name, data.cluster)));
    if (!link) throw new NotFound(`Organization '${data.org}' is not on cluster '${data.cluster}'.`);
    const [target] = await tx
      .select({ userId: orgMembers.userId, role: orgMembers.role, maxRunningJobs: orgMembers.maxRunningJobs })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.username, data.user)))
      .for("update");
    if (!target) throw new NotFound(`'${data.user}' is not a member of this organization.`);
    if (!canGrant(access.role, target.role)) throw new Forbidden("Managers can't change an admin's quotas.");
    let next: number | null;
    if (data.additionalRunningJobs !== undefined) {
      next = target.maxRunningJobs === null ? null : target.maxRunningJobs + data.additionalRunningJobs;
      if (next !== null && next < 0) {
        throw new Invalid({ additional_quota: [`The quota would go below 0 (it is ${target.maxRunningJobs}).`] });
      }
    } else {
      next = data.totalRunningJobs ?? null;
    }
    await tx
      .update(orgMembers)
      .set({ maxRunningJobs: next })
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, target.userId)));
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "member.quota_changed",
      target: { type: "user", id: target.userId, label: data.user },
      before: { maxRunningJobs: target.maxRunningJobs },
      after: { maxRunningJobs: next, cluster: data.cluster },
    });
  });
  return getClusterUser(db, caller, { cluster: data.cluster, org: data.org, user: data.user });
}

// ------------------------------------------------------------------------------------------- user records

export interface UserProfile {
  username: string;
  /** Null unless the caller is the person, a platform admin, or a manager/admin of an org they share. */
  email: string | null;
  name: string | null;
  createdAt: Date;
  orgs: { orgName: string; role: OrgRole; balance: MemberBalance }[];
  clusters: {
    clusterName: string;
    orgName: string;
    role: OrgRole;
    maxRunningJobs: number | null;
    balance: MemberBalance;
  }[];
  projects: {
    projectName: string;
    clusterName: string;
    orgName: string;
    role: "reader" | "writer" | "manager" | "admin";
  }[];
}

/**
 * A person's record, as Apolo's `users/{name}` answers it, with their org memberships, cluster users and
 * project memberships. The person themself and platform admins see all of it; another member sees it only
 * through the orgs they share (NotFound when they share none), with the address only when they are a manager
 * or admin of one of them, and only the projects of those orgs they can see. A token restricted to an org
 * sees through that org only.
 */
export async function getUserProfile(db: Db, caller: Caller, username: string): Promise<UserProfile> {
  const person = requirePerson(caller);
  const name = parseInput(safeText().trim().min(1).max(200), username);
  const [u] = await db
    .select({
      id: users.id,
      username: users.username,
      email: users.email,
      name: users.name,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(and(eq(users.username, name), isNull(users.deletedAt)));
  if (!u) throw new NotFound("User not found");
  const restricted = person.kind === "token" && person.orgId ? person.orgId : null;
  const full = u.id === person.userId || (await isPlatformAdmin(db, caller));

  // The orgs seen through: every org of the person (full view), or the ones the caller shares with them.
  let orgIds: string[] | null = null;
  let seesEmail = full;
  const viewerRole = new Map<string, OrgRole>();
  if (!full) {
    const mine = await db
      .select({ orgId: orgMembers.orgId, role: orgMembers.role })
      .from(orgMembers)
      .innerJoin(orgs, and(eq(orgs.id, orgMembers.orgId), isNull(orgs.deletedAt)))
      .where(
        and(
          eq(orgMembers.userId, person.userId),
          sql`${orgMembers.orgId} in (select org_id from org_members where user_id = ${u.id})`,
          restricted ? eq(orgMembers.orgId, restricted) : undefined,
        ),
      );
    if (mine.length === 0) throw new NotFound("User not found");
    for (const m of mine) viewerRole.set(m.orgId, m.role);
    orgIds = mine.map((m) => m.orgId);
    seesEmail = mine.some((m) => roleAtLeast(m.role, "manager"));
  } else if (restricted) {
    orgIds = [restricted];
  }
  const inOrgs = (col: typeof orgMembers.orgId | typeof projects.orgId) =>
    orgIds === null ? undefined : orgIds.length ? inArray(col, orgIds) : sql`false`;

  const [memberships, clusterLinks, projectRows] = await Promise.all([
    db
      .select({
        orgId: orgs.id,
        orgName: orgs.name,
        role: orgMembers.role,
        credits: memberCredits,
        spent: memberSpent,
        maxRunningJobs: orgMembers.maxRunningJobs,
      })
      .from(orgMembers)
      .innerJoin(orgs, and(eq(orgs.id, orgMembers.orgId), isNull(orgs.deletedAt)))
      .where(and(eq(orgMembers.userId, u.id), inOrgs(orgMembers.orgId)))
      .orderBy(asc(orgs.name)),
    db
      .select({ orgId: orgClusters.orgId, clusterName: clusters.name })
      .from(orgClusters)
      .innerJoin(clusters, eq(clusters.id, orgClusters.clusterId))
      .where(sql`${orgClusters.orgId} in (select org_id from org_members where user_id = ${u.id})`)
      .orderBy(asc(clusters.name)),
    db
      .select({
        orgId: projects.orgId,
        projectName: projects.name,
        clusterName: clusters.name,
        orgName: orgs.name,
        role: projectMembers.role,
        projectId: projects.id,
      })
      .from(projectMembers)
      .innerJoin(projects, eq(projects.id, projectMembers.projectId))
      .innerJoin(orgs, and(eq(orgs.id, projects.orgId), isNull(orgs.deletedAt)))
      .innerJoin(clusters, eq(clusters.id, projects.clusterId))
      .where(and(eq(projectMembers.userId, u.id), inOrgs(projects.orgId)))
      .orderBy(asc(clusters.name), asc(orgs.name), asc(projects.name)),
  ]);

  // Another member sees a project of a shared org when they are an org manager/admin or in the project too.
  let visibleProjects = projectRows;
  if (!full) {
    const ids = projectRows.map((p) => p.projectId);
    const mineIn = ids.length
      ? new Set(
          (
            await db
              .select({ projectId: projectMembers.projectId })
              .from(projectMembers)
              .where(and(eq(projectMembers.userId, person.userId), inArray(projectMembers.projectId, ids)))
          ).map((r) => r.projectId),
        )
      : new Set<string>();
    visibleProjects = projectRows.filter(
      (p) => roleAtLeast(viewerRole.get(p.orgId) ?? "user", "manager") || mineIn.has(p.projectId),
    );
  }

  const byOrg = new Map(memberships.map((m) => [m.orgId, m]));
  return {
    username: u.username,
    email: seesEmail ? u.email : null,
    name: u.name,
    createdAt: u.createdAt,
    orgs: memberships.map((m) => ({
      orgName: m.orgName,
      role: m.role,
      balance: { credits: m.credits, spent: m.spent },
    })),
    clusters: clusterLinks
      .filter((l) => byOrg.has(l.orgId))
      .map((l) => {
        const m = byOrg.get(l.orgId)!;
        return {
          clusterName: l.clusterName,
          orgName: m.orgName,
          role: m.role,
          maxRunningJobs: m.maxRunningJobs,
          balance: { credits: m.credits, spent: m.spent },
        };
      }),
    projects: visibleProjects.map((p) => ({
      projectName: p.projectName,
      clusterName: p.clusterName,
      orgName: p.orgName,
      role: p.role,
    })),
  };
}

/** Apolo's User splits the display name at the first space: "Ada King Lovelace" → "Ada", "King Lovelace". */
export function splitName(name: string | null): { first: string | null; last: string | null } {
  const n = (name ?? "").trim();
  if (!n) return { first: null, last: null };
  const i = n.indexOf(" ");
  return i < 0 ? { first: n, last: null } : { first: n.slice(0, i), last: n.slice(i + 1).trim() || null };
}
