/**
 * Formatting shared by the Reports page (server) and its charts (client). Amounts stay exact decimal strings;
 * charts convert them with Number() only to draw.
 */

const dayMonth = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const dayMonthYear = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});

const asDate = (day: string) => new Date(`${day}T00:00:00Z`);

/** "2026-11-03" → "3 Nov". */
export function formatDay(day: string): string {
  return dayMonth.format(asDate(day));
}

/** "2026-11-03" → "3 Nov 2026". */
export function formatDayLong(day: string): string {
  return dayMonthYear.format(asDate(day));
}

/** "1 Nov – 30 Nov 2026", or "15 Dec 2025 – 13 Jan 2026" across years. */
export function formatPeriod(from: string, to: string): string {
  if (from.slice(0, 4) === to.slice(0, 4)) return `${formatDay(from)} – ${formatDayLong(to)}`;
  return `${formatDayLong(from)} – ${formatDayLong(to)}`;
}

function scaled(v: string): bigint {
  const negative = v.startsWith("-");
  const [i, f = ""] = (negative ? v.slice(1) : v).split(".");
  const n = BigInt((i || "0") + f.padEnd(8, "0").slice(0, 8));
  return negative ? -n : n;
}

/** Exact sum of decimal strings (up to 8 decimals, like numeric(…, 8)). */
export function addDecimals(...values: string[]): string {
  const sum = values.reduce((acc, v) => acc + scaled(v), 0n);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(9, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

export function isZero(v: string): boolean {
  return scaled(v) === 0n;
}

/**
 * Series colours: mid-tones that keep contrast on the light and the dark canvas. The last one ("Others") is a
 * neutral grey.
 */
export const SERIES_COLORS = [
  "#6366f1",
  "#0ea5e9",
  "#10b981",
  "#f59e0b",
  "#ef4444",
  "#a855f7",
  "#ec4899",
  "#14b8a6",
  "#84cc16",
  "#f97316",
];
export const OTHERS_COLOR = "#a1a1aa";
