import { NextResponse, type NextRequest } from "next/server";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { errorResponse, jsonError } from "@/app/_server/http-errors";
import { grafanaConfigFromEnv, MAX_QUERY_BODY_BYTES, proxyGrafanaRequest } from "@/lib/reports";
import { readBodyText } from "@/lib/compute";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ org: string; path: string[] }> };

/**
 * The Reports tab's Grafana panels, proxied (lib/reports/grafana.ts decides what passes, on every request). The path
 * is taken raw from the URL, still percent-encoded, so that lib/ sees exactly what the browser sent.
 */
async function handle(req: NextRequest, { params }: Context) {
  const { org } = await params;
  const config = grafanaConfigFromEnv(process.env);
  if (!config) return jsonError(404, "not_found", "Not found");
  if (req.method === "POST" && !sameOrigin(req)) return jsonError(403, "forbidden", "Cross-origin request refused.");
  const body = req.method === "POST" ? await readBodyText(req, MAX_QUERY_BODY_BYTES) : null;
  if (body === null && req.method === "POST") {
    return jsonError(413, "payload_too_large", "The query body is too large.");
  }
  // "/orgs/<org>/grafana/<rest>" → "<rest>"
  const rest = req.nextUrl.pathname.split("/").slice(4).join("/");
  try {
    const res = await proxyGrafanaRequest(
      await getDb(),
      await currentCaller(),
      org,
      { method: req.method, path: rest, search: req.nextUrl.search, headers: req.headers, body },
      config,
    );
    return new NextResponse(res.body, { status: res.status, headers: res.headers });
  } catch (err) {
    return errorResponse(err, { context: "grafana proxy" });
  }
}

/** Cookie-authenticated POSTs must come from the console's own pages (the Grafana iframe is same-origin). */
function sameOrigin(req: NextRequest): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site) return site === "same-origin";
  const origin = req.headers.get("origin");
  if (!origin) return false;
  try {
    return new URL(origin).host === (req.headers.get("x-forwarded-host") ?? req.headers.get("host"));
  } catch {
    return false;
  }
}

export const GET = handle;
export const POST = handle;
