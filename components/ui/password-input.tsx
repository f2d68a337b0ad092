"use client";

import { useId, useState, type InputHTMLAttributes, type ReactNode } from "react";
import { cn } from "./cn";
import { FieldFrame, inputClass } from "./field";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "type">;

/**
 * A password input with a "Show"/"Hide" toggle (a real button: Tab reaches it, Enter or Space presses it).
 * The toggle's accessible name stays "Show password" and aria-pressed says whether the text is visible,
 * as the ARIA toggle-button pattern asks. The input never leaves the form: the toggle only flips its type.
 *
 * Tests: `getByLabel("Password")` also matches the toggle's aria-label ("Show password"); use
 * `getByLabel("Password", { exact: true })` or the field's test id.
 */
export function PasswordInput({
  invalid,
  className,
  toggleLabel = "Show password",
  id,
  ...rest
}: InputProps & { invalid?: boolean; toggleLabel?: string }) {
  const [visible, setVisible] = useState(false);
  const fallbackId = useId();
  const inputId = id ?? fallbackId;
  return (
    <div className="relative">
      <input
        id={inputId}
        type={visible ? "text" : "password"}
        aria-invalid={invalid || undefined}
        autoCapitalize="off"
        autoCorrect="off"
        spellCheck={false}
        className={inputClass(invalid, cn("pr-16", className))}
        {...rest}
      />
      <button
        type="button"
        aria-label={toggleLabel}
        aria-pressed={visible}
        aria-controls={inputId}
        data-testid={`toggle-${rest.name ?? "password"}`}
        onClick={() => setVisible((v) => !v)}
        className={cn(
          "absolute inset-y-1 right-1 rounded px-2.5 text-xs font-medium text-muted",
          "hover:bg-hover hover:text-fg focus-visible:outline-2 focus-visible:outline-offset-0",
          "disabled:cursor-not-allowed disabled:opacity-60",
        )}
        disabled={rest.disabled}
      >
        {visible ? "Hide" : "Show"}
      </button>
    </div>
  );
}

/** A labelled PasswordInput with its hint and error messages, like Field. */
export function PasswordField({
  label,
  name,
  errors,
  hint,
  className,
  ...inputProps
}: InputProps & { label: string; name: string; errors?: string[]; hint?: ReactNode; toggleLabel?: string }) {
  return (
    <FieldFrame label={label} name={name} errors={errors} hint={hint} className={className}>
      {({ id, invalid, describedBy }) => (
        <PasswordInput id={id} name={name} invalid={invalid} aria-describedby={describedBy} {...inputProps} />
      )}
    </FieldFrame>
  );
}
