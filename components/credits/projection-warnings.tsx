"use client";

import { useEffect, useId, useRef, useState, useTransition } from "react";
import { saveProjectionWarningsAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";

/** At most this many warnings (the server says so too). */
const MAX_WARNINGS = 10;
const DAY = 86_400;
const HOUR = 3600;

interface Row {
  key: number;
  days: string;
  hours: string;
  /** The seconds the row was loaded with: kept exactly unless its days or hours are edited. */
  seconds: number | null;
  loaded: { days: string; hours: string } | null;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** "7 days", "1 day 12 hours", "6 hours", "90 minutes" (what was set through the API may have minutes). */
function describe(seconds: number): string {
  const days = Math.floor(seconds / DAY);
  const hours = Math.floor((seconds % DAY) / HOUR);
  const rest = seconds % HOUR;
  if (rest !== 0) return plural(Math.round(seconds / 60), "minute");
  return [days > 0 ? plural(days, "day") : "", hours > 0 ? plural(hours, "hour") : ""].filter(Boolean).join(" ");
}

let nextKey = 1;

function without(errors: Record<number, string>, key: number): Record<number, string> {
  const next = { ...errors };
  delete next[key];
  return next;
}

function rowOf(seconds: number): Row {
  const days = String(Math.floor(seconds / DAY));
  const hours = String(Math.floor((seconds % DAY) / HOUR));
  return { key: nextKey++, days, hours, seconds, loaded: { days, hours } };
}

/**
 * A row's seconds, or why it can't be sent: only the shape is checked here (whole numbers, hours within a
 * day); the server decides what is allowed and its messages show under the list.
 */
function secondsOf(row: Row): number | string {
  if (row.loaded && row.seconds !== null && row.days === row.loaded.days && row.hours === row.loaded.hours)
    return row.seconds;
  if (!/^\d*$/.test(row.days.trim()) || !/^\d*$/.test(row.hours.trim())) return "Enter whole days and hours.";
  const days = Number(row.days.trim() || "0");
  const hours = Number(row.hours.trim() || "0");
  if (hours > 23) return "Hours go up to 23: add a day instead.";
  return days * DAY + hours * HOUR;
}

/**
 * Settings → General: when, before the projected zero, admins and managers are mailed (Apolo's
 * balance_projection_seconds). Admins edit the intervals in days and hours; managers see them read-only.
 */
export function ProjectionWarnings({
  org,
  intervals,
  canEdit,
}: {
  org: string;
  intervals: number[];
  canEdit: boolean;
}) {
  const [rows, setRows] = useState<Row[]>(() => intervals.map(rowOf));
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});
  const [error, setError] = useState<string>();
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  const id = useId();
  const focusKey = useRef<number | "add" | null>(null);
  const inputs = useRef(new Map<number, HTMLInputElement>());
  const addButton = useRef<HTMLButtonElement>(null);

  // After adding a row its first input takes the focus; after removing one, the Add button does.
  useEffect(() => {
    const target = focusKey.current;
    focusKey.current = null;
    if (target === "add") addButton.current?.focus();
    else if (target !== null) inputs.current.get(target)?.focus();
  }, [rows]);

  const description =
    "How long before the credits run out, at the current rate, the admins and managers get a mail (once each, until a top-up pushes the date back out).";

  if (!canEdit) {
    return (
      <Card>
        <CardHeader title="Warnings before credits run out" description={description} />
        <div className="space-y-2 px-5 py-4 text-sm" data-testid="projection-warnings">
          {intervals.length === 0 ? (
            <p className="text-muted">No warnings: nobody is mailed before the credits run out.</p>
          ) : (
            <ul className="flex flex-wrap gap-2" aria-label="Warnings">
              {intervals.map((s) => (
                <li
                  key={s}
                  data-testid="projection-warning"
                  className="rounded-md border border-border bg-subtle px-2.5 py-1 tabular-nums"
                >
                  {describe(s)} before
                </li>
              ))}
            </ul>
          )}
          <p className="text-xs text-muted">Only admins can change these.</p>
        </div>
      </Card>
    );
  }

  const update = (key: number, patch: Partial<Pick<Row, "days" | "hours">>) => {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
    setRowErrors((errs) => without(errs, key));
  };

  return (
    <Card>
      <CardHeader title="Warnings before credits run out" description={description} />
      <form
        className="space-y-4 px-5 py-4"
        data-testid="projection-warnings"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const errors: Record<number, string> = {};
          const seconds: number[] = [];
          for (const r of rows) {
            const s = secondsOf(r);
            if (typeof s === "string") errors[r.key] = s;
            else seconds.push(s);
          }
          setRowErrors(errors);
          const firstBad = rows.find((r) => errors[r.key]);
          if (firstBad) {
            setError(undefined);
            inputs.current.get(firstBad.key)?.focus();
            return;
          }
          startTransition(async () => {
            const r = await saveProjectionWarningsAction(org, seconds);
            if (r.ok) {
              setError(undefined);
              // As the server keeps them: largest first, each once.
              const saved = [...new Set(seconds)].sort((a, b) => b - a);
              setRows(saved.map(rowOf));
              toast(saved.length === 0 ? "Warnings turned off." : "Warnings saved.");
            } else setError(r.message);
          });
        }}
      >
        {rows.length === 0 ? (
          <p className="text-sm text-muted" data-testid="projection-warnings-empty">
            No warnings: nobody is mailed before the credits run out.
          </p>
        ) : (
          <ul className="space-y-3" aria-label="Warnings">
            {rows.map((r, i) => {
              const rowError = rowErrors[r.key];
              const errorId = `${id}-${r.key}-error`;
              return (
                <li key={r.key} data-testid="projection-warning" className="space-y-1">
                  <div className="flex flex-wrap items-center gap-x-2 gap-y-2 text-sm">
                    <div className="w-16 shrink-0">
                      <input
                        ref={(el) => {
                          if (el) inputs.current.set(r.key, el);
                          else inputs.current.delete(r.key);
                        }}
                        id={`${id}-${r.key}-days`}
                        inputMode="numeric"
                        maxLength={3}
                        value={r.days}
                        onChange={(e) => update(r.key, { days: e.target.value })}
                        aria-invalid={rowError ? true : undefined}
                        aria-describedby={rowError ? errorId : undefined}
                        className={inputClass(Boolean(rowError), "text-right tabular-nums")}
                      />
                    </div>
                    <label htmlFor={`${id}-${r.key}-days`} className="text-muted">
                      <span className="sr-only">Warning {i + 1}: </span>days
                    </label>
                    <div className="ml-1 w-14 shrink-0">
                      <input
                        id={`${id}-${r.key}-hours`}
                        inputMode="numeric"
                        maxLength={2}
                        value={r.hours}
                        onChange={(e) => update(r.key, { hours: e.target.value })}
                        aria-invalid={rowError ? true : undefined}
                        aria-describedby={rowError ? errorId : undefined}
                        className={inputClass(Boolean(rowError), "text-right tabular-nums")}
                      />
                    </div>
                    <label htmlFor={`${id}-${r.key}-hours`} className="text-muted">
                      <span className="sr-only">Warning {i + 1}: </span>hours
                    </label>
                    <Button
                      variant="ghost"
                      size="sm"
                      className="ml-1"
                      onClick={() => {
                        focusKey.current = "add";
                        setRows((rs) => rs.filter((x) => x.key !== r.key));
                        setRowErrors((errs) => without(errs, r.key));
                      }}
                    >
                      Remove<span className="sr-only"> warning {i + 1}</span>
                    </Button>
                  </div>
                  {rowError && (
                    <p id={errorId} className="text-xs text-danger" data-testid="projection-warning-error">
                      {rowError}
                    </p>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {error && (
          <p role="alert" className="text-sm text-danger" data-testid="error-balanceProjectionSeconds">
            {error}
          </p>
        )}
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" pending={pending}>
            Save warnings
          </Button>
          <Button
            ref={addButton}
            variant="secondary"
            disabled={rows.length >= MAX_WARNINGS}
            onClick={() => {
              const row: Row = { key: nextKey++, days: "1", hours: "0", seconds: null, loaded: null };
              focusKey.current = row.key;
              setRows((rs) => [...rs, row]);
            }}
          >
            Add a warning
          </Button>
          {rows.length >= MAX_WARNINGS && <span className="text-xs text-muted">At most {MAX_WARNINGS} warnings.</span>}
        </div>
      </form>
    </Card>
  );
}
