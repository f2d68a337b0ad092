import creditsDashboard from "@/grafana/dashboards/org-credits.json";
import jobsDashboard from "@/grafana/dashboards/org-jobs.json";
import membersDashboard from "@/grafana/dashboards/org-members.json";
import type { Db } from "@/db";
import { type Caller } from "../core/caller";
import type { Env } from "../core/config";
import { Forbidden, Invalid } from "../core/errors";
import { MAX_REPORT_DAYS, periodBounds, requireReportsAccess, type ReportPeriod } from "./reports";

/**
 * Grafana panels in the Reports tab (when GRAFANA_URL and GRAFANA_TOKEN are set). The browser never talks to
 * Grafana: the console proxies `/orgs/<org>/grafana/…` (app/(console)/orgs/[org]/grafana/[...path]/route.ts)
 * through proxyGrafanaRequest, which on every request checks that the viewer may see the org's reports, talks
 * to Grafana with the service-account token kept on the server, forces the `org` variable to that org and
 * lets through only what a solo panel of the provisioned dashboards (grafana/dashboards/*.json) needs. Data
 * queries are rebuilt from the provisioned panels: a client's SQL, datasource or extra query never reaches
 * Grafana. Set-up and the Grafana settings this relies on: grafana/README.md.
 */

export interface GrafanaConfig {
  /** Grafana's base URL as the console server reaches it, including any sub path; no trailing slash. */
  url: string;
  /** A service-account token (Viewer role) of the Grafana org holding the provisioned dashboards. */
  token: string;
  /** That Grafana org's id (GRAFANA_ORG_ID, default 1). */
  orgId: number;
}

/** GRAFANA_URL (http or https) and GRAFANA_TOKEN, both required; null when either is missing or unusable. */
export function grafanaConfigFromEnv(env: Env): GrafanaConfig | null {
  const raw = env.GRAFANA_URL?.trim();
  const token = env.GRAFANA_TOKEN?.trim();
  if (!raw || !token) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.username) return null;
  const orgId = Number(env.GRAFANA_ORG_ID?.trim() || "1");
  if (!Number.isSafeInteger(orgId) || orgId < 1) return null;
  return { url: `${url.origin}${url.pathname.replace(/\/+$/, "")}`, token, orgId };
}

// ------------------------------------------------------------------------------------ provisioned dashboards

export interface DashboardTarget {
  refId: string;
  rawSql: string;
  format: string;
  datasource: { type: string; uid: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource: { type: string; uid: string };
  targets: DashboardTarget[];
}

export interface ProvisionedDashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
}

/** The datasource every panel query runs on (grafana/provisioning/datasources/apolo.yaml). */
export const GRAFANA_DATASOURCE_UID = "apolo-reports";

/** The dashboards of grafana/dashboards, as provisioned into Grafana. */
export const GRAFANA_DASHBOARDS: readonly ProvisionedDashboard[] = [
  creditsDashboard,
  jobsDashboard,
  membersDashboard,
] as ProvisionedDashboard[];

/** The Reports tab's panels, in the order of the built-in charts: [dashboard uid, panel id]. */
const REPORT_PANELS: readonly [string, number][] = [
  ["apolo-org-credits", 1], // 1. balance over time
  ["apolo-org-credits", 2], // 2. credits spent per day by member
  ["apolo-org-jobs", 1], // 3. credits spent per cluster and preset
  ["apolo-org-jobs", 2], // 4. running jobs
  ["apolo-org-credits", 3], // 5. top-ups and grants
  ["apolo-org-members", 1], // 6. members
];

function findDashboard(uid: string): ProvisionedDashboard | undefined {
  return GRAFANA_DASHBOARDS.find((d) => d.uid === uid);
}

function findPanel(uid: string, panelId: string | number | null | undefined): DashboardPanel | undefined {
  const id = typeof panelId === "number" ? panelId : /^\d{1,6}$/.test(panelId ?? "") ? Number(panelId) : NaN;
  return findDashboard(uid)?.panels.find((p) => p.id === id && p.targets.length > 0);
}

