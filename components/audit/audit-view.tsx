"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { FilterBar, InputFilter, SelectFilter, UtcTime } from "@/components/ui/filters";
import { Pagination } from "@/components/ui/pagination";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import { MAX_LENGTH } from "@/lib/core/limits";

export interface AuditRow {
  id: number;
  createdAt: Date;
  actorUsername: string | null;
  /** The personal access token's name when the change was made with one ("via token <name>"). */
  viaToken?: string | null;
  action: string;
  targetType: string;
  targetLabel: string | null;
  before: unknown;
  after: unknown;
}

const helper = createColumnHelper<typeof sortableFeatures, AuditRow>();
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

/** "role: user → manager" from the before/after snapshots. */
function describeChange(before: unknown, after: unknown): string {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  // Empty values (null) say nothing: leave them out.
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => b[k] != null || a[k] != null);
  return keys
    .map((k) => {
      const from = b[k] != null ? String(b[k]) : null;
      const to = a[k] != null ? String(a[k]) : null;
      return from !== null && to !== null ? `${k}: ${from} → ${to}` : `${k}: ${to ?? from}`;
    })
    .join(", ");
}

export function AuditView({
  rows,
  total,
  query,
  actions,
}: {
  rows: AuditRow[];
  total: number;
  query: { action?: string; actor?: string; page: number; pageSize: number };
  actions: readonly string[];
}) {
  const { update, pending: navigating } = useUrlState();
  const { value: actor, setValue: setActor, pending: filtering } = useDebouncedParam("actor", query.actor);
  const pending = navigating || filtering;

  const columns = useMemo<Columns<AuditRow>>(
    () => [
      helper.accessor("createdAt", {
        header: "Time (UTC)",
        enableSorting: false,
        cell: (c) => <UtcTime value={c.getValue()} format={timeFormat} />,
      }),
      helper.accessor("actorUsername", {
        header: "Actor",
        enableSorting: false,
        cell: (c) => (
          <span className="flex flex-col">
            <span className="whitespace-nowrap">{c.getValue() ?? "—"}</span>
            {c.row.original.viaToken && (
              <span className="text-xs break-all text-muted" data-testid="audit-via-token">
                via token {c.row.original.viaToken}
              </span>
            )}
          </span>
        ),
      }),
      helper.accessor("action", {
        header: "Action",
        enableSorting: false,
        cell: (c) => <code className="font-mono text-xs">{c.getValue()}</code>,
      }),
      helper.accessor("targetLabel", {
        header: "Target",
        enableSorting: false,
        cell: (c) => (
          <span>
            {c.getValue() ?? "—"} <span className="text-xs text-muted">{c.row.original.targetType}</span>
          </span>
        ),
      }),
      helper.display({
        id: "change",
        header: "Change",
        meta: { wrap: true },
        cell: (c) => (
          <span className="text-xs text-muted">{describeChange(c.row.original.before, c.row.original.after)}</span>
        ),
      }),
    ],
    [],
  );

  return (
    <div className="space-y-3">
      <FilterBar>
        <SelectFilter
          id="audit-action"
          label="Action"
          allLabel="All actions"
          className="w-56"
          value={query.action}
          options={actions.map((a) => [a, a] as const)}
          onChange={(action) => update({ action, page: null })}
        />
        <InputFilter
          id="audit-actor"
          label="Actor"
          placeholder="username"
          className="w-48"
          maxLength={MAX_LENGTH.usernameFilter}
          value={actor}
          onChange={setActor}
        />
      </FilterBar>
      <DataTable
        label="Audit log"
        columns={columns}
        data={rows}
        getRowId={(r) => String(r.id)}
        pending={pending}
        empty={
          query.action || query.actor
            ? "No events match these filters."
            : "Nothing has happened in this organization yet."
        }
      />
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />
    </div>
  );
}
