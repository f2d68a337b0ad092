import { and, asc, count, desc, eq, inArray, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { z } from "zod";
import { containsPattern } from "../core/like";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
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

/**
 * Counting stops here: a search or role filter that matches more members shows "1,000+" (the pager still goes on
 * past it). An org with more members than this is also where a search takes the bounded path below.
 */
export const SEARCH_COUNT_CAP = 1_000;

/**
 * One page of an org's members, searched, sorted and paged in the database, never loading the whole list:
 * sorts run on org_members' (org_id, …, username) indexes, a search first collects matching accounts through
 * the trigram index, and the unfiltered total is the org's maintained member_count. Every member may list
 * members (usernames, names); their email addresses are only selected, and only searched, for managers and
 * admins ("members.viewEmail"), so a user can neither read nor probe them.
 *
 * A search in an org of at most SEARCH_COUNT_CAP members pages and counts every match in one query (there can't
 * be more than the cap). In a bigger org a broad term can match thousands of its members, and reading all of
 * them would make the org's size the search's cost; there the page and a count that stops at the cap are found
 * apart (at once on PostgreSQL; one after the other on PGlite's single connection), and the default sort (by
 * username) takes the first matching accounts in username order, probing membership until the page is full.
 * `npm run bench:members` compares the two paths' cost.
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
  const offset = (q.page - 1) * q.pageSize;
  // Counting goes one past the cap, or one past this page when it lies beyond the cap: "more" enables Next.
  const countLimit = Math.max(SEARCH_COUNT_CAP, offset + q.pageSize) + 1;

  const seesEmail = allowed(access, "members.viewEmail");
  const orgId = access.org.id;
  const inOrg = q.role ? and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, q.role)) : eq(orgMembers.orgId, orgId);
  // The accounts a term matches, through the trigram index on users; without "members.viewEmail" the index's
  // candidates are checked again on the text without the address.
  const pattern = q.q ? containsPattern(q.q) : "";
  const matchesTerm = seesEmail
    ? sql`${USER_SEARCH_TEXT} like ${pattern}`
    : sql`${USER_SEARCH_TEXT} like ${pattern} and ${USER_SEARCH_TEXT_NO_EMAIL} like ${pattern}`;
  // The matching accounts as one array (an InitPlan) that the org's (org_id, user_id) key is probed with: never
  // a walk of the whole org filtered row by row, nor a hash of it.
  const searched = q.q ? sql`${orgMembers.userId} = any(array(select id from users where ${matchesTerm}))` : undefined;
  // Whether the account `userId` (an outer column) is a member, in the role filtered on: a subquery the planner
  // keeps per row (never a join), so a walk that stops early probes only the accounts it reached.
  const isMember = (userId: SQL | AnyColumn) =>
    sql`(select true from org_members om where om.org_id = ${orgId} and om.user_id = ${userId}${
      q.role ? sql` and om.role = ${q.role}` : sql``
    })`;

  // What a row shows: the account's names (and address, for those who may see it) and the membership.
  const membershipColumns = {
    role: orgMembers.role,
    joinedAt: orgMembers.createdAt,
    creditLimit: orgMembers.creditLimit,
    spent: orgMembers.spent,
    maxRunningJobs: orgMembers.maxRunningJobs,
  };
  const rowColumns = {
    userId: users.id,
    username: users.username,
    name: users.name,
    ...(seesEmail ? { email: users.email } : {}),
    ...membershipColumns,
  };
  const pageOf = (ids: string[] | undefined) =>
    ids?.length === 0
      ? Promise.resolve([])
      : db
          .select(rowColumns)
          .from(orgMembers)
          .innerJoin(users, eq(users.id, orgMembers.userId))
          .where(and(inOrg, ids ? inArray(orgMembers.userId, ids) : undefined))
          .orderBy(...orderBy)
          .limit(q.pageSize)
          .offset(ids ? 0 : offset);
  const countUpToLimit = (where: SQL | undefined) =>
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(
        db
          .select({ one: sql`1` })
          .from(orgMembers)
          .where(where)
          .limit(countLimit)
          .as("capped"),
      )
      .then((r) => r[0]?.n ?? 0);

  /**
   * A page by username of the accounts matching the term, taken from the first `candidates` of them (all when
   * undefined) in username order, each joined to its membership here (in the role filtered on) or dropped: one
   * statement that sorts the matches (a bounded top-N sort when `candidates` is set), then probes the org's
   * (org_id, user_id) key one account at a time until the page is full. The order is byte order ("C"):
   * usernames are [a-z0-9-], so it is the indexes' order on a C or C.UTF-8 database, and it keeps the planner off
   * the users' username index (a walk of every account, filtered, when the matches cluster late in the alphabet).
   */
  const matchingAccountsPage = (candidates: number | undefined) => {
    const sorted = db
      .select({ id: users.id, username: users.username, name: users.name, email: users.email })
      .from(users)
      .where(matchesTerm)
      .orderBy(dir(sql`${users.username} collate "C"`));
    const matching = (candidates === undefined ? sorted : sorted.limit(candidates)).as("matching");
    // LATERAL with LIMIT 1: a parameterized probe per account, never a join the planner could hash.
    const membership = db
      .select(membershipColumns)
      .from(orgMembers)
      .where(
        and(
          eq(orgMembers.orgId, orgId),
          eq(orgMembers.userId, matching.id),
          q.role ? eq(orgMembers.role, q.role) : undefined,
        ),
      )
      .limit(1)
      .as("membership");
    return db
      .select({
        userId: matching.id,
        username: matching.username,
        name: matching.name,
        ...(seesEmail ? { email: matching.email } : {}),
        role: membership.role,
        joinedAt: membership.joinedAt,
        creditLimit: membership.creditLimit,
        spent: membership.spent,
        maxRunningJobs: membership.maxRunningJobs,
      })
      .from(matching)
      .crossJoinLateral(membership)
      .orderBy(dir(sql`${matching.username} collate "C"`))
      .limit(q.pageSize)
      .offset(offset);
  };

  let rows: unknown[];
  let total: number;
  if (!q.q) {
    // No search: the page straight off an (org_id, …) index; the total is the org's member count, or for a role
    // filter a count that stops at the limit.
    [rows, total] = await Promise.all([
      pageOf(undefined),
      q.role ? countUpToLimit(inOrg) : Promise.resolve(access.org.memberCount),
    ]);
  } else if (access.org.memberCount <= SEARCH_COUNT_CAP) {
    // A small org: find the page's members and count every match in one pass over org_members (the sort reads
    // all matches anyway), before any account is joined; then read the page's members with their accounts.
    const hits = await db
      .select({ userId: orgMembers.userId, matches: sql<number>`(count(*) over ())::int` })
      .from(orgMembers)
      .where(and(inOrg, searched))
      .orderBy(...orderBy)
      .limit(q.pageSize)
      .offset(offset);
    [rows, total] = await Promise.all([
      pageOf(hits.map((h) => h.userId)),
      // Past the last page there is no row to read the count from.
      hits.length > 0 || q.page === 1 ? Promise.resolve(hits[0]?.matches ?? 0) : countUpToLimit(and(inOrg, searched)),
    ]);
  } else {
    // A big org: the page, and a count that stops at the limit, as two queries side by side (on a pool).
    const counted = rawRows<{ n: number }>(
      db,
      // Walks the matching accounts in index order, probing membership, and stops at the limit: it reads only
      // as many as it counts, plus the ones that aren't members.
      sql`select count(*)::int as n from (select 1 from users where ${matchesTerm} and ${isMember(sql`users.id`)} limit ${countLimit}) c`,
    ).then((r) => r[0]?.n ?? 0);
    if (q.sort === "username") {
      // Most matches of a broad term in a big org are usually its members: the first few times the page's length
      // of matching accounts, by username, most often hold the page. Only when they don't (the org holds few of
      // the matches) are all matches sorted.
      const firstTry = 4 * (offset + q.pageSize);
      [rows, total] = await Promise.all([matchingAccountsPage(firstTry), counted]);
      if (rows.length < q.pageSize && offset + rows.length < total) rows = await matchingAccountsPage(undefined);
    } else {
      const page = db
        .select({ userId: orgMembers.userId })
        .from(orgMembers)
        .where(and(inOrg, searched))
        .orderBy(...orderBy)
        .limit(q.pageSize)
        .offset(offset)
        .then((r) => pageOf(r.map((h) => h.userId)));
      [rows, total] = await Promise.all([page, counted]);
    }
  }
  // The member count itself is exact; a count that reached its limit says "at least".
  const capped = (q.q || q.role) && total >= countLimit;
  return {
    rows: rows as MemberRow[],
    total: capped ? countLimit - 1 : total,
    totalCapped: Boolean(capped),
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
