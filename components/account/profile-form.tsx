"use client";

import { updateDisplayNameAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { ACCOUNT_LIMITS } from "@/lib/accounts/account-limits";
import { useFormAction } from "@/components/ui/use-form-action";

/** The display name: shown next to the username in member lists. Empty removes it. */
export function DisplayNameForm({ name }: { name: string | null }) {
  const { state, errors, pending, onSubmit } = useFormAction(updateDisplayNameAction);
  return (
    <form noValidate onSubmit={onSubmit} className="space-y-3" data-testid="display-name-form">
      <FormMessage message={state?.message} />
      <Field
        label="Display name"
        name="name"
        autoComplete="name"
        maxLength={ACCOUNT_LIMITS.name}
        defaultValue={state?.values?.name ?? name ?? ""}
        hint="Shown to the members of your organizations next to your username. Leave empty to remove it."
        errors={errors.name}
      />
      <Button type="submit" pending={pending}>
        {pending ? "Saving…" : "Save name"}
      </Button>
    </form>
  );
}
