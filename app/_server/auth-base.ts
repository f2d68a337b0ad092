import type { NextAuthConfig } from "next-auth";
import type { PendingOAuth } from "@/lib/accounts";
import { authSecret } from "./secrets";

declare module "next-auth" {
  interface Session {
    /** The account id, or absent while a first OAuth sign-in still has to choose a username. */
    uid?: string;
    pendingOAuth?: PendingOAuth;
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    uid?: string;
    pending?: PendingOAuth;
  }
}

/**
 * The part of the Auth.js config that only reads the signed session cookie: shared by the proxy (which must
 * not touch the database) and the full config in auth.ts. The token carries the account id only; roles are
 * always read from the database.
 */
export function baseAuthConfig(): NextAuthConfig {
  return {
    secret: authSecret(),
    trustHost: process.env.AUTH_TRUST_HOST === "true" || process.env.NODE_ENV !== "production",
    session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [],
    callbacks: {
      session({ session, token }) {
        session.uid = token.uid;
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
