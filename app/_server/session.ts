import { getDb } from "@/db";
import { findSessionUser, type SessionUser } from "@/lib/accounts";
import type { Caller } from "@/lib/core";
import { clientAddressFrom, userCaller } from "@/lib/core";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import "server-only";
import { auth } from "./auth";
import { appConfig } from "./config";
import { rateLimitStore } from "./deps";

interface RequestSession {
  user: SessionUser | null;
  /** The live session row's id, when `user` is set. */
  sessionId: string | null;
  /** A signed cookie whose server-side session was ended (sign-out elsewhere, password change, deleted). */
  ended: boolean;
}

/**
 * The signed-in account for this request: the cookie's session row must still exist (lib/accounts/sessions.ts), so a
 * copy of a cookie taken before sign-out, a password change or account deletion opens nothing.
 */
const requestSession = cache(async (): Promise<RequestSession> => {
  const session = await auth();
  if (!session?.uid) return { user: null, sessionId: null, ended: false };
  const user = session.sid ? await findSessionUser(await getDb(), session.uid, session.sid) : null;
  return user ? { user, sessionId: session.sid!, ended: false } : { user: null, sessionId: null, ended: true };
});

export async function currentUser(): Promise<SessionUser | null> {
  return (await requestSession()).user;
}

/** The caller of this request for lib: the signed-in user with their session id, or null when signed out. */
export async function currentCaller(): Promise<Caller> {
  const { user, sessionId } = await requestSession();
  return user ? userCaller(user.id, sessionId ?? undefined) : null;
}

/**
 * Sends a signed-out person to sign in, then back to `returnTo`. A browser whose cookie outlived its session
 * first goes through /api/session/ended, which drops the dead cookie: the proxy (which can't read the
 * database) would otherwise keep treating it as signed in and bounce /signin back here.
 */
export async function redirectToSignIn(returnTo?: string): Promise<never> {
  const query = returnTo ? `?callbackUrl=${encodeURIComponent(returnTo)}` : "";
  if ((await requestSession()).ended) redirect(`/api/session/ended${query}`);
  redirect(`/signin${query}`);
}

/** For pages that need a signed-in person: sends everyone else to sign in, then back here. */
export async function requireUserPage(returnTo: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) return redirectToSignIn(returnTo);
  return user;
}

export async function requestContext() {
  return { limiter: rateLimitStore(), clientAddress: clientAddressFrom(await headers(), appConfig()) };
}

export async function requestId(): Promise<string> {
  return (await headers()).get("x-request-id") ?? crypto.randomUUID().slice(0, 8);
}

/** Pages map domain errors in one place: app/_server/page-errors.ts. */
export { loadPage } from "./page-errors";
