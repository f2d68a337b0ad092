"use client";

import { updateProjectAction } from "@/app/actions";
import { CheckboxField, SelectField } from "@/components/admin/fields";
import { Button } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { useFormAction } from "@/components/ui/use-form-action";
import { MAX_LENGTH } from "@/lib/core/limits";
import { DescriptionField, ProjectNameField } from "./fields";
import { PROJECT_ROLE_HINT, PROJECT_ROLE_LABELS, PROJECT_ROLE_ORDER, type ProjectKey, type ProjectRole } from "./types";

/**
 * A project's settings: name (a rename moves its URL), display name, description, default role and the default
 * flag (only org managers and admins may set it; others see it disabled, with why).
 */
export function ProjectSettingsForm({
  projectKey,
  current,
  canSetDefault,
}: {
  projectKey: ProjectKey;
  current: {
    name: string;
    displayName: string | null;
    description: string | null;
    defaultRole: ProjectRole;
    isDefault: boolean;
  };
  canSetDefault: boolean;
}) {
  const form = useFormAction(updateProjectAction.bind(null, projectKey.org, projectKey.cluster, projectKey.project));
  // Inputs are uncontrolled: after a save they show what was saved, after a refusal what was typed.
  const { state, errors, pending, onSubmit } = form;
  const v = state?.values;
  return (
    <form noValidate onSubmit={onSubmit} className="space-y-4 p-5" data-testid="project-settings-form">
      <FormMessage message={state?.message} />
      <div className="space-y-4">
        <ProjectNameField defaultValue={v?.name ?? current.name} errors={errors.name} />
        <Field
          label="Display name (optional)"
          name="displayName"
          maxLength={MAX_LENGTH.displayName}
          defaultValue={v?.displayName ?? current.displayName ?? ""}
          errors={errors.displayName}
        />
        <DescriptionField
          defaultValue={v?.description ?? current.description ?? ""}
          errors={errors.description}
          maxLength={MAX_LENGTH.description}
        />
        <SelectField
          label="Default role"
          name="defaultRole"
          defaultValue={v?.defaultRole ?? current.defaultRole}
          errors={errors.defaultRole}
          hint={`What members get when added without a role. ${PROJECT_ROLE_HINT}`}
        >
          {PROJECT_ROLE_ORDER.map((r) => (
            <option key={r} value={r}>
              {PROJECT_ROLE_LABELS[r]}
            </option>
          ))}
        </SelectField>
        {canSetDefault ? (
          <>
            <input type="hidden" name="isDefaultShown" value="1" />
            <CheckboxField
              label="Default project"
              name="isDefault"
              defaultChecked={v ? v.isDefault === "on" : current.isDefault}
              errors={errors.isDefault}
              hint="New members of the organization join it automatically, with its default role."
            />
          </>
        ) : (
          <div className="flex items-start gap-2.5">
            <input
              id="project-default-disabled"
              type="checkbox"
              disabled
              checked={current.isDefault}
              readOnly
              aria-describedby="project-default-disabled-hint"
              className="mt-0.5 size-4 shrink-0 rounded border-border-strong accent-accent"
            />
            <div>
              <label htmlFor="project-default-disabled" className="block text-sm font-medium text-muted">
                Default project
              </label>
              <p id="project-default-disabled-hint" className="text-xs text-muted">
                Only the organization&apos;s managers and admins can choose the projects new members join.
              </p>
            </div>
          </div>
        )}
      </div>
      <div className="flex justify-end">
        <Button type="submit" pending={pending}>
          {pending ? "Saving…" : "Save settings"}
        </Button>
      </div>
    </form>
  );
}
