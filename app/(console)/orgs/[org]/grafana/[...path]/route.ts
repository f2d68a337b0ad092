import { NextResponse, type NextRequest } from "next/server";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { isDomainError } from "@/lib/core";
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
  if (!config) return NextResponse.json({ error: "Not found" }, { status: 404 });
  if (req.method === "POST" && !sameOrigin(req)) {
    return NextResponse.json({ error: "Cross-origin request refused." }, { status: 403 });
  }
  const body = req.method === "POST" ? await readBodyText(req, MAX_QUERY_BODY_BYTES) : null;
  if (body === null && req.method === "POST") {
    return NextResponse.json({ error: "The query body is too large." }, { status: 413 });
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
    if (isDomainError(err)) {
      const status = err.kind === "unauthenticated" ? 401 : err.status;
      return NextResponse.json(
        { error: status === 404 ? "Not found" : err.message },
        { status, headers: { "cache-control": "no-store" } },
      );
    }
    throw err;
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
