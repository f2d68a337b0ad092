"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { PasswordField } from "@/components/ui/password-input";
import { MAX_LENGTH } from "@/lib/core/limits";
import { resetPasswordAction } from "./actions";

export function ResetPasswordForm({ token }: { token: string }) {
  const [state, action] = useActionState(resetPasswordAction, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage message={state.fieldErrors?.token?.[0] ?? state.message} />
      <input type="hidden" name="token" value={token} />
      <PasswordField
        label="New password"
        name="password"
        autoComplete="new-password"
        autoFocus
        required
        maxLength={MAX_LENGTH.password}
        hint="At least 8 characters. Every browser signed in to your account will be signed out."
        errors={state.fieldErrors?.password}
      />
      <SubmitButton className="w-full" pendingText="Saving…">
        Set new password
      </SubmitButton>
    </form>
  );
}
