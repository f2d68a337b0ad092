"use client";

import { type InputHTMLAttributes, type ReactNode, useId, useState } from "react";
import { cn } from "./cn";
import { inputClass, Label } from "./field";

/**
 * A labelled password input with a Show / Hide toggle (a real button: keyboard and screen-reader reachable,
 * aria-pressed tells its state), its hint and its error messages, like Field.
 */
export function PasswordField({
  label,
  name,
  errors,
  hint,
  className,
  ...inputProps
}: Omit<InputHTMLAttributes<HTMLInputElement>, "type"> & {
  label: string;
  name: string;
  errors?: string[];
  hint?: ReactNode;
}) {
  const id = useId();
  const [shown, setShown] = useState(false);
  const invalid = Boolean(errors?.length);
  const describedBy = [hint && `${id}-hint`, invalid && `${id}-error`].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cn("space-y-1.5", className)}>
      <Label htmlFor={id}>{label}</Label>
      <div className="relative">
        <input
          id={id}
          name={name}
          type={shown ? "text" : "password"}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          autoCapitalize="off"
          spellCheck={false}
          className={inputClass(invalid, "pr-16")}
          {...inputProps}
        />
        <button
          type="button"
          onClick={() => setShown((v) => !v)}
          aria-pressed={shown}
          aria-controls={id}
          data-testid={`toggle-${name}`}
          className="absolute inset-y-1 right-1 rounded px-2 text-xs font-medium text-muted hover:bg-hover hover:text-fg focus:ring-2 focus:ring-accent/40 focus:outline-none"
        >
          {shown ? "Hide" : "Show"}
          <span className="sr-only"> {label.toLowerCase()}</span>
        </button>
      </div>
      {hint && !invalid && (
        <p id={`${id}-hint`} className="text-xs text-muted">
          {hint}
        </p>
      )}
      {invalid && (
        <ul id={`${id}-error`} data-testid={`error-${name}`} className="space-y-0.5 text-xs text-danger">
          {errors!.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
