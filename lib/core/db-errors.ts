import { Invalid } from "./errors";

/** The constraint a unique violation (SQLSTATE 23505) hit, or null; looks through Drizzle's wrapper. */
export function uniqueViolation(err: unknown): string | null {
  for (let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === "23505") return e.constraint ?? "unknown";
  }
  return null;
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
