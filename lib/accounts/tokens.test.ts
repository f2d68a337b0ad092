import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, orgs, personalAccessTokens } from "@/db/schema";
import { tokenCaller, type TokenCaller } from "../core/caller";
import { Forbidden, Invalid, NotFound } from "../core/errors";
import { hashToken } from "../core/tokens";
import { listAuditEvents } from "../orgs/audit";
import { changeMemberRole } from "../orgs/members";
import { deleteAccount } from "./account-settings";
import { requestPasswordReset, resetPassword } from "./password-reset";
import {
  authenticatePat,
  createToken,
  isPatShaped,
  listTokens,
  MAX_TOKENS_PER_ACCOUNT,
  PAT_PREFIX,
  revokeToken,
} from "./tokens";
import {
  addMember,
  as,
  fieldErrorsOf,
  makeOrg,
  makeUser,
  testContext,
  testServices,
  tokenFromLink,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();
const DAY = 24 * 3600 * 1000;

const valid = { name: "laptop", expiresIn: "30", scope: "write" } as const;

async function tokenRow(id: string) {
  const [r] = await t.db.select().from(personalAccessTokens).where(eq(personalAccessTokens.id, id));
  return r!;
}

async function expire(id: string) {
  await t.db
    .update(personalAccessTokens)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(personalAccessTokens.id, id));
}

/** A token caller as the API door would build it, for calls the browser alone may make. */
function aTokenOf(user: { id: string }, scopes: TokenCaller["scopes"] = ["read", "write"]) {
  return tokenCaller({ userId: user.id, tokenId: crypto.randomUUID(), tokenName: "ci", scopes, orgId: null });
}

