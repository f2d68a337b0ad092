import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { orgMembers } from "@/db/schema";
import { Forbidden, Invalid, NotFound, Unauthenticated } from "../core/errors";
import {
  GRAFANA_DASHBOARDS,
  grafanaConfigFromEnv,
  grafanaEmbeds,
  panelSqlForOrg,
  proxyGrafanaRequest,
  rewriteGrafanaHtml,
  type GrafanaConfig,
  type GrafanaProxyRequest,
} from "./grafana";
import { parseReportPeriod } from "./reports";
import { as, makeOrg, makeUser, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();

// ------------------------------------------------------------------ a stand-in for Grafana that records requests

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: string;
}

const recorded: Recorded[] = [];
let server: Server;
let config: GrafanaConfig;
const TOKEN = "glsa_service_account_token_for_tests";
/** Grafana served from a sub path, as behind a reverse proxy: the HTML names it and the proxy must rewrite it. */
const SUB = "/grafana";

const INDEX_HTML = `<!doctype html><html><head><base href="${SUB}/" />
<link rel="stylesheet" href="${SUB}/public/build/grafana.light.css" /></head>
<body><script nonce="">window.grafanaBootData = { settings: {"appSubUrl":"${SUB}","appUrl":"http://grafana.internal${SUB}/"} };</script>
<script nonce="" src="${SUB}/public/build/app.js"></script></body></html>`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url!, "http://x");
      recorded.push({
        method: req.method!,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const path = url.pathname.slice(SUB.length);
      if (path.startsWith("/d-solo/")) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "set-cookie": "grafana_session=abc" });
        res.end(INDEX_HTML);
      } else if (path === "/api/ds/query") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ results: { A: { status: 200, frames: [] } } }));
      } else if (path === "/api/frontend/settings") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ appSubUrl: SUB, appUrl: `http://grafana.internal${SUB}/` }));
      } else if (path.startsWith("/public/")) {
        res.writeHead(200, { "content-type": "application/javascript", "cache-control": "public, max-age=31536000" });
        res.end("console.log('grafana')");
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: true, path }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  config = grafanaConfigFromEnv({ GRAFANA_URL: `http://127.0.0.1:${port}${SUB}/`, GRAFANA_TOKEN: TOKEN })!;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  recorded.length = 0;
});

// ------------------------------------------------------------------------------------------------ helpers

const FROM = String(Date.parse("2026-03-01T00:00:00Z"));
const TO = String(Date.parse("2026-03-06T00:00:00Z"));

/** A browser's request: with the console's session cookie and a forged Authorization header, to be dropped. */
function browser(
  method: string,
  path: string,
  search = "",
  body?: unknown,
  headers: Record<string, string> = {},
): GrafanaProxyRequest {
  return {
    method,
    path,
    search,
    headers: new Headers({
      cookie: "authjs.session-token=console-session; grafana_session=stolen",
      authorization: "Bearer someone-elses-token",
      accept: "*/*",
      ...headers,
    }),
    body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
  };
}

async function setup() {
  const [admin, manager, user, outsider, managerB] = await Promise.all([1, 2, 3, 4, 5].map(() => makeUser(t.db)));
  const orgA = await makeOrg(t.db, { admin: admin!, manager: manager!, user: user! });
  const orgB = await makeOrg(t.db, { manager: managerB! });
  return { admin: admin!, manager: manager!, user: user!, outsider: outsider!, managerB: managerB!, orgA, orgB };
}

const solo = (uid: string, panelId: number | string, extra = "") =>
  `?orgId=1&panelId=${panelId}&from=${FROM}&to=${TO}&theme=dark${extra}`;

/** What Grafana's frontend posts for a panel's query (with whatever a forger changed in it). */
function dsQuery(org: string, overrides: Record<string, unknown> = {}, query: Record<string, unknown> = {}) {
  return {
    queries: [
      {
        refId: "A",
        datasource: { type: "grafana-postgresql-datasource", uid: "apolo-reports" },
        datasourceId: 1,
        rawSql: `select * from reports.ledger where org = '${org}'`,
        format: "table",
        intervalMs: 3_600_000,
        maxDataPoints: 800,
        ...query,
      },
    ],
    from: FROM,
    to: TO,
    ...overrides,
  };
}

