import { z } from "zod";
import { getDb, type Db } from "@/db";
import { authenticatePat } from "@/lib/accounts";
import {
  callerMayAct,
  consume,
  Forbidden,
  READ_ONLY_TOKEN,
  parseInput,
  Malformed,
  RateLimited,
  Unauthenticated,
  type RateLimitRule,
  type RateLimitStore,
  type TokenCaller,
} from "@/lib/core";
import { readBodyText } from "@/lib/compute";
import { rateLimitStore } from "../deps";
import { errorResponse, jsonError } from "../http-errors";
import { services } from "../services";
import { claimIdempotencyKey, finishIdempotencyKey, releaseIdempotencyKey } from "./idempotency";

/**
 * The one door of the token API (both families: the console's `/api/v1/…` and Apolo's admin API
 * `/apis/admin/v1/…`). An endpoint is declared once with `defineEndpoint`: its method and path, the zod schemas
 * of its path parameters, query and body (the same objects the OpenAPI document at /api/openapi.json is
 * generated from, app/_server/api/openapi.ts), and a handler that calls the lib/ operation the UI calls.
 *
 * The door, in order: bearer personal access token only (cookies are never read: no CSRF surface; a missing,
 * unknown, revoked or expired token is 401 with `WWW-Authenticate`), the per-token rate limit (Redis when
 * REDIS_URL is set), the body (JSON, at most `maxBodyBytes`), path/query/body validation (422 with per-field
 * messages), the `Idempotency-Key` header when the endpoint takes one, then the handler. Errors go through the
 * one mapper (http-errors.ts), in the family's shape:
 *
 *   console: { "error": { "code": "not_found", "message": "Not found", "fields"?: {…} } }
 *   apolo:   { "error": "Not found", "code": "not_found", "fields"?: {…} }   (the `apolo` SDK prints `error`)
 */

export type ApiFamily = "console" | "apolo";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyObject = z.ZodObject<any>;

export interface EndpointSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  family: ApiFamily;
  method: HttpMethod;
  /** OpenAPI-style path with `{param}` segments, e.g. `/apis/admin/v1/orgs/{org}/users`. */
  path: string;
  /** One line for the reference page. */
  summary: string;
  /** Longer notes for the reference page (who may call it, what it does). */
  description?: string;
  /** OpenAPI tag (a section of the reference page). */
  tag: string;
  /**
   * Whether the endpoint reads or changes something (GET: read, any other method: write, unless given). A
   * read-only token is refused every write endpoint at the door (403), before its body is even read; lib/ checks
   * the scope again.
   */
  mode?: "read" | "write";
  /** `token`: a valid personal access token is required; `optional`: answered without one too (the config document). */
  auth?: "token" | "optional";
  params?: P;
  query?: Q;
  body?: B;
  /** The answer's schema, for the document (the handler's return is not re-validated at run time). */
  response?: z.ZodType;
  /** The success status (200 unless given). */
  status?: number;
  /** Takes an `Idempotency-Key` header: a retry with the same key and body gets the first answer. */
  idempotent?: boolean;
  /** Largest body accepted (64 KB unless given). */
  maxBodyBytes?: number;
}

export interface EndpointContext<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  req: Request;
  db: Db;
  /** The token's caller; null only on `auth: "optional"` endpoints called without one. */
  caller: TokenCaller | null;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** Mail, the console's configured URL (`appUrl`, for absolute links), the secrets key; built when asked for. */
  services: () => ReturnType<typeof services>;
}

/** What a handler answers: a JSON value (the spec's status), or a Response it built itself (CSV, redirects). */
export type HandlerResult = unknown;

/** What the door needs from the server: the app's own in a route, a test database and services in a test. */
export interface EndpointDeps {
  db: Db;
  services: () => ReturnType<typeof services>;
  limiter: RateLimitStore;
}

export interface Endpoint {
  spec: EndpointSpec<AnyObject, AnyObject, z.ZodType>;
  /** The Next.js route handler. */
  route: (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
  /** The same door with given dependencies (in-process tests and benchmarks): path parameters by name. */
  invoke: (req: Request, params: Record<string, string>, deps: EndpointDeps) => Promise<Response>;
}

const DEFAULT_MAX_BODY = 64 * 1024;
/**
 * `no-transform`: answers go out uncompressed. Gzipping each JSON answer in the server cost more CPU than the
 * request itself (scripts/bench-api.ts; the usage API found the same); a reverse proxy may still compress.
 */
const ANSWER_HEADERS = { "Cache-Control": "no-store, no-transform" };
const EMPTY = z.object({});

/** Per-token request budget (lib/core/rate-limit.ts): API_RATE_LIMIT_PER_MINUTE, 600 unless set. */
export function apiRateLimit(): RateLimitRule {
  const n = Number(process.env.API_RATE_LIMIT_PER_MINUTE || 600);
  return { limit: Number.isSafeInteger(n) && n > 0 ? n : 600, windowMs: 60_000 };
}

/** A URL query as an object: a key given once is a string, given more than once an array (`roles=a&roles=b`). */
export function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** An error in the family's JSON shape. */
export async function familyError(family: ApiFamily, thrown: unknown, context: string): Promise<Response> {
  const res = errorResponse(thrown, {
    bearerRealm: family === "apolo" ? "apolo-admin" : "apolo-api",
    context,
    headers: { "Cache-Control": "no-store" },
  });
  return familyResponse(family, res);
}

/** A console-shaped error answer in the family's shape: Apolo's is `{ "error": "<message>", "code": … }`. */
async function familyResponse(family: ApiFamily, res: Response): Promise<Response> {
  if (family === "console") return res;
  const body = (await res.json()) as { error: { code: string; message: string; fields?: unknown } };
  return Response.json(
    { error: body.error.message, code: body.error.code, ...(body.error.fields ? { fields: body.error.fields } : {}) },
    { status: res.status, headers: new Headers(res.headers) },
  );
}

function bearerOf(req: Request): string | null {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.get("authorization") ?? "")?.[1] ?? null;
}

