"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import { buttonClass } from "@/components/ui/button-class";
import { cn } from "@/components/ui/cn";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { FilterBar, InputFilter, SelectFilter, UtcTime } from "@/components/ui/filters";
import { Pagination } from "@/components/ui/pagination";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import Link from "next/link";
import { hourSpan, LEDGER_KIND_LABELS } from "@/lib/billing/ledger-kinds";
import { MAX_LENGTH } from "@/lib/core/limits";

export interface LedgerRowView {
  id: number;
  createdAt: Date;
  kind: string;
  /** Pre-formatted exactly on the server. */
  amount: string;
  negative: boolean;
  balanceAfter: string;
  actor: string | null;
  member: string | null;
  /** A charge's job (its page: /orgs/<org>/jobs/<jobId>). */
  jobId: string | null;
  jobName: string | null;
  /** A job's hourly charge row: the UTC hour it covers; it grows while the job runs (updatedAt: its last charge). */
  periodStart: Date | null;
  updatedAt: Date | null;
  /** The project a charge is for; null: no project (and every top-up, grant and adjustment). */
  projectName: string | null;
  projectCluster: string | null;
  note: string | null;
}

/** A project filter option: `value` as the URL carries it ("<cluster>/<project>"). */
export interface LedgerProjectOption {
  value: string;
  label: string;
}

const helper = createColumnHelper<typeof sortableFeatures, LedgerRowView>();
// Seconds shown, 24-hour clock: rows written within the same minute stay apart.
const timeFormat = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
  hourCycle: "h23",
});
const dayFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const clockFormat = new Intl.DateTimeFormat("en", { timeStyle: "medium", timeZone: "UTC", hourCycle: "h23" });
const KIND_LABELS: Record<string, string> = LEDGER_KIND_LABELS;
/** Each kind's colour (a dot before its label): additions in greens and the accent, usage neutral. */
const KIND_DOTS: Record<string, string> = {
  topup: "bg-success",
  auto_topup: "bg-accent",
  grant: "bg-warning",
  charge: "bg-muted",
  // A platform admin's correction of the balance: its own colour, apart from additions and usage.
  adjustment: "bg-fuchsia-500",
};

