"use client";

import type { FormState } from "@/app/_server/action";
import { Field } from "@/components/ui/field";
import { fieldFrom } from "@/components/ui/use-form-action";
import { MAX_LENGTH } from "@/lib/core/limits";

/** The username input of sign-up and of choosing a username after a provider sign-in: the rule spelled out. */
export function UsernameField({ state, autoComplete }: { state: FormState; autoComplete?: string }) {
  return (
    <Field
      label="Username"
      {...fieldFrom(state, "username")}
      autoComplete={autoComplete}
      autoFocus
      required
      maxLength={MAX_LENGTH.username}
      hint="Lowercase letters, digits and single hyphens, starting with a letter; 3–32 characters."
    />
  );
}
