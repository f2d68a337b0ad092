import { type InputHTMLAttributes, type ReactNode, useId } from "react";
import { cn } from "./cn";

export function Label({ htmlFor, children, className }: { htmlFor: string; children: ReactNode; className?: string }) {
  return (
    <label htmlFor={htmlFor} className={cn("block text-sm font-medium text-fg", className)}>
      {children}
    </label>
  );
}

export function inputClass(invalid?: boolean, className?: string) {
  return cn(
    "block h-9 w-full rounded-md border bg-canvas px-3 text-sm text-fg placeholder:text-muted shadow-xs",
    "focus:outline-none focus:ring-2 focus:ring-accent/40",
    invalid ? "border-danger focus:border-danger" : "border-border-strong focus:border-accent",
    className,
  );
}

export function Input({ invalid, className, ...rest }: InputHTMLAttributes<HTMLInputElement> & { invalid?: boolean }) {
  return <input aria-invalid={invalid || undefined} className={inputClass(invalid, className)} {...rest} />;
}

/** What a labelled control needs to be tied to its label, hint and error messages. */
export interface FieldControl {
  id: string;
  invalid: boolean;
  describedBy: string | undefined;
}

/**
 * A label, a control, its hint and its error messages (every broken rule), tied together for screen readers.
 * Field and PasswordField are this with their input.
 */
export function FieldFrame({
  label,
  name,
  errors,
  hint,
  className,
  children,
}: {
  label: string;
  name: string;
  errors?: string[];
  hint?: ReactNode;
  className?: string;
  children: (control: FieldControl) => ReactNode;
}) {
  const id = useId();
  const invalid = Boolean(errors?.length);
  const describedBy = [hint && `${id}-hint`, invalid && `${id}-error`].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cn("space-y-1.5", className)}>
      <Label htmlFor={id}>{label}</Label>
      {children({ id, invalid, describedBy })}
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

/** A labelled input with its hint and its error messages. */
export function Field({
  label,
  name,
  errors,
  hint,
  className,
  ...inputProps
}: InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; errors?: string[]; hint?: ReactNode }) {
  return (
    <FieldFrame label={label} name={name} errors={errors} hint={hint} className={className}>
      {({ id, invalid, describedBy }) => (
        <Input id={id} name={name} invalid={invalid} aria-describedby={describedBy} {...inputProps} />
      )}
    </FieldFrame>
  );
}

/** A message about the whole form (not one field). */
export function FormMessage({ message, tone = "danger" }: { message?: string; tone?: "danger" | "success" }) {
  if (!message) return null;
  return (
    <p
      role="status"
      data-testid="form-message"
      className={cn(
        "rounded-md border px-3 py-2 text-sm",
        tone === "danger"
          ? "border-danger/30 bg-danger-soft text-danger"
          : "border-success/30 bg-success-soft text-success",
      )}
    >
      {message}
    </p>
  );
}
