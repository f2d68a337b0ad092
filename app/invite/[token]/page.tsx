import type { Metadata } from "next";
import Link from "next/link";
import { currentCaller, currentUser } from "@/app/_server/session";
import { CenteredShell } from "@/components/brand/centered-shell";
import { RoleBadge } from "@/components/console/role-badge";
import { RespondButtons } from "@/components/invitations/respond-buttons";
import { buttonClass } from "@/components/ui/button-class";
import { getDb } from "@/db";
import { getInvitationByToken } from "@/lib/orgs";

export const metadata: Metadata = { title: "Invitation", referrer: "no-referrer" };

const STATE_TEXT = {
  unknown: ["This invitation link is not valid", "Check that you copied the whole link, or ask for a new invitation."],
  expired: [
    "This invitation has expired",
    "Invitations are valid for 7 days. Ask an admin of the organization to send a new one.",
  ],
  revoked: [
    "This invitation was revoked",
    "An admin of the organization withdrew it. Ask them if you think that's a mistake.",
  ],
  accepted: ["This invitation was already used", "Each invitation link works once."],
  declined: [
    "This invitation was declined",
    "Ask an admin of the organization for a new one if you changed your mind.",
  ],
} as const;

/** The page an invitation link opens: never a crash, whatever state the invitation is in. */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const user = await currentUser();
  const inv = await getInvitationByToken(await getDb(), await currentCaller(), token);
  const here = `/invite/${token}`;

  let body: React.ReactNode;
  if (inv.state !== "valid") {
    const [title, text] = STATE_TEXT[inv.state];
    body = (
      <>
        <h1 className="text-lg font-semibold" data-testid="invite-state">
          {title}
        </h1>
        <p className="mt-2 text-sm text-muted">{text}</p>
        {inv.state === "accepted" && "orgName" in inv && inv.viewer === "member" && (
          <Link href={`/orgs/${inv.orgName}`} className={buttonClass("primary", "md", "mt-5")}>
            Open {inv.orgName}
          </Link>
        )}
        <Link href="/" className={buttonClass("secondary", "md", "mt-5 ml-2")}>
          Go to the console
        </Link>
      </>
    );
  } else {
    const orgLabel = inv.orgDisplayName ?? inv.orgName;
    body = (
      <>
        <p className="text-sm text-muted">
          {inv.invitedBy ? `${inv.invitedBy} invited you to join` : "You are invited to join"}
        </p>
        <h1 className="mt-1 text-xl font-semibold" data-testid="invite-org">
          {orgLabel}
        </h1>
        <p className="mt-2 flex items-center gap-2 text-sm text-muted">
          as <RoleBadge role={inv.role} /> · for <span className="font-medium text-fg">{inv.email}</span>
        </p>
        <div className="mt-6">
          {inv.viewer === "signed_out" && (
            <div className="space-y-3">
              <p className="text-sm">Sign in or create an account with {inv.email} to accept.</p>
              <div className="flex flex-wrap gap-2">
                <Link href={`/signup?invite=${encodeURIComponent(token)}`} className={buttonClass("primary")}>
                  Create an account
                </Link>
                <Link href={`/signin?callbackUrl=${encodeURIComponent(here)}`} className={buttonClass("secondary")}>
                  Sign in
                </Link>
              </div>
            </div>
          )}
          {inv.viewer === "invitee" && (
            <div className="space-y-3">
              <p className="text-sm" data-testid="invite-join">
                Join {inv.orgName} as {inv.role}?
              </p>
              <RespondButtons invitation={{ token }} orgName={inv.orgName} afterDecline="/" />
            </div>
          )}
          {inv.viewer === "other_email" && (
            <p className="rounded-md border border-border bg-subtle px-3 py-2 text-sm" data-testid="invite-other-email">
              This invitation is for <strong>{inv.email}</strong>, but you are signed in as {user?.username} with
              another email address. Sign out and sign in or sign up with {inv.email} to accept it.
            </p>
          )}
          {inv.viewer === "member" && (
            <Link href={`/orgs/${inv.orgName}`} className={buttonClass("primary")}>
              You are already a member: open {inv.orgName}
            </Link>
          )}
        </div>
      </>
    );
  }
  return (
    <CenteredShell className="w-full max-w-md rounded-xl border border-border bg-canvas p-6 shadow-sm">
      {body}
    </CenteredShell>
  );
}
