"use client";

import Link from "next/link";
import { useActionState } from "react";
import { UsernameField } from "@/components/account/username-field";
import { SubmitButton } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { PasswordField } from "@/components/ui/password-input";
import { MAX_LENGTH } from "@/lib/core/limits";
import { signUpAction } from "./actions";

/** `invite`: signing up from an invitation link, with the invited address filled in. */
export function SignUpForm({ invite }: { invite?: { token: string; email: string } }) {
  const [state, action] = useActionState(signUpAction, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage message={state.message} />
      {invite && <input type="hidden" name="invite" value={invite.token} />}
      <UsernameField state={state} autoComplete="username" />
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        maxLength={MAX_LENGTH.email}
        hint={invite ? "The invitation is for this address; using it also verifies it." : undefined}
        defaultValue={state.values?.email ?? invite?.email}
        errors={state.fieldErrors?.email}
      />
      <PasswordField
        label="Password"
        name="password"
        autoComplete="new-password"
        required
        maxLength={MAX_LENGTH.password}
        hint="At least 8 characters."
        errors={state.fieldErrors?.password}
      />
      <SubmitButton className="w-full" pendingText="Creating account…">
        Create account
      </SubmitButton>
      <p className="text-center text-sm text-muted">
        Already have an account?{" "}
        <Link
          href={invite ? `/signin?callbackUrl=${encodeURIComponent(`/invite/${invite.token}`)}` : "/signin"}
          className="font-medium text-accent hover:underline"
        >
          Sign in
        </Link>
      </p>
    </form>
  );
}
