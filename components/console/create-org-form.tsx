"use client";

import { useActionState, useState } from "react";
import { createOrgAction } from "@/app/actions";
import { SubmitButton } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { MAX_LENGTH } from "@/lib/core/limits";
import { suggestOrgName } from "@/lib/core/org-name-suggest";
import { OrgNameStatus, useOrgNameCheck } from "./org-name-check";

/**
 * Display name first; the URL name follows it (`Acme Research!` → `acme-research`) until the person edits it, and
 * says whether it is free as they type. The server checks again on submit (the unique index decides).
 */
export function CreateOrgForm({ autoFocus }: { autoFocus?: boolean }) {
  const [state, action] = useActionState(createOrgAction, {});
  const [displayName, setDisplayName] = useState(state.values?.displayName ?? "");
  const [name, setName] = useState(state.values?.name ?? "");
  const [edited, setEdited] = useState(Boolean(state.values?.name));
  const check = useOrgNameCheck(name);
  const nameErrors = state.fieldErrors?.name;
  // The server's answer to the last submit stands until the name changes.
  const showServerErrors = nameErrors && state.values?.name === name;
  return (
    <form action={action} className="space-y-4" noValidate data-testid="create-org-form">
      <FormMessage message={state.message} />
      <Field
        label="Display name"
        name="displayName"
        errors={state.fieldErrors?.displayName}
        value={displayName}
        onChange={(e) => {
          setDisplayName(e.target.value);
          if (!edited) setName(suggestOrgName(e.target.value));
        }}
        maxLength={MAX_LENGTH.displayName}
        autoFocus={autoFocus}
        autoComplete="organization"
        placeholder="Acme Research"
        hint="How the organization appears in the console. You can change it later."
      />
      <div className="space-y-1">
        <Field
          label="URL name"
          name="name"
          errors={showServerErrors ? nameErrors : undefined}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setEdited(e.target.value !== "");
          }}
          required
          maxLength={MAX_LENGTH.orgName}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          placeholder="acme-research"
          hint={
            <>
              Used in URLs (<span className="font-mono">/orgs/{name || "acme-research"}</span>) and the CLI (
              <span className="font-mono whitespace-nowrap">--org</span>). Lowercase letters, digits and single inner
              hyphens; 3–{MAX_LENGTH.orgName} characters.
            </>
          }
        />
        {!showServerErrors && <OrgNameStatus check={check} />}
      </div>
      <SubmitButton pendingText="Creating…">Create organization</SubmitButton>
    </form>
  );
}
