"use client";

import { useState, useTransition, type FormEvent } from "react";
import type { FormState } from "@/app/_server/action";
import { useToast } from "@/components/ui/toast";

/**
 * Submits a form to a server action that answers with a FormState: a pending flag for the buttons, the
 * error state (message and field messages) to render, and a toast plus `onSuccess` when it went through.
 * The inputs are uncontrolled and the form is not reset on failure, so what was typed stays.
 */
export function useFormAction<S extends FormState>(
  action: (formData: FormData) => Promise<S>,
  onSuccess?: (state: S, form: HTMLFormElement) => void,
) {
  const [state, setState] = useState<S | null>(null);
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const formData = new FormData(form);
    startTransition(async () => {
      const r = await action(formData);
      if (r.ok) {
        setState(null);
        if (r.message) toast(r.message);
        onSuccess?.(r, form);
      } else setState(r);
    });
  };
  return { state, errors: state?.fieldErrors ?? {}, pending, onSubmit, clear: () => setState(null) };
}

/** A form field's name, the value typed before a failed submit, and its messages: `<Field {...fieldFrom(state, "email")} />`. */
export function fieldFrom(state: FormState | null | undefined, name: string) {
  return { name, defaultValue: state?.values?.[name], errors: state?.fieldErrors?.[name] };
}
