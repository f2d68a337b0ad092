"use client";

import { useState, useTransition } from "react";
import { sendVerificationAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";

/** Asks for a verification link to the account's address. */
export function VerifyEmailButton({ onSent }: { onSent?: () => void } = {}) {
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  return (
    <Button
      variant="secondary"
      size="sm"
      pending={pending}
      onClick={() =>
        startTransition(async () => {
          const r = await sendVerificationAction();
          toast(r.ok ? r.message! : r.message, r.ok ? "success" : "error");
          if (r.ok) onSent?.();
        })
      }
    >
      Send verification email
    </Button>
  );
}

/**
 * The verification note: when a link to `email` was already sent (and is still valid), "We sent a verification link
 * to … — resend" with a resend button; otherwise what verifying gives (`children`) and the send button, which turns
 * into the sent note once it went out.
 */
export function VerifyEmailNote({
  email,
  sent: sentBefore,
  children,
  hint = "Invitations sent to this address show here once you follow the link.",
}: {
  email: string;
  sent: boolean;
  children: React.ReactNode;
  /** The line under the sent note (onboarding and Invitations: they show here). */
  hint?: string;
}) {
  const [sent, setSent] = useState(sentBefore);
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  if (!sent) {
    return (
      <>
        {children}
        <VerifyEmailButton onSent={() => setSent(true)} />
      </>
    );
  }
  return (
    <div data-testid="verification-sent" className="space-y-0.5">
      <p>
        We sent a verification link to <strong className="break-all">{email}</strong> —{" "}
        <button
          type="button"
          disabled={pending}
          aria-busy={pending || undefined}
          className="font-medium text-accent underline-offset-2 hover:underline disabled:cursor-wait disabled:opacity-70"
          onClick={() =>
            startTransition(async () => {
              const r = await sendVerificationAction();
              toast(r.ok ? `We sent a new link to ${email}.` : r.message, r.ok ? "success" : "error");
            })
          }
        >
          {pending ? "resending…" : "resend"}
        </button>
      </p>
      <p className="text-xs text-muted">{hint}</p>
    </div>
  );
}
