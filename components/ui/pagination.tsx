"use client";

import { PAGE_SIZES } from "@/lib/core/paging";
import { Button } from "./button";

/**
 * "1–25 of 65", rows per page and previous/next; the page lives in the URL (see useUrlState). A total that is
 * only a lower bound (a count that stopped at its limit) reads "1,000+", and Next stays on past it.
 */
export function Pagination({
  page,
  pageSize,
  total,
  totalCapped = false,
  pageSizes = PAGE_SIZES,
  update,
  pending,
}: {
  page: number;
  pageSize: number;
  total: number;
  /** `total` is "at least": more rows follow it. */
  totalCapped?: boolean;
  /** Default: PAGE_SIZES, what every paged query accepts. */
  pageSizes?: readonly number[];
  /** useUrlState's update: page and page size live in the URL (page 1 is left out). */
  update: (changes: Record<string, string | number | null>) => void;
  pending?: boolean;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const more = totalCapped ? "+" : "";
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 text-sm text-muted" data-testid="pagination">
      <p aria-live="polite">
        {total === 0
          ? "No results"
          : `${first.toLocaleString("en")}–${last.toLocaleString("en")} of ${total.toLocaleString("en")}${more}`}
      </p>
      <div className="flex items-center gap-2">
        <label className="flex items-center gap-2">
          <span className="max-sm:sr-only">Rows per page</span>
          <select
            className="h-8 rounded-md border border-border-strong bg-canvas px-2 text-fg"
            value={pageSize}
            onChange={(e) => update({ pageSize: Number(e.target.value), page: null })}
          >
            {pageSizes.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <Button
          variant="secondary"
          size="sm"
          disabled={page <= 1 || pending}
          onClick={() => update({ page: page - 1 === 1 ? null : page - 1 })}
        >
          Previous
        </Button>
        <span className="whitespace-nowrap tabular-nums">
          {page} / {pages}
          {more}
        </span>
        <Button
          variant="secondary"
          size="sm"
          disabled={(page >= pages && !totalCapped) || pending}
          onClick={() => update({ page: page + 1 })}
        >
          Next
        </Button>
      </div>
    </div>
  );
}
