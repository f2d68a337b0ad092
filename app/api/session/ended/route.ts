import { NextResponse, type NextRequest } from "next/server";
import { safeReturnTo } from "@/app/_server/return-to";
import { currentUser } from "@/app/_server/session";

/**
 * Where a browser lands when its cookie outlived its server-side session (signed out elsewhere, password
 * changed, account deleted): drops the dead session cookie and goes on to sign in. A live session is left
 * alone, so a link to this route can't sign anyone out.
 */
export async function GET(req: NextRequest) {
  const callbackUrl = safeReturnTo(req.nextUrl.searchParams.get("callbackUrl"), "");
  const target = callbackUrl ? `/signin?callbackUrl=${encodeURIComponent(callbackUrl)}` : "/signin";
  // A relative Location: the browser resolves it against the address it used, whatever this server binds to.
  const res = new NextResponse(null, { status: 303, headers: { Location: target, "Cache-Control": "no-store" } });
  if (await currentUser()) return res;
  for (const c of req.cookies.getAll()) {
    if (/^(__Secure-)?authjs\.session-token(\.\d+)?$/.test(c.name)) {
      res.cookies.set(c.name, "", { path: "/", maxAge: 0, secure: c.name.startsWith("__Secure-") });
    }
  }
  return res;
}
