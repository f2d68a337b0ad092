import { and, desc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { sessions, users } from "@/db/schema";
import { requireUser, type Caller } from "../core/caller";
import { NotFound } from "../core/errors";
import { parseInput } from "../core/validation";
import { z } from "zod";
import { LAST_SEEN_EVERY_MS, SESSION_MAX_AGE_SEC } from "./session-policy";

export { SESSION_MAX_AGE_SEC, LAST_SEEN_EVERY_MS };

export interface SessionUser {
  id: string;
  username: string;
}

/** Starts the server-side record of a sign-in; its id goes into the signed session token. */
export async function createSession(
  db: Db,
  userId: string,
  client: { userAgent?: string | null; ipAddress?: string | null } = {},
): Promise<string> {
  const [row] = await db
    .insert(sessions)
    .values({
      userId,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ipAddress: client.ipAddress?.slice(0, 64) ?? null,
      expiresAt: new Date(Date.now() + SESSION_MAX_AGE_SEC * 1000),
    })
    .returning({ id: sessions.id });
  return row!.id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns a session token's (user id, session id) into the live account, on every request: null when the session
 * was ended (sign-out, password change, "sign out everywhere else"), has expired, or the account is gone.
 * Touches last_seen_at (and slides the expiry) at most every few minutes.
 */
export async function findSessionUser(db: Db, userId: string, sessionId: string): Promise<SessionUser | null> {
  if (!UUID.test(userId) || !UUID.test(sessionId)) return null;
  const [row] = await db
    .select({ id: users.id, username: users.username, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.userId, userId),
        gt(sessions.expiresAt, sql`now()`),
        isNull(users.deletedAt),
      ),
    )
    .limit(1);
  if (!row) return null;
  if (Date.now() - row.lastSeenAt.getTime() > LAST_SEEN_EVERY_MS) {
    await db
      .update(sessions)
      .set({ lastSeenAt: new Date(), expiresAt: new Date(Date.now() + SESSION_MAX_AGE_SEC * 1000) })
      .where(eq(sessions.id, sessionId));
  }
  return { id: row.id, username: row.username };
}

/** Ends one session of the signed-in person (sign-out of this browser). Unknown ids change nothing. */
export async function endSession(db: Db, userId: string, sessionId: string): Promise<void> {
  if (!UUID.test(sessionId)) return;
  await db.delete(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)));
}

/** Ends every session of an account except `keep` (a password change keeps the browser that made it). */
export async function endOtherSessions(db: Db, userId: string, keep?: string): Promise<number> {
  const ended = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), keep ? ne(sessions.id, keep) : undefined))
    .returning({ id: sessions.id });
  return ended.length;
}

export interface SessionView {
  id: string;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  current: boolean;
}

/** The signed-in person's active sessions: this browser's (`current`) first, then the most recently used. */
export async function listMySessions(db: Db, caller: Caller): Promise<SessionView[]> {
  const { userId, sessionId } = requireUser(caller, "read");
  const rows = await db
    .select({
      id: sessions.id,
      userAgent: sessions.userAgent,
      ipAddress: sessions.ipAddress,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt));
  // This browser's first, then the others by when they were last used.
  return rows.map((r) => ({ ...r, current: r.id === sessionId })).sort((a, b) => Number(b.current) - Number(a.current));
}

export const sessionIdSchema = z.object({ id: z.string().regex(UUID, "Unknown session.") });

/** Signs one of the person's own sessions out (a row's "Sign out" on Account → Sessions). */
export async function revokeMySession(db: Db, caller: Caller, input: unknown): Promise<void> {
  const { userId } = requireUser(caller, "write");
  const { id } = parseInput(sessionIdSchema, input);
  const ended = await db
    .delete(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.userId, userId)))
    .returning({ id: sessions.id });
  if (ended.length === 0) throw new NotFound("That session has already ended.");
}

/** "Sign out everywhere else": ends every session of the person but the one this call came through. */
export async function revokeMyOtherSessions(db: Db, caller: Caller): Promise<{ ended: number }> {
  const { userId, sessionId } = requireUser(caller, "write");
  return { ended: await endOtherSessions(db, userId, sessionId) };
}
