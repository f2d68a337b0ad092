import { asc, count, eq, ilike } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { orgs, users } from "@/db/schema";
import { requireActor, type Actor } from "./authz";
import { NotFound } from "./errors";

/** Usernames in PLATFORM_ADMINS (comma-separated) are platform admins, as are accounts granted the flag. */
export function platformAdminNames(env: Record<string, string | undefined> = process.env): Set<string> {
  return new Set(
    (env.PLATFORM_ADMINS ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

export async function isPlatformAdmin(db: Db, actor: Actor): Promise<boolean> {
  return actor ? (await operatorOf(db, actor.userId)) !== null : false;
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
export async function requirePlatformAdmin(db: Db, actor: Actor): Promise<{ userId: string; username: string }> {
  const { userId } = requireActor(actor);
  const username = await operatorOf(db, userId);
  if (!username) throw new NotFound("Not found");
  return { userId, username };
}

/** `npm run admin -- grant-platform-admin NAME`: run by the operator on the server, not by a person in the console. */
export async function grantPlatformAdmin(db: Db, username: string): Promise<void> {
  const updated = await db
    .update(users)
    .set({ isPlatformAdmin: true })
    .where(eq(users.username, username))
    .returning({ id: users.id });
  if (updated.length === 0) throw new NotFound(`No account with the username '${username}'.`);
}

const orgListSchema = z.object({
  q: z.string().trim().max(63).catch(""),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** Operators see every org: name, members, balance, creation date; searched by name, paged in the database. */
export async function listAllOrgs(db: Db, actor: Actor, query: unknown) {
  await requirePlatformAdmin(db, actor);
  const q = orgListSchema.parse(query ?? {});
  const where = q.q ? ilike(orgs.name, `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined;
  const pageSize = 50;
  const [rows, [total]] = await Promise.all([
    db
      .select({
        name: orgs.name,
        displayName: orgs.displayName,
        memberCount: orgs.memberCount,
        balance: orgs.balance,
        createdAt: orgs.createdAt,
      })
      .from(orgs)
      .where(where)
      .orderBy(asc(orgs.name))
      .limit(pageSize)
      .offset((q.page - 1) * pageSize),
    db.select({ n: count() }).from(orgs).where(where),
  ]);
  return { rows, total: total?.n ?? 0, query: { ...q, pageSize } };
}
