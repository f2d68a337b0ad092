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
}: {
  email: string;
  sent: boolean;
  children: React.ReactNode;
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
    <p data-testid="verification-sent">
      We sent a verification link to <strong className="break-all">{email}</strong>. Follow it to see invitations sent
      there —{" "}
      <Button
        variant="ghost"
        size="sm"
        pending={pending}
        className="-my-1 px-1.5 text-accent"
        onClick={() =>
          startTransition(async () => {
            const r = await sendVerificationAction();
            toast(r.ok ? `We sent a new link to ${email}.` : r.message, r.ok ? "success" : "error");
          })
        }
      >
        {pending ? "Resending…" : "resend"}
      </Button>
    </p>
  );
}
