"use client";

import type { FormEvent, ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { FormMessage } from "@/components/ui/field";

/** A dialog around one form: its message on top, Cancel and a submit button with a pending state below. */
export function FormDialog({
  open,
  onOpenChange,
  onClosed,
  title,
  description,
  form,
  submitLabel,
  pendingLabel,
  testId,
  className,
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Called after the dialog is closed (by the user or by Cancel), e.g. to clear the form's state. */
  onClosed?: () => void;
  title: string;
  description?: ReactNode;
  /** From useFormAction: the form's state (its message shows above the fields), pending and submit handler. */
  form: { state: { message?: string } | null; pending: boolean; onSubmit: (e: FormEvent<HTMLFormElement>) => void };
  submitLabel: string;
  pendingLabel: string;
  testId?: string;
  className?: string;
  children: ReactNode;
}) {
  const { state, pending, onSubmit } = form;
  const change = (o: boolean) => {
    onOpenChange(o);
    if (!o) onClosed?.();
  };
  return (
    <Dialog open={open} onOpenChange={(o) => !pending && change(o)}>
      <DialogContent title={title} description={description} className={className}>
        <form noValidate onSubmit={onSubmit} className="space-y-4" data-testid={testId}>
          <FormMessage message={state?.message} />
          {children}
          <div className="flex justify-end gap-2 pt-1">
            <Button variant="secondary" onClick={() => change(false)} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" pending={pending}>
              {pending ? pendingLabel : submitLabel}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
