import { createHash } from "node:crypto";
import { and, eq, lt, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiIdempotencyKeys } from "@/db/schema";
import { Conflict, Invalid } from "@/lib/core";

/** How long an answer is remembered. */
export const IDEMPOTENCY_TTL_HOURS = 24;

export type Claim = { kind: "fresh" } | { kind: "replay"; status: number; body: unknown };

/**
 * Claims `key` for this caller and request (`Idempotency-Key` header, app/_server/api/endpoint.ts). The first
 * request inserts the claim and goes on; a retry with the same key and the same method, path and body gets the
 * remembered answer; the same key with another request, or while the first is still running, is a Conflict.
 */
export async function claimIdempotencyKey(
  db: Db,
  userId: string,
  key: string,
  request: string,
  body: string,
): Promise<Claim> {
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new Invalid(
      { "Idempotency-Key": ["At most 255 visible ASCII characters, e.g. a UUID."] },
      "Bad Idempotency-Key header.",
    );
  }
  const fingerprint = createHash("sha256").update(request).update("\n").update(body).digest("hex");
  // Forget answers older than the TTL for this caller (cheap, indexed by the primary key's user).
  await db
    .delete(apiIdempotencyKeys)
    .where(
      and(
        eq(apiIdempotencyKeys.userId, userId),
        lt(apiIdempotencyKeys.createdAt, sql`now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`),
      ),
    );
  const inserted = await db
    .insert(apiIdempotencyKeys)
    .values({ userId, key, fingerprint })
    .onConflictDoNothing()
    .returning({ key: apiIdempotencyKeys.key });
  if (inserted.length > 0) return { kind: "fresh" };
  const [prev] = await db
    .select()
    .from(apiIdempotencyKeys)
    .where(and(eq(apiIdempotencyKeys.userId, userId), eq(apiIdempotencyKeys.key, key)));
  if (!prev) return claimIdempotencyKey(db, userId, key, request, body);
  if (prev.fingerprint !== fingerprint) {
    throw new Conflict("This Idempotency-Key was used for another request. Use a new key for a new request.");
  }
  if (prev.status === null) {
    throw new Conflict("A request with this Idempotency-Key is still being handled. Retry in a moment.");
  }
  return { kind: "replay", status: prev.status, body: prev.body };
}

/** Remembers the answer of a claimed request. */
export async function finishIdempotencyKey(
  db: Db,
  userId: string,
  key: string,
  status: number,
  body: unknown,
): Promise<void> {
  await db
    .update(apiIdempotencyKeys)
    .set({ status, body: body as object })
    .where(and(eq(apiIdempotencyKeys.userId, userId), eq(apiIdempotencyKeys.key, key)));
}

/** Drops a claim whose request was refused or failed (the key may be used again). */
export async function releaseIdempotencyKey(db: Db, userId: string, key: string): Promise<void> {
  await db
    .delete(apiIdempotencyKeys)
    .where(
      and(
        eq(apiIdempotencyKeys.userId, userId),
        eq(apiIdempotencyKeys.key, key),
        sql`${apiIdempotencyKeys.status} is null`,
      ),
    );
}

/**
 * Runs `fn` once per claimed key (Apolo's `idempotency_key` query parameter uses this; the door's
 * Idempotency-Key header the three steps above): the first request runs and its answer is remembered (200); a
 * retry with the same key and request gets `replay` with the first answer; a refusal or failure frees the key.
 */
export async function runOnce<T>(
  db: Db,
  userId: string,
  key: string,
  request: string,
  body: string,
  fn: () => Promise<T>,
): Promise<{ replay: true; status: number; body: unknown } | { replay: false; value: T }> {
  const claim = await claimIdempotencyKey(db, userId, key, request, body);
  if (claim.kind === "replay") return { replay: true, status: claim.status, body: claim.body };
  try {
    const value = await fn();
    await finishIdempotencyKey(db, userId, key, 200, value ?? null);
    return { replay: false, value };
  } catch (err) {
    await releaseIdempotencyKey(db, userId, key).catch(() => undefined);
    throw err;
  }
}
