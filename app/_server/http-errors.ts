import {
  errorFields,
  invalidFromDbError,
  isDomainError,
  unavailableFromDbError,
  type ErrorCode,
  type FieldErrors,
} from "@/lib/core";

/**
 * The one place route handlers (and the REST API) map errors to HTTP. Every JSON error answer has one shape:
 *
 *     { "error": { "code": "invalid", "message": "Check the fields.", "fields": { "records.0.until": ["…"] } } }
 *
 * `code` is the domain error's kind (lib/core/errors.ts) or, for refusals made by the route itself, one of
 * BOUNDARY_CODES; `fields` only when there are per-field messages. Anything that isn't a domain error is a bug:
 * logged with a request id, answered 500 with that id and nothing of its internals.
 */
export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldErrors };
}

export const STATUS_OF: Record<ErrorCode, number> = {
  malformed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  quota_exceeded: 409,
  invalid: 422,
  rate_limited: 429,
  unavailable: 503,
};

/** Codes of refusals made at the boundary, before lib/ is called. */
export type BoundaryCode = "payload_too_large" | "internal";

export interface ErrorResponseOptions {
  /** A bearer-token route: a 401 carries `WWW-Authenticate: Bearer realm="<realm>"`. */
  bearerRealm?: string;
  /** Refusals are answered like a missing resource (404), as the page is: nobody learns that it exists. */
  forbiddenAsNotFound?: boolean;
  /** The request's id (x-request-id) for the log line and the 500's message; a fresh one when absent. */
  requestId?: string | null;
  /** Names what failed in the log line of a 500, e.g. "usage". */
  context?: string;
  /** Extra headers (Cache-Control is no-store unless given here). */
  headers?: Record<string, string>;
}

/** A JSON error answer in the one shape. */
export function jsonError(
  status: number,
  code: ErrorCode | BoundaryCode,
  message: string,
  opts: { fields?: FieldErrors; headers?: Record<string, string> } = {},
): Response {
  const body: ErrorBody = { error: { code, message, ...(opts.fields ? { fields: opts.fields } : {}) } };
  return Response.json(body, { status, headers: { "Cache-Control": "no-store", ...opts.headers } });
}

/** A thrown error as the route's answer. */
export function errorResponse(thrown: unknown, opts: ErrorResponseOptions = {}): Response {
  const headers = { ...opts.headers };
  // The database can't be reached: 503 with Retry-After, so runners and clients back off and retry.
  // PostgreSQL refused a character (22021, 22P05): the sender's input, a 422 like any invalid value.
  const err = unavailableFromDbError(thrown) ?? invalidFromDbError(thrown) ?? thrown;
  if (!isDomainError(err)) {
    const id = opts.requestId || crypto.randomUUID().slice(0, 8);
    console.error(`[request ${id}] ${opts.context ?? "route"} failed:`, err);
    return jsonError(500, "internal", `Something went wrong on our side. Please try again (reference ${id}).`, {
      headers: { ...headers, "X-Request-Id": id },
    });
  }
  const code = err.kind === "forbidden" && opts.forbiddenAsNotFound ? "not_found" : err.kind;
  // A 404 never says more than "Not found" (the message of a refusal told as one could name what exists).
  const message = code === "not_found" ? "Not found" : err.message;
  if ((err.kind === "rate_limited" || err.kind === "unavailable") && "retryAfterSec" in err) {
    headers["Retry-After"] = String(err.retryAfterSec);
  }
  if (code === "unauthenticated" && opts.bearerRealm) {
    headers["WWW-Authenticate"] = `Bearer realm="${opts.bearerRealm}"`;
  }
  return jsonError(STATUS_OF[code], code, message, { fields: errorFields(err), headers });
}
