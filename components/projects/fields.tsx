"use client";

import { useId, useState } from "react";
import { Field } from "@/components/ui/field";
import { cn } from "@/components/ui/cn";
import { MAX_LENGTH } from "@/lib/core/limits";
import { PROJECT_NAME_RULE, projectNameProblem } from "./name-rule";

/** A project's name: the rule under it, and what the typed name breaks as soon as it's typed. */
export function ProjectNameField({
  defaultValue,
  errors,
  autoFocus,
}: {
  defaultValue?: string;
  errors?: string[];
  autoFocus?: boolean;
}) {
  const [value, setValue] = useState(defaultValue ?? "");
  // The server's messages (a new array per answer) stand until the name is edited again; then the live check.
  const [editedAfter, setEditedAfter] = useState<string[] | undefined>(undefined);
  const problem = projectNameProblem(value);
  const shown = errors?.length && editedAfter !== errors ? errors : problem ? [problem] : undefined;
  return (
    <Field
      label="Name"
      name="name"
      required
      autoFocus={autoFocus}
      autoComplete="off"
      autoCapitalize="off"
      spellCheck={false}
      maxLength={MAX_LENGTH.orgName}
      placeholder="my-project"
      value={value}
      onChange={(e) => {
        setValue(e.target.value);
        setEditedAfter(errors);
      }}
      hint={`Used in URLs, Apolo URIs and the CLI (--project). ${PROJECT_NAME_RULE}`}
      errors={shown}
    />
  );
}

/** A multi-line description with its error messages. */
export function DescriptionField({
  defaultValue,
  errors,
  maxLength,
}: {
  defaultValue?: string;
  errors?: string[];
  maxLength: number;
}) {
  const id = useId();
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-fg">
        Description (optional)
      </label>
      <textarea
        id={id}
        name="description"
        rows={3}
        maxLength={maxLength}
        defaultValue={defaultValue}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? `${id}-error` : undefined}
        className={cn(
          "block w-full rounded-md border bg-canvas px-3 py-2 text-sm text-fg shadow-xs focus:ring-2 focus:ring-accent/40 focus:outline-none",
          invalid ? "border-danger" : "border-border-strong focus:border-accent",
        )}
      />
      {invalid && (
        <ul id={`${id}-error`} data-testid="error-description" className="space-y-0.5 text-xs text-danger">
          {errors!.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
