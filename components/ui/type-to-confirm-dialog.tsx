"use client";

import { useState, type ReactNode } from "react";
import { ActionDialog, type ActionOutcome } from "./action-dialog";
import { Field } from "./field";

/**
 * A destructive action confirmed by typing a name (an org's, one's own username): the confirm button stays
 * disabled until `phrase` is typed, and what was typed goes to `onConfirm` (the server checks it again).
 */
export function TypeToConfirmDialog({
  open,
  onOpenChange,
  phrase,
  fieldName,
  maxLength,
  trim = false,
  onConfirm,
  ...dialog
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  testId?: string;
  phrase: string;
  fieldName: string;
  maxLength: number;
  /** Ignore spaces around what was typed. */
  trim?: boolean;
  onConfirm: (typed: string) => Promise<ActionOutcome>;
}) {
  const [typed, setTyped] = useState("");
  return (
    <ActionDialog
      {...dialog}
      open={open}
      onOpenChange={(o) => {
        onOpenChange(o);
        if (!o) setTyped("");
      }}
      danger
      disabled={(trim ? typed.trim() : typed) !== phrase}
      onConfirm={() => onConfirm(typed)}
    >
      <Field
        label={`Type ${phrase} to confirm`}
        name={fieldName}
        maxLength={maxLength}
        autoComplete="off"
        autoCapitalize="off"
        spellCheck={false}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
      />
    </ActionDialog>
  );
}
