"use client";

import { useTransition } from "react";
import { cancelEmailChangeAction, requestEmailChangeAction, resendEmailChangeAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { CurrentPasswordField } from "@/components/account/current-password-field";
import { useToast } from "@/components/ui/toast";
import { ACCOUNT_LIMITS } from "@/lib/accounts/account-limits";
import { useFormAction } from "@/components/ui/use-form-action";

/** The new address asked for, with "resend" and "cancel". Dates come formatted from the server. */
export function PendingEmailChange({
  email,
  requestedAt,
  expiresAt,
  expired,
}: {
  email: string;
  requestedAt: string;
  expiresAt: string;
  expired: boolean;
}) {
  const toast = useToast();
  const [resending, startResend] = useTransition();
  const [cancelling, startCancel] = useTransition();
  const run = (start: typeof startResend, action: () => Promise<{ ok: boolean; message?: string }>) =>
    start(async () => {
      const r = await action();
      toast(r.message ?? "Done.", r.ok ? "success" : "error");
    });
  return (
    <div
      data-testid="pending-email"
      className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-accent/30 bg-accent-soft px-3 py-2.5"
    >
      <div className="min-w-0 text-sm">
        <p>
          Waiting for confirmation: <span className="font-medium break-all">{email}</span>
        </p>
        <p className="text-xs text-muted">
          {expired
            ? `The link sent on ${requestedAt} has expired. Send a new one.`
            : `Link sent on ${requestedAt}; it works until ${expiresAt}. Your current address stays until then.`}
        </p>
      </div>
      <div className="flex shrink-0 gap-2">
        {(
          [
            ["Resend link", "secondary", resending, cancelling, startResend, resendEmailChangeAction],
            ["Cancel change", "ghost", cancelling, resending, startCancel, cancelEmailChangeAction],
          ] as const
        ).map(([label, variant, busy, other, start, action]) => (
          <Button
            key={label}
            size="sm"
            variant={variant}
            pending={busy}
            disabled={other}
            onClick={() => run(start, action)}
          >
            {label}
          </Button>
        ))}
      </div>
    </div>
  );
}

/**
 * Asks for a new address: a link goes to it, and the address only replaces the current one once the link is
 * followed. The current password is asked for when the account has one.
 */
export function ChangeEmailForm({ hasPassword, hasEmail }: { hasPassword: boolean; hasEmail: boolean }) {
  const { state, errors, pending, onSubmit } = useFormAction(requestEmailChangeAction, (_s, form) => form.reset());
  return (
    <form noValidate onSubmit={onSubmit} className="space-y-3" data-testid="email-form">
      <FormMessage message={state?.message} />
      <Field
        label={hasEmail ? "New email address" : "Email address"}
        name="email"
        type="email"
        autoComplete="email"
        spellCheck={false}
        required
        maxLength={ACCOUNT_LIMITS.email}
        placeholder="you@example.com"
        defaultValue={state?.values?.email}
        errors={errors.email}
      />
      {hasPassword && <CurrentPasswordField hint="To confirm it's you." errors={errors.currentPassword} />}
      <Button type="submit" pending={pending}>
        {pending ? "Sending…" : "Send confirmation link"}
      </Button>
    </form>
  );
}
