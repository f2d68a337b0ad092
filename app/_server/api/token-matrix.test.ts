/**
 * The authorization matrix's token column, over every API endpoint (ALL_ENDPOINTS, so a new endpoint is covered
 * without touching this file). The account behind every token is a platform admin and the org's admin — the
 * caller who may do the most — so whatever is refused here is refused because of the token:
 *
 * - no token, an unknown one, an expired one, a revoked one, and one whose password was reset: 401 on every
 *   endpoint that needs a token, nothing written;
 * - a read-only token: every write endpoint 403, nothing written; its reads are answered;
 * - a token restricted to another org: every endpoint naming this org answers 404 and writes nothing.
 *
 * What each role may do through the lib operations the endpoints call is lib/authz.matrix.test.ts and
 * lib/projects.matrix.test.ts (a token caller is checked by the same lib functions as a browser session).
 */
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { personalAccessTokens } from "@/db/schema";
import { addOrgToCluster, makeOrg, withTestDatabase } from "@/lib/test/fixtures";
import { apiDeps, apiWorld, callEndpoint, makePat, writeFingerprint } from "./testing";

vi.mock("server-only", () => ({}));
const { ALL_ENDPOINTS } = await import("./endpoints");
const { endpointMode } = await import("./endpoint");

const t = withTestDatabase();

describe("the token column, over every API endpoint", () => {
  it("refuses missing, unknown, expired, revoked and reset tokens; read-only tokens write nothing; org-restricted tokens stay in their org", async () => {
    const db = t.db;
    const { op, member, cluster, params: values } = await apiWorld(db);
    const other = await makeOrg(db, { admin: op });
    await addOrgToCluster(db, other, cluster);

    const readOnly = await makePat(db, op, { name: "ro", scope: "read" });
    const elsewhere = await makePat(db, op, { name: "elsewhere", org: other.name });
    const expired = await makePat(db, op, { name: "expired" });
    await db
      .update(personalAccessTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(personalAccessTokens.name, "expired"));
    const revoked = await makePat(db, op, { name: "revoked" });
    await db
      .update(personalAccessTokens)
      .set({ revokedAt: new Date() })
      .where(eq(personalAccessTokens.name, "revoked"));
    const deps = apiDeps(db);
    process.env.API_RATE_LIMIT_PER_MINUTE = "1000000";

    const failures: string[] = [];
    try {
      for (const endpoint of ALL_ENDPOINTS) {
        const { spec } = endpoint;
        const params = Object.fromEntries(
          [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, values[m[1]!] ?? "x"]),
        );
        const url = spec.path.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(params[p]!));
        const label = `${spec.method} ${spec.path}`;
        const call = async (token: string | null) => {
          const before = await writeFingerprint(db);
          const res = await callEndpoint(endpoint, { url, params, token, deps, ...(spec.body ? { body: {} } : {}) });
          return { res, wrote: (await writeFingerprint(db)) !== before };
        };
        if ((spec.auth ?? "token") === "token") {
          for (const [name, token] of [
            ["none", null],
            ["unknown", "apolo_pat_" + "Z".repeat(43)],
            ["expired", expired],
            ["revoked", revoked],
          ] as const) {
            const { res, wrote } = await call(token);
            if (res.status !== 401 || wrote)
              failures.push(`${label} with a ${name} token: ${res.status}, wrote=${wrote}`);
          }
        }
        if (endpointMode(spec) === "write") {
          const { res, wrote } = await call(readOnly);
          if (res.status !== 403 || wrote)
            failures.push(`${label} with a read-only token: ${res.status}, wrote=${wrote}`);
        }
        if ("org" in params || "org_name" in params) {
          const { res, wrote } = await call(elsewhere);
          if (res.status < 400 || res.status >= 500 || wrote) {
            failures.push(`${label} with a token restricted to another org: ${res.status}, wrote=${wrote}`);
          }
        }
      }
      // A password reset revokes every token (lib/accounts/password-reset.ts); the API then answers 401.
      const resetToken = await makePat(db, member, { name: "before reset" });
      const { revokeAllTokens } = await import("@/lib/accounts");
      await revokeAllTokens(db, member.id);
      const me = ALL_ENDPOINTS.find((e) => e.spec.path === "/api/v1/me")!;
      const res = await callEndpoint(me, { url: "/api/v1/me", token: resetToken, deps });
      expect(res.status).toBe(401);
    } finally {
      delete process.env.API_RATE_LIMIT_PER_MINUTE;
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