const panelHeaders = (uid: string, panelId: number | string) => ({
  "x-dashboard-uid": uid,
  "x-panel-id": String(panelId),
});

// -------------------------------------------------------------------------------------------------- tests

describe("grafanaConfigFromEnv and grafanaEmbeds", () => {
  it("needs both the URL and the token, and keeps the sub path without its trailing slash", () => {
    expect(grafanaConfigFromEnv({})).toBeNull();
    expect(grafanaConfigFromEnv({ GRAFANA_URL: "http://g:3000" })).toBeNull();
    expect(grafanaConfigFromEnv({ GRAFANA_TOKEN: "x" })).toBeNull();
    expect(grafanaConfigFromEnv({ GRAFANA_URL: "ftp://g", GRAFANA_TOKEN: "x" })).toBeNull();
    expect(grafanaConfigFromEnv({ GRAFANA_URL: "http://g:3000/", GRAFANA_TOKEN: "x" })).toEqual({
      url: "http://g:3000",
      token: "x",
      orgId: 1,
    });
    expect(
      grafanaConfigFromEnv({
        GRAFANA_URL: "https://ops.example.com/grafana/",
        GRAFANA_TOKEN: " x ",
        GRAFANA_ORG_ID: "3",
      }),
    ).toEqual({ url: "https://ops.example.com/grafana", token: "x", orgId: 3 });
  });

  it("lists the six panels through the proxy path, for the org and the period's UTC bounds", () => {
    const period = parseReportPeriod({ period: "custom", from: "2026-03-01", to: "2026-03-05" }).period;
    expect(grafanaEmbeds(null, "acme", period)).toBeNull();
    const embeds = grafanaEmbeds(config, "acme", period)!;
    expect(embeds.map((e) => e.title)).toEqual([
      "Balance",
      "Credits spent per day",
      "Credits spent per cluster and preset",
      "Running jobs",
      "Top-ups and grants",
      "Members",
    ]);
    for (const e of embeds) {
      const url = new URL(e.src, "http://console.test");
      expect(url.pathname).toMatch(
        /^\/orgs\/acme\/grafana\/d-solo\/apolo-org-(credits|jobs|members)\/org-(credits|jobs|members)$/,
      );
      expect(Object.fromEntries(url.searchParams)).toMatchObject({ "var-org": "acme", from: FROM, to: TO, orgId: "1" });
      expect(e.height).toBeGreaterThan(200);
    }
    // The token never reaches the page.
    expect(JSON.stringify(embeds)).not.toContain(config.token);
  });
});

describe("rewriteGrafanaHtml", () => {
  const base = "/orgs/acme/grafana";
  it("points Grafana's own paths at the proxy, for Grafana at its root or under a sub path", () => {
    const page = (sub: string) =>
      `<base href="${sub}/" /><link href="${sub}/public/img/fav32.png"><script src="${sub}/public/build/app.js"></script>` +
      `<script>window.__grafana_public_path__='${sub}/public/';window.grafanaBootData={"settings":{"appSubUrl":"${sub}",` +
      `"appUrl":"http://g${sub}/","icon":"${sub.replace(/\//g, "\\/")}\\/public\\/img\\/x.svg"}}</script><a href="public/x">`;
    for (const sub of ["", "/grafana", "/ops/grafana"]) {
      expect(rewriteGrafanaHtml(page(sub), { url: `http://g${sub}` }, base), sub).toBe(
        `<base href="${base}/" /><link href="${base}/public/img/fav32.png"><script src="${base}/public/build/app.js"></script>` +
          `<script>window.__grafana_public_path__='${base}/public/';window.grafanaBootData={"settings":{"appSubUrl":"${base}",` +
          `"appUrl":"http://g${sub}/","icon":"\\/orgs\\/acme\\/grafana\\/public\\/img\\/x.svg"}}</script><a href="public/x">`,
      );
    }
  });
});

