/**
 * HTTP fuzzing of every token API endpoint of the production build (issue 13), found in the served OpenAPI
 * document (GET /api/openapi.json: a new endpoint is fuzzed without touching this file): API_FUZZ_BODIES (300)
 * mutated requests each, FUZZ_CONCURRENCY (4) at a time — junk bodies built from the endpoint's own field names, bodies that aren't JSON or are
 * too large, junk path parameters and queries — sent with the token of a platform admin who is the only admin of
 * API_FUZZ_ORG (e2e/api-seed.ts). Fails on any 5xx, an error answer that isn't JSON in the family's shape, or any
 * internals in an answer; on PostgreSQL (E2E_DATABASE_URL) also on rows of that org or that person written by
 * refused requests (compared around each batch of FUZZ_CONCURRENCY requests that were all refused; a batch with
 * an accepted request may write, and a GET may never write). The same, deeper and in-process: app/_server/api/fuzz.test.ts.
 */
import { expect } from "@playwright/test";
import pg from "pg";
import { API_FUZZ_ORG, API_PEOPLE, API_TOKENS } from "./api-fixtures";
import { test } from "./helpers";

const BODIES = Number(process.env.API_FUZZ_BODIES ?? 300);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 4);
const DATABASE_URL = process.env.E2E_DATABASE_URL;

