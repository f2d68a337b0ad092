"use client";

import type { FormEvent, ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { FormMessage } from "@/components/ui/field";

/** A dialog around one form: its message on top, Cancel and a submit button with a pending state below. */
export function FormDialog({
  open,
  onOpenChange,
  title,
  description,
  message,
  pending,
  onSubmit,
  submitLabel,
  pendingLabel,
  testId,
  className,
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  message?: string;
  pending: boolean;
  onSubmit: (e: FormEvent<HTMLFormElement>) => void;
  submitLabel: string;
  pendingLabel: string;
  testId?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <Dialog open={open} onOpenChange={(o) => !pending && onOpenChange(o)}>
      <DialogContent title={title} description={description} className={className}>
        <form noValidate onSubmit={onSubmit} className="space-y-4" data-testid={testId}>
          <FormMessage message={message} />
          {children}
          <div className="flex justify-end gap-2 pt-1">
            <Button variant="secondary" onClick={() => onOpenChange(false)} disabled={pending}>
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
