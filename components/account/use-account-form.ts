"use client";

import { useState, useTransition, type FormEvent } from "react";
import type { FormState } from "@/app/_server/action";
import { useToast } from "@/components/ui/toast";

/**
 * Submits an Account form to its server action: pending flag for the button, the error state (message and
 * field messages) to render, a toast and `onSuccess` when it went through. The inputs are uncontrolled and
 * the submit is intercepted, so a failed submit keeps what was typed.
 */
export function useAccountForm(
  action: (formData: FormData) => Promise<FormState>,
  onSuccess?: (state: FormState, form: HTMLFormElement) => void,
) {
  const [state, setState] = useState<FormState | null>(null);
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
  return { state, errors: state?.fieldErrors ?? {}, pending, onSubmit };
}