/** One part of the request, validated (control characters refused as everywhere: lib/core parseInput). */
function parsePart<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  return parseInput(schema, value);
}

/** What an endpoint does: its declared mode, else GET reads and every other method writes. */
export function endpointMode(spec: { method: HttpMethod; mode?: "read" | "write" }): "read" | "write" {
  return spec.mode ?? (spec.method === "GET" ? "read" : "write");
}

export function defineEndpoint<
  P extends AnyObject = typeof EMPTY,
  Q extends AnyObject = typeof EMPTY,
  B extends z.ZodType = z.ZodUndefined,
>(spec: EndpointSpec<P, Q, B>, handler: (ctx: EndpointContext<P, Q, B>) => Promise<HandlerResult>): Endpoint {
  const context = `${spec.method} ${spec.path}`;
  const invoke: Endpoint["invoke"] = async (req, rawParams, deps) => {
    let claimed: { userId: string; key: string } | null = null;
    const { db } = deps;
    try {
      // 1. The token (never a cookie).
      const bearer = bearerOf(req);
      const caller = bearer ? await authenticatePat(db, bearer) : null;
      if (!caller && (spec.auth ?? "token") === "token") {
        throw new Unauthenticated(
          bearer
            ? "This token is not valid: it is unknown, revoked or expired. Create one in Account → Tokens."
            : "Send a personal access token: Authorization: Bearer apolo_pat_… (Account → Tokens).",
        );
      }
      // 2. The token's scope, then the per-token budget.
      if (caller && !callerMayAct(caller, endpointMode(spec))) {
        throw new Forbidden(READ_ONLY_TOKEN);
      }
      if (caller) {
        const limit = await consume(deps.limiter, `api:token:${caller.tokenId}`, apiRateLimit());
        if (!limit.ok) {
          throw new RateLimited(limit.retryAfterSec);
        }
      }
      // 3. Path, query, body.
      const params = parsePart(spec.params ?? EMPTY, rawParams);
      const url = new URL(req.url);
      const query = parsePart(spec.query ?? EMPTY, queryObject(url.searchParams));
      let body: unknown = undefined;
      let bodyText = "";
      if (spec.body) {
        const max = spec.maxBodyBytes ?? DEFAULT_MAX_BODY;
        const text = await readBodyText(req, max);
        if (text === null) {
          return familyResponse(
            spec.family,
            jsonError(413, "payload_too_large", `The body must be at most ${max} bytes.`),
          );
        }
        bodyText = text;
        let json: unknown;
        try {
          json = text.trim() === "" ? {} : JSON.parse(text);
        } catch {
          throw new Malformed("The body must be JSON.");
        }
        body = parsePart(spec.body, json);
      }
      // 4. Idempotency-Key: a retry gets the first answer.
      const key = spec.idempotent ? req.headers.get("idempotency-key") : null;
      if (key !== null && caller) {
        const claim = await claimIdempotencyKey(db, caller.userId, key, `${context} ${url.pathname}`, bodyText);
        if (claim.kind === "replay") {
          return Response.json(claim.body, {
            status: claim.status,
            headers: { "Cache-Control": "no-store", "Idempotent-Replayed": "true" },
          });
        }
        claimed = { userId: caller.userId, key };
      }
      const result = await handler({
        req,
        db,
        caller,
        params: params as z.output<P>,
        query: query as z.output<Q>,
        body: body as z.output<B>,
        services: deps.services,
      });
      if (result instanceof Response) {
        if (claimed) await releaseIdempotencyKey(db, claimed.userId, claimed.key);
        return result;
      }
      const status = spec.status ?? 200;
      if (claimed) await finishIdempotencyKey(db, claimed.userId, claimed.key, status, result ?? null);
      if (status === 204) return new Response(null, { status, headers: { "Cache-Control": "no-store" } });
      return Response.json(result ?? null, { status, headers: ANSWER_HEADERS });
    } catch (err) {
      if (claimed) {
        // A refused or failed request leaves nothing behind: the same key may be retried (corrected).
        await releaseIdempotencyKey(db, claimed.userId, claimed.key).catch(() => undefined);
      }
      return familyError(spec.family, err, context);
    }
  };
  const route: Endpoint["route"] = async (req, routeCtx) => {
    let db: Db;
    try {
      db = await getDb();
    } catch (err) {
      return familyError(spec.family, err, context);
    }
    // A route without dynamic segments (GET /api/v1/me) gets no params from Next: undefined, not {}.
    const raw = (await routeCtx?.params) ?? {};
    const params = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]));
    // The console's configured URL (never the request's Host header) for links in answers and mails.
    return invoke(req, params, { db, services: () => services(), limiter: rateLimitStore() });
  };
  return { spec: spec as unknown as Endpoint["spec"], route, invoke };
}
