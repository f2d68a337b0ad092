// Test helpers for the API door (in-process: Endpoint.invoke with a test database). Not imported by the app.
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { createToken, type CreateTokenInput } from "@/lib/accounts";
import { MemoryRateLimitStore, userCaller, type RateLimitStore } from "@/lib/core";
import {
  addMember,
  addOrgToCluster,
  fundOrg,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  RecordingMailer,
  TEST_APP_URL,
} from "@/lib/test/fixtures";
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

/**
 * The world the endpoint-wide tests (fuzz.test.ts, token-matrix.test.ts) call every endpoint in: a platform admin
 * who is the org's admin (the caller who reaches deepest), a member, a funded org on a cluster with a project, and
 * a value for every path parameter name the endpoints use.
 */
export async function apiWorld(db: Db) {
  const op = await makePlatformAdmin(db);
  const member = await makeUser(db);
  const org = await makeOrg(db, { admin: op });
  await addMember(db, org, member, "user");
  await fundOrg(db, org, "100");
  const cluster = await makeCluster(db, { presets: { cpu: "1.5" } });
  await addOrgToCluster(db, org, cluster);
  const project = await makeProject(db, { org, cluster, members: [[op, "admin"]] });
  const params: Record<string, string> = {
    org: org.name,
    cluster: cluster.name,
    project: project.name,
    user: member.username,
    name: member.username,
    id: "00000000-0000-4000-8000-000000000000",
  };
  return { op, member, org, cluster, project, params };
}

/** What a refused request must leave as it was: row counts and sums of every table an endpoint can change. */
export async function writeFingerprint(db: Db): Promise<string> {
  const rows = await db.execute(sql`select
    (select count(*) from orgs where deleted_at is null) as orgs,
    (select count(*) from org_members) as members,
    (select coalesce(string_agg(role::text, ',' order by org_id, user_id), '') from org_members) as roles,
    (select coalesce(sum(credit_limit), 0)::text from org_members) as limits,
    (select coalesce(sum(max_running_jobs), 0) from org_members) as member_jobs,
    (select count(*) from invitations) as invitations,
    (select count(*) from credit_ledger) as ledger,
    (select coalesce(sum(balance), 0)::text from org_wallets) as balances,
    (select count(*) from org_clusters) as org_clusters,
    (select coalesce(sum(coalesce(max_running_jobs, -1)), 0) from org_clusters) as org_cluster_jobs,
    (select count(*) from projects) as projects,
    (select count(*) from project_members) as project_members,
    (select count(*) from artifacts) as artifacts,
    (select count(*) from jobs) as jobs,
    (select count(*) from jobs where status = 'running') as running,
    (select count(*) from clusters) as clusters,
    (select count(*) from audit_events) as audit,
    (select count(*) from personal_access_tokens where revoked_at is null) as tokens,
    (select coalesce(string_agg(coalesce(default_user_credit_limit::text, '-'), ','), '') from orgs) as defaults`);
  return JSON.stringify((rows as unknown as { rows: unknown[] }).rows ?? rows);
}