describe("creating a personal access token", () => {
  it("answers the token once (apolo_pat_ + 256 random bits) and stores only its SHA-256 and a 4-character hint", async () => {
    const alice = await makeUser(t.db);
    const { token, view } = await createToken(t.db, as(alice), { ...valid, name: "  laptop  " });
    expect(token).toMatch(/^apolo_pat_[A-Za-z0-9_-]{43}$/);
    expect(isPatShaped(token)).toBe(true);
    const row = await tokenRow(view.id);
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(PAT_PREFIX.length));
    expect(row.hint).toBe(token.slice(PAT_PREFIX.length, PAT_PREFIX.length + 4));
    expect(view).toMatchObject({
      name: "laptop",
      hint: `${PAT_PREFIX}${row.hint}…`,
      scope: "write",
      org: null,
      lastUsedAt: null,
      revokedAt: null,
      state: "active",
    });
    // 30 days from the database's now.
    expect(Math.abs(view.expiresAt!.getTime() - Date.now() - 30 * DAY)).toBeLessThan(60_000);
    // Two tokens never share a secret.
    const again = await createToken(t.db, as(alice), valid);
    expect(again.token).not.toBe(token);
  });

  it("expires after 7, 30, 90 or 365 days, or never", async () => {
    const alice = await makeUser(t.db);
    for (const [expiresIn, days] of [
      ["7", 7],
      ["90", 90],
      ["365", 365],
    ] as const) {
      const { view } = await createToken(t.db, as(alice), { ...valid, expiresIn });
      expect(Math.abs(view.expiresAt!.getTime() - Date.now() - days * DAY)).toBeLessThan(60_000);
    }
    const { view } = await createToken(t.db, as(alice), { ...valid, expiresIn: "never" });
    expect(view.expiresAt).toBeNull();
    expect(view.state).toBe("active");
  });

  it("refuses a missing, long or multi-line name, an unknown expiry or scope, with a message per field", async () => {
    const alice = await makeUser(t.db);
    expect(await fieldErrorsOf(createToken(t.db, as(alice), { ...valid, name: "   " }))).toEqual({
      name: ["Give the token a name, e.g. the machine or script that will use it."],
    });
    expect(await fieldErrorsOf(createToken(t.db, as(alice), { ...valid, name: "x".repeat(65) }))).toEqual({
      name: ["At most 64 characters."],
    });
    expect((await fieldErrorsOf(createToken(t.db, as(alice), { ...valid, name: "ci\nbox" }))).name).toHaveLength(1);
    expect(await fieldErrorsOf(createToken(t.db, as(alice), { ...valid, expiresIn: "14" }))).toEqual({
      expiresIn: ["Choose when the token expires."],
    });
    expect(await fieldErrorsOf(createToken(t.db, as(alice), { ...valid, scope: "admin" }))).toEqual({
      scope: ["Choose read-only or read and write."],
    });
    // Nothing at all: every field says what it needs.
    expect(Object.keys(await fieldErrorsOf(createToken(t.db, as(alice), {}))).sort()).toEqual([
      "expiresIn",
      "name",
      "scope",
    ]);
    expect(await listTokens(t.db, as(alice))).toEqual([]);
  });

  it("restricts a token to one of the person's orgs (any case), never to someone else's, a closed or a missing one", async () => {
    const alice = await makeUser(t.db);
    const bob = await makeUser(t.db);
    const mine = await makeOrg(t.db, { user: alice });
    const theirs = await makeOrg(t.db, { admin: bob });
    const closed = await makeOrg(t.db, { admin: alice });
    await t.db.update(orgs).set({ deletedAt: new Date() }).where(eq(orgs.id, closed.id));

    const { view } = await createToken(t.db, as(alice), { ...valid, org: mine.name.toUpperCase() });
    expect(view.org).toBe(mine.name);
    expect((await tokenRow(view.id)).orgId).toBe(mine.id);
    // An empty choice is "all of my orgs".
    expect((await createToken(t.db, as(alice), { ...valid, org: "" })).view.org).toBeNull();

    for (const org of [theirs.name, closed.name, "no-such-org"]) {
      expect(await fieldErrorsOf(createToken(t.db, as(alice), { ...valid, org }))).toEqual({
        org: ["Choose one of your organizations."],
      });
    }
    expect(await listTokens(t.db, as(alice))).toHaveLength(2);
  });

  it(`holds at most ${MAX_TOKENS_PER_ACCOUNT} active tokens per account; revoked and expired ones don't count`, async () => {
    const alice = await makeUser(t.db);
    const bob = await makeUser(t.db);
    await t.db.insert(personalAccessTokens).values(
      Array.from({ length: MAX_TOKENS_PER_ACCOUNT }, (_, i) => ({
        userId: alice.id,
        name: `t${i}`,
        tokenHash: hashToken(`${alice.id}-${i}`),
        hint: "abcd",
        scope: "read" as const,
      })),
    );
    const err = await createToken(t.db, as(alice), valid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Invalid);
    expect((err as Invalid).fieldErrors).toEqual({
      name: [`You have ${MAX_TOKENS_PER_ACCOUNT} active tokens, the most an account may hold. Revoke one first.`],
    });
    // Someone else's count is their own.
    await expect(createToken(t.db, as(bob), valid)).resolves.toMatchObject({ view: { state: "active" } });

    const [first, second] = (await listTokens(t.db, as(alice))).slice(-2);
    await revokeToken(t.db, as(alice), { id: first!.id });
    await expect(createToken(t.db, as(alice), valid)).resolves.toBeTruthy();
    await expect(createToken(t.db, as(alice), valid)).rejects.toBeInstanceOf(Invalid);
    await expire(second!.id);
    await expect(createToken(t.db, as(alice), valid)).resolves.toBeTruthy();
    await expect(createToken(t.db, as(alice), valid)).rejects.toBeInstanceOf(Invalid);
  });

  it("the cap holds under concurrent creations", async () => {
    const alice = await makeUser(t.db);
    await t.db.insert(personalAccessTokens).values(
      Array.from({ length: MAX_TOKENS_PER_ACCOUNT - 2 }, (_, i) => ({
        userId: alice.id,
        name: `t${i}`,
        tokenHash: hashToken(`${alice.id}-race-${i}`),
        hint: "abcd",
        scope: "read" as const,
      })),
    );
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => createToken(t.db, as(alice), valid)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(results.filter((r) => r.status === "rejected").every((r) => r.reason instanceof Invalid)).toBe(true);
    expect(await listTokens(t.db, as(alice))).toHaveLength(MAX_TOKENS_PER_ACCOUNT);
  });
});

