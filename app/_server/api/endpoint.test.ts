import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { apiIdempotencyKeys, personalAccessTokens } from "@/db/schema";
import { deleteAccount, resetPassword, requestPasswordReset, revokeToken, listTokens } from "@/lib/accounts";
import { Invalid, MemoryRateLimitStore, userCaller } from "@/lib/core";
import {
  makeUser,
  testServices,
  tokenFromLink,
  uniqueName,
  withTestDatabase,
  RecordingMailer,
} from "@/lib/test/fixtures";
import { apiDeps, callEndpoint, makePat } from "./testing";

vi.mock("server-only", () => ({}));
const { defineEndpoint } = await import("./endpoint");
const { getMe } = await import("./endpoints/account");

const t = withTestDatabase();

let calls = 0;
const echo = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: "/apis/admin/v1/test/{name}",
    tag: "Test",
    summary: "test",
    params: z.object({ name: z.string().max(5) }),
    query: z.object({ flag: z.enum(["true", "false"]).optional() }),
    body: z.object({ n: z.number().int() }),
    idempotent: true,
    status: 201,
  },
  async ({ params, body, caller }) => {
    calls += 1;
    if (body.n < 0) throw new Invalid({ n: ["Must be positive."] });
    return { name: params.name, n: body.n, user: caller?.userId, call: calls };
  },
);

