import { and, asc, count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { foreignKeyViolation } from "../core/db-errors";
import { containsPattern } from "../core/like";
import type { Db, Tx } from "@/db";
import { orgMembers, projectMembers, users, USER_SEARCH_TEXT } from "@/db/schema";
import type { OrgRef, OrgRole } from "../core/authz";
import { requireMode, requirePerson, type Caller } from "../core/caller";
import { Conflict, Forbidden, Invalid, NotFound } from "../core/errors";
import { filterText, pagingShape, parseInput, safeText } from "../core/validation";
import { recordAudit } from "../orgs/audit";
import {
  authorizeProject,
  grantableProjectRoles,
  PROJECT_ROLES,
  projectAllowed,
  requireProjectAccess,
  withProjectLock,
  type ProjectAccess,
  type ProjectRef,
  type ProjectRole,
} from "./access";

// ------------------------------------------------------------------------------------------------ schemas

const usernameField = safeText().trim().toLowerCase().min(1, "Choose a member.").max(64, "No such account.");
const roleField = z.enum(PROJECT_ROLES, "Choose a role: reader, writer, manager or admin.");

export const listProjectMembersSchema = z.object({
  q: filterText(100).catch(""),
  ...pagingShape(25),
});

export const addProjectMemberSchema = z.object({
  username: safeText().trim().toLowerCase().min(1, "Enter a username.").max(64, "No such account."),
  role: roleField.optional(),
});
export type AddProjectMemberInput = z.input<typeof addProjectMemberSchema>;

export const changeProjectMemberRoleSchema = z.object({ username: usernameField, role: roleField });

export const removeProjectMemberSchema = z.object({ username: usernameField });

export const projectCandidatesSchema = z.object({ q: filterText(100).catch("") });

/** How many suggestions the add dialog gets. */
const CANDIDATES = 10;

// ------------------------------------------------------------------------------------------------ rules

/** Apolo's text for adding someone who is not in the org (or doesn't exist). */
function notInOrg(orgName: string, username: string, cluster: string): Invalid {
  return new Invalid({ username: [`User '${orgName}/${username}' not found in cluster '${cluster}'`] });
}

/**
 * What the viewer may do to a member with `targetRole` (the one rule the UI and the operations share): the
 * viewer's own row only allows leaving; managers change roles among reader/writer/manager and never touch an
 * admin; admins (and org managers/admins, who act as admins) do anything; the last admin is neither demoted
 * nor removed.
 */
function memberRules(
  access: Pick<ProjectAccess, "projectRole" | "caller">,
  target: { userId: string; role: ProjectRole },
  admins: number,
): { changeRole: boolean; roles: ProjectRole[]; remove: boolean } {
  const lastAdmin = target.role === "admin" && admins <= 1;
  if (target.userId === access.caller.id) {
    // Leaving takes only "project.view", but it is a write: not with a read-only token.
    const writes = !access.caller.scopes || access.caller.scopes.includes("write");
    return { changeRole: false, roles: [], remove: !lastAdmin && writes && projectAllowed(access, "project.view") };
  }
  const manages = projectAllowed(access, "project.manageMembers");
  const touchesAdmin = target.role !== "admin" || projectAllowed(access, "project.grantAdmin");
  const ok = manages && touchesAdmin && !lastAdmin;
  const grantable = grantableProjectRoles(access.projectRole).filter(
    (r) => r !== "admin" || projectAllowed(access, "project.grantAdmin"),
  );
  return { changeRole: ok && grantable.length > 1, roles: ok ? grantable : [], remove: ok };
}

async function adminCount(tx: Db | Tx, projectId: string): Promise<number> {
  const [r] = await tx
    .select({ n: count() })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, "admin")));
  return r?.n ?? 0;
}

