import type { ReactNode } from "react";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { addCredits, formatCredits } from "@/lib/core";
import type { OrgReport } from "@/lib/reports";

/*
 * The parts of the Reports tab that need no JavaScript: panel frames, summary tiles, the per-preset bars and the
 * top-ups table. Amounts are exact decimal strings, formatted with formatCredits.
 */

export function ReportPanel({
  title,
  description,
  testId,
  className,
  actions,
  children,
}: {
  title: string;
  description: string;
  testId: string;
  className?: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card className={cn("flex min-w-0 flex-col", className)}>
      <div data-testid={testId} className="flex min-w-0 flex-1 flex-col">
        <CardHeader title={title} description={description} actions={actions} />
        <div className="flex min-w-0 flex-1 flex-col p-4">{children}</div>
      </div>
    </Card>
  );
}

/** What a panel shows instead of an empty chart. */
export function EmptyState({ title, hint }: { title: string; hint?: string }) {
  return (
    <div
      data-testid="panel-empty"
      className="flex min-h-40 flex-1 flex-col items-center justify-center rounded-md border border-dashed border-border px-4 py-8 text-center"
    >
      <p className="text-sm font-medium">{title}</p>
      {hint && <p className="mt-1 max-w-xs text-xs text-muted">{hint}</p>}
    </div>
  );
}

