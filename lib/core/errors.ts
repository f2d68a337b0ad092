/**
 * Typed domain errors. lib/ throws these; each boundary (server action, page, API route) maps them once:
 * NotFound → 404 / not-found page, Forbidden → 403, Conflict → 409, Invalid → 422 with field messages,
 * RateLimited → 429 with Retry-After, Unauthenticated → sign-in. Anything else is a bug: logged with a
 * request id and shown as a generic message.
 */
export type FieldErrors = Record<string, string[]>;

export abstract class DomainError extends Error {
  abstract readonly kind:
    "not_found" | "forbidden" | "conflict" | "invalid" | "rate_limited" | "unauthenticated" | "quota_exceeded";
  abstract readonly status: number;
}

export class NotFound extends DomainError {
  readonly kind = "not_found";
  readonly status = 404;
  constructor(message = "Not found") {
    super(message);
  }
}

export class Forbidden extends DomainError {
  readonly kind = "forbidden";
  readonly status = 403;
  constructor(message = "You don't have permission to do that.") {
    super(message);
  }
}

export class Unauthenticated extends DomainError {
  readonly kind = "unauthenticated";
  readonly status = 401;
  constructor(message = "Sign in to continue.") {
    super(message);
  }
}

/** Input that is well-formed but clashes with existing data (a taken username, say); `field` names the input. */
export class Conflict extends DomainError {
  readonly kind = "conflict";
  readonly status = 409;
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
  readonly status = 422;
  constructor(
    readonly fieldErrors: FieldErrors,
    message = "Check the highlighted fields.",
  ) {
    super(message);
  }
}

export class RateLimited extends DomainError {
  readonly kind = "rate_limited";
  readonly status = 429;
  constructor(readonly retryAfterSec: number) {
    super(`Too many attempts. Try again in ${retryAfterSec} s.`);
  }
}

/** A job can't start: a running-jobs quota is reached or credits are used up (Apolo's exact messages). */
export class QuotaExceeded extends DomainError {
  readonly kind = "quota_exceeded";
  readonly status = 409;
  constructor(
    message: string,
    /** Whether the refusal is about credits (the member is told by mail). */
    readonly credits = false,
  ) {
    super(message);
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
