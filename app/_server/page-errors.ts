import { notFound } from "next/navigation";
import { badTextEncoding, isDomainError } from "@/lib/core";
import { redirectToSignIn } from "./session";

/**
 * How a page answers a domain error: NotFound and Forbidden render the not-found page (a member without the role
 * learns no more than an outsider), Unauthenticated goes to sign-in. Anything else (a bug, or an error a page
 * should have prevented) is rethrown to the error page. A bad-text database error (a NUL from the URL that
 * reached SQL) is the not-found page too.
 */
export function pageOutcome(err: unknown): "not_found" | "sign_in" | "rethrow" {
  // PostgreSQL refused a character of the URL (22021, 22P05: a NUL in a name): nothing has that name.
  if (badTextEncoding(err)) return "not_found";
  if (!isDomainError(err)) return "rethrow";
  if (err.kind === "unauthenticated") return "sign_in";
  if (err.kind === "not_found" || err.kind === "forbidden") return "not_found";
  return "rethrow";
}

/** The one place pages map errors (see pageOutcome). */
export async function pageError(err: unknown): Promise<never> {
  const outcome = pageOutcome(err);
  if (outcome === "sign_in") return redirectToSignIn();
  if (outcome === "not_found") notFound();
  throw err;
}

/** Runs a page's lib call and maps its domain errors the page way (pageError). */
export async function loadPage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    return pageError(err);
  }
}
