import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db";
import { verifyEmail } from "@/lib/accounts";
import { FLASH_COOKIE } from "@/components/ui/flash";
import { publicUrl } from "@/app/_server/public-url";
import { services } from "@/app/_server/services";

/** The link in the verification mail: the token is the credential, no session needed. */
export async function GET(req: NextRequest) {
  const token = req.nextUrl.searchParams.get("token") ?? "";
  // Services: an email-change link mails the old address that it was replaced.
  const result = await verifyEmail(await getDb(), token, await services());
  // On the public host (AUTH_URL or the request's), not req.nextUrl.origin: that is the bind address.
  const res = NextResponse.redirect(await publicUrl(result.ok ? "/account" : "/account?verify=failed", req.headers));
  res.headers.set("Referrer-Policy", "no-referrer");
  res.cookies.set(
    FLASH_COOKIE,
    JSON.stringify(
      result.ok
        ? {
            message: result.changed ? `Your email address is now ${result.email}.` : "Email address verified.",
            tone: "success",
          }
        : {
            message: "That verification link is invalid or expired. Send a new one from your account page.",
            tone: "error",
          },
    ),
    { path: "/", maxAge: 30, sameSite: "lax" },
  );
  return res;
}