export function SummaryTiles({ totals, scope }: { totals: OrgReport["totals"]; scope?: string }) {
  const added = addCredits(totals.topups, totals.grants);
  const tiles = [
    {
      label: "Credits spent",
      value: formatCredits(totals.spent),
      note: scope ? `charged for jobs in ${scope}` : "charged for jobs",
      testId: "report-spent",
    },
    {
      label: "Top-ups and grants",
      value: formatCredits(added),
      note: `top-ups ${formatCredits(totals.topups)} · grants ${formatCredits(totals.grants)}`,
      testId: "report-added",
    },
    {
      label: "Balance",
      value: (
        <>
          <span className="whitespace-nowrap">{formatCredits(totals.openingBalance)}</span>{" "}
          <span className="whitespace-nowrap">
            <span className="text-muted">→</span>{" "}
            <span className={totals.closingBalance.startsWith("-") ? "text-danger" : undefined}>
              {formatCredits(totals.closingBalance)}
            </span>
          </span>
        </>
      ),
      note: "opening → closing",
      testId: "report-balance",
    },
    {
      label: "Jobs run",
      value: totals.jobsRun.toLocaleString("en"),
      note: scope ? `ran in ${scope} during the period` : "ran during the period",
      testId: "report-jobs",
    },
  ];
  return (
    <Card>
      <dl className="grid grid-cols-1 divide-y divide-border sm:grid-cols-2 sm:divide-y-0 xl:grid-cols-4">
        {tiles.map((t, i) => (
          <div
            key={t.label}
            className={cn(
              "min-w-0 px-5 py-4",
              // Hairlines between tiles: a 2×2 grid on tablets, one row on wide screens.
              i % 2 === 1 && "sm:border-l sm:border-border",
              i >= 2 && "sm:border-t sm:border-border xl:border-t-0",
              i === 2 && "xl:border-l",
            )}
          >
            <dt className="text-xs font-medium tracking-wide text-muted uppercase">{t.label}</dt>
            {/* Wraps rather than truncates: "1,086.00 → 12,345.00" must read in full in a quarter of the row. */}
            <dd className="mt-1.5 text-xl font-semibold break-words tabular-nums" data-testid={t.testId}>
              {t.value}
            </dd>
            <dd className="mt-0.5 text-xs text-muted">{t.note}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

/** 3. Spending per cluster and preset: a ranked list with proportional bars (readable on any width). */
export function PresetBars({ rows }: { rows: OrgReport["spendByPreset"] }) {
  // Number() only sizes the bars; the figures are the exact strings.
  const max = Math.max(...rows.map((r) => Number(r.spent)), 0);
  return (
    <ul className="space-y-3" aria-label="Credits spent per cluster and preset">
      {rows.map((r) => (
        <li key={`${r.cluster}/${r.preset}`} data-testid="preset-row" className="space-y-1">
          <div className="flex items-baseline justify-between gap-3 text-sm">
            <span className="min-w-0 truncate">
              <span className="font-medium">{r.preset}</span> <span className="text-muted">on {r.cluster}</span>
            </span>
            <span className="shrink-0 tabular-nums" data-testid="preset-spent">
              {formatCredits(r.spent)}
            </span>
          </div>
          <div className="h-2 overflow-hidden rounded-full bg-subtle" aria-hidden>
            <div
              className="h-full rounded-full bg-accent"
              style={{ width: `${max > 0 ? Math.max(1, (Number(r.spent) / max) * 100) : 0}%` }}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** 3b. Spending per project, "no project" included: a ranked list with proportional bars. */
export function ProjectBars({ rows }: { rows: OrgReport["spendByProject"] }) {
  // Number() only sizes the bars; the figures are the exact strings.
  const max = Math.max(...rows.map((r) => Number(r.spent)), 0);
  return (
    <ul className="space-y-3" aria-label="Credits spent per project">
      {rows.map((r) => (
        <li
          key={r.project === null ? "(none)" : `${r.cluster}/${r.project}`}
          data-testid="project-row"
          className="space-y-1"
        >
          <div className="flex items-baseline justify-between gap-3 text-sm">
            <span className="min-w-0 truncate">
              {r.project === null ? (
                <span className="text-muted italic">no project</span>
              ) : (
                <>
                  <span className="font-medium">{r.project}</span> <span className="text-muted">on {r.cluster}</span>
                </>
              )}
            </span>
            <span className="shrink-0 tabular-nums" data-testid="project-spent">
              {formatCredits(r.spent)}
            </span>
          </div>
          <div className="h-2 overflow-hidden rounded-full bg-subtle" aria-hidden>
            <div
              className={cn("h-full rounded-full", r.project === null ? "bg-border-strong" : "bg-accent")}
              style={{ width: `${max > 0 ? Math.max(1, (Number(r.spent) / max) * 100) : 0}%` }}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}

const timeFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});

/** Cells are tight (the panel is half the page wide); the first and last get the usual inset. */
const EDGE_PADDING = "[&>*:first-child]:pl-3 [&>*:last-child]:pr-3";

const ADDITION_LABELS: Record<OrgReport["additions"]["rows"][number]["kind"], string> = {
  topup: "Top-up",
  auto_topup: "Automatic top-up",
  grant: "Grant",
};

/** "+1,234.50" or "-973.55": a signed amount, never "+-". */
function signedCredits(amount: string): string {
  return amount.startsWith("-") ? formatCredits(amount) : `+${formatCredits(amount)}`;
}

/**
 * 5. Top-ups and grants, newest first, with the period's total (which covers rows beyond the ones listed), then
 * a platform admin's balance adjustments apart (signed, never in the total: it adds only what was added).
 */
export function AdditionsTable({
  additions,
  adjustments,
  total,
  limit,
}: {
  additions: OrgReport["additions"];
  adjustments?: OrgReport["adjustments"];
  total: string;
  limit: number;
}) {
  return (
    <div className="space-y-4">
      {additions.count === 0 ? (
        <p className="text-sm text-muted">No top-ups or grants in this period.</p>
      ) : (
        <div className="space-y-2">
          <ScrollTable
            label="Top-ups and grants"
            height="max-h-80"
            columns={[{ label: "When (UTC)" }, { label: "Kind" }, { label: "Who" }, { label: "Amount", right: true }]}
          >
            {additions.rows.map((r, i) => (
              <tr
                key={i}
                data-testid="addition-row"
                className={cn("border-b border-border last:border-0", EDGE_PADDING)}
              >
                <td className="px-2 py-2 whitespace-nowrap text-muted">
                  <time dateTime={r.at.toISOString()}>{timeFormat.format(r.at)}</time>
                </td>
                <td className="px-2 py-2 whitespace-nowrap">{ADDITION_LABELS[r.kind]}</td>
                <td className="px-2 py-2" title={r.note ?? undefined}>
                  <span className="block max-w-36 truncate">
                    {r.actor ?? (r.kind === "auto_topup" ? "automatic" : <span className="text-muted">—</span>)}
                  </span>
                </td>
                <td
                  className={cn(
                    "px-2 py-2 text-right whitespace-nowrap tabular-nums",
                    r.amount.startsWith("-") ? "text-danger" : "text-success",
                  )}
                >
                  {signedCredits(r.amount)}
                </td>
              </tr>
            ))}
          </ScrollTable>
          <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
            <span className="text-xs text-muted">
              {additions.count > additions.rows.length
                ? `Showing the latest ${Math.min(limit, additions.rows.length)} of ${additions.count.toLocaleString("en")}.`
                : `${additions.count.toLocaleString("en")} ${additions.count === 1 ? "entry" : "entries"}.`}
            </span>
            <span>
              Total added{" "}
              <span className="font-semibold tabular-nums" data-testid="additions-total">
                {signedCredits(total)}
              </span>
            </span>
          </div>
        </div>
      )}
      {adjustments && adjustments.count > 0 && (
        <div className="space-y-2" data-testid="adjustments">
          <h3 className="text-xs font-medium text-muted">
            Balance adjustments by a platform admin <span className="font-normal">(not in the total)</span>
          </h3>
          <ScrollTable
            label="Balance adjustments"
            height="max-h-48"
            columns={[{ label: "When (UTC)" }, { label: "Who" }, { label: "Change", right: true }]}
          >
            {adjustments.rows.map((r, i) => (
              <tr
                key={i}
                data-testid="adjustment-row"
                className={cn("border-b border-border last:border-0", EDGE_PADDING)}
              >
                <td className="px-2 py-2 whitespace-nowrap text-muted">
                  <time dateTime={r.at.toISOString()}>{timeFormat.format(r.at)}</time>
                </td>
                <td className="px-2 py-2" title={r.note ?? undefined}>
                  <span className="block max-w-48 truncate">{r.actor ?? <span className="text-muted">—</span>}</span>
                </td>
                <td className="px-2 py-2 text-right whitespace-nowrap text-warning tabular-nums">
                  {signedCredits(r.amount)}
                </td>
              </tr>
            ))}
          </ScrollTable>
        </div>
      )}
    </div>
  );
}

/** A small table that scrolls within `height` under a sticky header; focusable so the keyboard can scroll it. */
function ScrollTable({
  label,
  height,
  columns,
  children,
}: {
  label: string;
  height: string;
  columns: { label: string; right?: boolean }[];
  children: ReactNode;
}) {
  return (
    <div
      className={cn(height, "overflow-auto rounded-md border border-border")}
      tabIndex={0}
      role="region"
      aria-label={`${label}, scrollable`}
    >
      <table className="w-full border-collapse text-sm" aria-label={label}>
        <thead className="sticky top-0 bg-surface text-left text-xs text-muted">
          <tr className={EDGE_PADDING}>
            {columns.map((c) => (
              <th
                key={c.label}
                scope="col"
                className={cn(
                  "border-b border-border px-2 py-2 font-medium whitespace-nowrap",
                  c.right && "text-right",
                )}
              >
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
