import { Invalid, Unavailable } from "./errors";

/** The constraint a unique violation (SQLSTATE 23505) hit, or null; looks through Drizzle's wrapper. */
export function uniqueViolation(err: unknown): string | null {
  for (let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === "23505") return e.constraint ?? "unknown";
  }
  return null;
}

/** Whether a statement hit a foreign key violation (SQLSTATE 23503); looks through Drizzle's wrapper. */
export function foreignKeyViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e === "object" && e.code === "23503") return true;
  }
  return false;
}

/**
 * SQLSTATEs PostgreSQL answers for text it can't store: 22021 (invalid byte sequence, e.g. U+0000) and 22P05
 * (untranslatable character). Input with such characters is the sender's mistake, never a server error.
 */
const BAD_TEXT_CODES = new Set(["22021", "22P05"]);
export const BAD_TEXT_MESSAGE = "The text contains characters that can't be stored. Remove them and try again.";

/** Whether PostgreSQL refused a value's characters (22021, 22P05); looks through Drizzle's wrapper. */
export function badTextEncoding(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e === "object" && BAD_TEXT_CODES.has(String(e.code))) return true;
  }
  return false;
}

/**
 * The Invalid that a bad-text database error stands for: on `field` when the caller knows which input it was,
 * else a form message (`_form`). Null for any other error (rethrow it).
 */
export function invalidFromDbError(err: unknown, field?: string): Invalid | null {
  if (!badTextEncoding(err)) return null;
  return new Invalid({ [field ?? "_form"]: [BAD_TEXT_MESSAGE] }, BAD_TEXT_MESSAGE);
}

/**
 * Errors that mean the database can't be reached (not that the statement was wrong): node-postgres's socket and
 * pool errors (a connection refused, dropped, or not had within the pool's timeout), an embedded database that
 * is closed or failed to open, and the SQLSTATEs of class 08 (connection exception), 57P01–57P03 (the server shutting down or
 * starting) and 53300 (too many connections). Looks through Drizzle's wrapper.
 */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EAI_AGAIN",
]);
const UNREACHABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300"]);
const UNREACHABLE_MESSAGES = [
  "Connection terminated",
  "connection timeout",
  // pg-pool: no connection became free (or could be made) within connectionTimeoutMillis
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection refused",
  "Cannot use a pool after calling end",
  // The embedded database (db/pglite.ts): closed, or it could not be opened (PGLITE_UNAVAILABLE).
  "PGlite is closed",
  "PGlite is closing",
  "The embedded database (PGlite) is unavailable",
];

export function databaseUnreachable(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e !== "object" || seen.has(e)) break;
    seen.add(e);
    const code = typeof e.code === "string" ? e.code : "";
    if (UNREACHABLE_CODES.has(code) || UNREACHABLE_STATES.has(code) || code.startsWith("08")) return true;
    const message = typeof e.message === "string" ? e.message : "";
    if (UNREACHABLE_MESSAGES.some((m) => message.includes(m))) return true;
    // AggregateError (a connect that tried several addresses) carries the reasons in `errors`.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((x) => databaseUnreachable(x))) return true;
  }
  return false;
}

/** The Unavailable that an unreachable-database error stands for, or null for any other error (rethrow it). */
export function unavailableFromDbError(err: unknown): Unavailable | null {
  return databaseUnreachable(err) ? new Unavailable() : null;
}
