import { RoleBadge } from "@/components/console/role-badge";
import { RespondButtons } from "./respond-buttons";
import { VerifyEmailButton } from "./verify-email-button";

interface Item {
  id: string;
  orgName: string;
  orgDisplayName: string | null;
  role: "user" | "manager" | "admin";
  invitedBy: string | null;
  expiresAt: Date;
}

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/** Pending invitations for the signed-in person's verified address, with Accept / Decline. */
export function MyInvitations({
  verified,
  invitations,
  email,
}: {
  verified: boolean;
  invitations: Item[];
  email: string;
}) {
  if (!verified) {
    return (
      <div
        className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-border bg-subtle px-4 py-3 text-sm"
        data-testid="verify-to-see-invites"
      >
        <p>
          Verify <strong>{email}</strong> to see invitations sent to it.
        </p>
        <VerifyEmailButton />
      </div>
    );
  }
  if (invitations.length === 0) {
    return (
      <p className="text-sm text-muted" data-testid="no-invitations">
        No pending invitations for {email}.
      </p>
    );
  }
  return (
    <ul className="divide-y divide-border rounded-lg border border-border" data-testid="my-invitations">
      {invitations.map((i) => (
        <li key={i.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
          <div>
            <p className="font-medium">
              {i.orgDisplayName ?? i.orgName} <RoleBadge role={i.role} />
            </p>
            <p className="text-xs text-muted">
              {i.invitedBy ? `Invited by ${i.invitedBy} · ` : ""}valid until {dateFormat.format(i.expiresAt)}
            </p>
          </div>
          <RespondButtons invitation={{ id: i.id }} orgName={i.orgName} />
        </li>
      ))}
    </ul>
  );
}
