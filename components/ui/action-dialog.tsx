"use client";

import { useState, useTransition, type ReactNode } from "react";
import { Button } from "./button";
import { Dialog, DialogContent } from "./dialog";
import { FormMessage } from "./field";
import { useToast } from "./toast";

export type ActionOutcome = { ok: true; message?: string } | { ok: false; message: string };

/**
 * A controlled dialog whose confirm button runs a server action: pending state on the button, the error
 * shown inside the dialog, a toast and close on success.
 */
export function ActionDialog({
  open,
  onOpenChange,
  title,
  description,
  children,
  confirmLabel,
  pendingLabel,
  danger,
  disabled,
  onConfirm,
  testId,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => Promise<ActionOutcome>;
  testId?: string;
}) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string>();
  const toast = useToast();
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o) setError(undefined);
        onOpenChange(o);
      }}
    >
      <DialogContent title={title} description={description}>
        <form
          data-testid={testId}
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            startTransition(async () => {
              const r = await onConfirm();
              if (r.ok) {
                setError(undefined);
                onOpenChange(false);
                if (r.message) toast(r.message);
              } else setError(r.message);
            });
          }}
        >
          {children}
          <FormMessage message={error} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => onOpenChange(false)} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" variant={danger ? "danger" : "primary"} pending={pending} disabled={disabled}>
              {pending && pendingLabel ? pendingLabel : confirmLabel}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
