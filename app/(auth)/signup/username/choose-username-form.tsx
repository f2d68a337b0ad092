"use client";

import { useActionState } from "react";
import { UsernameField } from "@/components/account/username-field";
import { SubmitButton } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { MAX_LENGTH } from "@/lib/core/limits";
import { chooseUsernameAction } from "../actions";

export function ChooseUsernameForm({ email }: { email: string }) {
  const [state, action] = useActionState(chooseUsernameAction, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage message={state.message} />
      <UsernameField state={state} />
      <Field
        label="Email"
        name="email"
        type="email"
        required
        maxLength={MAX_LENGTH.email}
        defaultValue={state.values?.email ?? email}
        errors={state.fieldErrors?.email}
      />
      <SubmitButton className="w-full" pendingText="Saving…">
        Continue
      </SubmitButton>
    </form>
  );
}