describe("the API door", () => {
  it("takes only a bearer personal access token: none, unknown, cookie → 401 with WWW-Authenticate", async () => {
    const deps = apiDeps(t.db);
    const none = await callEndpoint(getMe, { url: "/api/v1/me", deps });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
    expect(none.json.error.code).toBe("unauthenticated");
    const cookie = await callEndpoint(getMe, {
      url: "/api/v1/me",
      deps,
      headers: { cookie: "authjs.session-token=whatever" },
    });
    expect(cookie.status).toBe(401);
    const unknown = await callEndpoint(getMe, { url: "/api/v1/me", deps, token: "apolo_pat_" + "a".repeat(43) });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.message).toMatch(/unknown, revoked or expired/);
  });

  it("answers as the token's user, with its scope and org restriction", async () => {
    const u = await makeUser(t.db);
    const token = await makePat(t.db, u, { name: "laptop", scope: "read" });
    const me = await callEndpoint(getMe, { url: "/api/v1/me", deps: apiDeps(t.db), token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: u.username, token: { name: "laptop", scope: "read", org: null } });
    const [row] = await t.db.select().from(personalAccessTokens).where(eq(personalAccessTokens.userId, u.id));
    expect(row!.lastUsedAt).not.toBeNull();
    expect(row!.tokenHash).not.toContain(token.slice(10));
  });

  it("refuses a token after revocation, expiry, a password reset and account deletion", async () => {
    const deps = apiDeps(t.db);
    const u = await makeUser(t.db);
    const revoked = await makePat(t.db, u);
    const [view] = await listTokens(t.db, userCaller(u.id, "s"));
    await revokeToken(t.db, userCaller(u.id, "s"), { id: view!.id });
    expect((await callEndpoint(getMe, { url: "/api/v1/me", deps, token: revoked })).status).toBe(401);

    const expired = await makePat(t.db, u, { name: "old" });
    await t.db
      .update(personalAccessTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(personalAccessTokens.name, "old"));
    expect((await callEndpoint(getMe, { url: "/api/v1/me", deps, token: expired })).status).toBe(401);

    const beforeReset = await makePat(t.db, u, { name: "before reset" });
    expect((await callEndpoint(getMe, { url: "/api/v1/me", deps, token: beforeReset })).status).toBe(200);
    const mailer = new RecordingMailer();
    await requestPasswordReset(
      t.db,
      { email: u.email },
      { clientAddress: "127.0.0.1", limiter: new MemoryRateLimitStore(), svc: testServices(mailer) },
    );
    const link = tokenFromLink(mailer.sent.at(-1)!.text, "/reset-password?token=");
    await resetPassword(t.db, { token: link, password: "another good password" });
    expect((await callEndpoint(getMe, { url: "/api/v1/me", deps, token: beforeReset })).status).toBe(401);

    const v = await makeUser(t.db);
    const gone = await makePat(t.db, v);
    await deleteAccount(t.db, userCaller(v.id), { confirmUsername: v.username });
    expect((await callEndpoint(getMe, { url: "/api/v1/me", deps, token: gone })).status).toBe(401);
  });

  it("validates path, query and body; Apolo's error shape is { error: <message> }", async () => {
    const u = await makeUser(t.db);
    const token = await makePat(t.db, u);
    const deps = apiDeps(t.db);
    const long = await callEndpoint(echo, {
      url: "/apis/admin/v1/test/toolong",
      params: { name: "toolong" },
      body: { n: 1 },
      token,
      deps,
    });
    expect(long.status).toBe(422);
    expect(typeof long.json.error).toBe("string");
    expect(long.json.code).toBe("invalid");
    expect(long.json.fields.name).toBeDefined();
    const badJson = await callEndpoint(echo, {
      url: "/apis/admin/v1/test/a",
      params: { name: "a" },
      rawBody: "{nope",
      token,
      deps,
    });
    expect(badJson.status).toBe(400);
    expect(badJson.json).toMatchObject({ error: "The body must be JSON.", code: "malformed" });
    const big = await callEndpoint(echo, {
      url: "/apis/admin/v1/test/a",
      params: { name: "a" },
      rawBody: JSON.stringify({ n: 1, pad: "x".repeat(70_000) }),
      token,
      deps,
    });
    expect(big.status).toBe(413);
    expect(typeof big.json.error).toBe("string");
    const nul = await callEndpoint(echo, {
      url: "/apis/admin/v1/test/a%00?flag=\u0000",
      params: { name: "a\u0000" },
      body: { n: 1 },
      token,
      deps,
    });
    expect(nul.status).toBe(422);
    const ok = await callEndpoint(echo, {
      url: "/apis/admin/v1/test/a?flag=true",
      params: { name: "a" },
      body: { n: 2 },
      token,
      deps,
    });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ name: "a", n: 2, user: u.id });
  });

  it("replays an Idempotency-Key's first answer; another body with the same key is a conflict; refusals free the key", async () => {
    const u = await makeUser(t.db);
    const token = await makePat(t.db, u);
    const deps = apiDeps(t.db);
    const key = uniqueName("key");
    const send = (n: number) =>
      callEndpoint(echo, {
        url: "/apis/admin/v1/test/a",
        params: { name: "a" },
        body: { n },
        token,
        deps,
        headers: { "idempotency-key": key },
      });
    const refused = await send(-1);
    expect(refused.status).toBe(422);
    const first = await send(1);
    const again = await send(1);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const other = await send(2);
    expect(other.status).toBe(409);
    const rows = await t.db.select().from(apiIdempotencyKeys).where(eq(apiIdempotencyKeys.key, key));
    expect(rows).toHaveLength(1);
  });

  it("limits requests per token (429 with Retry-After) without touching other tokens", async () => {
    process.env.API_RATE_LIMIT_PER_MINUTE = "3";
    try {
      const u = await makeUser(t.db);
      const a = await makePat(t.db, u, { name: "a" });
      const b = await makePat(t.db, u, { name: "b" });
      const deps = apiDeps(t.db, { limiter: new MemoryRateLimitStore() });
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await callEndpoint(getMe, { url: "/api/v1/me", deps, token: a })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await callEndpoint(getMe, { url: "/api/v1/me", deps, token: a });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await callEndpoint(getMe, { url: "/api/v1/me", deps, token: b })).status).toBe(200);
    } finally {
      delete process.env.API_RATE_LIMIT_PER_MINUTE;
    }
  });
});

describe("a read-only token", () => {
  it("is refused every write endpoint at the door, before the body is read", async () => {
    const u = await makeUser(t.db);
    const token = await makePat(t.db, u, { scope: "read" });
    const before = calls;
    const res = await callEndpoint(echo, {
      url: "/apis/admin/v1/test/a",
      params: { name: "a" },
      rawBody: "{not json",
      token,
      deps: apiDeps(t.db),
    });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatch(/read-only/);
    expect(calls).toBe(before);
  });
});

describe("a path no endpoint serves", () => {
  it("answers a JSON 404 in the family's shape (the catch-all routes under /api/v1 and /apis/admin/v1)", async () => {
    const { unknownRoute } = await import("./unknown-route");
    const apolo = await unknownRoute("apolo")(new Request("http://console.test/apis/admin/v1/nope", { method: "PUT" }));
    expect(apolo.status).toBe(404);
    expect(await apolo.json()).toEqual({ error: "Not found", code: "not_found" });
    const console_ = await unknownRoute("console")(new Request("http://console.test/api/v1/orgs//members"));
    expect(console_.status).toBe(404);
    expect(await console_.json()).toEqual({ error: { code: "not_found", message: "Not found" } });
  });
});
