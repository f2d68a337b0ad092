/**
 * Fuzzing of every API endpoint through its door (in-process, Endpoint.invoke on a real database): malformed and
 * oversized bodies, wrong types, control characters, huge numbers, junk path parameters and queries, sent with the
 * token of a platform admin who is also the org's admin (the caller who reaches deepest). Every answer must be a
 * non-5xx with a JSON error body in the family's shape, and a refused request (4xx) must write nothing: the row
 * counts and sums of every table an endpoint can change are compared around it. New endpoints are fuzzed without
 * touching this file (ALL_ENDPOINTS). The same over HTTP against the production build: e2e/api-fuzz.spec.ts.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { withTestDatabase } from "@/lib/test/fixtures";
import { apiDeps, apiWorld, callEndpoint, makePat, writeFingerprint } from "./testing";

vi.mock("server-only", () => ({}));
const { ALL_ENDPOINTS } = await import("./endpoints");
const { jsonSchemaOf } = await import("./openapi");

const t = withTestDatabase();
/** Mutated requests per endpoint. */
const PER_ENDPOINT = Number(process.env.API_FUZZ_RUNS ?? 40);

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
    const { op, params: valid } = await apiWorld(db);
    const token = await makePat(db, op, { name: "fuzz" });
    const deps = apiDeps(db);
    process.env.API_RATE_LIMIT_PER_MINUTE = "1000000";
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
          const before = await writeFingerprint(db);
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
            const after = await writeFingerprint(db);
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
