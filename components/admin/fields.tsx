import { useId, type ReactNode, type SelectHTMLAttributes } from "react";
import { Field, Label } from "@/components/ui/field";
import { Select } from "@/components/ui/select";

function FieldErrors({ id, name, errors }: { id: string; name: string; errors: string[] }) {
  return (
    <ul id={id} data-testid={`error-${name}`} className="space-y-0.5 text-xs text-danger">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

/** A labelled native select with its hint and error messages, like `Field` for inputs. */
export function SelectField({
  label,
  name,
  errors,
  hint,
  children,
  ...rest
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; name: string; errors?: string[]; hint?: ReactNode }) {
  const id = useId();
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Select
        id={id}
        name={name}
        invalid={invalid}
        aria-describedby={invalid ? `${id}-error` : hint ? `${id}-hint` : undefined}
        {...rest}
      >
        {children}
      </Select>
      {hint && !invalid && (
        <p id={`${id}-hint`} className="text-xs text-muted">
          {hint}
        </p>
      )}
      {invalid && <FieldErrors id={`${id}-error`} name={name} errors={errors!} />}
    </div>
  );
}

/** A checkbox with a label and a line saying what it does. */
export function CheckboxField({
  label,
  name,
  hint,
  errors,
  defaultChecked,
}: {
  label: string;
  name: string;
  hint?: ReactNode;
  errors?: string[];
  defaultChecked?: boolean;
}) {
  const id = useId();
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1.5">
      <div className="flex items-start gap-2.5">
        <input
          id={id}
          name={name}
          type="checkbox"
          defaultChecked={defaultChecked}
          aria-describedby={hint ? `${id}-hint` : undefined}
          aria-invalid={invalid || undefined}
          className="mt-0.5 size-4 shrink-0 rounded border-border-strong accent-accent"
        />
        <div>
          <Label htmlFor={id}>{label}</Label>
          {hint && (
            <p id={`${id}-hint`} className="text-xs text-muted">
              {hint}
            </p>
          )}
        </div>
      </div>
      {invalid && <FieldErrors id={`${id}-error`} name={name} errors={errors!} />}
    </div>
  );
}

/** The name of a new cluster or preset: an identifier, so no autocomplete or spell check; focused first. */
export function NameField({ placeholder, hint, errors }: { placeholder: string; hint: string; errors?: string[] }) {
  return (
    <Field
      label="Name"
      name="name"
      required
      autoFocus
      autoComplete="off"
      spellCheck={false}
      placeholder={placeholder}
      hint={hint}
      errors={errors}
    />
  );
}
