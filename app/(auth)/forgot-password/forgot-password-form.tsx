"use client";

import Link from "next/link";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { fieldFrom } from "@/components/ui/use-form-action";
import { MAX_LENGTH } from "@/lib/core/limits";
import { forgotPasswordAction } from "./actions";

export function ForgotPasswordForm() {
  const [state, action] = useActionState(forgotPasswordAction, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage message={state.message} tone={state.ok ? "success" : "danger"} />
      <Field
        label="Email"
        {...fieldFrom(state, "email")}
        type="email"
        autoComplete="email"
        autoFocus
        required
        maxLength={MAX_LENGTH.email}
      />
      <SubmitButton className="w-full" pendingText="Sending…">
        Send reset link
      </SubmitButton>
      <p className="text-center text-sm text-muted">
        Remembered it?{" "}
        <Link href="/signin" className="font-medium text-accent hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
