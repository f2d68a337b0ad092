import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";

vi.mock("server-only", () => ({}));
const { ALL_ENDPOINTS } = await import("./endpoints");
const { buildOpenApi } = await import("./openapi");

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SNAPSHOT = path.join(ROOT, "docs/api/openapi.json");
const SNAPSHOT_SERVER = "https://console.example";

/**
 * Routes under the API trees that are not personal-access-token endpoints: the cluster runners' API (a cluster
 * token, app/api/v1/usage and app/api/v1/artifacts; documented in docs/architecture.md), and the public config
 * document is a token endpoint like the others.
 */
const RUNNER_ROUTES = new Set(["/api/v1/usage", "/api/v1/artifacts"]);
/** The catch-alls that answer a JSON 404 for paths no endpoint serves (app/_server/api/unknown-route.ts). */
const UNKNOWN_ROUTES = new Set(["/api/v1/{path}", "/apis/admin/v1/{path}"]);

function routeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...routeFiles(full));
    else if (name === "route.ts") out.push(full);
  }
  return out;
}

/** `app/apis/admin/v1/orgs/[org]/users/route.ts` → `/apis/admin/v1/orgs/{org}/users`. */
function apiPathOf(file: string): string {
  const dir = path.relative(path.join(ROOT, "app"), path.dirname(file));
  return (
    "/" +
    dir
      .split(path.sep)
      .filter((seg) => !/^\(.*\)$/.test(seg))
      .map((seg) => seg.replace(/^\[(?:\.\.\.)?(.+)\]$/, "{$1}"))
      .join("/")
  );
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

describe("the OpenAPI document", () => {
  const files = [...routeFiles(path.join(ROOT, "app/api/v1")), ...safeRouteFiles(path.join(ROOT, "app/apis"))];

  it("has an entry for every method of every API route file, and every entry has its route", async () => {
    const served = new Set<string>();
    for (const file of files) {
      const apiPath = apiPathOf(file);
      if (RUNNER_ROUTES.has(apiPath) || UNKNOWN_ROUTES.has(apiPath)) continue;
      const mod = (await import(file)) as Record<string, unknown>;
      for (const method of METHODS) {
        const handler = mod[method];
        if (handler === undefined) continue;
        const endpoint = ALL_ENDPOINTS.find((e) => e.route === handler);
        expect(
          endpoint,
          `${method} ${apiPath} (${path.relative(ROOT, file)}) is not a registered endpoint`,
        ).toBeDefined();
        expect(`${endpoint!.spec.method} ${endpoint!.spec.path}`).toBe(`${method} ${apiPath}`);
        served.add(`${method} ${apiPath}`);
      }
    }
    for (const e of ALL_ENDPOINTS) {
      expect(served.has(`${e.spec.method} ${e.spec.path}`), `${e.spec.method} ${e.spec.path} has no route file`).toBe(
        true,
      );
    }
  });

  it("describes every endpoint: path parameters, an answer schema, unique operation ids", () => {
    const doc = buildOpenApi(ALL_ENDPOINTS, SNAPSHOT_SERVER);
    const ids = new Set<string>();
    for (const [p, methods] of Object.entries(doc.paths)) {
      const inPath = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(methods)) {
        const declared = op.parameters.filter((x) => x.in === "path").map((x) => x.name);
        expect(declared.sort(), `${method} ${p}`).toEqual([...inPath].sort());
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        const ok = Object.entries(op.responses).find(([code]) => code.startsWith("2"))!;
        if (ok[0] !== "204") expect(ok[1].content, `${method} ${p} has no response schema`).toBeDefined();
        expect(op.responses["401"] ?? op.security.some((s) => Object.keys(s).length === 0)).toBeTruthy();
      }
    }
    expect(doc.openapi).toBe("3.1.0");
  });

  it("matches the committed docs/api/openapi.json (run `npm run openapi` after changing an endpoint)", () => {
    const doc = JSON.stringify(buildOpenApi(ALL_ENDPOINTS, SNAPSHOT_SERVER), null, 2) + "\n";
    if (process.env.UPDATE_OPENAPI === "1") writeFileSync(SNAPSHOT, doc);
    const committed = readFileSync(SNAPSHOT, "utf8");
    expect(committed === doc, "docs/api/openapi.json is stale: run `npm run openapi` and commit it").toBe(true);
  });
});

function safeRouteFiles(dir: string): string[] {
  try {
    return routeFiles(dir);
  } catch {
    return [];
  }
}
