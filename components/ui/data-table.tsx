"use client";

import {
  rowSortingFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type RowData,
  type SortingState,
} from "@tanstack/react-table";
import type { ReactNode } from "react";
import { cn } from "./cn";

export const sortableFeatures = tableFeatures({ rowSortingFeature });
export type TableFeaturesT = typeof sortableFeatures;
export type Columns<T extends RowData> = ColumnDef<TableFeaturesT, T, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The one table look of the console, on TanStack Table. Sorting, filtering and paging happen on the server:
 * the table shows the sort from the URL and reports header clicks through `onSort`.
 */
export function DataTable<T extends RowData>({
  columns,
  data,
  sort,
  onSort,
  getRowId,
  empty,
  pending,
  label,
}: {
  columns: Columns<T>;
  data: T[];
  sort?: { id: string; desc: boolean };
  onSort?: (sort: { id: string; desc: boolean }) => void;
  getRowId: (row: T) => string;
  empty: ReactNode;
  pending?: boolean;
  label: string;
}) {
  const sorting: SortingState = sort ? [sort] : [];
  const table = useTable({
    features: sortableFeatures,
    columns,
    data,
    getRowId,
    manualSorting: true,
    enableSortingRemoval: false,
    state: { sorting },
    onSortingChange: (updater) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      if (next[0]) onSort?.({ id: next[0].id, desc: next[0].desc });
    },
  });

  return (
    <div
      className={cn(
        "relative overflow-x-auto rounded-lg border border-border transition-opacity",
        pending && "opacity-60",
      )}
      aria-busy={pending || undefined}
    >
      <table className="w-full border-collapse text-sm" aria-label={label}>
        <thead className="bg-surface text-left text-xs font-medium text-muted">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const canSort = header.column.getCanSort();
                const sorted = header.column.getIsSorted();
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={sorted ? (sorted === "asc" ? "ascending" : "descending") : undefined}
                    // A header marked data-align="right" (over a column of numbers) is right-aligned, sort button too.
                    className="border-b border-border px-4 py-2.5 font-medium whitespace-nowrap has-[[data-align=right]]:text-right"
                  >
                    {header.isPlaceholder ? null : canSort ? (
                      <button
                        type="button"
                        onClick={header.column.getToggleSortingHandler()}
                        className="-mx-1 inline-flex items-center gap-1 rounded px-1 hover:text-fg"
                      >
                        <table.FlexRender header={header} />
                        <span aria-hidden className={cn("text-[10px]", !sorted && "opacity-30")}>
                          {sorted === "desc" ? "▼" : "▲"}
                        </span>
                      </button>
                    ) : (
                      <table.FlexRender header={header} />
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="px-4 py-10 text-center text-sm text-muted">
                {empty}
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row) => (
              <tr key={row.id} className="border-b border-border last:border-0 hover:bg-surface">
                {row.getAllCells().map((cell) => (
                  <td key={cell.id} className="px-4 py-2.5 align-middle">
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
