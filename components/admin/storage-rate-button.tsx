"use client";

import { useState } from "react";
import { setClusterStorageRateAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { fieldFrom, useFormAction } from "@/components/ui/use-form-action";
import { FormDialog } from "./form-dialog";

/** "Change" next to a cluster's disk storage price: credits per GB-hour (0: free), up to 8 decimals. */
export function StorageRateButton({ cluster, rate }: { cluster: string; rate: string }) {
  const [open, setOpen] = useState(false);
  const form = useFormAction(setClusterStorageRateAction.bind(null, cluster), () => setOpen(false));
  const field = fieldFrom(form.state, "rate");
  return (
    <>
      <Button size="sm" variant="secondary" onClick={() => setOpen(true)} data-testid="change-storage-rate">
        Change
      </Button>
      <FormDialog
        open={open}
        onOpenChange={setOpen}
        onClosed={form.clear}
        title={`Disk storage price on ${cluster}`}
        description="Every disk on this cluster is charged its size × this price per hour, from now on (storage up to now is settled at the current price)."
        form={form}
        submitLabel="Save price"
        pendingLabel="Saving…"
        testId="storage-rate-form"
      >
        <Field
          label="Credits per GB-hour"
          required
          inputMode="decimal"
          autoComplete="off"
          hint="0 makes storage free. Up to 8 decimals, e.g. 0.0005."
          {...field}
          name="rate"
          defaultValue={field.defaultValue ?? rate}
        />
      </FormDialog>
    </>
  );
}
