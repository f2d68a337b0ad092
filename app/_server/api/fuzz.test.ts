/**
 * Fuzzing of every API endpoint through its door (in-process, Endpoint.invoke on a real database): malformed and
 * oversized bodies, wrong types, control characters, huge numbers, junk path parameters and queries, sent with the
 * token of a platform admin who is also the org's admin (the caller who reaches deepest). Every answer must be a
 * non-5xx with a JSON error body in the family's shape, and a refused request (4xx) must write nothing: the row
 * counts and sums of every table an endpoint can change are compared around it. New endpoints are fuzzed without
 * touching this file (ALL_ENDPOINTS). The same over HTTP against the production build: e2e/api-fuzz.spec.ts.
 */
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db";
import {
  addMember,
  addOrgToCluster,
  fundOrg,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  withTestDatabase,
} from "@/lib/test/fixtures";
import { apiDeps, callEndpoint, makePat } from "./testing";

vi.mock("server-only", () => ({}));
const { ALL_ENDPOINTS } = await import("./endpoints");
const { jsonSchemaOf } = await import("./openapi");

const t = withTestDatabase();
/** Mutated requests per endpoint. */
const PER_ENDPOINT = Number(process.env.API_FUZZ_RUNS ?? 40);

/** Everything a refused request must leave as it was. */
async function fingerprint(db: Db): Promise<string> {
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

const JUNK_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u001b[31m",
  "x".repeat(5000),
  "../../etc/passwd",
  "%00",
  "$T",
  "null",
  "-1",
  "1e309",
  "NaN",
  "Infinity",
  "0.000000001",
  "99999999999999999999999999999",
  "ünïcødé-名前",
  "<script>alert(1)</script>",
  "' or 1=1 --",
  "\ud800",
];

const junkValue = fc.oneof(
  fc.constantFrom(...JUNK_STRINGS),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.array(fc.constantFrom("a", 1, null), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.constantFrom("x", 1, null), { maxKeys: 3 }),
);

/** A body built from the endpoint's own field names with junk values, or junk as a whole. */
function bodyArbitrary(keys: string[]): fc.Arbitrary<{ raw: string }> {
  const shaped = keys.length
    ? fc
        .subarray(keys, { minLength: 0 })
        .chain((ks) =>
          fc.tuple(...ks.map(() => junkValue)).map((vs) => Object.fromEntries(ks.map((k, i) => [k, vs[i]]))),
        )
        .map((o) => ({ raw: JSON.stringify(o) }))
    : fc.constant({ raw: "{}" });
  return fc.oneof(
    { weight: 4, arbitrary: shaped },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => ({ raw: JSON.stringify(v) })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          "",
          "{",
          "NaN",
          "[".repeat(4000),
          '{"a":' + "[".repeat(2000),
          "\u0000",
          JSON.stringify({ pad: "x".repeat(200_000) }),
          "null",
          "[]",
          '"string"',
        )
        .map((raw) => ({ raw })),
    },
  );
}

/** encodeURIComponent, except that a lone surrogate (not encodable) is sent as U+FFFD, as a client would. */
function safeEncode(v: string): string {
  return encodeURIComponent(v.toWellFormed());
}

function keysOfBody(schema: unknown): string[] {
  const json = schema as { properties?: Record<string, unknown>; anyOf?: unknown[]; oneOf?: unknown[] };
  const own = Object.keys(json.properties ?? {});
  const alts = [...(json.anyOf ?? []), ...(json.oneOf ?? [])].flatMap(keysOfBody);
  return [...new Set([...own, ...alts])];
}

describe("every API endpoint, fuzzed", () => {
  it("answers malformed, oversized and junk requests with a JSON 4xx, never a 5xx, and writes nothing when it refuses", async () => {
    const db = t.db;
    const op = await makePlatformAdmin(db);
    const member = await makeUser(db);
    const org = await makeOrg(db, { admin: op });
    await addMember(db, org, member, "user");
    await fundOrg(db, org, "100");
    const cluster = await makeCluster(db, { presets: { cpu: "1.5" } });
    await addOrgToCluster(db, org, cluster);
    const project = await makeProject(db, { org, cluster, members: [[op, "admin"]] });
    const token = await makePat(db, op, { name: "fuzz" });
    const deps = apiDeps(db);
    process.env.API_RATE_LIMIT_PER_MINUTE = "1000000";

    const valid: Record<string, string> = {
      org: org.name,
      org_name: org.name,
      cluster: cluster.name,
      cluster_name: cluster.name,
      project: project.name,
      project_name: project.name,
      user: member.username,
      user_name: member.username,
      name: member.username,
      id: "00000000-0000-4000-8000-000000000000",
    };
    const endpoints = [...ALL_ENDPOINTS].sort(
      (a, b) => Number(a.spec.method === "DELETE") - Number(b.spec.method === "DELETE"),
    );
    const failures: string[] = [];
    try {
      for (const endpoint of endpoints) {
        const { spec } = endpoint;
        const paramNames = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const queryKeys = spec.query ? keysOfBody(jsonSchemaOf(spec.query, "input")) : [];
        const bodyKeys = spec.body ? keysOfBody(jsonSchemaOf(spec.body, "input")) : [];
        const samples = fc.sample(
          fc.record({
            body: bodyArbitrary(bodyKeys),
            // Mostly the fixture's real names (to reach the operation), sometimes junk.
            params: fc.tuple(
              ...paramNames.map((p) =>
                fc.oneof(
                  { weight: 4, arbitrary: fc.constant(valid[p] ?? "x") },
                  { weight: 1, arbitrary: fc.constantFrom(...JUNK_STRINGS) },
                ),
              ),
            ),
            query: fc
              .subarray(queryKeys)
              .chain((ks) => fc.tuple(...ks.map(() => junkValue)).map((vs) => ks.map((k, i) => [k, vs[i]] as const))),
          }),
          { numRuns: PER_ENDPOINT, seed: 13 },
        );
        for (const s of samples) {
          const params = Object.fromEntries(paramNames.map((p, i) => [p, String(s.params[i])]));
          const path = spec.path.replace(/\{(\w+)\}/g, (_, p: string) => safeEncode(params[p]!));
          const qs = new URLSearchParams();
          for (const [k, v] of s.query) qs.append(k, typeof v === "string" ? v : JSON.stringify(v));
          const url = `${path}${qs.size ? `?${qs}` : ""}`;
          const before = await fingerprint(db);
          const res = await callEndpoint(endpoint, {
            url,
            params,
            token,
            deps,
            ...(spec.body ? { rawBody: s.body.raw } : {}),
          });
          const label = `${spec.method} ${url.slice(0, 120)} body=${spec.body ? s.body.raw.slice(0, 120) : "-"}`;
          if (res.status >= 500) failures.push(`${res.status} ${label}: ${JSON.stringify(res.json).slice(0, 200)}`);
          if (res.status >= 400) {
            const shaped =
              spec.family === "apolo"
                ? typeof res.json?.error === "string"
                : typeof res.json?.error?.message === "string";
            if (!shaped)
              failures.push(`unshaped error ${res.status} ${label}: ${JSON.stringify(res.json).slice(0, 200)}`);
            const after = await fingerprint(db);
            if (after !== before) failures.push(`refused (${res.status}) but wrote: ${label}`);
          }
        }
      }
    } finally {
      delete process.env.API_RATE_LIMIT_PER_MINUTE;
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
