"use client";

import { useEffect, type ReactNode } from "react";
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

/** The search box `/` focuses: a table's search (type="search"), or a control marked data-search-shortcut. */
const SEARCH_SELECTOR = 'main input[type="search"], main [data-search-shortcut]';

/**
 * `/` focuses the page's table search, as on GitHub: ignored while typing in a field, with a modifier, or while a
 * dialog is open. Mounted once (app/layout.tsx).
 */
export function SearchShortcut() {
  useEffect(() => {
    function onKeyDown(e: KeyboardEvent) {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target;
      if (
        t instanceof HTMLElement &&
        (t.isContentEditable || t.closest("input, textarea, select, [contenteditable], [role=textbox]"))
      ) {
        return;
      }
      if (document.querySelector('[role="dialog"], [role="alertdialog"], [role="menu"]')) return;
      const search = Array.from(document.querySelectorAll<HTMLElement>(SEARCH_SELECTOR)).find(
        (el) => el.offsetParent !== null && !el.hasAttribute("disabled"),
      );
      if (!search) return;
      e.preventDefault();
      search.focus();
      if (search instanceof HTMLInputElement) search.select();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);
  return null;
}
