"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import { RoleBadge } from "@/components/console/role-badge";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Pagination } from "@/components/ui/pagination";
import { Switch } from "@/components/ui/switch";
import { useUrlState } from "@/components/ui/use-url-state";
import { formatCredits } from "@/lib/core/money";
import type { MemberReportRow } from "@/lib/reports/reports";

const helper = createColumnHelper<typeof sortableFeatures, MemberReportRow>();

function RightHeader({ children }: { children: string }) {
  return (
    <span data-align="right" className="block text-right">
      {children}
    </span>
  );
}

/** Panel 6: who spent what in the period. Sort and page live in the URL; the server sorts and pages. */
export function MemberReportTable({
  rows,
  total,
  query,
}: {
  rows: MemberReportRow[];
  total: number;
  query: { sort: string; dir: "asc" | "desc"; page: number; pageSize: number; zero: "show" | "hide" };
}) {
  const { update, pending } = useUrlState();

  const columns = useMemo<Columns<MemberReportRow>>(
    () => [
      helper.accessor("username", {
        id: "username",
        header: "Member",
        cell: (c) => (
          <span className="block min-w-32">
            <span className="font-medium">{c.getValue()}</span>
            {c.row.original.name && <span className="block text-xs text-muted">{c.row.original.name}</span>}
          </span>
        ),
      }),
      helper.accessor("role", {
        id: "role",
        header: "Role",
        sortDescFirst: true,
        cell: (c) => {
          const role = c.getValue();
          return role ? (
            <RoleBadge role={role} />
          ) : (
            <span className="text-xs whitespace-nowrap text-muted">Former member</span>
          );
        },
      }),
      helper.accessor("spent", {
        id: "spent",
        header: () => <RightHeader>Credits spent</RightHeader>,
        meta: { label: "Credits spent" },
        sortDescFirst: true,
        cell: (c) => (
          <span className="block text-right tabular-nums" data-testid={`member-spent-${c.row.original.username}`}>
            {formatCredits(c.getValue())}
          </span>
        ),
      }),
      helper.accessor("jobs", {
        id: "jobs",
        header: () => <RightHeader>Jobs run</RightHeader>,
        meta: { label: "Jobs run" },
        sortDescFirst: true,
        cell: (c) => (
          <span className="block text-right tabular-nums" data-testid={`member-jobs-${c.row.original.username}`}>
            {c.getValue().toLocaleString("en")}
          </span>
        ),
      }),
      helper.accessor("creditLimit", {
        id: "limit",
        header: () => <RightHeader>Limit</RightHeader>,
        meta: { label: "Limit" },
        sortDescFirst: true,
        cell: (c) => (
          <span className="block text-right text-muted tabular-nums">
            {c.row.original.role === null ? "—" : formatCredits(c.getValue())}
          </span>
        ),
      }),
      helper.accessor("share", {
        id: "share",
        header: () => <RightHeader>Share</RightHeader>,
        meta: { label: "Share" },
        sortDescFirst: true,
        cell: (c) => (
          <span className="flex items-center justify-end gap-2">
            <span aria-hidden className="hidden h-1.5 w-16 overflow-hidden rounded-full bg-subtle sm:block">
              <span
                className="block h-full rounded-full bg-accent"
                style={{ width: `${Math.min(100, Number(c.getValue()))}%` }}
              />
            </span>
            <span className="w-16 text-right tabular-nums" data-testid={`member-share-${c.row.original.username}`}>
              {c.getValue()}%
            </span>
          </span>
        ),
      }),
    ],
    [],
  );

  const hideZero = query.zero === "hide";
  return (
    <div className="space-y-3">
      <div className="flex items-center gap-2 text-sm">
        <Switch
          id="members-hide-zero"
          checked={hideZero}
          disabled={pending}
          onCheckedChange={(on) => update({ zero: on ? "hide" : null, page: null })}
          data-testid="members-hide-zero"
        />
        <label htmlFor="members-hide-zero" className="cursor-pointer text-muted select-none">
          Hide members who spent nothing
        </label>
      </div>
      <DataTable
        label="Members' spending"
        columns={columns}
        data={rows}
        getRowId={(r) => r.username}
        sort={{ id: query.sort, desc: query.dir === "desc" }}
        onSort={(s) => update({ sort: s.id, dir: s.desc ? "desc" : "asc", page: null })}
        pending={pending}
        empty={hideZero ? "Nobody spent credits in this period." : "No members."}
      />
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />
    </div>
  );
}
