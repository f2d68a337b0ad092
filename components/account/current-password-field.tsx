"use client";

import { PasswordField } from "@/components/ui/password-input";
import { ACCOUNT_LIMITS } from "@/lib/accounts/account-limits";

/** The current password, asked for to confirm a change to the account (email, password). */
export function CurrentPasswordField({ hint, errors }: { hint?: string; errors?: string[] }) {
  return (
    <PasswordField
      label="Current password"
      name="currentPassword"
      autoComplete="current-password"
      required
      maxLength={ACCOUNT_LIMITS.password}
      hint={hint}
      errors={errors}
    />
  );
}
