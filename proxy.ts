import NextAuth, { type NextAuthRequest } from "next-auth";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { baseAuthConfig } from "@/app/_server/auth-base";
import { safeReturnTo } from "@/app/_server/return-to";
import { ACTION_CONTENT_TYPES, isWellFormedModel, isWellFormedMultipart, mediaType } from "@/lib/core/action-payload";
import { ACTION_BODY_LIMIT_BYTES, TOO_LARGE_MESSAGE } from "@/lib/core/body-limit";

// Only an optimistic redirect and the security headers: authorization lives in lib/ and reads the database.
const { auth } = NextAuth(baseAuthConfig());

const SIGNED_OUT_ONLY = new Set(["/signin", "/signup"]);
const CHOOSE_USERNAME = "/signup/username";
/** Pages whose link carries its own credential (a token), or that lead to one: open signed in or out. */
const TOKEN_PAGES = ["/invite/", "/verify-email", "/forgot-password", "/reset-password"];
/** The Reports tab's Grafana proxy (app/(console)/orgs/[org]/grafana/[...path]/route.ts). */
const GRAFANA_PROXY = /^\/orgs\/[^/]+\/grafana\//;

function contentSecurityPolicy(nonce: string): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function safeReturnPath(req: NextRequest): string {
  return safeReturnTo(req.nextUrl.pathname + req.nextUrl.search);
}

/**
 * A page takes bodies only for server actions (forms). Above ACTION_BODY_LIMIT_BYTES (by Content-Length), answer
 * 413 here: Next would read up to its limit and then fail the action with a 500 ("Body exceeded 1 MB limit",
 * node_modules/next/dist/server/app-render/action-handler.js answers every action error 500). A fetch action (`Next-Action`
 * header) gets text/plain, which Next's client raises as an Error with this text (app/error.tsx shows it); a
 * form posted without JavaScript gets a small page.
 */
