import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import { getDb } from "@/db";
import { authenticate, findOAuthUser } from "@/lib/accounts";
import { clientAddressFrom, oauthProvidersFromEnv, type Env } from "@/lib/config";
import { RateLimited } from "@/lib/errors";
import { baseAuthConfig } from "./auth-base";
import { rateLimitStore } from "./deps";

/** Carries "try again in N s" from authorize() to the sign-in form. */
export class RateLimitedSignin extends CredentialsSignin {
  constructor(retryAfterSec: number) {
    super();
    this.code = `rate_limited:${retryAfterSec}`;
  }
}

export function buildAuthConfig(env: Env) {
  const base = baseAuthConfig();
  const oauth = oauthProvidersFromEnv(env).map(({ id, clientId, clientSecret }) =>
    id === "github" ? GitHub({ clientId, clientSecret }) : Google({ clientId, clientSecret }),
  );
  return {
    ...base,
    providers: [
      Credentials({
        credentials: { identifier: { label: "Username or email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, request) {
          try {
            const user = await authenticate(await getDb(), credentials, {
              limiter: rateLimitStore(),
              clientAddress: clientAddressFrom(request.headers),
            });
            return user ? { id: user.id, name: user.username } : null;
          } catch (err) {
            if (err instanceof RateLimited) throw new RateLimitedSignin(err.retryAfterSec);
            throw err;
          }
        },
      }),
      ...oauth,
    ],
    callbacks: {
      ...base.callbacks,
      async jwt({ token, user, account, profile, trigger }) {
        if (account?.type === "credentials" && user?.id) {
          token.uid = user.id;
          delete token.pending;
        } else if (account && (account.type === "oauth" || account.type === "oidc")) {
          const linked = await findOAuthUser(await getDb(), account.provider, account.providerAccountId);
          if (linked) {
            token.uid = linked.id;
            delete token.pending;
          } else {
            const verified = account.provider === "github" || profile?.email_verified === true;
            token.uid = undefined;
            token.pending = {
              provider: account.provider,
              providerAccountId: account.providerAccountId,
              email: verified && typeof profile?.email === "string" ? profile.email : null,
              name: typeof profile?.name === "string" ? profile.name : null,
            };
          }
        } else if (trigger === "update" && token.pending) {
          // After the person chose a username: trust only the database, never the update payload.
          const linked = await findOAuthUser(await getDb(), token.pending.provider, token.pending.providerAccountId);
          if (linked) {
            token.uid = linked.id;
            delete token.pending;
          }
        }
        return token;
      },
    },
  } satisfies ReturnType<typeof baseAuthConfig>;
}

export const { handlers, auth, signIn, signOut, unstable_update } = NextAuth(() => buildAuthConfig(process.env));
