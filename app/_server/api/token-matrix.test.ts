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
import { eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db";
import { personalAccessTokens } from "@/db/schema";
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
const { endpointMode } = await import("./endpoint");

const t = withTestDatabase();

async function writes(db: Db): Promise<string> {
  const r = await db.execute(sql`select
    (select count(*) from orgs where deleted_at is null) o, (select count(*) from org_members) m,
    (select coalesce(string_agg(role::text, ',' order by org_id, user_id), '') from org_members) r,
    (select coalesce(sum(credit_limit), 0)::text from org_members) l, (select count(*) from invitations) i,
    (select count(*) from credit_ledger) g, (select count(*) from org_clusters) c, (select count(*) from projects) p,
    (select count(*) from project_members) pm, (select count(*) from artifacts) a, (select count(*) from jobs) j,
    (select count(*) from audit_events) e`);
  return JSON.stringify((r as unknown as { rows: unknown[] }).rows);
}

describe("the token column, over every API endpoint", () => {
  it("refuses missing, unknown, expired, revoked and reset tokens; read-only tokens write nothing; org-restricted tokens stay in their org", async () => {
    const db = t.db;
    const op = await makePlatformAdmin(db);
    const member = await makeUser(db);
    const org = await makeOrg(db, { admin: op });
    const other = await makeOrg(db, { admin: op });
    await addMember(db, org, member, "user");
    await fundOrg(db, org, "50");
    const cluster = await makeCluster(db, { presets: { cpu: "1" } });
    await addOrgToCluster(db, org, cluster);
    await addOrgToCluster(db, other, cluster);
    const project = await makeProject(db, { org, cluster, members: [[op, "admin"]] });

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

    const values: Record<string, string> = {
      org: org.name,
      org_name: org.name,
      cluster: cluster.name,
      cluster_name: cluster.name,
      project: project.name,
      project_name: project.name,
      user: member.username,
      user_name: member.username,
      name: op.username,
      id: "00000000-0000-4000-8000-000000000000",
    };
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
          const before = await writes(db);
          const res = await callEndpoint(endpoint, { url, params, token, deps, ...(spec.body ? { body: {} } : {}) });
          return { res, wrote: (await writes(db)) !== before };
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
