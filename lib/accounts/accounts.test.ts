import { eq, sql } from "drizzle-orm";
import { userCaller } from "../core/caller";
import { describe, expect, it } from "vitest";
import { users } from "@/db/schema";
import { authenticate, completeOAuthSignUp, findOAuthUser, getAccount, signUp } from "./accounts";
import { Invalid, RateLimited, Unauthenticated } from "../core/errors";
import { MemoryRateLimitStore } from "../core/rate-limit";
import { makeUser, testContext, TEST_PASSWORD, uniqueName, withTestDatabase, fieldErrorsOf } from "../test/fixtures";

const t = withTestDatabase();

async function countUsers(where = sql`true`) {
  const [r] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(where);
  return r!.n;
}

describe("signUp", () => {
  it("creates an account with an argon2id hash, never the password", async () => {
    const username = uniqueName();
    const user = await signUp(
      t.db,
      { username, email: `${username}@Example.com`, password: "hunter2hunter2" },
      testContext(),
    );
    expect(user.username).toBe(username);
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row!.passwordHash).not.toContain("hunter2");
    expect(row!.email).toBe(`${username}@Example.com`);
    expect(row!.emailVerifiedAt).toBeNull();
  });

  it("reports each broken rule per field and writes nothing", async () => {
    const before = await countUsers();
    const errors = await fieldErrorsOf(signUp(t.db, { username: "A", email: "bad", password: "short" }, testContext()));
    expect(errors.username).toHaveLength(3);
    expect(errors.email).toEqual(["Enter a valid email address."]);
    expect(errors.password).toEqual(["Password must be at least 8 characters."]);
    expect(await countUsers()).toBe(before);
  });

  it("refuses a taken username and a taken email (case-insensitively), both at once", async () => {
    const existing = await makeUser(t.db);
    const errors = await fieldErrorsOf(
      signUp(
        t.db,
        { username: existing.username, email: existing.email.toUpperCase(), password: "12345678" },
        testContext(),
      ),
    );
    expect(errors).toEqual({
      username: ["That username is taken."],
      email: ["An account with this email already exists."],
    });
  });

  it("lets exactly one of two concurrent sign-ups with one username win", async () => {
    const username = uniqueName();
    const results = await Promise.allSettled([
      signUp(t.db, { username, email: `${username}-1@example.com`, password: "12345678" }, testContext()),
      signUp(t.db, { username, email: `${username}-2@example.com`, password: "12345678" }, testContext()),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    // The loser is told under the username field, whether the pre-check saw the winner's row (Invalid) or the
    // unique index caught the race (Conflict).
    expect(loser.reason.fieldErrors).toEqual({ username: ["That username is taken."] });
    expect(await countUsers(eq(users.username, username))).toBe(1);
  });

  it("lets exactly one of two concurrent sign-ups with one email (any case) win", async () => {
    const email = `${uniqueName()}@example.com`;
    const results = await Promise.allSettled([
      signUp(t.db, { username: uniqueName(), email, password: "12345678" }, testContext()),
      signUp(t.db, { username: uniqueName(), email: email.toUpperCase(), password: "12345678" }, testContext()),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await countUsers(sql`lower(${users.email}) = ${email}`)).toBe(1);
  });

  it("is rate-limited per client address", async () => {
    const ctx = testContext("10.9.9.9");
    const attempts = [];
    for (let i = 0; i < 11; i++) {
      attempts.push(await signUp(t.db, { username: "A", email: "x", password: "y" }, ctx).catch((e) => e));
    }
    // Invalid input is refused before it counts; valid sign-ups count.
    expect(attempts.every((e) => e instanceof Invalid)).toBe(true);
    const results = [];
    for (let i = 0; i < 11; i++) {
      const u = uniqueName();
      results.push(
        await signUp(t.db, { username: u, email: `${u}@example.com`, password: "12345678" }, ctx).catch((e) => e),
      );
    }
    expect(results.slice(0, 10).every((r) => !(r instanceof Error))).toBe(true);
    expect(results[10]).toBeInstanceOf(RateLimited);
  });
});

describe("authenticate", () => {
  it("accepts the username or the email (any case) with the right password", async () => {
    const user = await makeUser(t.db);
    const ctx = testContext();
    expect(await authenticate(t.db, { identifier: user.username, password: TEST_PASSWORD }, ctx)).toEqual({
      id: user.id,
      username: user.username,
    });
    expect((await authenticate(t.db, { identifier: user.email.toUpperCase(), password: TEST_PASSWORD }, ctx))?.id).toBe(
      user.id,
    );
  });

  it("answers null alike for a wrong password and an unknown account", async () => {
    const user = await makeUser(t.db);
    const ctx = testContext();
    expect(await authenticate(t.db, { identifier: user.username, password: "wrong password" }, ctx)).toBeNull();
    expect(await authenticate(t.db, { identifier: "nobody-here", password: TEST_PASSWORD }, ctx)).toBeNull();
    expect(await authenticate(t.db, { identifier: "", password: "" }, ctx)).toBeNull();
  });

  it("limits attempts per account: the 11th in a minute is refused, even with the right password", async () => {
    const user = await makeUser(t.db);
    const limiter = new MemoryRateLimitStore();
    for (let i = 0; i < 10; i++) {
      // Each from another address: only the per-account counter can stop this.
      expect(
        await authenticate(
          t.db,
          { identifier: user.username, password: "nope-nope" },
          { limiter, clientAddress: `10.0.0.${i}` },
        ),
      ).toBeNull();
    }
    const err = await authenticate(
      t.db,
      { identifier: user.email, password: TEST_PASSWORD },
      { limiter, clientAddress: "10.0.1.1" },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimited);
    expect(err.message).toMatch(/^Too many attempts\. Try again in \d+ s\.$/);
  });

  it("limits attempts per client address across accounts", async () => {
    const limiter = new MemoryRateLimitStore();
    const ctx = { limiter, clientAddress: "10.1.1.1" };
    for (let i = 0; i < 30; i++) await authenticate(t.db, { identifier: `nobody${i}`, password: "whatever1" }, ctx);
    const user = await makeUser(t.db);
    await expect(
      authenticate(t.db, { identifier: user.username, password: TEST_PASSWORD }, ctx),
    ).rejects.toBeInstanceOf(RateLimited);
    expect(
      (
        await authenticate(
          t.db,
          { identifier: user.username, password: TEST_PASSWORD },
          { limiter, clientAddress: "10.1.1.2" },
        )
      )?.id,
    ).toBe(user.id);
  });
});

describe("getAccount", () => {
  it("returns the caller's own account and refuses the signed-out", async () => {
    const user = await makeUser(t.db);
    expect((await getAccount(t.db, userCaller(user.id))).username).toBe(user.username);
    await expect(getAccount(t.db, null)).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("OAuth first sign-in", () => {
  const pending = (id: string, email: string | null = null) => ({
    provider: "github",
    providerAccountId: id,
    email,
    name: "Octo Cat",
  });

  it("creates the account with the chosen username and links the identity", async () => {
    const username = uniqueName();
    const p = pending(uniqueName(), `${username}@example.com`);
    const user = await completeOAuthSignUp(t.db, p, { username, email: `${username}@example.com` }, testContext());
    expect(await findOAuthUser(t.db, "github", p.providerAccountId)).toEqual(user);
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).toBeNull();
    expect(row!.emailVerifiedAt).not.toBeNull(); // the provider vouched for this address
  });

  it("leaves an address the provider did not vouch for unverified", async () => {
    const username = uniqueName();
    const user = await completeOAuthSignUp(
      t.db,
      pending(uniqueName(), null),
      { username, email: `${username}@example.com` },
      testContext(),
    );
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.emailVerifiedAt).toBeNull();
  });

  it("refuses a taken username or an email of another account, writing nothing", async () => {
    const existing = await makeUser(t.db);
    const p = pending(uniqueName());
    const errors = await fieldErrorsOf(
      completeOAuthSignUp(t.db, p, { username: existing.username, email: existing.email }, testContext()),
    );
    expect(errors.username).toEqual(["That username is taken."]);
    expect(errors.email?.[0]).toMatch(/already exists/);
    expect(await findOAuthUser(t.db, "github", p.providerAccountId)).toBeNull();
  });
});
