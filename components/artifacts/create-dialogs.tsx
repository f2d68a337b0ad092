"use client";

import { useState } from "react";
import { createBucketAction, createDiskAction, saveSecretAction } from "@/app/actions";
import { FormDialog } from "@/components/admin/form-dialog";
import { Button } from "@/components/ui/button";
import { Field, FieldFrame, inputClass } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { cn } from "@/components/ui/cn";
import { fieldFrom, useFormAction } from "@/components/ui/use-form-action";

export interface ProjectTarget {
  org: string;
  cluster: string;
  project: string;
}

const PROVIDERS = [
  ["aws", "AWS S3"],
  ["gcp", "Google Cloud Storage"],
  ["azure", "Azure Blob Storage"],
  ["minio", "MinIO"],
  ["open_stack", "OpenStack Swift"],
] as const;

/** "New disk": name, size in GB, optional storage class. */
export function NewDiskButton({ target }: { target: ProjectTarget }) {
  const [open, setOpen] = useState(false);
  const form = useFormAction(createDiskAction.bind(null, target.org, target.cluster, target.project), () =>
    setOpen(false),
  );
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)} data-testid="new-disk">
        New disk
      </Button>
      <FormDialog
        open={open}
        onOpenChange={setOpen}
        onClosed={form.clear}
        title="New disk"
        description="A persistent volume jobs of this project can mount. Its storage is charged per GB-hour at the cluster's rate."
        form={form}
        submitLabel="Create disk"
        pendingLabel="Creating…"
        testId="new-disk-form"
      >
        <Field
          label="Name"
          autoComplete="off"
          required
          maxLength={63}
          hint="3–63 lowercase letters, digits and single hyphens."
          {...fieldFrom(form.state, "name")}
        />
        <Field
          label="Size"
          required
          inputMode="numeric"
          placeholder="10G"
          hint="Whole gigabytes, 1G to 10240G."
          {...fieldFrom(form.state, "size")}
        />
        <Field
          label="Storage class (optional)"
          maxLength={63}
          placeholder="standard"
          {...fieldFrom(form.state, "storageClass")}
        />
      </FormDialog>
    </>
  );
}

/** "New bucket": name, provider, region. */
export function NewBucketButton({ target }: { target: ProjectTarget }) {
  const [open, setOpen] = useState(false);
  const form = useFormAction(createBucketAction.bind(null, target.org, target.cluster, target.project), () =>
    setOpen(false),
  );
  const provider = fieldFrom(form.state, "provider");
  return (
    <>
      <Button size="sm" variant="secondary" onClick={() => setOpen(true)} data-testid="new-bucket">
        New bucket
      </Button>
      <FormDialog
        open={open}
        onOpenChange={setOpen}
        onClosed={form.clear}
        title="New bucket"
        description="Object storage for this project's jobs."
        form={form}
        submitLabel="Create bucket"
        pendingLabel="Creating…"
        testId="new-bucket-form"
      >
        <Field
          label="Name"
          autoComplete="off"
          required
          maxLength={63}
          hint="3–63 lowercase letters, digits and single hyphens."
          {...fieldFrom(form.state, "name")}
        />
        <FieldFrame label="Provider" name="provider" errors={provider.errors}>
          {({ id, invalid, describedBy }) => (
            <Select
              id={id}
              name="provider"
              invalid={invalid}
              aria-describedby={describedBy}
              defaultValue={provider.defaultValue ?? "aws"}
            >
              {PROVIDERS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </Select>
          )}
        </FieldFrame>
        <Field label="Region" required maxLength={63} placeholder="us-east-1" {...fieldFrom(form.state, "region")} />
      </FormDialog>
    </>
  );
}

/**
 * "New secret" (key and value) or "Replace value" of an existing key. The value is write-only: it is sent once
 * and never shown again (the form is cleared when the dialog closes; the server never sends it back).
 */
export function SecretDialog({
  target,
  replaceKey,
  open,
  onOpenChange,
}: {
  target: ProjectTarget;
  /** Replacing the value of this key; creating a new secret when absent. */
  replaceKey?: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const form = useFormAction(
    saveSecretAction.bind(null, target.org, target.cluster, target.project, Boolean(replaceKey)),
    () => onOpenChange(false),
  );
  const key = fieldFrom(form.state, "key");
  const value = fieldFrom(form.state, "value");
  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      onClosed={form.clear}
      title={replaceKey ? `Replace the value of ${replaceKey}` : "New secret"}
      description="Jobs of this project read it by its key. The value is encrypted and can't be shown again after you save it."
      form={form}
      submitLabel={replaceKey ? "Replace value" : "Create secret"}
      pendingLabel="Saving…"
      testId="secret-form"
    >
      {replaceKey ? (
        <input type="hidden" name="key" value={replaceKey} />
      ) : (
        <Field
          label="Key"
          autoComplete="off"
          required
          maxLength={253}
          placeholder="API_TOKEN"
          hint="Starts with a letter or _, then letters, digits, _, . and -."
          {...key}
        />
      )}
      <FieldFrame label="Value" name="value" errors={value.errors} hint="Up to 64 KiB.">
        {({ id, invalid, describedBy }) => (
          <textarea
            id={id}
            name="value"
            required
            rows={5}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            className={cn(inputClass(invalid), "h-auto py-2 font-mono")}
          />
        )}
      </FieldFrame>
    </FormDialog>
  );
}
