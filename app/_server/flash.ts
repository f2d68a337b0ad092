import "server-only";
import { cookies } from "next/headers";
import { FLASH_COOKIE } from "@/components/ui/flash";

/** Leaves a one-shot message for the next page (the Toaster shows and clears it): for actions that redirect. */
export async function setFlash(message: string, tone: "success" | "error" | "info" = "success") {
  (await cookies()).set(FLASH_COOKIE, JSON.stringify({ message, tone }), {
    path: "/",
    maxAge: 30,
    sameSite: "lax",
    httpOnly: false,
  });
}
