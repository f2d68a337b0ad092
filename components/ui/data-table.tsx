"use client";

import {
  rowSortingFeature,
  tableFeatures,
  useTable,
  type CellData,
  type ColumnDef,
  type RowData,
  type SortingState,
  type TableFeatures,
} from "@tanstack/react-table";
import type { MouseEvent, ReactNode } from "react";
import { cn } from "./cn";

export const sortableFeatures = tableFeatures({ rowSortingFeature });
export type TableFeaturesT = typeof sortableFeatures;
export type Columns<T extends RowData> = ColumnDef<TableFeaturesT, T, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Where a column goes when a row becomes a card below the small breakpoint (< 640 px). */
export type CardSlot = "title" | "field" | "actions" | "footer" | "hidden";

declare module "@tanstack/table-core" {
  /* eslint-disable @typescript-eslint/no-unused-vars -- an augmentation repeats the interface's parameters */
  interface ColumnMeta<
    in out TFeatures extends TableFeatures,
    in out TData extends RowData,
    TValue extends CellData = CellData,
  > {
    /* eslint-enable @typescript-eslint/no-unused-vars */
    /**
     * The column's place in the phone card: "title" (top left, no label), "field" (a labelled line), "actions"
     * (top right: a menu or a button), "footer" (a last line of its own, right-aligned: several buttons) or
     * "hidden". Default: the first column is the title, a column with the id
     * "actions" is the actions, every other column a field.
     */
    card?: CardSlot;
    /** The field's label in the card and the phone's "Sort by"; default: the header when it is a string. */
    label?: string;
    /**
     * The cell may wrap or stack over several lines (a username over a name, a diff). By default a cell stays on
     * one line, truncated with an ellipsis and its full text in a title.
     */
    wrap?: boolean;
    /** Right-align the cell (a column of numbers); the card shows it on the right anyway. */
    align?: "right";
  }
}

/** On hover or focus, a truncated cell shows its full text as a tooltip (unless it has a title of its own). */
function showFullText(e: MouseEvent<HTMLElement> | React.FocusEvent<HTMLElement>) {
  const el = e.currentTarget;
  if (el.dataset.ownTitle) return;
  if (el.scrollWidth > el.clientWidth) el.title = (el.textContent ?? "").replace(/\s+/g, " ").trim();
  else el.removeAttribute("title");
}

