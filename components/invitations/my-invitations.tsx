import Link from "next/link";
import { RoleBadge } from "@/components/console/role-badge";
import { RespondButtons } from "./respond-buttons";
import { VerifyEmailNote } from "./verify-email-button";

interface Item {
  id: string;
  orgName: string;
  orgDisplayName: string | null;
  role: "user" | "manager" | "admin";
  invitedBy: string | null;
  expiresAt: Date;
  /** "username": bound to this account; "email": sent to its (verified) address. */
  via: "username" | "email";
}

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/**
 * The signed-in person's pending invitations, with Accept / Decline: those to their account (by username)
 * always, those to their address once it is verified (a note says how to get those).
 */
export function MyInvitations({
  verified,
  invitations,
  email,
  verificationSent = false,
}: {
  verified: boolean;
  invitations: Item[];
  email: string | null;
  /** A still-valid verification link to `email` was sent: "We sent … — resend" instead of "send". */
  verificationSent?: boolean;
}) {
  return (
    <div className="space-y-3">
      {invitations.length === 0 ? (
        <p className="text-sm text-muted" data-testid="no-invitations">
          No pending invitations.
        </p>
      ) : (
        <ul className="divide-y divide-border rounded-lg border border-border" data-testid="my-invitations">
          {invitations.map((i) => (
            <li
              key={i.id}
              className="flex flex-col gap-3 px-4 py-3 sm:flex-row sm:items-center sm:justify-between"
              data-testid={`my-invitation-${i.orgName}`}
            >
              <div className="min-w-0 flex-1">
                <p className="font-medium break-words">
                  {i.orgDisplayName ?? i.orgName} <RoleBadge role={i.role} />
                </p>
                <p className="text-xs text-muted">
                  {i.invitedBy ? `Invited by ${i.invitedBy}` : "Invited"}
                  {i.via === "username" ? " to your account" : email ? ` at ${email}` : ""} · valid until{" "}
                  {dateFormat.format(i.expiresAt)}
                </p>
              </div>
              <div className="shrink-0">
                <RespondButtons invitation={{ id: i.id }} orgName={i.orgName} />
              </div>
            </li>
          ))}
        </ul>
      )}
      {!verified && (
        <div
          className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-border bg-subtle px-4 py-3 text-sm"
          data-testid="verify-to-see-invites"
        >
          {email ? (
            <VerifyEmailNote email={email} sent={verificationSent}>
              <p>
                Invitations sent to <strong className="break-all">{email}</strong> show here once you verify it.
              </p>
            </VerifyEmailNote>
          ) : (
            <p>
              Your account has no email address, so invitations sent by email can&apos;t reach you.{" "}
              <Link href="/account" className="text-accent hover:underline">
                Add one in your account settings
              </Link>
              .
            </p>
          )}
        </div>
      )}
    </div>
  );
}