describe("listing and revoking", () => {
  it("lists only the person's tokens: active ones newest first, then expired and revoked ones, each with its state", async () => {
    const alice = await makeUser(t.db);
    const bob = await makeUser(t.db);
    const acme = await makeOrg(t.db, { admin: alice });
    const make = async (name: string, extra: object = {}) =>
      (await createToken(t.db, as(alice), { ...valid, name, ...extra })).view;
    const old = await make("old", { scope: "read", org: acme.name });
    const gone = await make("gone");
    const lapsed = await make("lapsed", { expiresIn: "7" });
    const fresh = await make("fresh", { expiresIn: "never" });
    await createToken(t.db, as(bob), { ...valid, name: "bobs" });
    // Creation times one second apart, oldest first, so the order is the rule's and not the clock's.
    for (const [i, v] of [old, gone, lapsed, fresh].entries()) {
      await t.db
        .update(personalAccessTokens)
        .set({ createdAt: new Date(Date.now() - (10 - i) * 1000) })
        .where(eq(personalAccessTokens.id, v.id));
    }
    await revokeToken(t.db, as(alice), { id: gone.id });
    await expire(lapsed.id);

    const list = await listTokens(t.db, as(alice));
    expect(list.map((v) => [v.name, v.state])).toEqual([
      ["fresh", "active"],
      ["old", "active"],
      ["lapsed", "expired"],
      ["gone", "revoked"],
    ]);
    expect(list[1]).toMatchObject({ scope: "read", org: acme.name, lastUsedAt: null });
    expect(list[3]!.revokedAt).toBeInstanceOf(Date);
    expect(list[0]!.expiresAt).toBeNull();
    // Never the secret or its hash.
    expect(Object.keys(list[0]!)).not.toContain("tokenHash");
  });

  it("revokes the person's own token at once (twice is fine); someone else's token is not found", async () => {
    const alice = await makeUser(t.db);
    const mallory = await makeUser(t.db);
    const { token, view } = await createToken(t.db, as(alice), valid);
    expect(await authenticatePat(t.db, token)).not.toBeNull();

    await expect(revokeToken(t.db, as(mallory), { id: view.id })).rejects.toBeInstanceOf(NotFound);
    expect(await authenticatePat(t.db, token)).not.toBeNull();
    await expect(revokeToken(t.db, as(alice), { id: crypto.randomUUID() })).rejects.toBeInstanceOf(NotFound);
    expect(await fieldErrorsOf(revokeToken(t.db, as(alice), { id: "nope" }))).toEqual({ id: ["Choose a token."] });

    expect(await revokeToken(t.db, as(alice), { id: view.id })).toEqual({ name: "laptop" });
    expect(await authenticatePat(t.db, token)).toBeNull();
    const at = (await tokenRow(view.id)).revokedAt;
    expect(at).toBeInstanceOf(Date);
    // Revoking again keeps the first revocation time.
    expect(await revokeToken(t.db, as(alice), { id: view.id })).toEqual({ name: "laptop" });
    expect((await tokenRow(view.id)).revokedAt).toEqual(at);
  });

  it("a token can't create, list or revoke tokens, whatever its scope", async () => {
    const alice = await makeUser(t.db);
    const { view } = await createToken(t.db, as(alice), valid);
    for (const caller of [aTokenOf(alice), aTokenOf(alice, ["read"])]) {
      await expect(createToken(t.db, caller, valid)).rejects.toBeInstanceOf(Forbidden);
      await expect(listTokens(t.db, caller)).rejects.toBeInstanceOf(Forbidden);
      await expect(revokeToken(t.db, caller, { id: view.id })).rejects.toBeInstanceOf(Forbidden);
    }
    expect((await tokenRow(view.id)).revokedAt).toBeNull();
    expect(await listTokens(t.db, as(alice))).toHaveLength(1);
  });
});