describe("proxyGrafanaRequest: who", () => {
  it("answers 404 to members with the user role, outsiders and managers of another org; 401 signed out", async () => {
    const s = await setup();
    const req = () =>
      browser("GET", "d-solo/apolo-org-credits/org-credits", solo("apolo-org-credits", 1, `&var-org=${s.orgA.name}`));
    for (const who of [s.user, s.outsider, s.managerB]) {
      await expect(proxyGrafanaRequest(t.db, as(who), s.orgA.name, req(), config)).rejects.toBeInstanceOf(NotFound);
    }
    await expect(proxyGrafanaRequest(t.db, null, s.orgA.name, req(), config)).rejects.toBeInstanceOf(Unauthenticated);
    // A non-existent org is the same 404.
    await expect(proxyGrafanaRequest(t.db, as(s.admin), "no-such-org", req(), config)).rejects.toBeInstanceOf(NotFound);
    // Even Grafana's static files and the data endpoint.
    await expect(
      proxyGrafanaRequest(t.db, as(s.user), s.orgA.name, browser("GET", "public/build/app.js"), config),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      proxyGrafanaRequest(
        t.db,
        as(s.user),
        s.orgA.name,
        browser("POST", "api/ds/query", "", dsQuery(s.orgA.name), panelHeaders("apolo-org-credits", 1)),
        config,
      ),
    ).rejects.toBeInstanceOf(NotFound);
    expect(recorded).toEqual([]);
  });

  it("lets managers and admins through, and checks the role again on every request", async () => {
    const s = await setup();
    const req = () => browser("GET", "d-solo/apolo-org-jobs/org-jobs", solo("apolo-org-jobs", 2));
    for (const who of [s.manager, s.admin]) {
      const res = await proxyGrafanaRequest(t.db, as(who), s.orgA.name, req(), config);
      expect(res.status).toBe(200);
    }
    expect(recorded).toHaveLength(2);
    await t.db
      .update(orgMembers)
      .set({ role: "user" })
      .where(and(eq(orgMembers.orgId, s.orgA.id), eq(orgMembers.userId, s.manager.id)));
    await expect(proxyGrafanaRequest(t.db, as(s.manager), s.orgA.name, req(), config)).rejects.toBeInstanceOf(NotFound);
    expect(recorded).toHaveLength(2);
  });
});