async function findProjectMember(tx: Tx, projectId: string, username: string) {
  const [m] = await tx
    .select({ userId: users.id, username: users.username, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(and(eq(projectMembers.projectId, projectId), eq(users.username, username)))
    .limit(1);
  if (!m) throw new NotFound(`'${username}' is not a member of this project.`);
  return m;
}

function projectLabel(access: ProjectAccess): string {
  return `${access.project.clusterName}/${access.project.name}`;
}

// ------------------------------------------------------------------------------------------------ operations

export interface ProjectMemberRow {
  userId: string;
  username: string;
  name: string | null;
  role: ProjectRole;
  orgRole: OrgRole;
  joinedAt: Date;
  /** What the viewer may do to this member: exactly what the operations let through. */
  actions: { changeRole: boolean; roles: ProjectRole[]; remove: boolean };
}

/** One page of a project's members (every project member may see them), searched on username and name. */
export async function listProjectMembers(db: Db, caller: Caller, org: OrgRef, ref: ProjectRef, query: unknown) {
  const access = await requireProjectAccess(db, caller, org, ref, "project.view");
  const q = listProjectMembersSchema.parse(query ?? {});
  const inProject = eq(projectMembers.projectId, access.project.id);
  const pattern = q.q ? containsPattern(q.q) : null;
  const searched = pattern
    ? sql`(${users.username} like ${pattern} or lower(coalesce(${users.name}, '')) like ${pattern})`
    : undefined;
  const [rows, [total], admins] = await Promise.all([
    db
      .select({
        userId: users.id,
        username: users.username,
        name: users.name,
        role: projectMembers.role,
        orgRole: orgMembers.role,
        joinedAt: projectMembers.createdAt,
      })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .innerJoin(
        orgMembers,
        and(eq(orgMembers.orgId, projectMembers.orgId), eq(orgMembers.userId, projectMembers.userId)),
      )
      .where(and(inProject, searched))
      .orderBy(asc(users.username))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize),
    db
      .select({ n: count() })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .where(and(inProject, searched)),
    adminCount(db, access.project.id),
  ]);
  const canAdd = projectAllowed(access, "project.manageMembers");
  return {
    rows: rows.map((r): ProjectMemberRow => ({ ...r, actions: memberRules(access, r, admins) })),
    total: total?.n ?? 0,
    query: q,
    canAdd,
    addableRoles: canAdd
      ? grantableProjectRoles(access.projectRole).filter(
          (r) => r !== "admin" || projectAllowed(access, "project.grantAdmin"),
        )
      : [],
    defaultRole: access.project.defaultRole,
  };
}

/**
 * Adds an org member to the project (project managers and admins; org managers and admins), with `role` or
 * the project's default role; granting admin takes "project.grantAdmin". Someone not in the org gets Apolo's
 * "User '<org>/<user>' not found in cluster '<cluster>'", also when their org membership goes away while this
 * runs (the foreign key to org_members refuses the row: 23503).
 */
export async function addProjectMember(db: Db, caller: Caller, orgName: string, ref: ProjectRef, input: unknown) {
  const data = parseInput(addProjectMemberSchema, input);
  try {
    return await withProjectLock(db, caller, orgName, ref, "project.manageMembers", async (tx, access) => {
      const role = data.role ?? access.project.defaultRole;
      if (role === "admin" && !projectAllowed(access, "project.grantAdmin")) {
        throw new Forbidden("Only project admins can grant the admin role.");
      }
      const [person] = await tx
        .select({ userId: users.id, username: users.username })
        .from(orgMembers)
        .innerJoin(users, eq(users.id, orgMembers.userId))
        .where(and(eq(orgMembers.orgId, access.org.id), eq(users.username, data.username)))
        .limit(1);
      if (!person) throw notInOrg(access.org.name, data.username, access.project.clusterName);
      const inserted = await tx
        .insert(projectMembers)
        .values({ projectId: access.project.id, orgId: access.org.id, userId: person.userId, role })
        .onConflictDoNothing()
        .returning({ userId: projectMembers.userId });
      if (inserted.length === 0) {
        const [m] = await tx
          .select({ role: projectMembers.role })
          .from(projectMembers)
          .where(and(eq(projectMembers.projectId, access.project.id), eq(projectMembers.userId, person.userId)));
        throw new Conflict(
          `${person.username} already is a member of this project (${m?.role ?? "member"}).`,
          "username",
        );
      }
      await recordAudit(tx, {
        org: access.org,
        actor: access.caller,
        action: "project.member_added",
        target: { type: "user", id: person.userId, label: person.username },
        after: { project: projectLabel(access), role },
      });
      return { username: person.username, role };
    });
  } catch (err) {
    if (foreignKeyViolation(err)) throw notInOrg(orgName, data.username, ref.cluster);
    throw err;
  }
}

/**
 * Changes a member's project role. Project managers move people among reader, writer and manager and never
 * touch an admin; admins (and org managers/admins) set any role; nobody changes their own. The last project
 * admin is never demoted: checked under withProjectLock, so two admins demoting each other can't both win.
 */
export async function changeProjectMemberRole(
  db: Db,
  caller: Caller,
  orgName: string,
  ref: ProjectRef,
  input: unknown,
) {
  const data = parseInput(changeProjectMemberRoleSchema, input);
  return withProjectLock(db, caller, orgName, ref, "project.manageMembers", async (tx, access) => {
    const target = await findProjectMember(tx, access.project.id, data.username);
    if (target.userId === access.caller.id) throw new Forbidden("You can't change your own role.");
    const grantsAdmin = projectAllowed(access, "project.grantAdmin");
    if (target.role === "admin" && !grantsAdmin) throw new Forbidden("Only project admins can change an admin's role.");
    if (data.role === "admin" && !grantsAdmin) throw new Forbidden("Only project admins can grant the admin role.");
    if (target.role === data.role) {
      return { username: target.username, role: data.role, previous: target.role, changed: false };
    }
    if (target.role === "admin" && (await adminCount(tx, access.project.id)) <= 1) {
      throw new Conflict("Last project admin cannot be demoted", "role");
    }
    await tx
      .update(projectMembers)
      .set({ role: data.role, updatedAt: new Date() })
      .where(and(eq(projectMembers.projectId, access.project.id), eq(projectMembers.userId, target.userId)));
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "project.member_role_changed",
      target: { type: "user", id: target.userId, label: target.username },
      before: { project: projectLabel(access), role: target.role },
      after: { project: projectLabel(access), role: data.role },
    });
    return { username: target.username, role: data.role, previous: target.role, changed: true };
  });
}

