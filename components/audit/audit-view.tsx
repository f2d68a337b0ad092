"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import { buttonClass } from "@/components/ui/button-class";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { FilterBar, InputFilter, SelectFilter } from "@/components/ui/filters";
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
  /** Rows of one bulk operation shown as this one row (1 for a single change). */
  count?: number;
  /** A grouped row's targets (the invitees of a bulk invite), oldest first. */
  batchTargets?: string[];
}

const helper = createColumnHelper<typeof sortableFeatures, AuditRow>();

/** "1 Dec 2026, 14:03:12" in the viewer's locale (from the request's Accept-Language), in UTC. */
function timeFormat(locale: string) {
  return new Intl.DateTimeFormat(locale, {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZone: "UTC",
  });
}

/** ["role", "user", "manager"] lines from the before/after snapshots; empty values (null) say nothing. */
function changes(before: unknown, after: unknown): { key: string; from: string | null; to: string | null }[] {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => b[k] != null || a[k] != null);
  const text = (v: unknown) => (v == null ? null : typeof v === "object" ? JSON.stringify(v) : String(v));
  return keys.map((key) => ({ key, from: text(b[key]), to: text(a[key]) }));
}

/** "role: user → manager". */
function changeLine(c: { key: string; from: string | null; to: string | null }) {
  return c.from !== null && c.to !== null ? `${c.key}: ${c.from} → ${c.to}` : `${c.key}: ${c.to ?? c.from}`;
}