describe("proxyGrafanaRequest: solo panels", () => {
  it("forces the org variable to the viewer's org and rebuilds the query string from a whitelist", async () => {
    const s = await setup();
    const res = await proxyGrafanaRequest(
      t.db,
      as(s.manager),
      s.orgA.name,
      browser(
        "GET",
        "d-solo/apolo-org-credits/org-credits",
        solo(
          "apolo-org-credits",
          2,
          `&var-org=${s.orgB.name}&var-org=${s.orgA.name}&orgId=7&var-x=1&editPanel=2&render=1`,
        ),
      ),
      config,
    );
    expect(res.status).toBe(200);
    expect(recorded).toHaveLength(1);
    const up = recorded[0]!;
    expect(up.method).toBe("GET");
    expect(up.path).toBe(`${SUB}/d-solo/apolo-org-credits/org-credits`);
    expect(up.query.getAll("var-org")).toEqual([s.orgA.name]);
    expect(Object.fromEntries(up.query)).toEqual({
      orgId: "1",
      panelId: "2",
      "var-org": s.orgA.name,
      from: FROM,
      to: TO,
      timezone: "utc",
      theme: "dark",
    });
    // Grafana is called with the service account's token, never with the browser's credentials.
    expect(up.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(up.headers.cookie).toBeUndefined();
    expect(JSON.stringify(up.headers)).not.toContain("console-session");
    expect(JSON.stringify(up.headers)).not.toContain("someone-elses-token");

    // Grafana's sub path becomes the proxy's, so the panel's scripts and API calls come back through here.
    const html = res.body as string;
    const base = `/orgs/${s.orgA.name}/grafana`;
    expect(html).toContain(`<base href="${base}/"`);
    expect(html).toContain(`"appSubUrl":"${base}"`);
    expect(html).toContain(`src="${base}/public/build/app.js"`);
    expect(html).toContain(`href="${base}/public/build/grafana.light.css"`);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("serves every embed of the Reports tab", async () => {
    const s = await setup();
    const period = parseReportPeriod({ period: "custom", from: "2026-03-01", to: "2026-03-05" }).period;
    for (const e of grafanaEmbeds(config, s.orgA.name, period)!) {
      const url = new URL(`${e.src}&theme=light`, "http://console.test");
      const path = url.pathname.replace(`/orgs/${s.orgA.name}/grafana/`, "");
      const res = await proxyGrafanaRequest(t.db, as(s.admin), s.orgA.name, browser("GET", path, url.search), config);
      expect(res.status, e.title).toBe(200);
    }
    expect(recorded).toHaveLength(6);
  });

  it("refuses other dashboards, unknown panels and bad time ranges", async () => {
    const s = await setup();
    const go = (path: string, search: string) =>
      proxyGrafanaRequest(t.db, as(s.admin), s.orgA.name, browser("GET", path, search), config);
    await expect(go("d-solo/some-other-dashboard/x", solo("x", 1))).rejects.toBeInstanceOf(Forbidden);
    await expect(go("d-solo/apolo-org-credits/org-credits", solo("apolo-org-credits", 99))).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(go("d-solo/apolo-org-credits/org-credits", solo("apolo-org-credits", "1;2"))).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(go("d/apolo-org-credits/org-credits", solo("apolo-org-credits", 1))).rejects.toBeInstanceOf(Forbidden);
    await expect(go("d-solo/apolo-org-credits/org-credits", "?panelId=1&from=now-7d&to=now")).rejects.toBeInstanceOf(
      Invalid,
    );
    await expect(go("d-solo/apolo-org-credits/org-credits", `?panelId=1&from=${TO}&to=${FROM}`)).rejects.toBeInstanceOf(
      Invalid,
    );
    await expect(go("d-solo/apolo-org-credits/org-credits", `?panelId=1&from=0&to=${TO}`)).rejects.toBeInstanceOf(
      Invalid,
    );
    expect(recorded).toEqual([]);
  });
});

describe("proxyGrafanaRequest: data queries", () => {
  it("rebuilds the body from the provisioned panel for the viewer's org, whatever SQL the client sent", async () => {
    const s = await setup();
    const forged = dsQuery(
      s.orgA.name,
      {},
      { rawSql: `select * from reports.ledger where org = '${s.orgB.name}'`, format: "time_series" },
    );
    const res = await proxyGrafanaRequest(
      t.db,
      as(s.manager),
      s.orgA.name,
      browser(
        "POST",
        "api/ds/query",
        "?ds_type=grafana-postgresql-datasource&requestId=SQR101&x=1",
        forged,
        panelHeaders("apolo-org-credits", 1),
      ),
      config,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(res.body as ArrayBuffer))).toEqual({
      results: { A: { status: 200, frames: [] } },
    });
    expect(recorded).toHaveLength(1);
    const up = recorded[0]!;
    expect(up.path).toBe(`${SUB}/api/ds/query`);
    expect(Object.fromEntries(up.query)).toEqual({ ds_type: "grafana-postgresql-datasource", requestId: "SQR101" });
    expect(up.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(up.headers.cookie).toBeUndefined();
    expect(up.headers["x-dashboard-uid"]).toBe("apolo-org-credits");
    expect(up.headers["x-panel-id"]).toBe("1");
    const panel = GRAFANA_DASHBOARDS[0]!.panels.find((p) => p.id === 1)!;
    expect(JSON.parse(up.body)).toEqual({
      queries: [
        {
          refId: "A",
          datasource: { type: "grafana-postgresql-datasource", uid: "apolo-reports" },
          rawSql: panelSqlForOrg(panel.targets[0]!.rawSql, s.orgA.name),
          format: "time_series",
          rawQuery: true,
          editorMode: "code",
          intervalMs: 3_600_000,
          maxDataPoints: 800,
        },
      ],
      from: FROM,
      to: TO,
    });
    expect(up.body).toContain(`'${s.orgA.name}'`);
    expect(up.body).not.toContain(s.orgB.name);
    expect(up.body).not.toContain("${org");
  });

  it("takes the panel from the body when Grafana's headers are absent", async () => {
    const s = await setup();
    const body = dsQuery(s.orgA.name, { dashboardUID: "apolo-org-members", panelId: 1 });
    const res = await proxyGrafanaRequest(
      t.db,
      as(s.admin),
      s.orgA.name,
      browser("POST", "api/ds/query", "", body),
      config,
    );
    expect(res.status).toBe(200);
    expect(recorded[0]!.body).toContain("reports.members");
    expect(recorded[0]!.headers["x-dashboard-uid"]).toBe("apolo-org-members");
  });

  it("refuses forged queries without sending anything to Grafana", async () => {
    const s = await setup();
    const A = s.orgA.name;
    const credits1 = panelHeaders("apolo-org-credits", 1);
    const forgeries: [string, unknown, Record<string, string>][] = [
      ["another datasource", dsQuery(A, {}, { datasource: { type: "postgres", uid: "other-db" } }), credits1],
      ["a datasource by name", dsQuery(A, {}, { datasource: "Other DB" }), credits1],
      [
        "a server-side expression",
        dsQuery(A, {}, { datasource: { type: "__expr__", uid: "__expr__" }, expression: "$A" }),
        credits1,
      ],
      ["a datasource id of another type", dsQuery(A, {}, { datasourceId: "2" }), credits1],
      [
        "an extra query",
        {
          ...dsQuery(A),
          queries: [...dsQuery(A).queries, { ...dsQuery(A).queries[0], refId: "B", rawSql: "select * from users" }],
        },
        credits1,
      ],
      ["the same query twice", { ...dsQuery(A), queries: [dsQuery(A).queries[0], dsQuery(A).queries[0]] }, credits1],
      ["a query without refId", dsQuery(A, {}, { refId: undefined }), credits1],
      ["no panel at all", dsQuery(A), {}],
      ["an unknown panel", dsQuery(A), panelHeaders("apolo-org-credits", 42)],
      ["a panel of another dashboard", dsQuery(A), panelHeaders("some-other-dashboard", 1)],
      ["headers and body naming different panels", dsQuery(A, { panelId: 2 }), credits1],
      ["headers and body naming different dashboards", dsQuery(A, { dashboardUID: "apolo-org-jobs" }), credits1],
      ["no queries", { from: FROM, to: TO, queries: [] }, credits1],
      ["queries that are not objects", { from: FROM, to: TO, queries: ["select 1"] }, credits1],
    ];
    for (const [what, body, headers] of forgeries) {
      await expect(
        proxyGrafanaRequest(t.db, as(s.manager), A, browser("POST", "api/ds/query", "", body, headers), config),
        what,
      ).rejects.toBeInstanceOf(Forbidden);
    }
    for (const [what, body] of [
      ["not JSON", "select 1"],
      ["an array", "[]"],
      ["a relative time range", dsQuery(A, { from: "now-1y", to: "now" })],
      ["a time range of years", dsQuery(A, { from: "0", to: TO })],
    ] as const) {
      await expect(
        proxyGrafanaRequest(t.db, as(s.manager), A, browser("POST", "api/ds/query", "", body, credits1), config),
        what,
      ).rejects.toBeInstanceOf(Invalid);
    }
    // A manager of B asking through A's path is not a member of A; asking through B's path gets B's numbers only.
    await expect(
      proxyGrafanaRequest(t.db, as(s.managerB), A, browser("POST", "api/ds/query", "", dsQuery(A), credits1), config),
    ).rejects.toBeInstanceOf(NotFound);
    expect(recorded).toEqual([]);
    await proxyGrafanaRequest(
      t.db,
      as(s.managerB),
      s.orgB.name,
      browser("POST", "api/ds/query", "", dsQuery(A), credits1),
      config,
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.body).toContain(`'${s.orgB.name}'`);
    expect(recorded[0]!.body).not.toContain(A);
  });
});

describe("proxyGrafanaRequest: everything else", () => {
  it("passes Grafana's static files without any credential", async () => {
    const s = await setup();
    const res = await proxyGrafanaRequest(
      t.db,
      as(s.admin),
      s.orgA.name,
      browser("GET", "public/build/app.js", "?v=1.2", undefined, { "if-none-match": 'W/"x"' }),
      config,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000");
    const up = recorded[0]!;
    expect(up.path).toBe(`${SUB}/public/build/app.js`);
    expect(up.query.get("v")).toBe("1.2");
    expect(up.headers.authorization).toBeUndefined();
    expect(up.headers.cookie).toBeUndefined();
    expect(up.headers["if-none-match"]).toBe('W/"x"');
  });

  it("passes the read-only endpoints a solo panel boots with, and the provisioned dashboards' JSON", async () => {
    const s = await setup();
    for (const path of [
      "api/frontend/settings",
      "api/user",
      "api/user/preferences",
      "api/login/ping",
      "api/plugins/grafana-postgresql-datasource/settings",
      "api/plugins/timeseries/settings",
      "api/dashboards/uid/apolo-org-credits",
      "apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards/apolo-org-members",
      "apis/dashboard.grafana.app/v0alpha1/namespaces/default/dashboards/apolo-org-jobs/dto",
    ]) {
      const res = await proxyGrafanaRequest(t.db, as(s.admin), s.orgA.name, browser("GET", path, "?x=1"), config);
      expect(res.status, path).toBe(200);
      const up = recorded.at(-1)!;
      expect(up.path).toBe(`${SUB}/${path}`);
      expect([...up.query]).toEqual([]);
      expect(up.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(up.headers.cookie).toBeUndefined();
      if (path === "api/frontend/settings") {
        expect(JSON.parse(res.body as string)).toEqual({
          appSubUrl: `/orgs/${s.orgA.name}/grafana`,
          appUrl: `http://grafana.internal${SUB}/`,
        });
      }
    }
  });

  it("refuses path traversal, absolute URLs and every endpoint it does not know, sending nothing", async () => {
    const s = await setup();
    const refused: [string, string, string?][] = [
      ["GET", "public/../api/admin/users"],
      ["GET", "public/%2e%2e/api/admin/users"],
      ["GET", "public/%2E%2E%2Fapi%2Fadmin%2Fusers"],
      ["GET", "public/..%2f..%2fapi/admin/users"],
      ["GET", "public/build/..\\..\\api\\admin"],
      ["GET", "public//api/admin/users"],
      ["GET", "public/./build/app.js"],
      ["GET", "d-solo/../api/ds/query"],
      ["GET", "http://evil.example/public/x.js"],
      ["GET", "//evil.example/public/x.js"],
      ["GET", "api/datasources/proxy/1/api/v1/query"],
      ["GET", "api/datasources/proxy/uid/apolo-reports/x"],
      ["GET", "api/datasources"],
      ["GET", "api/plugins/some-app/settings"],
      ["GET", "api/plugins/grafana-postgresql-datasource/resources/tables"],
      ["GET", "api/datasources/uid/apolo-reports"],
      ["GET", "api/admin/users"],
      ["GET", "api/search"],
      ["GET", "api/users"],
      ["GET", "api/org/users"],
      ["GET", "api/dashboards/uid/some-other-dashboard"],
      ["GET", "api/dashboards/uid/apolo-org-credits/versions"],
      ["GET", "apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards"],
      ["GET", "api/ds/query"],
      ["GET", "api/snapshots"],
      ["GET", "render/d-solo/apolo-org-credits/org-credits"],
      ["GET", "d/apolo-org-credits/org-credits"],
      ["GET", "explore"],
      ["GET", "login"],
      ["POST", "api/dashboards/db", "{}"],
      ["POST", "api/datasources", "{}"],
      ["POST", "api/frontend-metrics", "{}"],
      ["POST", "public/build/app.js", "{}"],
      ["PUT", "api/user/preferences", "{}"],
      ["DELETE", "api/dashboards/uid/apolo-org-credits"],
      ["POST", "api/ds/query/extra", "{}"],
      ["POST", "api/tsdb/query", "{}"],
    ];
    for (const [method, path, body] of refused) {
      await expect(
        proxyGrafanaRequest(t.db, as(s.admin), s.orgA.name, browser(method, path, "", body), config),
        `${method} ${path}`,
      ).rejects.toBeInstanceOf(Forbidden);
    }
    expect(recorded).toEqual([]);
  });

  it("answers 502 when Grafana is down or redirects (say, to its login page)", async () => {
    const s = await setup();
    const req = browser("GET", "api/user");
    const down = await proxyGrafanaRequest(t.db, as(s.admin), s.orgA.name, req, {
      ...config,
      url: "http://127.0.0.1:9",
    });
    expect(down.status).toBe(502);
    const redirecting = await proxyGrafanaRequest(
      t.db,
      as(s.admin),
      s.orgA.name,
      req,
      config,
      async () => new Response(null, { status: 302, headers: { location: "/login" } }),
    );
    expect(redirecting.status).toBe(502);
    expect(redirecting.headers.get("location")).toBeNull();
  });
});
