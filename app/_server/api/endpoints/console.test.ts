import { and, count, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { artifacts, auditEvents, creditLedger, invitations, jobs, orgs, payments } from "@/db/schema";
import {
  addOrgToCluster,
  fundOrg,
  makeCluster,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  meterSteps,
  plusSeconds,
  withTestDatabase,
} from "@/lib/test/fixtures";
import { apiDeps, callEndpoint, makePat } from "../testing";

vi.mock("server-only", () => ({}));
const O = await import("./console-orgs");
const B = await import("./console-billing");
const J = await import("./console-jobs");
const A = await import("./console-artifacts");

const t = withTestDatabase();

/** An org with one person per role, an outsider and a platform admin, each with a write token. */
async function world() {
  const [admin, manager, user, outsider] = await Promise.all([
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
    makeUser(t.db),
  ]);
  const op = await makePlatformAdmin(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  const other = await makeOrg(t.db, { admin });
  const deps = apiDeps(t.db);
  const tok = {
    admin: await makePat(t.db, admin, { name: "admin laptop" }),
    manager: await makePat(t.db, manager),
    user: await makePat(t.db, user),
    outsider: await makePat(t.db, outsider),
    op: await makePat(t.db, op),
    adminRead: await makePat(t.db, admin, { scope: "read", name: "read only" }),
    adminOther: await makePat(t.db, admin, { org: other.name, name: "other org" }),
  };
  return { admin, manager, user, outsider, op, org, other, deps, tok };
}

describe("GET /api/v1/orgs", () => {
  it("answers the token user's orgs with role and balance as a decimal string", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "12.5");
    const r = await callEndpoint(O.listOrgs, { url: "/api/v1/orgs", token: w.tok.admin, deps: w.deps });
    expect(r.status).toBe(200);
    const mine = r.json.orgs.find((o: { name: string }) => o.name === w.org.name);
    expect(mine).toEqual({ name: w.org.name, display_name: null, role: "admin", balance: "12.50000000" });
    expect(r.json.orgs.map((o: { name: string }) => o.name).sort()).toEqual([w.org.name, w.other.name].sort());
    // A token restricted to one org lists only that org.
    const restricted = await callEndpoint(O.listOrgs, { url: "/api/v1/orgs", token: w.tok.adminOther, deps: w.deps });
    expect(restricted.json.orgs.map((o: { name: string }) => o.name)).toEqual([w.other.name]);
    const none = await callEndpoint(O.listOrgs, { url: "/api/v1/orgs", token: w.tok.outsider, deps: w.deps });
    expect(none.json).toEqual({ orgs: [] });
    const anon = await callEndpoint(O.listOrgs, { url: "/api/v1/orgs", deps: w.deps });
    expect(anon.status).toBe(401);
    expect(anon.json.error.code).toBe("unauthenticated");
  });
});

describe("GET /api/v1/orgs/{org}/members", () => {
  it("pages, sorts and searches; addresses only for managers and admins", async () => {
    const w = await world();
    const url = (q = "") => `/api/v1/orgs/${w.org.name}/members${q}`;
    const params = { org: w.org.name };
    const asAdmin = await callEndpoint(O.listOrgMembers, { url: url(), params, token: w.tok.admin, deps: w.deps });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.json).toMatchObject({ total: 3, total_capped: false, page: 1, page_size: 25 });
    const first = asAdmin.json.members[0];
    expect(Object.keys(first).sort()).toEqual(
      ["credit_limit", "email", "joined_at", "max_running_jobs", "name", "role", "spent", "username"].sort(),
    );
    expect(first.spent).toBe("0.00000000");
    expect(first.credit_limit).toBeNull();
    expect(new Date(first.joined_at).toISOString()).toBe(first.joined_at);
    const names = asAdmin.json.members.map((m: { username: string }) => m.username);
    expect(names).toEqual([...names].sort());

    const asUser = await callEndpoint(O.listOrgMembers, { url: url(), params, token: w.tok.user, deps: w.deps });
    expect(asUser.status).toBe(200);
    expect(asUser.json.members.every((m: object) => !("email" in m))).toBe(true);

    const byRole = await callEndpoint(O.listOrgMembers, {
      url: url("?sort=role&dir=desc&page_size=50"),
      params,
      token: w.tok.admin,
      deps: w.deps,
    });
    const asc = await callEndpoint(O.listOrgMembers, {
      url: url("?sort=role&dir=asc"),
      params,
      token: w.tok.admin,
      deps: w.deps,
    });
    expect(byRole.json.members.map((m: { role: string }) => m.role)).toEqual(
      asc.json.members.map((m: { role: string }) => m.role).reverse(),
    );
    expect(new Set(byRole.json.members.map((m: { role: string }) => m.role))).toEqual(
      new Set(["user", "manager", "admin"]),
    );
    expect(byRole.json.page_size).toBe(50);
    const search = await callEndpoint(O.listOrgMembers, {
      url: url(`?q=${w.manager.username}`),
      params,
      token: w.tok.user,
      deps: w.deps,
    });
    expect(search.json.members.map((m: { username: string }) => m.username)).toEqual([w.manager.username]);
    expect(search.json.total).toBe(1);

    for (const bad of ["?page_size=30", "?sort=email", "?page=0", "?dir=up"]) {
      const r = await callEndpoint(O.listOrgMembers, { url: url(bad), params, token: w.tok.admin, deps: w.deps });
      expect(r.status, bad).toBe(422);
      expect(r.json.error.code).toBe("invalid");
      expect(r.json.error.fields).toBeDefined();
    }
  });

  it("outsiders, platform admins outside the org and a token restricted to another org get 404", async () => {
    const w = await world();
    const params = { org: w.org.name };
    for (const token of [w.tok.outsider, w.tok.op, w.tok.adminOther]) {
      const r = await callEndpoint(O.listOrgMembers, {
        url: `/api/v1/orgs/${w.org.name}/members`,
        params,
        token,
        deps: w.deps,
      });
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe("not_found");
    }
    const missing = await callEndpoint(O.listOrgMembers, {
      url: "/api/v1/orgs/nope-nope/members",
      params: { org: "nope-nope" },
      token: w.tok.admin,
      deps: w.deps,
    });
    expect(missing.status).toBe(404);
    // A read-only token reads.
    const ro = await callEndpoint(O.listOrgMembers, {
      url: `/api/v1/orgs/${w.org.name}/members`,
      params,
      token: w.tok.adminRead,
      deps: w.deps,
    });
    expect(ro.status).toBe(200);
  });
});

