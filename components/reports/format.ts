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

/** Steps between x-axis labels, in days: every day, every other, twice a week, weekly, fortnightly, monthly… */
const TICK_STEPS = [1, 2, 3, 7, 14, 28, 56, 91, 182, 364];

/**
 * The days to label on a chart's x axis: every `step` days from the first, `step` the smallest in TICK_STEPS
 * that keeps at most `max` labels, so labels sit at regular intervals (not where recharts found room).
 */
export function evenDayTicks(days: string[], max = 6): string[] {
  const step = TICK_STEPS.find((s) => Math.ceil(days.length / s) <= max) ?? Math.ceil(days.length / max);
  return days.filter((_, i) => i % step === 0);
}
