import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db";
import { buttonClass } from "@/components/ui/button-class";
import { isPasswordResetUsable } from "@/lib/accounts";
import { ResetPasswordForm } from "./reset-password-form";

export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  const usable = typeof token === "string" && (await isPasswordResetUsable(await getDb(), token));
  return (
    <div className="rounded-xl border border-border bg-canvas p-6 shadow-sm">
      <h1 className="text-lg font-semibold">Choose a new password</h1>
      {usable ? (
        <>
          <p className="mt-1 mb-5 text-sm text-muted">Pick a password you don&apos;t use anywhere else.</p>
          <ResetPasswordForm token={token!} />
        </>
      ) : (
        <div data-testid="reset-link-dead">
          <p className="mt-1 mb-5 text-sm text-muted">
            This reset link is invalid, used or expired. Links work once, for one hour, and stop working when the
            password changes.
          </p>
          <Link href="/forgot-password" className={buttonClass("primary", "md", "w-full")}>
            Ask for a new link
          </Link>
        </div>
      )}
    </div>
  );
}
