"use client";

import { useActionState } from "react";
import { createOrgAction } from "@/app/actions";
import { SubmitButton } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { fieldFrom } from "@/components/ui/use-form-action";
import { MAX_LENGTH } from "@/lib/core/limits";

export function CreateOrgForm({ autoFocus }: { autoFocus?: boolean }) {
  const [state, action] = useActionState(createOrgAction, {});
  return (
    <form action={action} className="space-y-4" noValidate data-testid="create-org-form">
      <FormMessage message={state.message} />
      <Field
        label="Organization name"
        {...fieldFrom(state, "name")}
        required
        maxLength={MAX_LENGTH.orgName}
        autoFocus={autoFocus}
        autoComplete="off"
        spellCheck={false}
        placeholder="acme-research"
        hint="Used in URLs and the CLI (--org). Lowercase letters, digits and single inner hyphens; 3–63 characters."
      />
      <Field
        label="Display name (optional)"
        {...fieldFrom(state, "displayName")}
        maxLength={MAX_LENGTH.displayName}
        autoComplete="organization"
        placeholder="Acme Research"
      />
      <SubmitButton pendingText="Creating…">Create organization</SubmitButton>
    </form>
  );
}
