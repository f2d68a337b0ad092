"use client";

import Link from "next/link";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { fieldFrom } from "@/components/ui/use-form-action";
import { PasswordField } from "@/components/ui/password-input";
import { MAX_LENGTH } from "@/lib/core/limits";
import { signInAction } from "./actions";

export function SignInForm({ callbackUrl }: { callbackUrl: string }) {
  const [state, action] = useActionState(signInAction, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage message={state.message} />
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <Field
        label="Username or email"
        {...fieldFrom(state, "identifier")}
        autoComplete="username"
        autoFocus
        required
        maxLength={MAX_LENGTH.signInIdentifier}
      />
      <div className="space-y-1">
        <PasswordField
          label="Password"
          name="password"
          autoComplete="current-password"
          required
          maxLength={MAX_LENGTH.password}
          errors={state.fieldErrors?.password}
        />
        <p className="text-right text-xs">
          <Link href="/forgot-password" className="font-medium text-accent hover:underline">
            Forgot password?
          </Link>
        </p>
      </div>
      <SubmitButton className="w-full" pendingText="Signing in…">
        Sign in
      </SubmitButton>
      <p className="text-center text-sm text-muted">
        New to Apolo?{" "}
        <Link href="/signup" className="font-medium text-accent hover:underline">
          Create an account
        </Link>
      </p>
    </form>
  );
}
