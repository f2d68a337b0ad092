import Form from "next/form";
import Link from "next/link";
import { SubmitButton } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Field } from "@/components/ui/field";
import { LinkPending } from "@/components/ui/link-pending";
import type { PeriodResult, ReportPreset } from "@/lib/reports";
import { formatPeriod } from "./format";

const DAYS: Record<ReportPreset, string> = { "7d": "7 days", "30d": "30 days", "90d": "90 days", custom: "" };

/** "Last 7 days"; "7 days" on phones, so the four choices fit one row. */
function label(p: ReportPreset) {
  if (p === "custom") return "Custom";
  return (
    <>
      <span className="hidden sm:inline">Last </span>
      {DAYS[p]}
    </>
  );
}

/**
 * The report's period lives in the URL (`period`, and `from`/`to` for a custom range). Presets are links; a
 * custom range is a GET form, so both work without JavaScript. The members table's sort and page size, and
 * the project filter, survive a change of period; the table's page does not.
 */
export function PeriodPicker({
  base,
  query,
  result,
  presets,
}: {
  base: string;
  query: Record<string, string | string[] | undefined>;
  result: PeriodResult;
  presets: readonly string[];
}) {
  const kept: Record<string, string> = {};
  for (const k of ["sort", "dir", "pageSize", "project"]) {
    const v = query[k];
    if (typeof v === "string" && v) kept[k] = v;
  }
  const selected: ReportPreset = query.period === "custom" ? "custom" : result.period.preset;
  const href = (params: Record<string, string>) => `${base}?${new URLSearchParams({ ...params, ...kept })}`;
  const { period, errors, input } = result;
  const invalid = Boolean(errors.from || errors.to);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
        <nav
          aria-label="Period"
          className="inline-flex max-w-full overflow-x-auto rounded-md border border-border-strong bg-canvas p-0.5 text-sm"
        >
          {[...presets, "custom"].map((p) => {
            const active = p === selected;
            return (
              <Link
                key={p}
                href={
                  p === "custom" ? href({ period: "custom", from: period.from, to: period.to }) : href({ period: p })
                }
                aria-current={active ? "page" : undefined}
                data-testid={`period-${p}`}
                scroll={false}
                className={cn(
                  "relative rounded px-3 py-1 whitespace-nowrap",
                  active ? "bg-subtle font-medium text-fg" : "text-muted hover:text-fg",
                )}
              >
                {label(p as ReportPreset)}
                <LinkPending />
              </Link>
            );
          })}
        </nav>
        <p className="text-sm text-muted" data-testid="report-period">
          <span className="font-medium text-fg">{formatPeriod(period.from, period.to)}</span>, UTC days
          {invalid && " (the last 30 days until the range is fixed)"}
        </p>
      </div>
      {selected === "custom" && (
        <Form
          key={`${input.from}|${input.to}`}
          action={base}
          scroll={false}
          className="flex flex-wrap items-start gap-3"
          data-testid="custom-period"
        >
          <input type="hidden" name="period" value="custom" />
          {Object.entries(kept).map(([k, v]) => (
            <input key={k} type="hidden" name={k} value={v} />
          ))}
          {(["from", "to"] as const).map((name) => {
            const error = errors[name];
            return (
              <Field
                key={name}
                label={name === "from" ? "From" : "To"}
                name={name}
                type="date"
                className="w-44"
                defaultValue={input[name]}
                errors={error ? [error] : undefined}
                required
              />
            );
          })}
          <SubmitButton variant="secondary" className="mt-6">
            Apply
          </SubmitButton>
        </Form>
      )}
    </div>
  );
}