/** Grafana's URL slug of a dashboard title ("Org credits" → "org-credits"). */
export function dashboardSlug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** `${org:sqlstring}` in a panel's SQL, as Grafana's frontend would interpolate it: a quoted SQL string literal. */
export function sqlStringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A panel target's SQL for one org (time macros are left to Grafana's backend). */
export function panelSqlForOrg(rawSql: string, orgName: string): string {
  return rawSql.split("${org:sqlstring}").join(sqlStringLiteral(orgName));
}

// ---------------------------------------------------------------------------------------------- embeds

export interface GrafanaEmbed {
  title: string;
  /** Path of the console's proxy route for this solo panel (same origin); the component appends `theme`. */
  src: string;
  height: number;
}

/** Where the console proxies Grafana for an org. */
export function grafanaProxyBase(orgName: string): string {
  return `/orgs/${encodeURIComponent(orgName)}/grafana`;
}

/** The solo-panel embeds of the Reports tab for an org and period, or null when Grafana is not configured. */
export function grafanaEmbeds(
  config: GrafanaConfig | null,
  orgName: string,
  period: ReportPeriod,
): GrafanaEmbed[] | null {
  if (!config) return null;
  const { start, end } = periodBounds(period);
  return REPORT_PANELS.map(([uid, id]) => {
    const dashboard = findDashboard(uid)!;
    const panel = findPanel(uid, id)!;
    const query = new URLSearchParams({
      orgId: String(config.orgId),
      panelId: String(panel.id),
      "var-org": orgName,
      from: String(start.getTime()),
      to: String(end.getTime()),
      timezone: "utc",
    });
    return {
      title: panel.title,
      src: `${grafanaProxyBase(orgName)}/d-solo/${uid}/${dashboardSlug(dashboard.title)}?${query}`,
      // Grafana's grid: 30 px rows with 8 px gaps.
      height: panel.gridPos.h * 30 + (panel.gridPos.h - 1) * 8,
    };
  });
}

// ----------------------------------------------------------------------------------------------- proxy

/** What the route handler passes on from the browser's request. */
export interface GrafanaProxyRequest {
  method: string;
  /** The path after `/orgs/<org>/grafana/`, exactly as sent (still percent-encoded), e.g. "d-solo/uid/slug". */
  path: string;
  /** The query string, with or without its leading "?". */
  search: string;
  headers: Headers;
  /** The request body as text (POST only). */
  body?: string | null;
}

export interface GrafanaProxyResponse {
  status: number;
  headers: Headers;
  body: string | ArrayBuffer | null;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** The largest api/ds/query body accepted from the browser (Grafana's frontend sends a few KB). */
export const MAX_QUERY_BODY_BYTES = 64 * 1024;

/**
 * Read-only endpoints Grafana's solo-panel app may call while it boots: settings and preferences of the service
 * account, and the settings of the plugins the provisioned panels use (no secrets in either).
 */
const BOOT_ENDPOINTS = new Set([
  "api/frontend/settings",
  "api/user",
  "api/user/preferences",
  "api/login/ping",
  ...[...new Set(GRAFANA_DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => [p.type, p.datasource.type])))].map(
    (plugin) => `api/plugins/${plugin}/settings`,
  ),
]);

const SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;
const SAFE_QUERY_VALUE = /^[A-Za-z0-9._~-]{0,200}$/;

function refuse(what: string): never {
  throw new Forbidden(`Not an allowed Grafana request: ${what}.`);
}

/**
 * Proxies one browser request to Grafana for `orgName`, or refuses it. Throws NotFound unless the viewer is a
 * manager or admin of the org (checked on every request, from the database), Forbidden for anything that is
 * not part of showing the provisioned panels to that org, and Invalid for a malformed query body.
 */
