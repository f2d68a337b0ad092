import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import type { JWT } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oauthAccounts, sessions, users } from "@/db/schema";
import { makeUser, uniqueName, withTestDatabase } from "@/lib/test/fixtures";
import { buildAuthConfig, type AuthDeps } from "./auth";
import { trustHostFrom } from "./auth-base";
import { signupTicket } from "./signup-ticket";

type ProviderLike = { id: string; options?: { clientId?: string; clientSecret?: string } };
const providers = (env: Record<string, string>) => buildAuthConfig(env).providers as unknown as ProviderLike[];
const ids = (env: Record<string, string>) => providers(env).map((p) => p.id);

describe("Auth.js providers follow the environment", () => {
  it("offers only password sign-in by default", () => {
    expect(ids({})).toEqual(["credentials"]);
  });
  it("adds GitHub and Google when their client id and secret are set", () => {
    expect(ids({ AUTH_GITHUB_ID: "a", AUTH_GITHUB_SECRET: "b" })).toEqual(["credentials", "github"]);
    expect(ids({ AUTH_GITHUB_ID: "a", AUTH_GITHUB_SECRET: "b", AUTH_GOOGLE_ID: "c", AUTH_GOOGLE_SECRET: "d" })).toEqual(
      ["credentials", "github", "google"],
    );
  });
  it("uses the configured client credentials", () => {
    const [, github] = providers({ AUTH_GITHUB_ID: "the-id", AUTH_GITHUB_SECRET: "the-secret" });
    expect(github!.options).toMatchObject({ clientId: "the-id", clientSecret: "the-secret" });
  });
});

