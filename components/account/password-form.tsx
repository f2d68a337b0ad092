"use client";

import { changePasswordAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { CurrentPasswordField } from "@/components/account/current-password-field";
import { PasswordField } from "@/components/ui/password-input";
import { ACCOUNT_LIMITS } from "@/lib/accounts/account-limits";
import { useFormAction } from "@/components/ui/use-form-action";

/**
 * Change the password (the current one is required), or set a first one for an account that only signs in
 * through GitHub or Google. Every other signed-in browser is signed out.
 */
export function PasswordForm({ hasPassword, username }: { hasPassword: boolean; username: string }) {
  const { state, errors, pending, onSubmit } = useFormAction(changePasswordAction, (_s, form) => form.reset());
  return (
    <form noValidate onSubmit={onSubmit} className="space-y-3" data-testid="password-form">
      <FormMessage message={state?.message} />
      {/* For password managers: the account this password belongs to (not submitted: no name). */}
      <input type="text" autoComplete="username" value={username} readOnly hidden />
      {hasPassword && <CurrentPasswordField errors={errors.currentPassword} />}
      <PasswordField
        label={hasPassword ? "New password" : "Password"}
        name="newPassword"
        autoComplete="new-password"
        required
        minLength={8}
        maxLength={ACCOUNT_LIMITS.password}
        hint="At least 8 characters."
        errors={errors.newPassword}
      />
      <Button type="submit" pending={pending}>
        {pending ? "Saving…" : hasPassword ? "Change password" : "Set password"}
      </Button>
    </form>
  );
}