export async function proxyGrafanaRequest(
  db: Db,
  caller: Caller,
  orgName: string,
  req: GrafanaProxyRequest,
  config: GrafanaConfig,
  fetchImpl: FetchLike = fetch,
): Promise<GrafanaProxyResponse> {
  const access = await requireReportsAccess(db, caller, orgName);
  const org = access.org.name;
  const method = req.method.toUpperCase();
  const path = req.path.replace(/^\/+/, "");
  const segments = path.split("/");
  // Raw path only: no percent-encoding, no dot segments, no empty segments, so no traversal and no surprises.
  if (path.length > 512 || !segments.every((s) => SEGMENT.test(s) && s !== "." && s !== "..")) refuse("path");
  const clientQuery = new URLSearchParams(req.search.replace(/^\?/, ""));

  const upstream = (p: string, query?: URLSearchParams) =>
    `${config.url}/${p}${query && [...query].length ? `?${query}` : ""}`;
  const auth = { authorization: `Bearer ${config.token}`, "x-grafana-org-id": String(config.orgId) };

  if (method === "GET" && segments[0] === "public") {
    // Static assets of Grafana's frontend (scripts, styles, fonts, images): no token needed, none sent.
    const query = new URLSearchParams();
    for (const [k, v] of clientQuery) if (SAFE_QUERY_VALUE.test(k) && SAFE_QUERY_VALUE.test(v)) query.append(k, v);
    const headers = pickHeaders(req.headers, ["accept", "if-none-match", "if-modified-since"]);
    return forward(fetchImpl, upstream(path, query), { method: "GET", headers }, org, config, { cacheable: true });
  }

  if (method === "GET" && segments[0] === "d-solo" && segments.length === 3) {
    const [, uid, slug] = segments as [string, string, string];
    const dashboard = findDashboard(uid) ?? refuse("dashboard");
    const panel = findPanel(uid, clientQuery.get("panelId")) ?? refuse("panel");
    const { from, to } = timeRange(clientQuery.get("from"), clientQuery.get("to"));
    const theme = clientQuery.get("theme");
    const query = new URLSearchParams({
      orgId: String(config.orgId),
      panelId: String(panel.id),
      // Whatever the URL said: the viewer's org.
      "var-org": org,
      from,
      to,
      timezone: "utc",
    });
    if (theme === "light" || theme === "dark") query.set("theme", theme);
    const headers = { ...auth, accept: "text/html" };
    return forward(
      fetchImpl,
      upstream(`d-solo/${dashboard.uid}/${slug}`, query),
      { method: "GET", headers },
      org,
      config,
    );
  }

  if (method === "GET" && isDashboardRead(segments)) {
    return forward(
      fetchImpl,
      upstream(path),
      { method: "GET", headers: { ...auth, accept: "application/json" } },
      org,
      config,
    );
  }

  if (method === "GET" && BOOT_ENDPOINTS.has(path)) {
    return forward(
      fetchImpl,
      upstream(path),
      { method: "GET", headers: { ...auth, accept: "application/json" } },
      org,
      config,
      // The settings name Grafana's sub path too.
      { rewriteJson: path === "api/frontend/settings" },
    );
  }

  if (method === "POST" && path === "api/ds/query") {
    const { body, dashboardUid, panelId } = rebuildQuery(req, org);
    const query = new URLSearchParams();
    for (const k of ["ds_type", "requestId"]) {
      const v = clientQuery.get(k);
      if (v && SAFE_QUERY_VALUE.test(v)) query.set(k, v);
    }
    const headers = {
      ...auth,
      accept: "application/json",
      "content-type": "application/json",
      "x-dashboard-uid": dashboardUid,
      "x-panel-id": String(panelId),
      "x-datasource-uid": GRAFANA_DATASOURCE_UID,
    };
    return forward(fetchImpl, upstream(path, query), { method: "POST", headers, body }, org, config);
  }

  refuse(`${method} ${path.split("/").slice(0, 3).join("/")}`);
}

/** The JSON of a provisioned dashboard, by the API of Grafana 10/11 or the resource API of Grafana 12. */
function isDashboardRead(s: string[]): boolean {
  if (s.length === 4 && s[0] === "api" && s[1] === "dashboards" && s[2] === "uid") return Boolean(findDashboard(s[3]!));
  return (
    (s.length === 7 || (s.length === 8 && s[7] === "dto")) &&
    s[0] === "apis" &&
    s[1] === "dashboard.grafana.app" &&
    /^v\d+(alpha|beta)?\d*$/.test(s[2]!) &&
    s[3] === "namespaces" &&
    /^(default|org-\d+|stacks-\d+)$/.test(s[4]!) &&
    s[5] === "dashboards" &&
    Boolean(findDashboard(s[6]!))
  );
}

