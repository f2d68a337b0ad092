import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "@/app/_server/auth";
import { OAUTH_LABELS, type OAuthProviderId } from "@/lib/core";
import { ChooseUsernameForm } from "./choose-username-form";

export const metadata: Metadata = { title: "Choose a username" };

/** Shown once, after a first GitHub/Google sign-in: the account needs a username. */
export default async function ChooseUsernamePage() {
  const session = await auth();
  const pending = session?.pendingOAuth;
  if (!pending) redirect("/");
  const provider = OAUTH_LABELS[pending.provider as OAuthProviderId] ?? pending.provider;
  return (
    <div className="rounded-xl border border-border bg-canvas p-6 shadow-sm">
      <h1 className="text-lg font-semibold">Choose your username</h1>
      <p className="mt-1 mb-5 text-sm text-muted">
        You signed in with {provider}
        {pending.name ? ` as ${pending.name}` : ""}. Pick the username your team will add you by.
      </p>
      <ChooseUsernameForm email={pending.email ?? ""} />
    </div>
  );
}
