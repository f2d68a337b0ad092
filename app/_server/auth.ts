import { getDb, type Db } from "@/db";
import { authenticate, createSession, findOAuthUser, signUpSessionUser } from "@/lib/accounts";
import {
  clientAddressFrom,
  databaseUnreachable,
  oauthProvidersFromEnv,
  RateLimited,
  Unavailable,
  type Env,
} from "@/lib/core";
import NextAuth, { CredentialsSignin } from "next-auth";
import type { JWT } from "next-auth/jwt";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import { headers } from "next/headers";
import { baseAuthConfig } from "./auth-base";
import { appConfig } from "./config";
import { rateLimitStore } from "./deps";
import { verifiedProviderEmail } from "./oauth-email";
import { verifySignupTicket } from "./signup-ticket";

/** Carries "try again in N s" from authorize() to the sign-in form. */
export class RateLimitedSignin extends CredentialsSignin {
  constructor(retryAfterSec: number) {
    super();
    this.code = `rate_limited:${retryAfterSec}`;
  }
}

/**
 * Carries "temporarily unavailable" from authorize() to the sign-in form: the database or the sign-in limiter's
 * Redis can't be reached (sign-in fails closed, with words that say so).
 */
export class UnavailableSignin extends CredentialsSignin {
  constructor() {
    super();
    this.code = "unavailable";
  }
}

/** What the callbacks reach outside the token: replaced in tests (a test database, a recorded GitHub API). */
export interface AuthDeps {
  db: () => Promise<Db>;
  /** The browser signing in, for the Sessions list (user agent, client address). */
  client: () => Promise<{ userAgent: string | null; ipAddress: string | null }>;
  githubApiUrl: string;
  fetch: typeof fetch;
}

const defaultDeps: AuthDeps = {
  db: getDb,
  async client() {
    const h = await headers();
    return { userAgent: h.get("user-agent"), ipAddress: clientAddressFrom(h, appConfig()) };
  },
  githubApiUrl: "https://api.github.com",
  fetch: (...args) => fetch(...args),
};

export function buildAuthConfig(env: Env, deps: AuthDeps = defaultDeps) {
  const base = baseAuthConfig();
  const oauth = oauthProvidersFromEnv(env).map(({ id, clientId, clientSecret }) =>
    id === "github" ? GitHub({ clientId, clientSecret }) : Google({ clientId, clientSecret }),
  );

  /** Signs the token in as `userId`, with a fresh server-side session row behind it. */
  async function startSession(token: JWT, userId: string): Promise<JWT> {
    token.uid = userId;
    token.sid = await createSession(await deps.db(), userId, await deps.client());
    delete token.pending;
    return token;
  }

  return {
    ...base,
    providers: [
      Credentials({
        credentials: { identifier: { label: "Username or email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, request) {
          try {
            // The sign-in right after a sign-up (app/_server/signup-ticket.ts): not an attempt against the limit.
            // Auth.js hands authorize the whole posted body; only the sign-up action posts a ticket.
            const ticket = (credentials as Record<string, unknown> | undefined)?.ticket;
            if (ticket !== undefined) {
              const userId = verifySignupTicket(ticket);
              const user = userId ? await signUpSessionUser(await deps.db(), userId) : null;
              return user ? { id: user.id, name: user.username } : null;
            }
            const user = await authenticate(await deps.db(), credentials, {
              limiter: rateLimitStore(),
              clientAddress: clientAddressFrom(request.headers, appConfig()),
            });
            return user ? { id: user.id, name: user.username } : null;
          } catch (err) {
            if (err instanceof RateLimited) throw new RateLimitedSignin(err.retryAfterSec);
            if (err instanceof Unavailable || databaseUnreachable(err)) throw new UnavailableSignin();
            throw err;
          }
        },
      }),
      ...oauth,
    ],
    callbacks: {
      ...base.callbacks,
      async jwt({ token, user, account, profile, trigger }) {
        if (account?.type === "credentials" && user?.id) return startSession(token, user.id);
        if (account && (account.type === "oauth" || account.type === "oidc")) {
          const linked = await findOAuthUser(await deps.db(), account.provider, account.providerAccountId);
          if (linked) return startSession(token, linked.id);
          // A first sign-in: no account and no session yet, only the identity, until a username is chosen.
          token.uid = undefined;
          token.sid = undefined;
          token.pending = {
            provider: account.provider,
            providerAccountId: account.providerAccountId,
            // Only an address the provider says is verified is vouched for (GitHub's emails API, Google's claim).
            email: await verifiedProviderEmail(account, profile, deps),
            name: typeof profile?.name === "string" ? profile.name : null,
          };
          return token;
        }
        if (trigger === "update" && token.pending) {
          // After the person chose a username: trust only the database, never the update payload.
          const linked = await findOAuthUser(await deps.db(), token.pending.provider, token.pending.providerAccountId);
          if (linked) return startSession(token, linked.id);
        }
        return token;
      },
    },
  } satisfies ReturnType<typeof baseAuthConfig>;
}

export const { handlers, auth, signIn, signOut, unstable_update } = NextAuth(() => buildAuthConfig(process.env));
