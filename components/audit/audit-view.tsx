"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/field";
import { Pagination } from "@/components/ui/pagination";
import { Select } from "@/components/ui/select";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import { MAX_LENGTH } from "@/lib/core/limits";

export interface AuditRow {
  id: number;
  createdAt: Date;
  actorUsername: string | null;
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
        cell: (c) => (
          <time className="whitespace-nowrap text-muted" dateTime={c.getValue().toISOString()}>
            {timeFormat.format(c.getValue())}
          </time>
        ),
      }),
      helper.accessor("actorUsername", {
        header: "Actor",
        enableSorting: false,
        cell: (c) => <span className="whitespace-nowrap">{c.getValue() ?? "—"}</span>,
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
        cell: (c) => (
          <span className="text-xs text-muted">{describeChange(c.row.original.before, c.row.original.after)}</span>
        ),
      }),
    ],
    [],
  );

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <div className="space-y-1">
          <Label htmlFor="audit-action">Action</Label>
          <Select
            id="audit-action"
            className="w-56"
            value={query.action ?? ""}
            onChange={(e) => update({ action: e.target.value, page: null })}
          >
            <option value="">All actions</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </Select>
        </div>
        <div className="space-y-1">
          <Label htmlFor="audit-actor">Actor</Label>
          <Input
            id="audit-actor"
            maxLength={MAX_LENGTH.usernameFilter}
            className="w-48"
            placeholder="username"
            value={actor}
            onChange={(e) => setActor(e.target.value)}
          />
        </div>
      </div>
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
