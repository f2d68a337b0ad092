import { z } from "zod";
import { PAGE_SIZES } from "@/lib/core";

/** Shared pieces of the console's own API (`/api/v1/…`, family "console"): path parameters, paging, dates. */

export const orgParam = z.string().min(1).max(100).describe("The org's name.");
export const orgParams = z.object({ org: orgParam });

/** A page number and a page size (25, 50 or 100), as the console's tables page. */
export const pageQuery = {
  page: z.coerce.number().int().min(1).max(100_000).default(1).describe("1-based page number."),
  page_size: z.coerce
    .number()
    .int()
    .refine((n) => (PAGE_SIZES as readonly number[]).includes(n), "Page size must be 25, 50 or 100.")
    .optional()
    .describe("Rows per page: 25, 50 or 100."),
};

/** A date as JSON: ISO 8601 in UTC, or null. */
export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

export const isoDate = z.string().describe("ISO 8601 timestamp (UTC).");
export const decimal = z.string().describe("A decimal number as a string (exact; never a float).");

/** Cursor paging: an opaque cursor from the previous page's `next_cursor`, and a page size. */
export function cursorQuery(def: number, max: number) {
  return {
    cursor: z.string().max(200).optional().describe("The previous page's `next_cursor`; absent: the first page."),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(max)
      .optional()
      .describe(`Rows per page, 1 to ${max} (${def} unless given).`),
  };
}

export const nextCursor = z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page.");
