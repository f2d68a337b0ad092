"use client";

import type { ReactNode } from "react";
import { Input, Label } from "./field";
import { Select } from "./select";

/** The row of filters above a table: labelled controls side by side, wrapping on narrow screens. */
export function FilterBar({ children }: { children: ReactNode }) {
  return <div className="flex flex-wrap items-end gap-3">{children}</div>;
}

/** A labelled select whose first option means "no filter". */
export function SelectFilter({
  id,
  label,
  allLabel,
  value,
  options,
  onChange,
  className = "w-40",
}: {
  id: string;
  label: string;
  allLabel: string;
  value: string | undefined;
  options: ReadonlyArray<readonly [value: string, label: string]>;
  onChange: (value: string) => void;
  className?: string;
}) {
  return (
    <div className="space-y-1">
      <Label htmlFor={id}>{label}</Label>
      <Select id={id} className={className} value={value ?? ""} onChange={(e) => onChange(e.target.value)}>
        <option value="">{allLabel}</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </Select>
    </div>
  );
}

/** A labelled text or date input filter. */
export function InputFilter({
  id,
  label,
  value,
  onChange,
  type = "text",
  placeholder,
  maxLength,
  className = "w-40",
}: {
  id: string;
  label: string;
  value: string | undefined;
  onChange: (value: string) => void;
  type?: "text" | "date";
  placeholder?: string;
  maxLength?: number;
  className?: string;
}) {
  return (
    <div className="space-y-1">
      <Label htmlFor={id}>{label}</Label>
      <Input
        id={id}
        type={type}
        maxLength={maxLength}
        className={className}
        placeholder={placeholder}
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

/** A UTC timestamp cell (tables of events: ledger, audit log). */
export function UtcTime({ value, format }: { value: Date; format: Intl.DateTimeFormat }) {
  return (
    <time className="whitespace-nowrap text-muted" dateTime={value.toISOString()}>
      {format.format(value)}
    </time>
  );
}
