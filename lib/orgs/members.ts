import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { containsPattern } from "../core/like";
import type { Db } from "@/db";
import { orgMembers, users, USER_SEARCH_TEXT } from "@/db/schema";
import { recordAudit } from "./audit";
import { allowed, canGrant, ORG_ROLES, requireOrgAccess, withOrgLock, type OrgRef, type OrgRole } from "../core/authz";
import { type Caller } from "../core/caller";
import { Conflict, Forbidden, NotFound } from "../core/errors";
import { filterText, pagingShape, parseInput, safeText } from "../core/validation";

export const MEMBER_SORTS = ["username", "role", "joined"] as const;

export const listMembersSchema = z.object({
  q: filterText(100).catch(""),
  sort: z.enum(MEMBER_SORTS).catch("username"),
  dir: z.enum(["asc", "desc"]).catch("asc"),
  /** Only members with this role; anything else (absent, "all", unknown) lists every role. */
  role: z.enum(ORG_ROLES).optional().catch(undefined),
  ...pagingShape(25, 1_000_000),
});
export type ListMembersQuery = z.output<typeof listMembersSchema>;

export interface MemberRow {
  userId: string;
  username: string;
  name: string | null;
  /** Only for viewers who may see members' addresses (managers, admins); null when the account has none. */
  email?: string | null;
  role: OrgRole;
  joinedAt: Date;
  creditLimit: string | null;
  spent: string;
  maxRunningJobs: number | null;
}

/** What a viewer without "members.viewEmail" may search: the same text as USER_SEARCH_TEXT minus the address. */
const USER_SEARCH_TEXT_NO_EMAIL = sql.raw(`(username || ' ' || lower(coalesce(name, '')))`);

/** Totals past this are shown as "10,000+" when a search is active: counting every match has no bound. */
export const SEARCH_COUNT_CAP = 10_000;

/**
 * One page of an org's members, searched, sorted and paged in the database, never loading the whole list:
 * sorts run on org_members' (org_id, …, username) indexes, a search first collects matching accounts through
 * the trigram index, and the unfiltered total is the org's maintained member_count. Every member may list
 * members (usernames, names); their email addresses are only selected, and only searched, for managers and
 * admins ("members.viewEmail"), so a user can neither read nor probe them.
 */
export async function listMembers(db: Db, caller: Caller, org: OrgRef, query: unknown) {
  const access = await requireOrgAccess(db, caller, org, "members.list");
  const q = listMembersSchema.parse(query ?? {});
  const dir = q.dir === "asc" ? asc : desc;
  // Within a role names always read A→Z, whichever way the roles are sorted.
  const orderBy =
    q.sort === "role"
      ? [dir(orgMembers.role), asc(orgMembers.username)]
      : q.sort === "joined"
        ? [dir(orgMembers.createdAt), dir(orgMembers.username)]
        : [dir(orgMembers.username)];

  const seesEmail = allowed(access, "members.viewEmail");
  const inOrg = q.role
    ? and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.role, q.role))
    : eq(orgMembers.orgId, access.org.id);
  // The matching accounts come from the trigram index first, as one array (an InitPlan) that the org's
  // (org_id, user_id) key is probed with: never a walk of the whole org filtered row by row, nor a hash of it.
  // Without "members.viewEmail" the index's candidates are checked again on the text without the address.
  const pattern = q.q ? containsPattern(q.q) : "";
  const searched = !q.q
    ? undefined
    : seesEmail
      ? sql`${orgMembers.userId} = any(array(select id from users where ${USER_SEARCH_TEXT} like ${pattern}))`
      : sql`${orgMembers.userId} = any(array(select id from users where ${USER_SEARCH_TEXT} like ${pattern} and ${USER_SEARCH_TEXT_NO_EMAIL} like ${pattern}))`;

  // A search finds the page's members and counts every match in one pass over org_members (the sort reads all
  // matches anyway), before any account is joined: only the page's members are then read with their accounts.
  const hits = q.q
    ? await db
        .select({ userId: orgMembers.userId, matches: sql<number>`(count(*) over ())::int` })
        .from(orgMembers)
        .where(and(inOrg, searched))
        .orderBy(...orderBy)
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize)
    : undefined;
  const pageIds = hits?.map((h) => h.userId);

  const [rows, total] = await Promise.all([
    pageIds?.length === 0
      ? Promise.resolve([])
      : db
          .select({
            userId: users.id,
            username: users.username,
            name: users.name,
            ...(seesEmail ? { email: users.email } : {}),
            role: orgMembers.role,
            joinedAt: orgMembers.createdAt,
            creditLimit: orgMembers.creditLimit,
            spent: orgMembers.spent,
            maxRunningJobs: orgMembers.maxRunningJobs,
          })
          .from(orgMembers)
          .innerJoin(users, eq(users.id, orgMembers.userId))
          .where(and(inOrg, pageIds ? inArray(orgMembers.userId, pageIds) : undefined))
          .orderBy(...orderBy)
          .limit(q.pageSize)
          .offset(pageIds ? 0 : (q.page - 1) * q.pageSize),
    !q.q && !q.role
      ? Promise.resolve(access.org.memberCount)
      : hits && (hits.length > 0 || q.page === 1)
        ? Promise.resolve(hits![0]?.matches ?? 0)
        : // A role filter alone, or past the last page of a search: count the matches, up to the cap.
          db
            .select({ n: sql<number>`count(*)::int` })
            .from(
              db
                .select({ one: sql`1` })
                .from(orgMembers)
                .where(and(inOrg, searched))
                .limit(SEARCH_COUNT_CAP + 1)
                .as("capped"),
            )
            .then((r) => r[0]?.n ?? 0),
  ]);
  return {
    rows: rows as MemberRow[],
    total: Math.min(total, SEARCH_COUNT_CAP),
    totalCapped: total > SEARCH_COUNT_CAP,
    query: q,
    viewer: { userId: access.caller.id, role: access.role },
    seesEmail,
  };
}