/**
 * The one table look of the console, on TanStack Table. Sorting, filtering and paging happen on the server:
 * the table shows the sort from the URL and reports header clicks through `onSort`.
 *
 * From the small breakpoint up it is a table whose cells stay on one line (truncated, full text in a title;
 * `meta.wrap` for cells that stack). Below it, each row is a card: the title column and the row's actions on
 * top, then every field with its column's label (column `meta.card` / `meta.label`). It is one rendering styled
 * two ways, so every control exists once and nothing scrolls sideways on a phone. The phone has no header row:
 * a "Sort by" select above the cards sorts instead.
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

  const leafColumns = table.getAllLeafColumns();
  const slotOf = (id: string, index: number): CardSlot => {
    const meta = leafColumns[index]?.columnDef.meta;
    if (meta?.card) return meta.card;
    if (id === "actions") return "actions";
    return index === 0 ? "title" : "field";
  };
  const labelText = (id: string) => {
    const column = leafColumns.find((c) => c.id === id);
    const h = column?.columnDef.header;
    return column?.columnDef.meta?.label ?? (typeof h === "string" ? h : id);
  };
  const sortable = onSort ? leafColumns.filter((c) => c.getCanSort()) : [];
  const sortValue = sort ? `${sort.id}:${sort.desc ? "desc" : "asc"}` : "";

  return (
    <div className="space-y-2" data-table>
      {sortable.length > 0 && (
        <label className="flex items-center justify-end gap-2 text-xs text-muted sm:hidden">
          Sort by
          <select
            className="h-8 rounded-md border border-border-strong bg-canvas px-2 text-sm text-fg"
            value={sortValue}
            onChange={(e) => {
              const [id, dir] = e.target.value.split(":");
              if (id) onSort?.({ id, desc: dir === "desc" });
            }}
          >
            {!sort && <option value="">—</option>}
            {sortable.flatMap((c) =>
              (["asc", "desc"] as const).map((dir) => (
                <option key={`${c.id}:${dir}`} value={`${c.id}:${dir}`}>
                  {labelText(c.id)} {dir === "asc" ? "↑" : "↓"}
                </option>
              )),
            )}
          </select>
        </label>
      )}
      <div
        className={cn(
          "relative rounded-lg border border-border transition-opacity sm:overflow-x-auto",
          pending && "opacity-60",
        )}
        aria-busy={pending || undefined}
      >
        <table className="w-full border-collapse text-sm max-sm:block" aria-label={label}>
          <thead className="bg-surface text-left text-xs font-medium text-muted max-sm:hidden">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const canSort = header.column.getCanSort();
                  const sorted = header.column.getIsSorted();
                  const right = header.column.columnDef.meta?.align === "right";
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={sorted ? (sorted === "asc" ? "ascending" : "descending") : undefined}
                      // A header marked data-align="right" (over a column of numbers) is right-aligned, sort button too.
                      className={cn(
                        "border-b border-border px-4 py-2.5 font-medium whitespace-nowrap has-[[data-align=right]]:text-right",
                        right && "text-right",
                      )}
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
          <tbody className="max-sm:block">
            {table.getRowModel().rows.length === 0 ? (
              <tr className="max-sm:block">
                <td colSpan={columns.length} className="px-4 py-10 text-center text-sm text-muted max-sm:block">
                  {empty}
                </td>
              </tr>
            ) : (
              table.getRowModel().rows.map((row) => {
                let actionsPlaced = false;
                return (
                  <tr
                    key={row.id}
                    className={cn(
                      "border-b border-border last:border-0 hover:bg-surface",
                      // The card: title and actions on the first line, then one line per field.
                      "max-sm:grid max-sm:grid-cols-[minmax(0,1fr)_auto] max-sm:items-center max-sm:gap-x-3 max-sm:gap-y-2 max-sm:px-4 max-sm:py-3",
                    )}
                  >
                    {row.getAllCells().map((cell, index) => {
                      const meta = cell.column.columnDef.meta;
                      const slot = slotOf(cell.column.id, index);
                      const first = slot === "actions" && !actionsPlaced;
                      if (first) actionsPlaced = true;
                      const value = cell.getValue();
                      const ownTitle = typeof value === "string" && value ? value : undefined;
                      const truncate = !meta?.wrap && slot !== "actions" && slot !== "footer";
                      return (
                        <td
                          key={cell.id}
                          // The card's label is CSS generated content: no text in the DOM (cells keep their text
                          // for tests and the desktop table), read out with the cell on a phone.
                          data-label={slot === "field" ? labelText(cell.column.id) : undefined}
                          className={cn(
                            "px-4 py-2.5 align-middle max-sm:p-0",
                            !meta?.wrap && "sm:whitespace-nowrap",
                            meta?.align === "right" && "sm:text-right",
                            // In a card, text wraps (anywhere, for long names) instead of running off the screen.
                            (slot === "title" || slot === "field") &&
                              "max-sm:wrap-anywhere max-sm:**:whitespace-normal",
                            slot === "title" && "max-sm:col-start-1 max-sm:row-start-1 max-sm:min-w-0",
                            slot === "footer" && "max-sm:col-span-2 max-sm:flex max-sm:justify-end",
                            slot === "actions" &&
                              (first
                                ? "max-sm:col-start-2 max-sm:row-start-1 max-sm:justify-self-end"
                                : "max-sm:col-span-2 max-sm:justify-self-end"),
                            slot === "field" &&
                              "max-sm:col-span-2 max-sm:flex max-sm:min-w-0 max-sm:items-center max-sm:justify-between max-sm:gap-4 max-sm:before:shrink-0 max-sm:before:text-xs max-sm:before:text-muted max-sm:before:content-[attr(data-label)]",
                            slot === "hidden" && "max-sm:hidden",
                          )}
                        >
                          {truncate ? (
                            <div
                              className={cn(
                                // -m-1 p-1: a focused link or button inside keeps its outline despite the clipping.
                                "-m-1 p-1 sm:max-w-96 sm:truncate",
                                slot === "field" && "max-sm:min-w-0 max-sm:text-right max-sm:break-words",
                              )}
                              title={ownTitle}
                              data-own-title={ownTitle ? "1" : undefined}
                              onMouseEnter={showFullText}
                              onFocus={showFullText}
                            >
                              <table.FlexRender cell={cell} />
                            </div>
                          ) : (
                            <div className={cn(slot === "field" && "max-sm:min-w-0 max-sm:text-right")}>
                              <table.FlexRender cell={cell} />
                            </div>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
