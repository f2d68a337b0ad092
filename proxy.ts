import NextAuth from "next-auth";
import { NextResponse, type NextRequest } from "next/server";
import { baseAuthConfig } from "@/app/_server/auth-base";

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
  return req.nextUrl.pathname + req.nextUrl.search;
}

export const proxy = auth((req) => {
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
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  return response;
});

export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico|icon.svg).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