/** Epoch-millisecond bounds of a period, at most MAX_REPORT_DAYS (+1 for the exclusive end) apart. */
function timeRange(from: unknown, to: unknown): { from: string; to: string } {
  const ms = (v: unknown) => (typeof v === "number" ? String(v) : typeof v === "string" ? v : "");
  const f = ms(from);
  const t = ms(to);
  if (!/^\d{1,15}$/.test(f) || !/^\d{1,15}$/.test(t))
    throw new Invalid({ time: ["from and to must be epoch milliseconds."] });
  const span = Number(t) - Number(f);
  if (span <= 0 || span > (MAX_REPORT_DAYS + 1) * 86_400_000)
    throw new Invalid({ time: ["Choose a shorter time range."] });
  return { from: f, to: t };
}

const positiveInt = (v: unknown, fallback: number, max: number) =>
  typeof v === "number" && Number.isSafeInteger(v) && v > 0 && v <= max ? v : fallback;

/**
 * api/ds/query: the body Grafana gets is rebuilt from the provisioned panel that the request names (headers
 * X-Dashboard-Uid and X-Panel-Id, as Grafana's frontend sends them, or the body's fields), for the viewer's org.
 * Only refIds, the time range and the interval survive from the client's body.
 */
function rebuildQuery(req: GrafanaProxyRequest, org: string) {
  const text = req.body ?? "";
  if (new TextEncoder().encode(text).byteLength > MAX_QUERY_BODY_BYTES) refuse("query body too large");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Invalid({ body: ["The query body must be JSON."] });
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Invalid({ body: ["The query body must be an object."] });
  const body = parsed as Record<string, unknown>;
  const queries = Array.isArray(body.queries) ? (body.queries as unknown[]) : refuse("no queries");
  if (queries.length === 0 || queries.some((q) => !q || typeof q !== "object" || Array.isArray(q))) refuse("queries");
  const qs = queries as Record<string, unknown>[];

  // Which panel: every statement of it (headers, body, each query) must agree, and name a provisioned panel.
  const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
  const uids = new Set(
    [
      req.headers.get("x-dashboard-uid") ?? undefined,
      str(body.dashboardUID),
      str(body.dashboardUid),
      ...qs.map((q) => str(q.dashboardUID) ?? str(q.dashboardUid)),
    ].filter((v): v is string => v !== undefined && v !== ""),
  );
  const panelIds = new Set(
    [req.headers.get("x-panel-id") ?? undefined, str(body.panelId), ...qs.map((q) => str(q.panelId))].filter(
      (v): v is string => v !== undefined && v !== "",
    ),
  );
  if (uids.size !== 1 || panelIds.size !== 1) refuse("a query must name one provisioned panel");
  const dashboardUid = [...uids][0]!;
  const panel = findPanel(dashboardUid, [...panelIds][0]) ?? refuse("panel");

  const targets = new Map(panel.targets.map((t) => [t.refId, t]));
  const wanted = new Set<string>();
  for (const q of qs) {
    const refId = typeof q.refId === "string" ? q.refId : refuse("query without refId");
    if (!targets.has(refId) || wanted.has(refId)) refuse(`query ${refId.slice(0, 20)}`);
    const ds = q.datasource;
    if (ds !== undefined && ds !== null) {
      const uid =
        typeof ds === "string" ? ds : typeof ds === "object" ? (ds as Record<string, unknown>).uid : undefined;
      if (uid !== GRAFANA_DATASOURCE_UID) refuse("datasource");
    }
    if (q.datasourceId !== undefined && typeof q.datasourceId !== "number") refuse("datasource");
    wanted.add(refId);
  }
  const first = qs[0]!;
  const rebuilt = {
    queries: [...wanted].map((refId) => {
      const t = targets.get(refId)!;
      return {
        refId,
        datasource: { type: t.datasource.type, uid: t.datasource.uid },
        rawSql: panelSqlForOrg(t.rawSql, org),
        format: t.format,
        rawQuery: true,
        editorMode: "code",
        intervalMs: positiveInt(first.intervalMs, 86_400_000, 31 * 86_400_000),
        maxDataPoints: positiveInt(first.maxDataPoints, 1000, 10_000),
      };
    }),
    ...timeRange(body.from, body.to),
  };
  return { body: JSON.stringify(rebuilt), dashboardUid, panelId: panel.id };
}

