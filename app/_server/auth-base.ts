import type { PendingOAuth } from "@/lib/accounts";
import { SESSION_MAX_AGE_SEC } from "@/lib/accounts";
import type { NextAuthConfig } from "next-auth";
import { authRedirect } from "./return-to";
import { authSecret } from "./secrets";

declare module "next-auth" {
  interface Session {
    /** The account id, or absent while a first OAuth sign-in still has to choose a username. */
    uid?: string;
    /** The server-side session row (lib/accounts/sessions.ts) this cookie stands for; checked on every request. */
    sid?: string;
    pendingOAuth?: PendingOAuth;
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    uid?: string;
    sid?: string;
    pending?: PendingOAuth;
  }
}

/**
 * Whether Auth.js may trust the request's Host: always in development; in production when AUTH_URL names the
 * public URL (Auth.js then builds every URL from it) or AUTH_TRUST_HOST=true says a trusted proxy sets Host.
 */
export function trustHostFrom(env: Record<string, string | undefined>): boolean {
  return env.AUTH_TRUST_HOST === "true" || Boolean(env.AUTH_URL?.trim()) || env.NODE_ENV !== "production";
}

/**
 * The part of the Auth.js config that only reads the signed session cookie: shared by the proxy (which must
 * not touch the database) and the full config in auth.ts. The token carries the account id and the session
 * row's id only; whether that session still exists, and every role, is read from the database per request.
 */
export function baseAuthConfig(): NextAuthConfig {
  return {
    secret: authSecret(),
    trustHost: trustHostFrom(process.env),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SEC },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [],
    callbacks: {
      // Same-origin paths only, checked after parsing, for Auth.js' own endpoints too (app/_server/return-to.ts).
      redirect: authRedirect,
      session({ session, token }) {
        session.uid = token.uid;
        session.sid = token.sid;
        session.pendingOAuth = token.pending;
        return session;
      },
    },
    logger: {
      // A wrong password is not a server error: don't print a stack trace for it.
      error(error) {
        const type = (error as { type?: string }).type;
        if (type === "CredentialsSignin") return;
        console.error(`[auth] ${type ?? error.name}: ${error.message}`);
      },
    },
  };
}
