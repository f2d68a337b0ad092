"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import { buttonClass } from "@/components/ui/button-class";
import { cn } from "@/components/ui/cn";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/field";
import { Pagination } from "@/components/ui/pagination";
import { Select } from "@/components/ui/select";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
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
  jobName: string | null;
  note: string | null;
}

const helper = createColumnHelper<typeof sortableFeatures, LedgerRowView>();
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const KIND_LABELS: Record<string, string> = {
  topup: "Top-up",
  grant: "Grant",
  charge: "Charge",
  adjustment: "Adjustment",
};

export function LedgerView({
  org,
  rows,
  total,
  query,
  showMemberFilter,
}: {
  org: string;
  rows: LedgerRowView[];
  total: number;
  query: { kind?: string; member?: string; from?: string; to?: string; page: number; pageSize: number };
  showMemberFilter: boolean;
}) {
  const { update, pending: navigating, params } = useUrlState();
  const { value: member, setValue: setMember, pending: filtering } = useDebouncedParam("member", query.member);
  const pending = navigating || filtering;

  const columns = useMemo<Columns<LedgerRowView>>(
    () => [
      helper.accessor("createdAt", {
        header: "Time (UTC)",
        enableSorting: false,
        cell: (c) => (
          <time className="whitespace-nowrap text-muted" dateTime={c.getValue().toISOString()}>
            {timeFormat.format(c.getValue())}
          </time>
        ),
      }),
      helper.accessor("kind", {
        header: "Kind",
        enableSorting: false,
        cell: (c) => KIND_LABELS[c.getValue()] ?? c.getValue(),
      }),
      helper.accessor("amount", {
        header: () => <span className="block text-right">Amount</span>,
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
        enableSorting: false,
        cell: (c) => <span className="block text-right text-muted tabular-nums">{c.getValue()}</span>,
      }),
      helper.display({
        id: "who",
        header: "Who",
        cell: (c) => <span className="whitespace-nowrap">{c.row.original.member ?? c.row.original.actor ?? "—"}</span>,
      }),
      helper.display({
        id: "what",
        header: "Job / note",
        cell: (c) => <span className="text-muted">{c.row.original.jobName ?? c.row.original.note ?? ""}</span>,
      }),
    ],
    [],
  );

  const exportHref = `/orgs/${org}/credits/export${params.toString() ? `?${params.toString()}` : ""}`;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <div className="space-y-1">
          <Label htmlFor="ledger-kind">Kind</Label>
          <Select
            id="ledger-kind"
            className="w-40"
            value={query.kind ?? ""}
            onChange={(e) => update({ kind: e.target.value, page: null })}
          >
            <option value="">All kinds</option>
            {Object.entries(KIND_LABELS).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </Select>
        </div>
        {showMemberFilter && (
          <div className="space-y-1">
            <Label htmlFor="ledger-member">Member</Label>
            <Input
              id="ledger-member"
              maxLength={MAX_LENGTH.usernameFilter}
              className="w-40"
              placeholder="username"
              value={member}
              onChange={(e) => setMember(e.target.value)}
            />
          </div>
        )}
        <div className="space-y-1">
          <Label htmlFor="ledger-from">From</Label>
          <Input
            id="ledger-from"
            type="date"
            className="w-40"
            value={query.from ?? ""}
            onChange={(e) => update({ from: e.target.value, page: null })}
          />
        </div>
        <div className="space-y-1">
          <Label htmlFor="ledger-to">To</Label>
          <Input
            id="ledger-to"
            type="date"
            className="w-40"
            value={query.to ?? ""}
            onChange={(e) => update({ to: e.target.value, page: null })}
          />
        </div>
        <a href={exportHref} className={buttonClass("secondary", "md", "ml-auto")} download>
          Export CSV
        </a>
      </div>
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