describe("/api/v1/orgs/{org}/invitations", () => {
  it("POST invites (per-entry outcomes, Idempotency-Key replays), GET lists; audit rows name the token", async () => {
    const w = await world();
    const invitee = await makeUser(t.db);
    const params = { org: w.org.name };
    const url = `/api/v1/orgs/${w.org.name}/invitations`;
    const body = { entries: [invitee.username, "new.person@example.com", "no-such-user-xyz"], role: "user" };
    const r = await callEndpoint(O.createInvitations, {
      url,
      params,
      body,
      token: w.tok.admin,
      deps: w.deps,
      headers: { "idempotency-key": "inv-1" },
    });
    expect(r.status).toBe(201);
    expect(r.json.results.map((x: { outcome: string }) => x.outcome)).toEqual(["invited", "invited", "not_found"]);
    expect(r.json.results[1].link).toMatch(/^http:\/\/console\.test\/invite\//);
    expect(r.json.results[0]).not.toHaveProperty("link");
    const again = await callEndpoint(O.createInvitations, {
      url,
      params,
      body,
      token: w.tok.admin,
      deps: w.deps,
      headers: { "idempotency-key": "inv-1" },
    });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(r.json);
    const [n] = await t.db.select({ n: count() }).from(invitations).where(eq(invitations.orgId, w.org.id));
    expect(n!.n).toBe(2);
    const audit = await t.db
      .select({ via: auditEvents.viaToken })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.created")));
    expect(audit.map((a) => a.via)).toEqual(["admin laptop", "admin laptop"]);

    const list = await callEndpoint(O.listInvitations, { url, params, token: w.tok.manager, deps: w.deps });
    expect(list.status).toBe(200);
    expect(list.json.invitations).toHaveLength(2);
    const byAccount = list.json.invitations.find((i: { username: string | null }) => i.username);
    expect(byAccount).toMatchObject({ username: invitee.username, email: null, role: "user", expired: false });
    expect(byAccount.invited_by).toBe(w.admin.username);
    expect(typeof byAccount.expires_at).toBe("string");

    // One string is one entry; an entry with a separator is refused rather than split.
    const one = await callEndpoint(O.createInvitations, {
      url,
      params,
      body: { entries: "someone@example.com", role: "manager" },
      token: w.tok.manager,
      deps: w.deps,
    });
    expect(one.status).toBe(201);
    expect(one.json.results).toHaveLength(1);
    const split = await callEndpoint(O.createInvitations, {
      url,
      params,
      body: { entries: ["a@example.com,b@example.com"], role: "user" },
      token: w.tok.admin,
      deps: w.deps,
    });
    expect(split.status).toBe(422);
    const tooMany = await callEndpoint(O.createInvitations, {
      url,
      params,
      body: { entries: Array.from({ length: 51 }, (_, i) => `p${i}@example.com`), role: "user" },
      token: w.tok.admin,
      deps: w.deps,
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.error.fields.entries).toBeDefined();
  });

  it("users get 403, managers can't invite admins, read-only and other-org tokens are refused", async () => {
    const w = await world();
    const params = { org: w.org.name };
    const url = `/api/v1/orgs/${w.org.name}/invitations`;
    const body = { entries: ["x@example.com"], role: "user" };
    const call = (ep: typeof O.createInvitations, token: string, b?: unknown) =>
      callEndpoint(ep, { url, params, token, deps: w.deps, body: b });
    expect((await call(O.createInvitations, w.tok.user, body)).status).toBe(403);
    expect((await call(O.listInvitations, w.tok.user)).status).toBe(403);
    const asAdmin = await call(O.createInvitations, w.tok.manager, { entries: ["y@example.com"], role: "admin" });
    expect(asAdmin.status).toBe(403);
    expect(asAdmin.json.error.message).toMatch(/can't grant the admin role/);
    expect((await call(O.createInvitations, w.tok.adminRead, body)).status).toBe(403);
    expect((await call(O.createInvitations, w.tok.adminOther, body)).status).toBe(404);
    expect((await call(O.createInvitations, w.tok.outsider, body)).status).toBe(404);
    expect((await call(O.listInvitations, w.tok.op)).status).toBe(404);
    const [n] = await t.db.select({ n: count() }).from(invitations).where(eq(invitations.orgId, w.org.id));
    expect(n!.n).toBe(0);
  });
});

describe("GET /api/v1/orgs/{org}/ledger", () => {
  it("cursor-pages the ledger with decimal strings, filters, and refuses bad filters and cursors", async () => {
    const w = await world();
    for (let i = 1; i <= 5; i++) await fundOrg(t.db, w.org, `${i}.25`);
    await t.db.transaction(async (tx) => {
      const { postLedger } = await import("@/lib/billing");
      await postLedger(tx, { orgId: w.org.id, kind: "charge", amount: "-0.5", memberId: w.user.id, note: "usage" });
    });
    const params = { org: w.org.name };
    const base = `/api/v1/orgs/${w.org.name}/ledger`;
    const ids: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await callEndpoint(B.getLedger, {
        url: `${base}?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        params,
        token: w.tok.manager,
        deps: w.deps,
      });
      expect(r.status).toBe(200);
      ids.push(...r.json.entries.map((e: { id: number }) => e.id));
      cursor = r.json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(ids).toHaveLength(6);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const first = await callEndpoint(B.getLedger, { url: base, params, token: w.tok.admin, deps: w.deps });
    expect(first.json.next_cursor).toBeNull();
    expect(first.json.entries[0]).toEqual({
      id: expect.any(Number),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      kind: "charge",
      amount: "-0.50000000",
      balance_after: "15.75000000",
      actor: null,
      member: w.user.username,
      job: null,
      period_start: null,
      updated_at: null,
      project: null,
      note: "usage",
    });
    const grants = await callEndpoint(B.getLedger, {
      url: `${base}?kind=grant&limit=200`,
      params,
      token: w.tok.admin,
      deps: w.deps,
    });
    expect(grants.json.entries).toHaveLength(5);
    expect(grants.json.entries.every((e: { kind: string }) => e.kind === "grant")).toBe(true);

    for (const bad of ["?kind=gift", "?from=yesterday", "?limit=0", "?limit=201", "?cursor=garbage", "?format=xml"]) {
      const r = await callEndpoint(B.getLedger, { url: base + bad, params, token: w.tok.admin, deps: w.deps });
      expect(r.status, bad).toBe(422);
      expect(r.json.error.code).toBe("invalid");
    }
  });

  it("an hourly charge row carries period_start (its UTC hour) and updated_at (its last growth); other rows null", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "100000");
    const cluster = await makeCluster(t.db, { presets: { p: "3600" } });
    await addOrgToCluster(t.db, w.org, cluster);
    const HOUR = 3_600_000;
    const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR);
    const job = await makeJob(t.db, {
      org: w.org,
      user: w.user,
      cluster,
      preset: cluster.presets.p!,
      startedAt: plusSeconds(hour, 60),
    });
    // Two charges in the same UTC hour: one row that grew (60 s, then 180 s more, at 1 credit a second).
    await meterSteps(t.db, job.id, hour, [
      [120, "a"],
      [300, "b"],
    ]);
    const params = { org: w.org.name };
    const url = `/api/v1/orgs/${w.org.name}/ledger`;
    const all = await callEndpoint(B.getLedger, { url, params, token: w.tok.manager, deps: w.deps });
    expect(all.status).toBe(200);
    const [charge, ...others] = all.json.entries as Record<string, unknown>[];
    expect(charge).toMatchObject({
      kind: "charge",
      amount: "-240.00000000",
      job: job.name,
      member: w.user.username,
      period_start: hour.toISOString(),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.parse(charge!.updated_at as string)).toBeGreaterThanOrEqual(Date.parse(charge!.created_at as string));
    expect(others.map((e) => [e.kind, e.period_start, e.updated_at])).toEqual([["grant", null, null]]);
  });

  it("a user sees additions and their own usage; outsiders and other-org tokens get 404; a read token reads", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "3");
    const { postLedger } = await import("@/lib/billing");
    await t.db.transaction((tx) =>
      postLedger(tx, { orgId: w.org.id, kind: "charge", amount: "-1", memberId: w.manager.id }),
    );
    const params = { org: w.org.name };
    const url = `/api/v1/orgs/${w.org.name}/ledger`;
    const asUser = await callEndpoint(B.getLedger, { url, params, token: w.tok.user, deps: w.deps });
    expect(asUser.json.entries.map((e: { kind: string }) => e.kind)).toEqual(["grant"]);
    for (const token of [w.tok.outsider, w.tok.op, w.tok.adminOther]) {
      expect((await callEndpoint(B.getLedger, { url, params, token, deps: w.deps })).status).toBe(404);
    }
    expect((await callEndpoint(B.getLedger, { url, params, token: w.tok.adminRead, deps: w.deps })).status).toBe(200);
  });

  it("answers CSV with format=csv and at ledger.csv, with the same filters", async () => {
    const w = await world();
    await fundOrg(t.db, w.org, "7");
    const params = { org: w.org.name };
    for (const [ep, url] of [
      [B.getLedger, `/api/v1/orgs/${w.org.name}/ledger?format=csv`],
      [B.getLedgerCsv, `/api/v1/orgs/${w.org.name}/ledger.csv`],
    ] as const) {
      const r = await callEndpoint(ep, { url, params, token: w.tok.admin, deps: w.deps });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(r.headers.get("content-disposition")).toBe(`attachment; filename="${w.org.name}-ledger.csv"`);
      const lines = String(r.json).trim().split(/\r?\n/);
      expect(lines[0]).toBe(
        "time,hour,last_updated,kind,amount,amount_exact,balance_after,balance_after_exact,actor,member,job,project,cluster,note",
      );
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain('"Grant","7.00","7.00000000","7.00","7.00000000"');
    }
    const filtered = await callEndpoint(B.getLedgerCsv, {
      url: `/api/v1/orgs/${w.org.name}/ledger.csv?kind=charge`,
      params,
      token: w.tok.admin,
      deps: w.deps,
    });
    expect(String(filtered.json).trim().split(/\r?\n/)).toHaveLength(1);
    const outsider = await callEndpoint(B.getLedgerCsv, {
      url: `/api/v1/orgs/${w.org.name}/ledger.csv`,
      params,
      token: w.tok.outsider,
      deps: w.deps,
    });
    expect(outsider.status).toBe(404);
    expect(outsider.json.error.code).toBe("not_found");
  });
});

describe("top-ups", () => {
  it("POST creates a pending sandbox checkout (once per Idempotency-Key), GET answers its state to its payer", async () => {
    const w = await world();
    const params = { org: w.org.name };
    const url = `/api/v1/orgs/${w.org.name}/top-ups`;
    const r = await callEndpoint(B.createTopUpEndpoint, {
      url,
      params,
      body: { credits: "25" },
      token: w.tok.user,
      deps: w.deps,
      headers: { "idempotency-key": "top-1" },
    });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      id: expect.any(String),
      status: "pending",
      checkout_url: `http://console.test/orgs/${w.org.name}/credits/checkout/${r.json.id}`,
      credits: "25",
      amount_minor: 2500,
      currency: "usd",
    });
    const replay = await callEndpoint(B.createTopUpEndpoint, {
      url,
      params,
      body: { credits: "25" },
      token: w.tok.user,
      deps: w.deps,
      headers: { "idempotency-key": "top-1" },
    });
    expect(replay.json.id).toBe(r.json.id);
    const [n] = await t.db.select({ n: count() }).from(payments).where(eq(payments.orgId, w.org.id));
    expect(n!.n).toBe(1);
    // Nothing is credited before the payment succeeds.
    const [l] = await t.db.select({ n: count() }).from(creditLedger).where(eq(creditLedger.orgId, w.org.id));
    expect(l!.n).toBe(0);

    const got = await callEndpoint(B.getTopUp, {
      url: `${url}/${r.json.id}`,
      params: { org: w.org.name, id: r.json.id },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      id: r.json.id,
      status: "pending",
      provider: "sandbox",
      credits: "25.00000000",
      amount_minor: 2500,
      currency: "usd",
      completed_at: null,
    });
    expect(typeof got.json.amount).toBe("string");
    // Another member (even an admin) doesn't see someone else's payment; a bad id is 404 too.
    for (const [token, id] of [
      [w.tok.admin, r.json.id],
      [w.tok.user, "not-a-uuid"],
      [w.tok.outsider, r.json.id],
    ]) {
      const other = await callEndpoint(B.getTopUp, {
        url: `${url}/${id}`,
        params: { org: w.org.name, id },
        token,
        deps: w.deps,
      });
      expect(other.status).toBe(404);
    }
  });

  it("refuses bad amounts (422), read-only tokens (403), other orgs (404); nothing is written", async () => {
    const w = await world();
    const params = { org: w.org.name };
    const url = `/api/v1/orgs/${w.org.name}/top-ups`;
    const call = (token: string, body: unknown) =>
      callEndpoint(B.createTopUpEndpoint, { url, params, body, token, deps: w.deps });
    for (const body of [{ credits: "0" }, { credits: "abc" }, { credits: 10 }, {}, { credits: "100001" }]) {
      const r = await call(w.tok.admin, body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.json.error.fields.credits).toBeDefined();
    }
    expect((await call(w.tok.adminRead, { credits: "10" })).status).toBe(403);
    expect((await call(w.tok.adminOther, { credits: "10" })).status).toBe(404);
    expect((await call(w.tok.outsider, { credits: "10" })).status).toBe(404);
    await t.db.update(orgs).set({ topUpMinRole: "admin" }).where(eq(orgs.id, w.org.id));
    expect((await call(w.tok.manager, { credits: "10" })).status).toBe(403);
    const [n] = await t.db.select({ n: count() }).from(payments).where(eq(payments.orgId, w.org.id));
    expect(n!.n).toBe(0);
  });
});

describe("jobs", () => {
  it("POST starts a job (Idempotency-Key: once), GET lists it, POST stop stops it", async () => {
    const w = await world();
    const cluster = await makeCluster(t.db, { presets: { small: "2.5" } });
    await addOrgToCluster(t.db, w.org, cluster);
    await fundOrg(t.db, w.org, "10");
    const params = { org: w.org.name };
    const url = `/api/v1/orgs/${w.org.name}/jobs`;
    const body = { name: "train-1", cluster: cluster.name, preset: "small" };
    const started = await callEndpoint(J.startOrgJob, {
      url,
      params,
      body,
      token: w.tok.user,
      deps: w.deps,
      headers: { "idempotency-key": "job-1" },
    });
    expect(started.status).toBe(201);
    expect(started.json).toEqual({
      id: expect.any(String),
      name: "train-1",
      cluster: cluster.name,
      preset: "small",
      project: null,
      status: "running",
      credits_per_hour: "2.50000000",
      started_at: expect.any(String),
    });
    const replay = await callEndpoint(J.startOrgJob, {
      url,
      params,
      body,
      token: w.tok.user,
      deps: w.deps,
      headers: { "idempotency-key": "job-1" },
    });
    expect(replay.json.id).toBe(started.json.id);
    const [n] = await t.db.select({ n: count() }).from(jobs).where(eq(jobs.orgId, w.org.id));
    expect(n!.n).toBe(1);

    const list = await callEndpoint(J.listOrgJobs, { url, params, token: w.tok.user, deps: w.deps });
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ next_cursor: null, scope: "mine" });
    expect(list.json.jobs).toHaveLength(1);
    expect(list.json.jobs[0]).toMatchObject({
      id: started.json.id,
      owner: w.user.username,
      mine: true,
      status: "running",
      stop_reason: null,
      credits_per_hour: "2.50000000",
      credits_charged: "0.00000000",
      stopped_at: null,
      project: null,
    });
    expect(Number.isInteger(list.json.jobs[0].runtime_seconds)).toBe(true);
    // A manager sees everyone's with scope=all; a user asking for all gets their own.
    const all = await callEndpoint(J.listOrgJobs, {
      url: `${url}?scope=all`,
      params,
      token: w.tok.manager,
      deps: w.deps,
    });
    expect(all.json.scope).toBe("all");
    expect(all.json.jobs).toHaveLength(1);
    const adminMine = await callEndpoint(J.listOrgJobs, { url, params, token: w.tok.admin, deps: w.deps });
    expect(adminMine.json.jobs).toEqual([]);
    // Cursor paging over several jobs, newest first, each once (same started_at: the id breaks the tie).
    for (let i = 0; i < 4; i++) {
      await makeJob(t.db, { org: w.org, user: w.manager, cluster, preset: cluster.presets.small! });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await callEndpoint(J.listOrgJobs, {
        url: `${url}?scope=all&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        params,
        token: w.tok.manager,
        deps: w.deps,
      });
      seen.push(...page.json.jobs.map((j: { id: string }) => j.id));
      cursor = page.json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    const whole = await callEndpoint(J.listOrgJobs, {
      url: `${url}?scope=all&limit=100`,
      params,
      token: w.tok.manager,
      deps: w.deps,
    });
    expect(whole.json.jobs.map((j: { id: string }) => j.id)).toEqual(seen);
    for (const bad of ["?limit=0", "?limit=101", "?cursor=x", "?status=paused", "?scope=everyone"]) {
      const r = await callEndpoint(J.listOrgJobs, { url: url + bad, params, token: w.tok.manager, deps: w.deps });
      expect(r.status, bad).toBe(422);
    }

    const stopUrl = `${url}/${started.json.id}/stop`;
    const stopParams = { org: w.org.name, id: started.json.id };
    const byOther = await callEndpoint(J.stopOrgJob, {
      url: stopUrl,
      params: stopParams,
      token: w.tok.outsider,
      deps: w.deps,
    });
    expect(byOther.status).toBe(404);
    const stopped = await callEndpoint(J.stopOrgJob, {
      url: stopUrl,
      params: stopParams,
      token: w.tok.user,
      deps: w.deps,
    });
    expect(stopped.status).toBe(200);
    expect(stopped.json).toEqual({ id: started.json.id, name: "train-1", stopped: true });
    const twice = await callEndpoint(J.stopOrgJob, {
      url: stopUrl,
      params: stopParams,
      token: w.tok.manager,
      deps: w.deps,
    });
    expect(twice.json.stopped).toBe(false);
    const after = await callEndpoint(J.listOrgJobs, {
      url: `${url}?status=stopped`,
      params,
      token: w.tok.user,
      deps: w.deps,
    });
    // The API's stop, like the page's, remembers who stopped the job.
    expect(after.json.jobs[0]).toMatchObject({
      status: "stopped",
      stop_reason: "UserStopped",
      stopped_by: w.user.username,
    });
  });

  it("refusals: unknown cluster/preset 422, quota and credits 409, user stopping another's job 404, read token 403", async () => {
    const w = await world();
    const cluster = await makeCluster(t.db, { presets: { small: "1" } });
    await addOrgToCluster(t.db, w.org, cluster, 1);
    const params = { org: w.org.name };
    const url = `/api/v1/orgs/${w.org.name}/jobs`;
    const start = (token: string, body: unknown) =>
      callEndpoint(J.startOrgJob, { url, params, body, token, deps: w.deps });
    const broke = await start(w.tok.user, { name: "a", cluster: cluster.name, preset: "small" });
    expect(broke.status).toBe(409);
    expect(broke.json.error).toMatchObject({
      code: "quota_exceeded",
      message: `No credits left for org '${w.org.name}'`,
    });
    await fundOrg(t.db, w.org, "5");
    const noCluster = await start(w.tok.user, { name: "a", cluster: "nowhere", preset: "small" });
    expect(noCluster.status).toBe(422);
    expect(noCluster.json.error.fields.cluster).toBeDefined();
    expect(
      (await start(w.tok.user, { name: "a", cluster: cluster.name, preset: "huge" })).json.error.fields.preset,
    ).toBeDefined();
    expect((await start(w.tok.user, { name: "Bad Name", cluster: cluster.name, preset: "small" })).status).toBe(422);
    expect((await start(w.tok.adminRead, { name: "a", cluster: cluster.name, preset: "small" })).status).toBe(403);
    expect((await start(w.tok.outsider, { name: "a", cluster: cluster.name, preset: "small" })).status).toBe(404);
    expect((await start(w.tok.manager, { name: "a", cluster: cluster.name, preset: "small" })).status).toBe(201);
    const quota = await start(w.tok.user, { name: "b", cluster: cluster.name, preset: "small" });
    expect(quota.status).toBe(409);
    expect(quota.json.error.message).toBe(`Jobs limit quota exceeded for org '${w.org.name}'`);

    const theirs = await makeJob(t.db, { org: w.org, user: w.manager, cluster, preset: cluster.presets.small! });
    const stop = (token: string, id: string) =>
      callEndpoint(J.stopOrgJob, { url: `${url}/${id}/stop`, params: { org: w.org.name, id }, token, deps: w.deps });
    expect((await stop(w.tok.user, theirs.id)).status).toBe(404);
    expect((await stop(w.tok.user, "not-a-job")).status).toBe(404);
    expect((await stop(w.tok.adminRead, theirs.id)).status).toBe(403);
    expect((await stop(w.tok.adminOther, theirs.id)).status).toBe(404);
    const [j] = await t.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, theirs.id));
    expect(j!.status).toBe("running");
    expect((await stop(w.tok.admin, theirs.id)).json.stopped).toBe(true);
  });
});

describe("artifacts", () => {
  async function withProject() {
    const w = await world();
    const cluster = await makeCluster(t.db);
    await addOrgToCluster(t.db, w.org, cluster);
    const project = await makeProject(t.db, {
      org: w.org,
      cluster,
      members: [
        [w.user, "writer"],
        [w.admin, "reader"],
      ],
    });
    const reader = await makeUser(t.db);
    const { addMember } = await import("@/lib/test/fixtures");
    await addMember(t.db, w.org, reader, "user");
    const { projectMembers } = await import("@/db/schema");
    await t.db
      .insert(projectMembers)
      .values({ projectId: project.id, orgId: w.org.id, userId: reader.id, role: "reader" });
    const readerTok = await makePat(t.db, reader);
    const pp = { org: w.org.name, cluster: cluster.name, project: project.name };
    const base = `/api/v1/orgs/${w.org.name}/projects/${cluster.name}/${project.name}`;
    return { ...w, cluster, project, pp, base, readerTok };
  }

  it("creates a disk, bucket and secret (idempotent), lists them per project and per org, deletes", async () => {
    const w = await withProject();
    await fundOrg(t.db, w.org, "5");
    const disk = await callEndpoint(A.createDiskEndpoint, {
      url: `${w.base}/disks`,
      params: w.pp,
      body: { name: "data", size: "10G" },
      token: w.tok.user,
      deps: w.deps,
      headers: { "idempotency-key": "disk-1" },
    });
    expect(disk.status).toBe(201);
    expect(disk.json).toEqual({
      id: expect.any(String),
      kind: "disk",
      name: "data",
      uri: `disk://${w.cluster.name}/${w.org.name}/${w.project.name}/data`,
      created_at: expect.any(String),
    });
    const replay = await callEndpoint(A.createDiskEndpoint, {
      url: `${w.base}/disks`,
      params: w.pp,
      body: { name: "data", size: "10G" },
      token: w.tok.user,
      deps: w.deps,
      headers: { "idempotency-key": "disk-1" },
    });
    expect(replay.status).toBe(201);
    expect(replay.json.id).toBe(disk.json.id);
    const dup = await callEndpoint(A.createDiskEndpoint, {
      url: `${w.base}/disks`,
      params: w.pp,
      body: { name: "data", size: 5 },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(dup.status).toBe(409);
    const bucket = await callEndpoint(A.createBucketEndpoint, {
      url: `${w.base}/buckets`,
      params: w.pp,
      body: { name: "raw", provider: "aws", region: "us-east-1" },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(bucket.status).toBe(201);
    expect(bucket.json.uri).toBe(`blob://${w.cluster.name}/${w.org.name}/${w.project.name}/raw`);
    const secret = await callEndpoint(A.createSecretEndpoint, {
      url: `${w.base}/secrets`,
      params: w.pp,
      body: { key: "API_KEY", value: "hunter2" },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(secret.status).toBe(201);
    expect(JSON.stringify(secret.json)).not.toContain("hunter2");

    const proj = await callEndpoint(A.listProjectArtifactsEndpoint, {
      url: `${w.base}/artifacts`,
      params: w.pp,
      token: w.readerTok,
      deps: w.deps,
    });
    expect(proj.status).toBe(200);
    expect(proj.json).toMatchObject({ next_cursor: null, can_write: false });
    expect(proj.json.artifacts.map((a: { kind: string }) => a.kind)).toEqual(["secret", "bucket", "disk"]);
    // Cursor paging: one row a page, newest first, each once.
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await callEndpoint(A.listProjectArtifactsEndpoint, {
        url: `${w.base}/artifacts?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        params: w.pp,
        token: w.readerTok,
        deps: w.deps,
      });
      expect(page.status).toBe(200);
      expect(page.json.artifacts).toHaveLength(1);
      walked.push(page.json.artifacts[0].id);
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(walked).toEqual(proj.json.artifacts.map((a: { id: string }) => a.id));
    const badCursor = await callEndpoint(A.listProjectArtifactsEndpoint, {
      url: `${w.base}/artifacts?cursor=nope`,
      params: w.pp,
      token: w.readerTok,
      deps: w.deps,
    });
    expect(badCursor.status).toBe(422);
    expect(badCursor.json.error.fields.cursor).toBeDefined();
    expect(JSON.stringify(proj.json)).not.toContain("hunter2");
    const d = proj.json.artifacts.find((a: { kind: string }) => a.kind === "disk");
    expect(d).toMatchObject({ size_bytes: 10 * 2 ** 30, owner: w.user.username, credits_charged: "0.00000000" });

    const org = await callEndpoint(A.listArtifacts, {
      url: `/api/v1/orgs/${w.org.name}/artifacts?kind=bucket`,
      params: { org: w.org.name },
      token: w.tok.manager,
      deps: w.deps,
    });
    expect(org.json).toMatchObject({ next_cursor: null, scope: "all" });
    expect(org.json.artifacts).toHaveLength(1);
    expect(org.json.artifacts[0]).toMatchObject({ kind: "bucket", provider: "aws", region: "us-east-1" });
    const asUser = await callEndpoint(A.listArtifacts, {
      url: `/api/v1/orgs/${w.org.name}/artifacts`,
      params: { org: w.org.name },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(asUser.json).toMatchObject({ next_cursor: null, scope: "member" });
    expect(asUser.json.artifacts).toHaveLength(3);
    const paged = await callEndpoint(A.listArtifacts, {
      url: `/api/v1/orgs/${w.org.name}/artifacts?limit=2`,
      params: { org: w.org.name },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(paged.json.artifacts).toHaveLength(2);
    const rest = await callEndpoint(A.listArtifacts, {
      url: `/api/v1/orgs/${w.org.name}/artifacts?limit=2&cursor=${encodeURIComponent(paged.json.next_cursor)}`,
      params: { org: w.org.name },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(rest.json.next_cursor).toBeNull();
    expect([...paged.json.artifacts, ...rest.json.artifacts].map((a: { id: string }) => a.id)).toEqual(
      asUser.json.artifacts.map((a: { id: string }) => a.id),
    );

    const del = (token: string, id: string) =>
      callEndpoint(A.deleteArtifactEndpoint, {
        url: `/api/v1/orgs/${w.org.name}/artifacts/${id}`,
        params: { org: w.org.name, id },
        token,
        deps: w.deps,
      });
    expect((await del(w.readerTok, disk.json.id)).status).toBe(403);
    expect((await del(w.tok.outsider, disk.json.id)).status).toBe(404);
    expect((await del(w.tok.user, "nope")).status).toBe(404);
    const gone = await del(w.tok.user, disk.json.id);
    expect(gone.status).toBe(200);
    expect(gone.json).toMatchObject({ id: disk.json.id, kind: "disk", name: "data", settled: expect.any(String) });
    const gone2 = await del(w.tok.user, secret.json.id);
    expect(gone2.json.settled).toBeNull();
    expect((await del(w.tok.user, disk.json.id)).status).toBe(404);
    const [n] = await t.db.select({ n: count() }).from(artifacts).where(eq(artifacts.orgId, w.org.id));
    expect(n!.n).toBe(1);
  });

  it("refusals: readers 403, no credits 409, bad input 422, read-only and other-org tokens, outsiders", async () => {
    const w = await withProject();
    const disk = (token: string, body: unknown) =>
      callEndpoint(A.createDiskEndpoint, { url: `${w.base}/disks`, params: w.pp, body, token, deps: w.deps });
    const broke = await disk(w.tok.user, { name: "ddd", size: 1 });
    expect(broke.status).toBe(409);
    expect(broke.json.error.code).toBe("quota_exceeded");
    await fundOrg(t.db, w.org, "5");
    expect((await disk(w.readerTok, { name: "ddd", size: 1 })).status).toBe(403);
    expect((await disk(w.tok.user, { name: "ddd", size: "lots" })).json.error.fields.size).toBeDefined();
    expect((await disk(w.tok.user, { name: "Bad_Name", size: 1 })).status).toBe(422);
    expect((await disk(w.tok.adminRead, { name: "ddd", size: 1 })).status).toBe(403);
    expect((await disk(w.tok.adminOther, { name: "ddd", size: 1 })).status).toBe(404);
    expect((await disk(w.tok.outsider, { name: "ddd", size: 1 })).status).toBe(404);
    const bucket = await callEndpoint(A.createBucketEndpoint, {
      url: `${w.base}/buckets`,
      params: w.pp,
      body: { name: "bbb", provider: "dropbox", region: "x" },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(bucket.status).toBe(422);
    expect(bucket.json.error.fields.provider).toBeDefined();
    const secret = await callEndpoint(A.createSecretEndpoint, {
      url: `${w.base}/secrets`,
      params: w.pp,
      body: { key: "1bad", value: "v" },
      token: w.tok.user,
      deps: w.deps,
    });
    expect(secret.status).toBe(422);
    const missing = await callEndpoint(A.listProjectArtifactsEndpoint, {
      url: `/api/v1/orgs/${w.org.name}/projects/${w.cluster.name}/nope/artifacts`,
      params: { ...w.pp, project: "nope" },
      token: w.tok.admin,
      deps: w.deps,
    });
    expect(missing.status).toBe(404);
    const [n] = await t.db.select({ n: count() }).from(artifacts).where(eq(artifacts.orgId, w.org.id));
    expect(n!.n).toBe(0);
  });
});