describe("authenticating a token", () => {
  it("stands for its user with its scope and org; last used is recorded; malformed, unknown and expired tokens are refused", async () => {
    const alice = await makeUser(t.db);
    const acme = await makeOrg(t.db, { user: alice });
    const { token, view } = await createToken(t.db, as(alice), {
      name: "ci",
      expiresIn: "7",
      scope: "read",
      org: acme.name,
    });
    expect(await authenticatePat(t.db, token)).toEqual(
      tokenCaller({ userId: alice.id, tokenId: view.id, tokenName: "ci", scopes: ["read"], orgId: acme.id }),
    );
    expect((await tokenRow(view.id)).lastUsedAt).toBeInstanceOf(Date);
    expect((await listTokens(t.db, as(alice)))[0]!.lastUsedAt).toBeInstanceOf(Date);

    const write = await createToken(t.db, as(alice), valid);
    expect((await authenticatePat(t.db, write.token))!.scopes).toEqual(["read", "write"]);

    expect(await authenticatePat(t.db, `${token}x`)).toBeNull();
    expect(await authenticatePat(t.db, token.replace(PAT_PREFIX, "apolo_xyz_"))).toBeNull();
    expect(await authenticatePat(t.db, `${PAT_PREFIX}${"A".repeat(43)}`)).toBeNull();
    await expire(view.id);
    expect(await authenticatePat(t.db, token)).toBeNull();
    expect((await listTokens(t.db, as(alice))).find((v) => v.id === view.id)!.state).toBe("expired");
  });

  it("has a CLI form (a JWT-shaped string naming the account, as the apolo CLI reads it) that is the same credential", async () => {
    const alice = await makeUser(t.db);
    const bob = await makeUser(t.db);
    const { token, cliToken, view } = await createToken(t.db, as(alice), valid);
    const [header, payload, secret] = cliToken.split(".");
    // What apolo-sdk's get_token_username reads: the unverified claims of the JWT.
    expect(JSON.parse(Buffer.from(header!, "base64url").toString())).toMatchObject({ typ: "JWT" });
    expect(JSON.parse(Buffer.from(payload!, "base64url").toString())).toEqual({
      "https://platform.neuromation.io/user": alice.username,
      identity: alice.username,
    });
    expect(PAT_PREFIX + secret).toBe(token);
    expect(isPatShaped(cliToken)).toBe(true);
    expect(await authenticatePat(t.db, cliToken)).toEqual(await authenticatePat(t.db, token));

    // Another account's name on this token's secret is refused; so is a payload that isn't JSON claims.
    const forged = [header, Buffer.from(JSON.stringify({ identity: bob.username })).toString("base64url"), secret];
    expect(await authenticatePat(t.db, forged.join("."))).toBeNull();
    expect(await authenticatePat(t.db, [header, "bm90IGpzb24", secret].join("."))).toBeNull();
    // One credential: revoking the token refuses both forms.
    await revokeToken(t.db, as(alice), { id: view.id });
    expect(await authenticatePat(t.db, cliToken)).toBeNull();
  });

  it("a password reset revokes every token of the account", async () => {
    const alice = await makeUser(t.db);
    const a = await createToken(t.db, as(alice), valid);
    const b = await createToken(t.db, as(alice), { ...valid, expiresIn: "never" });
    const svc = testServices();
    await requestPasswordReset(t.db, { email: alice.email }, { ...testContext(), svc });
    const link = tokenFromLink(svc.mailer.sent.at(-1)!.text, "/reset-password?token=");
    await resetPassword(t.db, { token: link, password: "a brand new passphrase" });
    expect(await authenticatePat(t.db, a.token)).toBeNull();
    expect(await authenticatePat(t.db, b.token)).toBeNull();
    expect((await listTokens(t.db, as(alice))).map((v) => v.state)).toEqual(["revoked", "revoked"]);
  });

  it("deleting the account revokes every token of it", async () => {
    const alice = await makeUser(t.db);
    const { token, view } = await createToken(t.db, as(alice), valid);
    await deleteAccount(t.db, as(alice), { confirmUsername: alice.username });
    expect(await authenticatePat(t.db, token)).toBeNull();
    expect((await tokenRow(view.id)).revokedAt).toBeInstanceOf(Date);
  });
});

describe("changes made with a token", () => {
  it("land in the org's audit log with the token's name; a read-only token writes nothing", async () => {
    const admin = await makeUser(t.db);
    const bob = await makeUser(t.db);
    const acme = await makeOrg(t.db, { admin });
    await addMember(t.db, acme, bob, "user");
    const rw = await createToken(t.db, as(admin), { ...valid, name: "deploy-bot", org: acme.name });
    const ro = await createToken(t.db, as(admin), { ...valid, name: "reader", scope: "read" });

    const reader = (await authenticatePat(t.db, ro.token))!;
    await expect(
      changeMemberRole(t.db, reader, acme.name, { username: bob.username, role: "manager" }),
    ).rejects.toBeInstanceOf(Forbidden);

    const writer = (await authenticatePat(t.db, rw.token))!;
    await changeMemberRole(t.db, writer, acme.name, { username: bob.username, role: "manager" });
    // A browser change of the same person carries no token.
    await changeMemberRole(t.db, as(admin), acme.name, { username: bob.username, role: "user" });

    const { rows } = await listAuditEvents(t.db, as(admin), acme.name, { action: "member.role_changed" });
    expect(rows.map((r) => [r.actorUsername, r.viaToken, r.after])).toEqual([
      [admin.username, null, { role: "user" }],
      [admin.username, "deploy-bot", { role: "manager" }],
    ]);
    const all = await t.db.select().from(auditEvents).where(eq(auditEvents.orgId, acme.id));
    expect(all.filter((r) => r.viaToken === "reader")).toEqual([]);
  });
});
