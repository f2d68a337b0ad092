// Test helpers for the API door (in-process: Endpoint.invoke with a test database). Not imported by the app.
import type { Db } from "@/db";
import { createToken, type CreateTokenInput } from "@/lib/accounts";
import { MemoryRateLimitStore, userCaller, type RateLimitStore } from "@/lib/core";
import { RecordingMailer, TEST_APP_URL } from "@/lib/test/fixtures";
import type { Endpoint, EndpointDeps } from "./endpoint";

export const TEST_SECRETS_KEY = Buffer.alloc(32, 7);

/** Door dependencies over a test database: a recording mailer, a fresh limiter unless given. */
export function apiDeps(db: Db, opts: { limiter?: RateLimitStore; mailer?: RecordingMailer } = {}): EndpointDeps {
  const mailer = opts.mailer ?? new RecordingMailer();
  const limiter = opts.limiter ?? new MemoryRateLimitStore();
  return {
    db,
    limiter,
    services: async () => ({ mailer, appUrl: TEST_APP_URL, limiter, secretsKey: TEST_SECRETS_KEY }),
  };
}

/** A personal access token of `user` (write scope, 30 days, all orgs unless given). */
export async function makePat(db: Db, user: { id: string }, input: Partial<CreateTokenInput> = {}): Promise<string> {
  const { token } = await createToken(db, userCaller(user.id, "test-session"), {
    name: input.name ?? "test token",
    expiresIn: input.expiresIn ?? "30",
    scope: input.scope ?? "write",
    org: input.org,
  });
  return token;
}

export interface CallOptions {
  token?: string | null;
  /** The path with its query, e.g. `/apis/admin/v1/orgs/acme/users?with_user_info=true`. */
  url: string;
  params?: Record<string, string>;
  body?: unknown;
  /** A raw body (sent as is, instead of `body`). */
  rawBody?: string;
  headers?: Record<string, string>;
  deps: EndpointDeps;
}

/** Calls an endpoint through its door, as an HTTP client would; answers status, headers and parsed JSON. */
export async function callEndpoint(endpoint: Endpoint, opts: CallOptions) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const hasBody = opts.rawBody !== undefined || opts.body !== undefined;
  if (hasBody) headers["content-type"] ??= "application/json";
  const req = new Request(`http://console.test${opts.url}`, {
    method: endpoint.spec.method,
    headers,
    body: hasBody ? (opts.rawBody ?? JSON.stringify(opts.body)) : undefined,
  });
  const res = await endpoint.invoke(req, opts.params ?? {}, opts.deps);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, json: json as any };
}