interface Operation {
  path: string;
  method: string;
  family: "console" | "apolo";
  bodyKeys: string[] | null;
  queryKeys: string[];
}

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK: unknown[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u001b[31m",
  "x".repeat(3000),
  "ünïcødé 🚀 \u202e",
  "$T",
  "-1",
  "1e309",
  "NaN",
  "0.000000001",
  "99999999999999999999999999",
  "' or 1=1 --",
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  [],
  ["a", 1],
  {},
  { nested: { deeper: [null] } },
];

const RAW = [
  "",
  "{",
  "NaN",
  "[".repeat(3000),
  "\u0000",
  "null",
  "[]",
  '"text"',
  JSON.stringify({ pad: "x".repeat(300_000) }),
];

function keysOf(schema: unknown): string[] {
  const s = (schema ?? {}) as { properties?: Record<string, unknown>; anyOf?: unknown[]; oneOf?: unknown[] };
  return [
    ...new Set([...Object.keys(s.properties ?? {}), ...[...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap(keysOf)]),
  ];
}

test("every token API endpoint answers mutated requests with a JSON 4xx, never a 5xx, and writes nothing when it refuses", async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(30 * 60_000);
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": "10.16.0.1" } });
  const doc = (await (await api.get("/api/openapi.json")).json()) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  const ops: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const body = (op.requestBody as { content: { "application/json": { schema: unknown } } } | undefined)?.content[
        "application/json"
      ].schema;
      return {
        path,
        method: method.toUpperCase(),
        family: op["x-family"] as "console" | "apolo",
        bodyKeys: body ? keysOf(body) : null,
        queryKeys: ((op.parameters as { name: string; in: string }[]) ?? [])
          .filter((p) => p.in === "query")
          .map((p) => p.name),
      };
    }),
  );
  expect(ops.length).toBeGreaterThan(50);
  // Deletions last: a lucky valid one would remove the org the others need.
  ops.sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));

  const db = DATABASE_URL ? new pg.Client({ connectionString: DATABASE_URL }) : null;
  await db?.connect();
  test.info().annotations.push({
    type: "rows",
    description: db ? "rows checked on PostgreSQL" : "rows not checked (PGlite: set E2E_DATABASE_URL)",
  });
  const counts = async () => {
    if (!db) return null;
    const { rows } = await db.query(
      `with o as (select id from orgs where name = $1), u as (select id from users where username = $2)
       select
         (select count(*) from org_members where org_id in (select id from o)) as members,
         (select coalesce(string_agg(role::text, ',' order by user_id), '') from org_members where org_id in (select id from o)) as roles,
         (select count(*) from orgs x where exists (select 1 from org_members m where m.org_id = x.id and m.user_id in (select id from u))) as orgs,
         (select count(*) from invitations where org_id in (select id from o)) as invitations,
         (select count(*) from credit_ledger where org_id in (select id from o)) as ledger,
         (select count(*) from jobs where org_id in (select id from o)) as jobs,
         (select count(*) from projects where org_id in (select id from o)) as projects,
         (select count(*) from artifacts where org_id in (select id from o)) as artifacts,
         (select count(*) from audit_events where actor_id in (select id from u)) as audit,
         (select count(*) from payments where org_id in (select id from o)) as payments`,
      [API_FUZZ_ORG, API_PEOPLE.fuzzer],
    );
    return JSON.stringify(rows[0]);
  };

  const values: Record<string, string> = {
    org: API_FUZZ_ORG,
    cluster: "default",
    project: "nope",
    user: API_PEOPLE.outsider,
    name: API_PEOPLE.fuzzer,
    id: "00000000-0000-4000-8000-000000000000",
  };
  const random = rng(Number(process.env.FUZZ_SEED ?? 15));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const failures: string[] = [];
  let sent = 0;
  /** One mutated request for `op`: its URL, body and label (drawn in order, so FUZZ_SEED replays the run). */
  const mutate = (op: Operation) => {
    // Junk path segments, but never an empty one: that is another URL (a JSON 404 from the catch-all, or a
    // 405 from the route the shortened path lands on), not this endpoint.
    const path = op.path.replace(/\{(\w+)\}/g, (_, p: string) =>
      encodeURIComponent(random() < 0.8 ? (values[p] ?? "x") : String(pick(JUNK)).toWellFormed() || "-"),
    );
    const qs = new URLSearchParams();
    for (const k of op.queryKeys) if (random() < 0.5) qs.append(k, JSON.stringify(pick(JUNK)).toWellFormed());
    let data: string | undefined;
    if (op.bodyKeys) {
      if (random() < 0.25) data = pick(RAW);
      else {
        const body: Record<string, unknown> = {};
        for (const k of op.bodyKeys) if (random() < 0.7) body[k] = pick(JUNK);
        data = JSON.stringify(body);
      }
    }
    const url = `${path}${qs.size ? `?${qs}` : ""}`;
    return {
      url,
      data,
      label: `${op.method} ${path.slice(0, 100)}${qs.size ? "?…" : ""} body=${(data ?? "-").slice(0, 100)}`,
    };
  };
  const check = (op: Operation, label: string, status: number, text: string) => {
    if (status >= 500) failures.push(`${status} ${label}: ${text.slice(0, 200)}`);
    if (/at \S+ \(|node_modules|SyntaxError|RangeError|TypeError/.test(text)) {
      failures.push(`internals in the answer to ${label}: ${text.slice(0, 200)}`);
    }
    if (status < 400) return;
    let shaped = false;
    try {
      const json = JSON.parse(text) as { error?: unknown };
      shaped =
        op.family === "apolo"
          ? typeof json.error === "string"
          : typeof (json.error as { message?: unknown })?.message === "string";
    } catch {
      shaped = false;
    }
    if (!shaped) failures.push(`not a JSON error in the ${op.family} shape: ${status} ${label}: ${text.slice(0, 120)}`);
  };
  for (const op of ops) {
    for (let n = 0; n < BODIES; n += CONCURRENCY) {
      const group = Array.from({ length: Math.min(CONCURRENCY, BODIES - n) }, () => mutate(op));
      const before = await counts();
      const statuses = await Promise.all(
        group.map(async ({ url, data, label }) => {
          const res = await api.fetch(url, {
            method: op.method,
            headers: {
              authorization: `Bearer ${API_TOKENS.fuzzer.token}`,
              ...(data !== undefined ? { "content-type": "application/json" } : {}),
            },
            data,
          });
          check(op, label, res.status(), await res.text());
          return res.status();
        }),
      );
      sent += group.length;
      if (db && (op.method === "GET" || statuses.every((s) => s >= 400))) {
        const after = await counts();
        if (after !== before) {
          const labels = group.map((g) => g.label).join(" | ");
          failures.push(`${op.method === "GET" ? "a GET" : "refused requests"} wrote: ${labels}: ${before} → ${after}`);
        }
      }
    }
  }
  await db?.end();
  test.info().annotations.push({ type: "sent", description: `${sent} requests to ${ops.length} endpoints` });
  expect(failures).toEqual([]);
});
