import "server-only";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/db";
import { findSessionUser, type SessionUser } from "@/lib/accounts";
import type { Actor } from "@/lib/authz";
import { clientAddressFrom } from "@/lib/config";
import { isDomainError } from "@/lib/errors";
import { auth } from "./auth";
import { rateLimitStore } from "./deps";

/** The signed-in account for this request, checked against the database (a deleted account is signed out). */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  if (!session?.uid) return null;
  return findSessionUser(await getDb(), session.uid);
});

export async function currentActor(): Promise<Actor> {
  const user = await currentUser();
  return user ? { userId: user.id } : null;
}

/** For pages that need a signed-in person: sends everyone else to sign in, then back here. */
export async function requireUserPage(returnTo: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}

export async function requestContext() {
  return { limiter: rateLimitStore(), clientAddress: clientAddressFrom(await headers()) };
}

export async function requestId(): Promise<string> {
  return (await headers()).get("x-request-id") ?? crypto.randomUUID().slice(0, 8);
}

/**
 * Runs a page's lib call and maps domain errors the page way: NotFound and Forbidden render the not-found
 * page (a member without the role learns no more than an outsider), Unauthenticated goes to sign-in.
 */
export async function loadPage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDomainError(err)) {
      if (err.kind === "unauthenticated") redirect("/signin");
      if (err.kind === "not_found" || err.kind === "forbidden") notFound();
    }
    throw err;
  }
}
