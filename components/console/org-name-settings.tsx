"use client";

import { useState, useTransition } from "react";
import { changeOrgNameAction, renameOrgDisplayNameAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { TypeToConfirmDialog } from "@/components/ui/type-to-confirm-dialog";
import { MAX_LENGTH } from "@/lib/core/limits";
import { OrgNameStatus, useOrgNameCheck } from "./org-name-check";

/**
 * Settings → General: the org's display name and URL name. Admins change them (the URL name after typing the
 * current one; old links redirect for `redirectDays`); managers see them read-only.
 */
export function OrgNameSettings({
  org,
  displayName,
  createdAt,
  canEdit,
  redirectDays,
}: {
  org: string;
  displayName: string | null;
  createdAt: string;
  canEdit: boolean;
  redirectDays: number;
}) {
  return (
    <Card>
      <CardHeader
        title="Organization"
        description={canEdit ? "Its name in the console and in URLs." : "Only admins can rename the organization."}
      />
      <div className="divide-y divide-border">
        <DisplayNameRow org={org} displayName={displayName} canEdit={canEdit} />
        <UrlNameRow org={org} canEdit={canEdit} redirectDays={redirectDays} />
        <div className="grid gap-1 px-5 py-3 text-sm sm:grid-cols-3">
          <span className="text-muted">Created</span>
          <span className="sm:col-span-2">{createdAt}</span>
        </div>
      </div>
    </Card>
  );
}

function DisplayNameRow({ org, displayName, canEdit }: { org: string; displayName: string | null; canEdit: boolean }) {
  const [value, setValue] = useState(displayName ?? "");
  const [errors, setErrors] = useState<string[] | undefined>();
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  if (!canEdit) {
    return (
      <div className="grid gap-1 px-5 py-3 text-sm sm:grid-cols-3">
        <span className="text-muted">Display name</span>
        <span className="sm:col-span-2" data-testid="org-display-name">
          {displayName ?? "—"}
        </span>
      </div>
    );
  }
  const unchanged = value.trim() === (displayName ?? "");
  return (
    <form
      className="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-end"
      data-testid="display-name-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        startTransition(async () => {
          const r = await renameOrgDisplayNameAction(org, value);
          if (r.ok) {
            setErrors(undefined);
            toast(r.message ?? "Display name saved.", "success");
          } else {
            setErrors(r.fieldErrors?.displayName ?? [r.message]);
          }
        });
      }}
    >
      <Field
        className="flex-1"
        label="Display name"
        name="displayName"
        value={value}
        errors={errors}
        onChange={(e) => setValue(e.target.value)}
        maxLength={MAX_LENGTH.displayName}
        autoComplete="organization"
        placeholder={org}
        hint="Shown in the header and lists. Leave empty to show the URL name."
      />
      <Button type="submit" variant="secondary" pending={pending} disabled={unchanged} className="sm:mb-[1.375rem]">
        {pending ? "Saving…" : "Save"}
      </Button>
    </form>
  );
}

function UrlNameRow({ org, canEdit, redirectDays }: { org: string; canEdit: boolean; redirectDays: number }) {
  const [value, setValue] = useState(org);
  const [confirming, setConfirming] = useState(false);
  const check = useOrgNameCheck(value === org ? "" : value, org);
  if (!canEdit) {
    return (
      <div className="grid gap-1 px-5 py-3 text-sm sm:grid-cols-3">
        <span className="text-muted">URL name</span>
        <code className="font-mono sm:col-span-2">{org}</code>
      </div>
    );
  }
  const usable = value !== org && check.state === "available";
  return (
    <div className="px-5 py-4">
      <form
        className="space-y-1"
        data-testid="url-name-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (usable) setConfirming(true);
        }}
      >
        <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <Field
            className="flex-1"
            label="URL name"
            name="name"
            value={value}
            onChange={(e) => setValue(e.target.value.trim())}
            maxLength={MAX_LENGTH.orgName}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            hint={
              <>
                <span className="font-mono">/orgs/{value || org}</span> and the CLI&apos;s{" "}
                <span className="font-mono whitespace-nowrap">--org</span>. Old links redirect for {redirectDays} days;
                the CLI must use the new name at once.
              </>
            }
          />
          <Button type="submit" variant="secondary" disabled={!usable} className="sm:mb-[1.375rem]">
            Change URL name…
          </Button>
        </div>
        <OrgNameStatus check={check} />
      </form>
      <TypeToConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Change the URL name to ${value}?`}
        description={
          <>
            Pages move to <span className="font-mono">/orgs/{value}</span>. Links and bookmarks with{" "}
            <span className="font-mono">{org}</span> redirect members there for {redirectDays} days; scripts and the CLI
            (--org {org}) stop working until they use the new name.
          </>
        }
        confirmLabel="Change URL name"
        pendingLabel="Changing…"
        testId="change-url-name-dialog"
        phrase={org}
        fieldName="confirmName"
        maxLength={MAX_LENGTH.orgName}
        onConfirm={(typed) => changeOrgNameAction(org, value, typed)}
      />
    </div>
  );
}
