import type { Metadata } from "next";
import { getDb } from "@/db";
import { getInvitationByToken } from "@/lib/orgs";
import { OAuthButtons } from "../oauth-buttons";
import { SignUpForm } from "./signup-form";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const token = (await searchParams).invite;
  const inv = typeof token === "string" ? await getInvitationByToken(await getDb(), null, token) : null;
  const invite =
    inv?.state === "valid" && inv.email && typeof token === "string"
      ? { token, email: inv.email, org: inv.orgName }
      : undefined;
  return (
    <div className="rounded-xl border border-border bg-canvas p-6 shadow-sm">
      <h1 className="text-lg font-semibold">Create your Apolo account</h1>
      <p className="mt-1 mb-5 text-sm text-muted">
        {invite ? `Then join ${invite.org}.` : "Then create an organization or join your team's."}
      </p>
      {!invite && <OAuthButtons callbackUrl="/" />}
      <SignUpForm invite={invite} />
    </div>
  );
}