export function LedgerView({
  org,
  rows,
  total,
  query,
  showMemberFilter,
  projectOptions = [],
}: {
  org: string;
  rows: LedgerRowView[];
  total: number;
  query: {
    kind?: string;
    member?: string;
    project?: string;
    from?: string;
    to?: string;
    page: number;
    pageSize: number;
  };
  showMemberFilter: boolean;
  /** The projects the viewer can see (the filter offers these and "No project"). */
  projectOptions?: LedgerProjectOption[];
}) {
  const { update, pending: navigating, params } = useUrlState();
  const { value: member, setValue: setMember, pending: filtering } = useDebouncedParam("member", query.member);
  const pending = navigating || filtering;

  const columns = useMemo<Columns<LedgerRowView>>(
    () => [
      helper.accessor("createdAt", {
        header: "Time (UTC)",
        enableSorting: false,
        cell: (c) => {
          const r = c.row.original;
          if (!r.periodStart) return <UtcTime value={c.getValue()} format={timeFormat} />;
          // A job's hourly row: the hour it covers; its first and last charge on hover.
          const last = r.updatedAt ?? r.createdAt;
          return (
            <time
              className="whitespace-nowrap text-muted"
              dateTime={r.periodStart.toISOString()}
              title={`First charge ${clockFormat.format(r.createdAt)}, last ${clockFormat.format(last)} UTC`}
              data-testid="ledger-hour"
            >
              {dayFormat.format(r.periodStart)}, {hourSpan(r.periodStart)}
            </time>
          );
        },
      }),
      helper.accessor("kind", {
        header: "Kind",
        enableSorting: false,
        cell: (c) => (
          <span className="inline-flex items-baseline gap-1.5" data-testid="ledger-kind">
            <span
              aria-hidden
              className={cn("size-2 shrink-0 self-center rounded-full", KIND_DOTS[c.getValue()] ?? "bg-muted")}
            />
            {KIND_LABELS[c.getValue()] ?? c.getValue()}
          </span>
        ),
      }),
      helper.accessor("amount", {
        header: () => <span className="block text-right">Amount</span>,
        meta: { label: "Amount" },
        id: "amount",
        enableSorting: false,
        cell: (c) => (
          <span
            className={cn("block text-right tabular-nums", c.row.original.negative ? "text-fg" : "text-success")}
            data-testid="ledger-amount"
          >
            {c.getValue()}
          </span>
        ),
      }),
      helper.accessor("balanceAfter", {
        header: () => <span className="block text-right">Balance after</span>,
        meta: { label: "Balance after" },
        enableSorting: false,
        cell: (c) => <span className="block text-right text-muted tabular-nums">{c.getValue()}</span>,
      }),
      helper.display({
        id: "who",
        header: "Who",
        cell: (c) => {
          const r = c.row.original;
          // An automatic top-up has no person behind it: the credits worker made it.
          const who = r.member ?? r.actor ?? (r.kind === "auto_topup" ? "automatic" : "—");
          return <span className="whitespace-nowrap">{who}</span>;
        },
      }),
      helper.accessor("projectName", {
        header: "Project",
        enableSorting: false,
        cell: (c) => {
          const r = c.row.original;
          if (r.projectName) {
            return (
              <span
                className="whitespace-nowrap"
                title={`${r.projectCluster}/${r.projectName}`}
                data-testid="ledger-project"
              >
                {r.projectName}
              </span>
            );
          }
          return r.kind === "charge" ? <span className="text-muted italic">no project</span> : null;
        },
      }),
      helper.display({
        id: "what",
        header: "Job / note",
        // An automatic top-up's note carries its payment reference: a long reference breaks rather than widening the page.
        cell: (c) => {
          const r = c.row.original;
          if (r.jobId && r.jobName) {
            return (
              <Link
                href={`/orgs/${org}/jobs/${r.jobId}`}
                className="text-fg [overflow-wrap:break-word] hover:underline"
                data-testid="ledger-job"
              >
                {r.jobName}
              </Link>
            );
          }
          return (
            <span className="text-muted [overflow-wrap:break-word]" data-testid="ledger-note">
              {r.jobName ?? r.note ?? ""}
            </span>
          );
        },
      }),
    ],
    [org],
  );

  const exportHref = `/orgs/${org}/credits/export${params.toString() ? `?${params.toString()}` : ""}`;
  return (
    <div className="space-y-3">
      <FilterBar>
        <SelectFilter
          id="ledger-kind"
          label="Kind"
          allLabel="All kinds"
          value={query.kind}
          options={Object.entries(KIND_LABELS)}
          onChange={(kind) => update({ kind, page: null })}
        />
        {showMemberFilter && (
          <InputFilter
            id="ledger-member"
            label="Member"
            placeholder="username"
            maxLength={MAX_LENGTH.usernameFilter}
            value={member}
            onChange={setMember}
          />
        )}
        {(["from", "to"] as const).map((key) => (
          <InputFilter
            key={key}
            id={`ledger-${key}`}
            label={key === "from" ? "From" : "To"}
            type="date"
            value={query[key]}
            onChange={(value) => update({ [key]: value, page: null })}
          />
        ))}
        <SelectFilter
          id="ledger-project"
          label="Project"
          allLabel="All projects"
          value={query.project}
          options={[["none", "No project"], ...projectOptions.map((o) => [o.value, o.label] as const)]}
          onChange={(project) => update({ project, page: null })}
        />
        <a href={exportHref} className={buttonClass("secondary", "md", "ml-auto")} download>
          Export CSV
        </a>
      </FilterBar>
      <DataTable
        label="Ledger"
        columns={columns}
        data={rows}
        getRowId={(r) => String(r.id)}
        pending={pending}
        empty="No entries match."
      />
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />
    </div>
  );
}
