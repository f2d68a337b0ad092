/**
 * Typed domain errors. lib/ throws these with a code (`kind`) and messages only, never an HTTP status: app/_server/
 * maps them, once per kind of boundary: action.ts to form state, page-errors.ts to pages (not-found page, sign-in),
 * http-errors.ts to JSON route answers (`{ error: { code, message, fields? } }` with the status). Anything else is
 * a bug: logged with a request id and shown as a generic message.
 */
export type FieldErrors = Record<string, string[]>;

export type ErrorCode =
  | "not_found"
  | "forbidden"
  | "conflict"
  | "invalid"
  | "malformed"
  | "rate_limited"
  | "unauthenticated"
  | "quota_exceeded"
  | "unavailable";

export abstract class DomainError extends Error {
  /** The error's code, as API answers name it. */
  abstract readonly kind: ErrorCode;
}

export class NotFound extends DomainError {
  readonly kind = "not_found";
  constructor(message = "Not found") {
    super(message);
  }
}

export class Forbidden extends DomainError {
  readonly kind = "forbidden";
  constructor(message = "You don't have permission to do that.") {
    super(message);
  }
}

export class Unauthenticated extends DomainError {
  readonly kind = "unauthenticated";
  constructor(message = "Sign in to continue.") {
    super(message);
  }
}

/** Input that is well-formed but clashes with existing data (a taken username, say); `field` names the input. */
export class Conflict extends DomainError {
  readonly kind = "conflict";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
  get fieldErrors(): FieldErrors | undefined {
    return this.field ? { [this.field]: [this.message] } : undefined;
  }
}

export class Invalid extends DomainError {
  readonly kind = "invalid";
  constructor(
    readonly fieldErrors: FieldErrors,
    message = "Check the highlighted fields.",
  ) {
    super(message);
  }
}

/** Input that can't be read at all (a body that isn't JSON, a missing or bad signature). */
export class Malformed extends DomainError {
  readonly kind = "malformed";
  constructor(message: string) {
    super(message);
  }
}

export class RateLimited extends DomainError {
  readonly kind = "rate_limited";
  constructor(readonly retryAfterSec: number) {
    super(`Too many attempts. Try again in ${retryAfterSec} s.`);
  }
}

/** A job can't start: a running-jobs quota is reached or credits are used up (Apolo's exact messages). */
export class QuotaExceeded extends DomainError {
  readonly kind = "quota_exceeded";
  constructor(
    message: string,
    /** Whether the refusal is about credits (the member is told by mail). */
    readonly credits = false,
    /** For a running-jobs quota: how many run and the limit (the console explains "you run 3 of 3"). */
    readonly detail?: { scope: "user" | "org"; running: number; limit: number },
  ) {
    super(message);
  }
}

/**
 * A service the operation needs (the database, Redis) can't be reached right now: nothing was done, and the
 * same request may succeed in a moment. HTTP answers 503 with Retry-After; forms show the message.
 */
export class Unavailable extends DomainError {
  readonly kind = "unavailable";
  constructor(
    message = "The console can't reach its database right now. Nothing was saved; try again in a moment.",
    readonly retryAfterSec = 5,
  ) {
    super(message);
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

/** The per-field messages an error carries (Invalid, and a Conflict about one field), if any. */
export function errorFields(err: DomainError): FieldErrors | undefined {
  return err instanceof Invalid || err instanceof Conflict ? err.fieldErrors : undefined;
}
