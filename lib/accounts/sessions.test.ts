import { eq } from "drizzle-orm";
import { userCaller } from "../core/caller";
import { describe, expect, it } from "vitest";
import { sessions } from "@/db/schema";
import {
  createSession,
  endOtherSessions,
  endSession,
  findSessionUser,
  LAST_SEEN_EVERY_MS,
  listMySessions,
  revokeMyOtherSessions,
  revokeMySession,
} from "./sessions";
import { makeUser, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();

async function row(id: string) {
  const [r] = await t.db.select().from(sessions).where(eq(sessions.id, id));
  return r;
}

describe("server-side sessions", () => {
  it("a session row makes its (user, session) pair a live account; ending it signs that cookie out", async () => {
    const alice = await makeUser(t.db);
    const sid = await createSession(t.db, alice.id, { userAgent: "Firefox", ipAddress: "10.0.0.1" });
    expect(await findSessionUser(t.db, alice.id, sid)).toEqual({ id: alice.id, username: alice.username });
    const r = await row(sid);
    expect(r).toMatchObject({ userId: alice.id, userAgent: "Firefox", ipAddress: "10.0.0.1" });
    expect(r!.expiresAt.getTime() - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);

    await endSession(t.db, alice.id, sid);
    expect(await findSessionUser(t.db, alice.id, sid)).toBeNull();
    expect(await row(sid)).toBeUndefined();
  });

  it("a session id only works with its own account, and malformed ids are refused before any query", async () => {
    const alice = await makeUser(t.db);
    const bob = await makeUser(t.db);
    const sid = await createSession(t.db, alice.id);
    expect(await findSessionUser(t.db, bob.id, sid)).toBeNull();
    expect(await findSessionUser(t.db, alice.id, "not-a-uuid")).toBeNull();
    expect(await findSessionUser(t.db, "x' or 1=1 --", sid)).toBeNull();
    // Someone else can't end it either.
    await endSession(t.db, bob.id, sid);
    expect(await findSessionUser(t.db, alice.id, sid)).not.toBeNull();
  });

  it("an expired session is dead and is not listed", async () => {
    const alice = await makeUser(t.db);
    const sid = await createSession(t.db, alice.id);
    await t.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.id, sid));
    expect(await findSessionUser(t.db, alice.id, sid)).toBeNull();
    expect(await listMySessions(t.db, userCaller(alice.id))).toEqual([]);
  });

  it("last seen is written at most every few minutes, and then slides the expiry", async () => {
    const alice = await makeUser(t.db);
    const sid = await createSession(t.db, alice.id);
    const before = await row(sid);
    await findSessionUser(t.db, alice.id, sid);
    expect((await row(sid))!.lastSeenAt).toEqual(before!.lastSeenAt);

    const old = new Date(Date.now() - LAST_SEEN_EVERY_MS - 1000);
    const soon = new Date(Date.now() + 3600 * 1000);
    await t.db.update(sessions).set({ lastSeenAt: old, expiresAt: soon }).where(eq(sessions.id, sid));
    await findSessionUser(t.db, alice.id, sid);
    const after = await row(sid);
    expect(after!.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(after!.expiresAt.getTime()).toBeGreaterThan(soon.getTime());
  });

  it("lists the person's own sessions, most recent first, marking this browser's", async () => {
    const alice = await makeUser(t.db);
    const bob = await makeUser(t.db);
    const older = await createSession(t.db, alice.id, { userAgent: "old" });
    await t.db
      .update(sessions)
      .set({ lastSeenAt: new Date(Date.now() - 3600_000) })
      .where(eq(sessions.id, older));
    const current = await createSession(t.db, alice.id, { userAgent: "new" });
    await createSession(t.db, bob.id);
    const list = await listMySessions(t.db, userCaller(alice.id, current));
    expect(list.map((s) => [s.id, s.userAgent, s.current])).toEqual([
      [current, "new", true],
      [older, "old", false],
    ]);
    // From the older browser, its own session comes first.
    const fromOlder = await listMySessions(t.db, userCaller(alice.id, older));
    expect(fromOlder.map((s) => [s.id, s.current])).toEqual([
      [older, true],
      [current, false],
    ]);
  });

  it("revokes one own session; someone else's, or one already ended, is NotFound and stays", async () => {
    const alice = await makeUser(t.db);
    const bob = await makeUser(t.db);
    const a1 = await createSession(t.db, alice.id);
    const b1 = await createSession(t.db, bob.id);
    await revokeMySession(t.db, userCaller(alice.id), { id: a1 });
    expect(await row(a1)).toBeUndefined();
    await expect(revokeMySession(t.db, userCaller(alice.id), { id: a1 })).rejects.toMatchObject({ kind: "not_found" });
    await expect(revokeMySession(t.db, userCaller(alice.id), { id: b1 })).rejects.toMatchObject({ kind: "not_found" });
    expect(await row(b1)).toBeDefined();
    await expect(revokeMySession(t.db, userCaller(alice.id), { id: "nope" })).rejects.toMatchObject({
      kind: "invalid",
    });
    await expect(revokeMySession(t.db, null, { id: b1 })).rejects.toMatchObject({ kind: "unauthenticated" });
  });

  it("'sign out everywhere else' keeps only this browser's session; endOtherSessions with no keeper ends all", async () => {
    const alice = await makeUser(t.db);
    const bob = await makeUser(t.db);
    const here = await createSession(t.db, alice.id);
    await createSession(t.db, alice.id);
    await createSession(t.db, alice.id);
    const bobs = await createSession(t.db, bob.id);
    expect(await revokeMyOtherSessions(t.db, userCaller(alice.id, here))).toEqual({ ended: 2 });
    expect((await listMySessions(t.db, userCaller(alice.id))).map((s) => s.id)).toEqual([here]);
    expect(await endOtherSessions(t.db, alice.id)).toBe(1);
    expect(await listMySessions(t.db, userCaller(alice.id))).toEqual([]);
    expect(await row(bobs)).toBeDefined();
  });
});