/**
 * Removes a member from the project: managers remove readers, writers and managers, admins anyone; every
 * member may remove themself (leave). The last project admin is never removed (checked under the lock).
 */
export async function removeProjectMember(db: Db, caller: Caller, orgName: string, ref: ProjectRef, input: unknown) {
  const data = parseInput(removeProjectMemberSchema, input);
  // Leaving needs only "project.view", but it is a write: a read-only token can't.
  requireMode(requirePerson(caller), "write");
  return withProjectLock(db, caller, orgName, ref, "project.view", async (tx, access) => {
    const self = data.username === access.caller.username;
    if (!self) authorizeProject(access, "project.manageMembers");
    const target = await findProjectMember(tx, access.project.id, data.username);
    if (!self && target.role === "admin" && !projectAllowed(access, "project.grantAdmin")) {
      throw new Forbidden("Only project admins can remove an admin.");
    }
    if (target.role === "admin" && (await adminCount(tx, access.project.id)) <= 1) {
      throw new Conflict("Last project admin cannot be removed", "username");
    }
    await tx
      .delete(projectMembers)
      .where(and(eq(projectMembers.projectId, access.project.id), eq(projectMembers.userId, target.userId)));
    if (self) {
      await recordAudit(tx, {
        org: access.org,
        actor: access.caller,
        action: "project.member_left",
        target: { type: "user", id: target.userId, label: target.username },
        before: { project: projectLabel(access), role: target.role },
      });
    } else {
      await recordAudit(tx, {
        org: access.org,
        actor: access.caller,
        action: "project.member_removed",
        target: { type: "user", id: target.userId, label: target.username },
        before: { project: projectLabel(access), role: target.role },
      });
    }
    return { username: target.username, left: self };
  });
}

/** Up to 10 org members not yet in the project, matching `q` on username or name: the add dialog's suggestions. */
export async function listProjectCandidates(db: Db, caller: Caller, org: OrgRef, ref: ProjectRef, query: unknown) {
  const access = await requireProjectAccess(db, caller, org, ref, "project.manageMembers");
  const q = projectCandidatesSchema.parse(query ?? {});
  const pattern = q.q ? containsPattern(q.q) : null;
  // A search collects matching accounts through the trigram index first (as listMembers does).
  const searched = pattern
    ? sql`${orgMembers.userId} in (select id from users where ${USER_SEARCH_TEXT} like ${pattern} and (username || ' ' || lower(coalesce(name, ''))) like ${pattern} offset 0)`
    : undefined;
  const rows = await db
    .select({ username: users.username, name: users.name })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(
      and(
        eq(orgMembers.orgId, access.org.id),
        searched,
        sql`not exists (select 1 from project_members pm where pm.project_id = ${access.project.id} and pm.user_id = ${orgMembers.userId})`,
      ),
    )
    .orderBy(asc(orgMembers.username))
    .limit(CANDIDATES);
  return rows;
}
