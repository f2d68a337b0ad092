"use client";

import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { acceptInvitationAction, declineInvitationAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";

/** Accept / Decline for one invitation, by token (invite page) or id (/invites, onboarding). */
export function RespondButtons({
  invitation,
  orgName,
  afterDecline,
}: {
  invitation: { token: string } | { id: string };
  orgName: string;
  afterDecline?: string;
}) {
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  const router = useRouter();
  return (
    <div className="flex gap-2">
      <Button
        pending={pending}
        aria-label={`Accept invitation to ${orgName}`}
        onClick={() =>
          startTransition(async () => {
            const r = await acceptInvitationAction(invitation);
            if (r && !r.ok) toast(r.message, "error");
          })
        }
      >
        Accept
      </Button>
      <Button
        variant="secondary"
        disabled={pending}
        aria-label={`Decline invitation to ${orgName}`}
        onClick={() =>
          startTransition(async () => {
            const r = await declineInvitationAction(invitation);
            if (r.ok) {
              toast(r.message ?? "Invitation declined.");
              if (afterDecline) router.push(afterDecline);
            } else toast(r.message, "error");
          })
        }
      >
        Decline
      </Button>
    </div>
  );
}