function pickHeaders(from: Headers, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = from.get(n);
    if (v && v.length <= 512) out[n] = v;
  }
  return out;
}

/** Response headers passed back from Grafana; everything else (cookies, Grafana's own CSP…) stays behind. */
const PASSED_RESPONSE_HEADERS = ["content-type", "etag", "last-modified"];

async function forward(
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit,
  org: string,
  config: GrafanaConfig,
  { cacheable = false, rewriteJson = false } = {},
): Promise<GrafanaProxyResponse> {
  let res: Response;
  try {
    res = await fetchImpl(url, { ...init, redirect: "manual", cache: "no-store" });
  } catch {
    return textResponse(502, "Grafana is unreachable.");
  }
  if (res.status >= 300 && res.status < 400 && res.status !== 304) {
    // A redirect (to Grafana's login page, say) is not something to show in the Reports tab.
    await res.body?.cancel();
    return textResponse(502, "Grafana answered with a redirect: check GRAFANA_URL and GRAFANA_TOKEN.");
  }
  const headers = new Headers();
  for (const h of PASSED_RESPONSE_HEADERS) {
    const v = res.headers.get(h);
    if (v) headers.set(h, v);
  }
  headers.set(
    "cache-control",
    cacheable && res.ok ? (res.headers.get("cache-control") ?? "private, max-age=3600") : "no-store",
  );
  securityHeaders(headers);
  const type = headers.get("content-type") ?? "";
  if (res.status === 304 || res.status === 204) return { status: res.status, headers, body: null };
  if (type.startsWith("text/html") || (rewriteJson && type.startsWith("application/json"))) {
    return { status: res.status, headers, body: rewriteGrafanaHtml(await res.text(), config, grafanaProxyBase(org)) };
  }
  return { status: res.status, headers, body: await res.arrayBuffer() };
}

function securityHeaders(headers: Headers) {
  headers.set("x-content-type-options", "nosniff");
  // The Reports tab (same origin) frames these pages; nobody else may.
  headers.set(
    "content-security-policy",
    "frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'none'",
  );
  headers.set("x-frame-options", "SAMEORIGIN");
  headers.set("referrer-policy", "same-origin");
}

function textResponse(status: number, text: string): GrafanaProxyResponse {
  const headers = new Headers({ "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  securityHeaders(headers);
  return { status, headers, body: text };
}

/**
 * Grafana's index page (and api/frontend/settings) name its own sub path: `<base href>`, `appSubUrl` in the boot
 * data, absolute `/…/public/` asset paths. The solo-panel app must send its follow-up requests (scripts, API
 * calls) to the console's proxy path instead. Absolute URLs (`appUrl`) are left alone: they are never fetched.
 */
export function rewriteGrafanaHtml(html: string, config: Pick<GrafanaConfig, "url">, proxyBase: string): string {
  const sub = new URL(config.url).pathname.replace(/\/+$/, "");
  const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const jsonEscaped = (s: string) => s.replace(/\//g, "\\/");
  return html
    .replace(/<base href="[^"]*"/, `<base href="${proxyBase}/"`)
    .replace(/"appSubUrl":\s*"[^"]*"/g, `"appSubUrl":"${proxyBase}"`)
    .replace(new RegExp(`(["'(=])${re(sub)}/public/`, "g"), `$1${proxyBase}/public/`)
    .replace(
      new RegExp(`(["'])${re(jsonEscaped(sub))}\\\\/public\\\\/`, "g"),
      `$1${jsonEscaped(proxyBase)}\\/public\\/`,
    );
}