describe("the jwt callback, with recorded provider profiles", () => {
  const t = withTestDatabase();
  let github: Server;
  let githubUrl = "";
  /** What the recorded GitHub emails API answers, per access token. */
  const emailsByToken: Record<string, { status: number; body: unknown }> = {
    verified: {
      status: 200,
      body: [
        { email: "octo@example.com", verified: true, primary: true, visibility: "private" },
        { email: "octo@users.noreply.github.com", verified: true, primary: false, visibility: null },
      ],
    },
    unverified: {
      status: 200,
      body: [
        { email: "victim@example.com", verified: false, primary: true, visibility: "private" },
        { email: "old@example.com", verified: false, primary: false, visibility: null },
      ],
    },
    otherPrimary: {
      status: 200,
      body: [
        { email: "victim@example.com", verified: false, primary: false, visibility: null },
        { email: "mine@example.com", verified: true, primary: true, visibility: "private" },
      ],
    },
    revoked: { status: 401, body: { message: "Bad credentials" } },
  };
  const seen: string[] = [];

  beforeAll(async () => {
    github = createServer((req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      seen.push(`${req.method} ${req.url} ${token}`);
      const answer = req.url === "/user/emails" ? emailsByToken[token] : undefined;
      res.writeHead(answer?.status ?? 404, { "content-type": "application/json" });
      res.end(JSON.stringify(answer?.body ?? { message: "Not Found" }));
    });
    await new Promise<void>((r) => github.listen(0, "127.0.0.1", r));
    githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => github.close(() => r())));

  const jwtCallback = () => {
    const deps: AuthDeps = {
      db: async () => t.db,
      client: async () => ({ userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", ipAddress: "198.51.100.7" }),
      githubApiUrl: githubUrl,
      fetch,
    };
    const config = buildAuthConfig({ AUTH_GITHUB_ID: "id", AUTH_GITHUB_SECRET: "s" }, deps);
    return config.callbacks.jwt as unknown as (p: Record<string, unknown>) => Promise<JWT>;
  };
  // A GitHub /user profile as the provider returns it (recorded shape; no verification flag in it).
  const githubProfile = (email: string | null) => ({
    login: "octocat",
    id: 583231,
    name: "The Octocat",
    email,
    avatar_url: "https://avatars.githubusercontent.com/u/583231",
  });
  const oauthAccount = (provider: string, access_token: string) => ({
    type: "oauth",
    provider,
    providerAccountId: `${provider}-${uniqueName()}`,
    access_token,
    token_type: "bearer",
  });

  it("GitHub: the profile's address is vouched for only when the emails API says it is verified", async () => {
    const jwt = jwtCallback();
    // A first GitHub sign-in with this access token (its emails as the fake API knows them) and profile address.
    const githubSignIn = (accessToken: string, email: string) =>
      jwt({
        token: {},
        account: oauthAccount("github", accessToken),
        profile: githubProfile(email),
        trigger: "signIn",
      });
    const ok = await githubSignIn("verified", "octo@example.com");
    expect(ok.pending).toMatchObject({ provider: "github", email: "octo@example.com", name: "The Octocat" });
    expect(ok.uid).toBeUndefined();
    expect(ok.sid).toBeUndefined();

    const squat = await githubSignIn("unverified", "victim@example.com");
    expect(squat.pending?.email).toBeNull();

    const other = await githubSignIn("otherPrimary", "victim@example.com");
    expect(other.pending?.email).toBe("mine@example.com");

    const failed = await githubSignIn("revoked", "octo@example.com");
    expect(failed.pending?.email).toBeNull();
    expect(seen).toContain("GET /user/emails verified");
  });

  it("Google: only a profile with email_verified true vouches for its address", async () => {
    const jwt = jwtCallback();
    const profile = (email_verified: unknown) => ({
      iss: "https://accounts.google.com",
      sub: "110169484474386276334",
      email: "someone@gmail.com",
      email_verified,
      name: "Some One",
    });
    const account = () => ({ ...oauthAccount("google", "ya29.x"), type: "oidc" });
    expect(
      (await jwt({ token: {}, account: account(), profile: profile(true), trigger: "signIn" })).pending?.email,
    ).toBe("someone@gmail.com");
    for (const flag of [false, "true", undefined]) {
      const r = await jwt({ token: {}, account: account(), profile: profile(flag), trigger: "signIn" });
      expect(r.pending?.email, String(flag)).toBeNull();
    }
  });

  it("a password sign-in and a linked OAuth sign-in start a server-side session, recorded with the browser", async () => {
    const jwt = jwtCallback();
    const alice = await makeUser(t.db);
    const token = await jwt({
      token: {},
      user: { id: alice.id },
      account: { type: "credentials", provider: "credentials" },
      trigger: "signIn",
    });
    expect(token.uid).toBe(alice.id);
    const [row] = await t.db.select().from(sessions).where(eq(sessions.id, token.sid!));
    expect(row).toMatchObject({ userId: alice.id, ipAddress: "198.51.100.7" });
    expect(row!.userAgent).toContain("Firefox");

    const account = oauthAccount("github", "verified");
    await t.db
      .insert(oauthAccounts)
      .values({ provider: "github", providerAccountId: account.providerAccountId, userId: alice.id });
    const linked = await jwt({ token: {}, account, profile: githubProfile("octo@example.com"), trigger: "signIn" });
    expect(linked.uid).toBe(alice.id);
    expect(linked.sid).toBeDefined();
    expect(linked.sid).not.toBe(token.sid);
    expect(linked.pending).toBeUndefined();
  });

  it("the sign-in after a sign-up uses a ticket, never counted against the account's sign-in limit", async () => {
    const config = buildAuthConfig(
      {},
      {
        db: async () => t.db,
        client: async () => ({ userAgent: null, ipAddress: null }),
        githubApiUrl: githubUrl,
        fetch,
      },
    );
    const provider = config.providers[0] as unknown as {
      options: { authorize: (c: Record<string, unknown>, r: Request) => Promise<{ id: string } | null> };
    };
    const authorize = (c: Record<string, unknown>) => provider.options.authorize(c, new Request("http://console.test"));
    const fresh = await makeUser(t.db);
    // More than the 10 attempts a minute the account's limit allows: none of them counts.
    for (let i = 0; i < 12; i++) expect((await authorize({ ticket: signupTicket(fresh.id) }))?.id).toBe(fresh.id);
    const wrong = await authorize({ identifier: fresh.username, password: "not the password" });
    expect(wrong).toBeNull();
    // A forged ticket, or one for an account that isn't minutes old, signs nobody in.
    expect(await authorize({ ticket: `${fresh.id}.${Date.now() + 1000}.${"x".repeat(43)}` })).toBeNull();
    await t.db
      .update(users)
      .set({ createdAt: new Date(Date.now() - 10 * 60_000) })
      .where(eq(users.id, fresh.id));
    expect(await authorize({ ticket: signupTicket(fresh.id) })).toBeNull();
  });

  it("a later request (no account in the call) keeps the token as it is", async () => {
    const jwt = jwtCallback();
    const token = { uid: "u", sid: "s" };
    expect(await jwt({ token: { ...token }, trigger: undefined })).toEqual(token);
  });
});

describe("which Host Auth.js trusts", () => {
  it("trusts it in production when AUTH_URL is set (the README's production set-up) or AUTH_TRUST_HOST=true", () => {
    expect(trustHostFrom({ NODE_ENV: "production", AUTH_URL: "https://console.example.com" })).toBe(true);
    expect(trustHostFrom({ NODE_ENV: "production", AUTH_TRUST_HOST: "true" })).toBe(true);
    expect(trustHostFrom({ NODE_ENV: "production" })).toBe(false);
    expect(trustHostFrom({ NODE_ENV: "production", AUTH_TRUST_HOST: "false", AUTH_URL: " " })).toBe(false);
    expect(trustHostFrom({ NODE_ENV: "development" })).toBe(true);
  });
});
