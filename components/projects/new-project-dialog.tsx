"use client";

import { useState } from "react";
import { createProjectAction } from "@/app/actions";
import { CheckboxField, SelectField } from "@/components/admin/fields";
import { FormDialog } from "@/components/admin/form-dialog";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useFormAction } from "@/components/ui/use-form-action";
import { MAX_LENGTH } from "@/lib/core/limits";
import { DescriptionField, ProjectNameField } from "./fields";
import { PROJECT_ROLE_HINT, PROJECT_ROLE_LABELS, PROJECT_ROLE_ORDER } from "./types";

/**
 * "New project" for every org member: on one of the org's clusters, with the creator as its admin; the new
 * project opens after it is created. Only org managers and admins see the "default project" box.
 */
export function NewProjectDialog({
  org,
  clusters,
  canSetDefault,
  label = "New project",
  testId = "new-project",
}: {
  org: string;
  clusters: string[];
  canSetDefault: boolean;
  label?: string;
  testId?: string;
}) {
  const [open, setOpen] = useState(false);
  // A new key per opening: the fields start empty again after a cancelled attempt.
  const [round, setRound] = useState(0);
  const form = useFormAction(createProjectAction.bind(null, org));
  const { state, errors } = form;
  const v = state?.values ?? {};
  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid={`${testId}-open`}>
        {label}
      </Button>
      <FormDialog
        open={open}
        onOpenChange={setOpen}
        onClosed={() => {
          form.clear();
          setRound((r) => r + 1);
        }}
        title="New project"
        description="You become the project's admin and can add other members of the organization to it."
        form={form}
        submitLabel="Create project"
        pendingLabel="Creating…"
        testId="new-project-form"
        className="max-h-[calc(100dvh-2rem)] overflow-y-auto"
      >
        <div key={round} className="space-y-4">
          {clusters.length === 0 ? (
            <p className="rounded-md border border-border bg-surface px-3 py-2 text-sm text-muted">
              {org} is on no cluster yet: a platform admin has to add it to one before projects can be created.
            </p>
          ) : (
            <SelectField
              label="Cluster"
              name="cluster"
              defaultValue={v.cluster || clusters[0]}
              errors={errors.cluster}
              hint="Where the project's jobs run and its artifacts are kept; it can't be moved later."
            >
              {clusters.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </SelectField>
          )}
          <ProjectNameField defaultValue={v.name} errors={errors.name} autoFocus />
          <Field
            label="Display name (optional)"
            name="displayName"
            maxLength={MAX_LENGTH.displayName}
            defaultValue={v.displayName}
            errors={errors.displayName}
            placeholder="My project"
          />
          <DescriptionField
            defaultValue={v.description}
            errors={errors.description}
            maxLength={MAX_LENGTH.description}
          />
          <SelectField
            label="Default role"
            name="defaultRole"
            defaultValue={v.defaultRole || "writer"}
            errors={errors.defaultRole}
            hint={`The role members get when they're added without one. ${PROJECT_ROLE_HINT}`}
          >
            {PROJECT_ROLE_ORDER.map((r) => (
              <option key={r} value={r}>
                {PROJECT_ROLE_LABELS[r]}
              </option>
            ))}
          </SelectField>
          {canSetDefault && (
            <>
              <input type="hidden" name="isDefaultShown" value="1" />
              <CheckboxField
                label="Default project"
                name="isDefault"
                defaultChecked={v.isDefault === "on"}
                errors={errors.isDefault}
                hint="New members of the organization join it automatically, with its default role."
              />
            </>
          )}
        </div>
      </FormDialog>
    </>
  );
}