/** A short change inline; a longer one (several fields, long values) in a disclosure. */
function ChangeCell({ row }: { row: AuditRow }) {
  const list = changes(row.before, row.after);
  if (list.length === 0) return <span className="text-xs text-muted">—</span>;
  const inline = list.map(changeLine).join(", ");
  if (list.length === 1 && inline.length <= 48) return <span className="text-xs text-muted">{inline}</span>;
  return (
    <details className="group text-xs" data-testid="audit-change">
      <summary className="cursor-pointer rounded text-muted select-none hover:text-fg">
        {list.length === 1 ? "1 field" : `${list.length} fields`}: {list.map((c) => c.key).join(", ")}
      </summary>
      <dl className="mt-1 space-y-0.5">
        {list.map((c) => (
          <div key={c.key} className="break-all">
            <dt className="inline font-medium text-fg">{c.key}: </dt>
            <dd className="inline text-muted">
              {c.from !== null && c.to !== null ? `${c.from} → ${c.to}` : (c.to ?? c.from)}
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/** A grouped row's targets behind a disclosure ("45 invitations"), else the one target and its type. */
function TargetCell({ row }: { row: AuditRow }) {
  const targets = row.batchTargets ?? [];
  if (targets.length > 1) {
    return (
      <details className="text-sm" data-testid="audit-batch">
        <summary className="cursor-pointer rounded select-none">
          {targets.length.toLocaleString("en")} {row.targetType === "invitation" ? "invitations" : row.targetType}
        </summary>
        <ul
          tabIndex={0}
          aria-label="Batch members, scrollable"
          className="mt-1 max-h-64 space-y-0.5 overflow-y-auto text-xs [overflow-wrap:anywhere] text-muted"
          data-testid="audit-batch-list"
        >
          {targets.map((t, i) => (
            <li key={i}>{t}</li>
          ))}
        </ul>
      </details>
    );
  }
  return (
    <span className="[overflow-wrap:anywhere]">
      {row.targetLabel ?? "—"} <span className="text-xs whitespace-nowrap text-muted">{row.targetType}</span>
    </span>
  );
}

export function AuditView({
  rows,
  total,
  query,
  actions,
  labels,
  locale,
  exportHref,
}: {
  rows: AuditRow[];
  total: number;
  query: { action?: string; actor?: string; from?: string; to?: string; page: number; pageSize: number };
  actions: readonly string[];
  /** Each action's readable name (AUDIT_ACTION_LABELS). */
  labels: Readonly<Record<string, string>>;
  /** The viewer's locale for dates (BCP 47). */
  locale: string;
  /** The CSV export of what the filters select. */
  exportHref: string;
}) {
  const { update, pending: navigating } = useUrlState();
  const { value: actor, setValue: setActor, pending: filtering } = useDebouncedParam("actor", query.actor);
  const pending = navigating || filtering;

  const columns = useMemo<Columns<AuditRow>>(() => {
    const format = timeFormat(locale);
    const label = (action: string) => labels[action] ?? action;
    const batchLabel = (action: string, n: number) =>
      action === "invitation.created"
        ? `Invited ${n.toLocaleString("en")} people`
        : `${label(action)} (${n.toLocaleString("en")})`;
    return [
      helper.accessor("action", {
        header: "Action",
        enableSorting: false,
        meta: { card: "title" },
        cell: (c) => {
          const n = c.row.original.count ?? 1;
          return (
            <span className="font-medium whitespace-nowrap" title={c.getValue()} data-testid="audit-action">
              {n > 1 ? batchLabel(c.getValue(), n) : label(c.getValue())}
            </span>
          );
        },
      }),
      helper.accessor("createdAt", {
        header: "Time (UTC)",
        enableSorting: false,
        meta: { card: "field", label: "Time (UTC)" },
        cell: (c) => (
          <time
            className="whitespace-nowrap text-muted"
            dateTime={c.getValue().toISOString()}
            title={c.getValue().toISOString()}
            data-testid="audit-time"
          >
            {format.format(c.getValue())}
          </time>
        ),
      }),
      helper.accessor("actorUsername", {
        header: "Actor",
        enableSorting: false,
        meta: { card: "field", label: "By" },
        cell: (c) => (
          <span className="flex flex-col">
            <span className="whitespace-nowrap">{c.getValue() ?? "System"}</span>
            {c.row.original.viaToken && (
              <span className="text-xs break-all text-muted" data-testid="audit-via-token">
                via token {c.row.original.viaToken}
              </span>
            )}
          </span>
        ),
      }),
      helper.accessor("targetLabel", {
        header: "Target",
        enableSorting: false,
        meta: { card: "field", label: "Target" },
        cell: (c) => <TargetCell row={c.row.original} />,
      }),
      helper.display({
        id: "change",
        header: "Change",
        meta: { card: "field", label: "Change", wrap: true },
        cell: (c) => <ChangeCell row={c.row.original} />,
      }),
    ];
  }, [labels, locale]);

  const filtered = Boolean(query.action || query.actor || query.from || query.to);
  return (
    <div className="space-y-3">
      <FilterBar>
        <SelectFilter
          id="audit-action"
          label="Action"
          allLabel="All actions"
          className="w-full sm:w-52"
          value={query.action}
          options={actions.map((a) => [a, labels[a] ?? a] as const).sort((x, y) => x[1].localeCompare(y[1], "en"))}
          onChange={(action) => update({ action, page: null })}
        />
        <InputFilter
          id="audit-actor"
          label="Actor"
          placeholder="username"
          className="w-full sm:w-36"
          maxLength={MAX_LENGTH.usernameFilter}
          value={actor}
          onChange={setActor}
        />
        {(["from", "to"] as const).map((key) => (
          <InputFilter
            key={key}
            id={`audit-${key}`}
            label={key === "from" ? "From (UTC)" : "To (UTC)"}
            type="date"
            className="w-40"
            value={query[key]}
            onChange={(value) => update({ [key]: value, page: null })}
          />
        ))}
        <a
          href={exportHref}
          className={buttonClass("secondary", "md", "sm:ml-auto")}
          download
          data-testid="audit-export"
        >
          Export CSV
        </a>
      </FilterBar>
      <DataTable
        label="Audit log"
        columns={columns}
        data={rows}
        getRowId={(r) => String(r.id)}
        pending={pending}
        empty={filtered ? "No events match these filters." : "Nothing has happened in this organization yet."}
      />
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />
    </div>
  );
}
