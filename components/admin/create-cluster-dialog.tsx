"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { createClusterAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { CheckboxField, NameField, SelectField } from "./fields";
import { FormDialog } from "./form-dialog";
import { useFormAction } from "@/components/ui/use-form-action";

/** "Create cluster": name (the org-name rule), description, default for new orgs, who meters its jobs. */
export function CreateClusterDialog() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const { state, errors, pending, onSubmit, clear } = useFormAction(createClusterAction, (r) => {
    setOpen(false);
    if (r.values?.name) router.push(`/admin/clusters/${r.values.name}`);
  });
  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid="create-cluster-open">
        Create cluster
      </Button>
      <FormDialog
        open={open}
        onOpenChange={setOpen}
        onClosed={clear}
        title="Create cluster"
        description="Register a compute cluster. Add presets and organizations to it next."
        form={{ state, pending, onSubmit }}
        submitLabel="Create cluster"
        pendingLabel="Creating…"
        testId="create-cluster-form"
      >
        <NameField
          placeholder="gpu-east"
          hint="Lowercase letters, digits and single inner hyphens; 3–63 characters."
          errors={errors.name}
        />
        <Field
          label="Description (optional)"
          name="description"
          autoComplete="off"
          placeholder="A100 nodes in us-east"
          maxLength={200}
          errors={errors.description}
        />
        <SelectField
          label="Runner"
          name="runner"
          defaultValue="embedded"
          hint="Embedded: the console meters this cluster's jobs itself. External: a runner reports usage to the API with a cluster token."
          errors={errors.runner}
        >
          <option value="embedded">Embedded</option>
          <option value="external">External</option>
        </SelectField>
        <CheckboxField
          label="Default cluster"
          name="isDefault"
          hint="Every new organization is added to it automatically."
          errors={errors.isDefault}
        />
      </FormDialog>
    </>
  );
}
