import { and, asc, count, eq, ilike, isNull } from "drizzle-orm";
import { escapeLike } from "../core/like";
import { z } from "zod";
import type { Db } from "@/db";
import { orgs, orgWallets, users } from "@/db/schema";
import { requireUser, type AccessMode, type Caller } from "../core/caller";
import { NotFound } from "../core/errors";
import { addMemberDirectly } from "./membership";
import type { Services } from "../core/services";
import { installedConfig } from "../core/config";
import { filterText } from "../core/validation";

/**
 * Usernames in PLATFORM_ADMINS are platform admins, as are accounts granted the flag: the names come parsed
 * (lowercased) from the config the boundary installed (lib/core/config.ts AppConfig.platformAdmins).
 */
export function platformAdminNames(): ReadonlySet<string> {
  return installedConfig().platformAdmins;
}

/** Whether the caller is a person who is a platform admin (never a cluster or the system; a token as its user). */
export async function isPlatformAdmin(db: Db, caller: Caller): Promise<boolean> {
  return caller && (caller.kind === "user" || caller.kind === "token")
    ? (await operatorOf(db, caller.userId)) !== null
    : false;
}

/** The account's username when it is a platform admin (flag or PLATFORM_ADMINS), else null. */
async function operatorOf(db: Db, userId: string): Promise<string | null> {
  const [u] = await db
    .select({ username: users.username, flag: users.isPlatformAdmin })
    .from(users)
    .where(eq(users.id, userId));
  return u && (u.flag || platformAdminNames().has(u.username)) ? u.username : null;
}

/** Operator-only operations. Everyone else is told the page doesn't exist. */
export async function requirePlatformAdmin(
  db: Db,
  caller: Caller,
  mode: AccessMode = "write",
): Promise<{ id: string; userId: string; username: string; tokenName?: string }> {
  // The Admin area's lists are reads, its operations writes (a read-only token does none of them).
  const { userId } = requireUser(caller, mode);
  const username = await operatorOf(db, userId);
  if (!username) throw new NotFound("Not found");
  // `id`, `username` and `tokenName`: what an audit row's actor needs.
  return caller?.kind === "token"
    ? { id: userId, userId, username, tokenName: caller.tokenName }
    : { id: userId, userId, username };
}

export const orgListSchema = z.object({
  q: filterText(63).catch(""),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** Operators see every org: name, members, balance, creation date; searched by name, paged in the database. */
export async function listAllOrgs(db: Db, caller: Caller, query: unknown) {
  await requirePlatformAdmin(db, caller, "read");
  const q = orgListSchema.parse(query ?? {});
  const where = and(isNull(orgs.deletedAt), q.q ? ilike(orgs.name, `%${escapeLike(q.q)}%`) : undefined);
  const pageSize = 50;
  const [rows, [total]] = await Promise.all([
    db
      .select({
        name: orgs.name,
        displayName: orgs.displayName,
        memberCount: orgs.memberCount,
        balance: orgWallets.balance,
        createdAt: orgs.createdAt,
      })
      .from(orgs)
      .innerJoin(orgWallets, eq(orgWallets.orgId, orgs.id))
      .where(where)
      .orderBy(asc(orgs.name))
      .limit(pageSize)
      .offset((q.page - 1) * pageSize),
    db.select({ n: count() }).from(orgs).where(where),
  ]);
  return { rows, total: total?.n ?? 0, query: { ...q, pageSize } };
}

/**
 * Adds an account to an org at once, without asking them: the one exception to "nobody becomes a member
 * without saying yes", for a platform admin in the Admin area (anyone else is told the page doesn't exist).
 * The server's `npm run admin -- add-member` goes through lib/orgs/internal.ts addMemberAsSystem. Audited in the
 * org's log; the person is told by mail when `svc` is given and their account has an address. Open invitations
 * of that org to the account are closed (revoked): they are answered by the add.
 */
export async function addMemberAsPlatformAdmin(db: Db, caller: Caller, input: unknown, svc?: Services) {
  requireUser(caller, "write");
  const operator = await requirePlatformAdmin(db, caller);
  return addMemberDirectly(db, operator, input, svc);
}