async function adminCount(tx: Db, orgId: string): Promise<number> {
  const [r] = await tx
    .select({ n: count() })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, "admin")));
  return r?.n ?? 0;
}

async function findMember(tx: Db, orgId: string, username: string) {
  const [m] = await tx
    .select({ userId: users.id, username: users.username, role: orgMembers.role })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(orgMembers.orgId, orgId), eq(users.username, username)))
    .limit(1);
  if (!m) throw new NotFound(`'${username}' is not a member of this organization.`);
  return m;
}

export const changeRoleSchema = z.object({
  username: safeText().trim().min(1, "Choose a member."),
  role: z.enum(ORG_ROLES, "Choose a role: user, manager or admin."),
});

/**
 * Sets another member's role. Managers move people only between user and manager and never touch an admin;
 * admins set any role; nobody changes their own; the last admin is never demoted. One transaction, org locked.
 */
export async function changeMemberRole(db: Db, caller: Caller, orgName: string, input: unknown) {
  const data = parseInput(changeRoleSchema, input);
  return withOrgLock(db, caller, orgName, "members.changeRole", async (tx, access) => {
    const target = await findMember(tx, access.org.id, data.username);
    if (target.userId === access.caller.id) throw new Forbidden("You can't change your own role.");
    if (!canGrant(access.role, target.role)) throw new Forbidden("Managers can't change an admin's role.");
    if (!canGrant(access.role, data.role)) throw new Forbidden("Only admins can grant the admin role.");
    if (target.role === data.role) return { username: target.username, role: data.role, changed: false };
    if (target.role === "admin" && (await adminCount(tx, access.org.id)) <= 1) {
      throw new Conflict(`${target.username} is the last admin of '${orgName}' and can't be demoted.`);
    }
    await tx
      .update(orgMembers)
      .set({ role: data.role, updatedAt: new Date() })
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, target.userId)));
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "member.role_changed",
      target: { type: "user", id: target.userId, label: target.username },
      before: { role: target.role },
      after: { role: data.role },
    });
    return { username: target.username, role: data.role, changed: true };
  });
}

export const usernameInput = z.object({ username: safeText().trim().min(1, "Choose a member.") });

/** Removes another member: managers remove users and managers, admins anyone; never the last admin. */
export async function removeMember(db: Db, caller: Caller, orgName: string, input: unknown) {
  const data = parseInput(usernameInput, input);
  return withOrgLock(db, caller, orgName, "members.remove", async (tx, access) => {
    const target = await findMember(tx, access.org.id, data.username);
    if (target.userId === access.caller.id)
      throw new Forbidden("You can't remove yourself: leave the organization instead.");
    if (!canGrant(access.role, target.role)) throw new Forbidden("Only admins can remove an admin.");
    if (target.role === "admin" && (await adminCount(tx, access.org.id)) <= 1) {
      throw new Conflict(`${target.username} is the last admin of '${orgName}' and can't be removed.`);
    }
    await tx.delete(orgMembers).where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, target.userId)));
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "member.removed",
      target: { type: "user", id: target.userId, label: target.username },
      before: { role: target.role },
    });
    return { username: target.username };
  });
}

/** Leaves an org. The last admin can't: they must promote someone first (or delete the org). */
export async function leaveOrg(db: Db, caller: Caller, orgName: string) {
  return withOrgLock(db, caller, orgName, "org.leave", async (tx, access) => {
    if (access.role === "admin" && (await adminCount(tx, access.org.id)) <= 1) {
      throw new Conflict(
        `You are the last admin of '${orgName}'. Promote another member to admin first, or delete the organization.`,
      );
    }
    const me = access.caller;
    await tx.delete(orgMembers).where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, me.id)));
    await recordAudit(tx, {
      org: access.org,
      actor: me,
      action: "member.left",
      target: { type: "user", id: me.id, label: me.username },
      before: { role: access.role },
    });
    return { org: orgName };
  });
}
