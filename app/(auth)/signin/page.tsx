import type { Metadata } from "next";
import { safeReturnTo } from "@/app/_server/return-to";
import { FormMessage } from "@/components/ui/field";
import { OAuthButtons } from "../oauth-buttons";
import { SignInForm } from "./signin-form";

export const metadata: Metadata = { title: "Sign in" };

const OAUTH_ERRORS: Record<string, string> = {
  OAuthAccountNotLinked: "That account is linked to another sign-in method.",
  AccessDenied: "Sign-in was cancelled.",
  Configuration: "Sign-in is misconfigured on the server. Please contact support.",
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const params = await searchParams;
  const callbackUrl = safeReturnTo(params.callbackUrl);
  const error =
    typeof params.error === "string" ? (OAUTH_ERRORS[params.error] ?? "Sign-in failed. Please try again.") : undefined;
  const notice =
    params.reset === "1"
      ? "Your password was changed and every browser was signed out. Sign in with the new password."
      : params.deleted === "1"
        ? "Your account was deleted."
        : undefined;
  return (
    <div className="rounded-xl border border-border bg-canvas p-6 shadow-sm">
      <h1 className="text-lg font-semibold">Sign in to Apolo</h1>
      <p className="mt-1 mb-5 text-sm text-muted">Use your username or email.</p>
      {error && (
        <div className="mb-4">
          <FormMessage message={error} />
        </div>
      )}
      {notice && (
        <div className="mb-4" data-testid="signin-notice">
          <FormMessage message={notice} tone="success" />
        </div>
      )}
      <OAuthButtons callbackUrl={callbackUrl} />
      <SignInForm callbackUrl={callbackUrl} />
    </div>
  );
}