function tooLarge(req: NextRequest): NextResponse | null {
  if (req.method !== "POST" && req.method !== "PUT" && req.method !== "PATCH") return null;
  // The Grafana proxy is a route handler that streams its own bodies (Grafana's queries): not a form.
  if (GRAFANA_PROXY.test(req.nextUrl.pathname)) return null;
  // Only a declared length is judged: a body of unknown length (a proxy that re-chunks requests) is left to
  // Next's own limit rather than refusing every form behind such a proxy.
  const length = req.headers.get("content-length");
  const size = length !== null && /^\d{1,15}$/.test(length) ? Number(length) : null;
  if (size === null || size <= ACTION_BODY_LIMIT_BYTES) return null;
  if (req.headers.has("next-action")) {
    return new NextResponse(TOO_LARGE_MESSAGE, {
      status: 413,
      headers: { "content-type": "text/plain", "cache-control": "no-store" },
    });
  }
  const back = safeReturnTo(req.nextUrl.pathname + req.nextUrl.search);
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Request too large · Apolo Console</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1.5rem;line-height:1.5">
<h1 style="font-size:1.25rem">Request too large</h1><p>${TOO_LARGE_MESSAGE}</p>
<p><a href="${back.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}">Back to the form</a></p></body></html>`;
  return new NextResponse(page, {
    status: 413,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
  });
}

/** The files of public/ and app/icon.svg: served by Next as they are, for GET and HEAD only. */
const PUBLIC_FILE =
  /^\/(?:favicon\.ico|icon\.svg|apple-touch-icon\.png|icon-192\.png|icon-512\.png|icon-maskable-512\.png|manifest\.webmanifest)$/;

/**
 * A public file: a GET or HEAD goes on to Next's static handler untouched (no sign-in, no CSP work). Any other
 * method gets 405 here: Next's static handler answers a POST or PUT to a public file with a 500.
 */
function publicFile(req: NextRequest): NextResponse {
  if (req.method === "GET" || req.method === "HEAD") return NextResponse.next();
  return new NextResponse("Method not allowed", {
    status: 405,
    headers: { allow: "GET, HEAD", "content-type": "text/plain", "cache-control": "no-store" },
  });
}

/**
 * A server action call (`Next-Action`) whose payload Next.js would fail on with a 500 before any application
 * code runs (lib/core/action-payload.ts lists what): 400 "Bad request" here instead. The body is read from
 * Next's buffered copy for the proxy (next.config.ts `proxyClientMaxBodySize`, the same 1 MB as actions), so the
 * action still gets it. Forms posted without JavaScript carry no `Next-Action` header and are not judged here.
 */
async function malformedAction(req: NextRequest): Promise<NextResponse | null> {
  if (req.method !== "POST" || !req.headers.has("next-action")) return null;
  const type = mediaType(req.headers.get("content-type"));
  let ok = false;
  try {
    if (!(ACTION_CONTENT_TYPES as readonly string[]).includes(type)) ok = false;
    else if (type === "multipart/form-data") ok = isWellFormedMultipart((await req.formData()).entries());
    // Next decodes any other body of a `Next-Action` request as the JSON arguments (urlencoded included).
    else ok = isWellFormedModel(await req.text(), null);
  } catch {
    ok = false; // a body that doesn't parse as its content type (an empty multipart body, say)
  }
  if (ok) return null;
  return new NextResponse("Bad request", {
    status: 400,
    headers: { "content-type": "text/plain", "cache-control": "no-store" },
  });
}

// The event parameter picks auth()'s middleware overload (a NextMiddleware, called with the request and event).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
const signedIn = async (req: NextAuthRequest, _event: NextFetchEvent) => {
  const refused = tooLarge(req) ?? (await malformedAction(req));
  if (refused) return refused;
  const { pathname } = req.nextUrl;
  const session = req.auth;
  const signedIn = Boolean(session?.uid);
  const choosingUsername = !signedIn && Boolean(session?.pendingOAuth);

  const redirectTo = (path: string) => NextResponse.redirect(new URL(path, req.nextUrl.origin));
  if (choosingUsername && pathname !== CHOOSE_USERNAME) return redirectTo(CHOOSE_USERNAME);
  const tokenPage = TOKEN_PAGES.some((p) => pathname.startsWith(p));
  if (!signedIn && !choosingUsername && !SIGNED_OUT_ONLY.has(pathname) && !tokenPage) {
    return redirectTo(pathname === "/" ? "/signin" : `/signin?callbackUrl=${encodeURIComponent(safeReturnPath(req))}`);
  }
  if (signedIn && (SIGNED_OUT_ONLY.has(pathname) || pathname === CHOOSE_USERNAME)) return redirectTo("/");
  // Grafana's solo-panel pages, proxied: their route sets its own headers (framed by the Reports tab, Grafana's
  // inline boot scripts), so the console's page CSP does not apply to them.
  if (GRAFANA_PROXY.test(pathname)) return NextResponse.next();

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy(nonce);
  const requestHeaders = new Headers(req.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.set("x-request-id", crypto.randomUUID().slice(0, 8));
  // The org layout sends an org's old URL name on to the same path under its new name (lib/orgs/org-names.ts).
  requestHeaders.set("x-pathname", pathname + req.nextUrl.search);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  return response;
};
const signedInProxy = auth(signedIn);

/**
 * Public files first, without the session: the auth wrapper would re-issue a signed-in visitor's session cookie
 * on every favicon fetch (a static answer with Set-Cookie, racing a sign-out in another request).
 */
export function proxy(req: NextRequest, event: NextFetchEvent) {
  return PUBLIC_FILE.test(req.nextUrl.pathname) ? publicFile(req) : signedInProxy(req, event);
}

export const config = {
  matcher: [
    {
      // Pages and actions. Next's own build output and the API routes skip the proxy (the API has its own door,
      // app/_server/api/endpoint.ts); so do a router's prefetches of pages (GET, no body).
      source: "/((?!api/|apis/|_next/static|_next/image).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
    {
      // A server action always: a prefetch header must not carry a malformed payload past malformedAction.
      source: "/((?!api/|apis/|_next/static|_next/image).*)",
      has: [{ type: "header", key: "next-action" }],
    },
  ],
};
