import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { passwordResets, users } from "@/db/schema";
import { authenticate } from "./accounts";
import { MemoryRateLimitStore } from "../core/rate-limit";
import {
  invalidatePasswordResets,
  isPasswordResetUsable,
  PASSWORD_RESET_TTL_MS,
  requestPasswordReset,
  resetPassword,
} from "./password-reset";
import { createSession, findSessionUser } from "./sessions";
import { hashToken } from "../core/tokens";
import { makeUser, TEST_PASSWORD, testContext, testServices, tokenFromLink, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();
const NEW_PASSWORD = "a brand new passphrase";

/** Asks for a reset of `email` and returns the token the mail carried (or null when no mail went out). */
async function askReset(email: string, ctx = { ...testContext(), svc: testServices() }) {
  const r = await requestPasswordReset(t.db, { email }, ctx);
  expect(r).toEqual({ sent: true });
  const mail = ctx.svc.mailer.sent.at(-1);
  return mail ? { token: tokenFromLink(mail.text, "/reset-password?token="), mail } : null;
}

describe("forgot password", () => {
  it("mails a single-use link to the account's address; the link sets a new password and ends every session", async () => {
    const alice = await makeUser(t.db);
    const s1 = await createSession(t.db, alice.id);
    const s2 = await createSession(t.db, alice.id);
    const sent = await askReset(alice.email.toUpperCase());
    expect(sent!.mail.to).toBe(alice.email);
    expect(sent!.mail.text).toContain(alice.username);
    // Only the SHA-256 of the token is stored, with a one-hour expiry.
    const [row] = await t.db.select().from(passwordResets).where(eq(passwordResets.userId, alice.id));
    expect(row!.tokenHash).toBe(hashToken(sent!.token));
    expect(row!.tokenHash).not.toContain(sent!.token);
    expect(Math.abs(row!.expiresAt.getTime() - Date.now() - PASSWORD_RESET_TTL_MS)).toBeLessThan(60_000);
    expect(await isPasswordResetUsable(t.db, sent!.token)).toBe(true);

    expect(await resetPassword(t.db, { token: sent!.token, password: NEW_PASSWORD })).toEqual({
      username: alice.username,
    });
    expect(
      await authenticate(t.db, { identifier: alice.username, password: NEW_PASSWORD }, testContext()),
    ).toMatchObject({ id: alice.id });
    expect(await authenticate(t.db, { identifier: alice.username, password: TEST_PASSWORD }, testContext())).toBeNull();
    expect(await findSessionUser(t.db, alice.id, s1)).toBeNull();
    expect(await findSessionUser(t.db, alice.id, s2)).toBeNull();

    // Used once: the second use is refused and changes nothing.
    expect(await isPasswordResetUsable(t.db, sent!.token)).toBe(false);
    await expect(resetPassword(t.db, { token: sent!.token, password: "yet another one!" })).rejects.toMatchObject({
      kind: "invalid",
      fieldErrors: { token: [expect.stringContaining("invalid, used or expired")] },
    });
    expect(
      await authenticate(t.db, { identifier: alice.username, password: NEW_PASSWORD }, testContext()),
    ).not.toBeNull();
  });

  it("answers the same for an unknown address, and mails nothing", async () => {
    expect(await askReset("nobody-here@example.org")).toBeNull();
  });

  it("a link dies after an hour, after any password change, and with a deleted account", async () => {
    const alice = await makeUser(t.db);
    const expired = await askReset(alice.email);
    await t.db
      .update(passwordResets)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(passwordResets.tokenHash, hashToken(expired!.token)));
    await expect(resetPassword(t.db, { token: expired!.token, password: NEW_PASSWORD })).rejects.toMatchObject({
      kind: "invalid",
    });

    const beforeChange = await askReset(alice.email);
    await invalidatePasswordResets(t.db, alice.id); // what every password change does
    expect(await isPasswordResetUsable(t.db, beforeChange!.token)).toBe(false);
    await expect(resetPassword(t.db, { token: beforeChange!.token, password: NEW_PASSWORD })).rejects.toMatchObject({
      kind: "invalid",
    });

    const bob = await makeUser(t.db);
    const deleted = await askReset(bob.email);
    await t.db.update(users).set({ deletedAt: new Date() }).where(eq(users.id, bob.id));
    expect(await isPasswordResetUsable(t.db, deleted!.token)).toBe(false);
    await expect(resetPassword(t.db, { token: deleted!.token, password: NEW_PASSWORD })).rejects.toMatchObject({
      kind: "invalid",
    });
    expect(
      await authenticate(t.db, { identifier: alice.username, password: TEST_PASSWORD }, testContext()),
    ).not.toBeNull();
  });

  it("using one link kills the account's other links", async () => {
    const alice = await makeUser(t.db);
    const first = await askReset(alice.email);
    const second = await askReset(alice.email);
    await resetPassword(t.db, { token: second!.token, password: NEW_PASSWORD });
    expect(await isPasswordResetUsable(t.db, first!.token)).toBe(false);
  });

  it("two concurrent uses of one link: exactly one sets its password", async () => {
    const alice = await makeUser(t.db);
    const sent = await askReset(alice.email);
    const results = await Promise.allSettled([
      resetPassword(t.db, { token: sent!.token, password: "first concurrent password" }),
      resetPassword(t.db, { token: sent!.token, password: "second concurrent password" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const winner = results[0]!.status === "fulfilled" ? "first concurrent password" : "second concurrent password";
    expect(await authenticate(t.db, { identifier: alice.username, password: winner }, testContext())).not.toBeNull();
  });

  it("refuses bad input per field and writes nothing", async () => {
    await expect(
      requestPasswordReset(t.db, { email: "not an email" }, { ...testContext(), svc: testServices() }),
    ).rejects.toMatchObject({ kind: "invalid", fieldErrors: { email: ["Enter a valid email address."] } });
    await expect(resetPassword(t.db, { token: "x".repeat(43), password: "short" })).rejects.toMatchObject({
      kind: "invalid",
      fieldErrors: { password: ["Password must be at least 8 characters."] },
    });
    await expect(resetPassword(t.db, { token: "not-a-token", password: NEW_PASSWORD })).rejects.toMatchObject({
      kind: "invalid",
    });
  });

  it("is rate-limited per account (unknown addresses alike) and per client address", async () => {
    const alice = await makeUser(t.db);
    const limiter = new MemoryRateLimitStore();
    const ctx = (addr: string) => ({ limiter, clientAddress: addr, svc: testServices() });
    for (let i = 0; i < 5; i++) await requestPasswordReset(t.db, { email: alice.email }, ctx(`10.0.0.${i}`));
    await expect(requestPasswordReset(t.db, { email: alice.email }, ctx("10.0.1.1"))).rejects.toMatchObject({
      kind: "rate_limited",
    });
    for (let i = 0; i < 5; i++) await requestPasswordReset(t.db, { email: "ghost@example.org" }, ctx(`10.0.2.${i}`));
    await expect(requestPasswordReset(t.db, { email: "ghost@example.org" }, ctx("10.0.3.1"))).rejects.toMatchObject({
      kind: "rate_limited",
    });
    for (let i = 0; i < 20; i++) {
      await requestPasswordReset(t.db, { email: `p${i}@example.org` }, ctx("10.9.9.9"));
    }
    await expect(requestPasswordReset(t.db, { email: "p99@example.org" }, ctx("10.9.9.9"))).rejects.toMatchObject({
      kind: "rate_limited",
    });
  });
});
