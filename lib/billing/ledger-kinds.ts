/**
 * What each kind of ledger row is called where people read it (the Credits page, its CSV). A plain module with no
 * database imports, so client components can use it too.
 */
export const LEDGER_KIND_LABELS = {
  topup: "Top-up",
  auto_topup: "Automatic top-up",
  grant: "Grant",
  charge: "Charge",
  adjustment: "Adjustment",
} as const satisfies Record<string, string>;

/** The label of a kind (an unknown kind reads as itself). */
export function ledgerKindLabel(kind: string): string {
  return (LEDGER_KIND_LABELS as Record<string, string>)[kind] ?? kind;
}

/**
 * The UTC hour a job's hourly charge row covers, e.g. "14:00–14:59" (null: not an hourly row). The row grows
 * while the job runs in that hour (lib/billing/ledger.ts chargesSql).
 */
export function hourSpan(periodStart: Date | string | null | undefined): string | null {
  if (!periodStart) return null;
  const h = new Date(periodStart).getUTCHours().toString().padStart(2, "0");
  return `${h}:00–${h}:59`;
}

/** "-0.00027778" → "0.00", "1234.505" → "1234.51": 2 decimals, half away from zero, no grouping (exact, from the string). */
export function roundCredits(value: string): string {
  const negative = value.startsWith("-");
  const [intPart, fracPart = ""] = (negative ? value.slice(1) : value).split(".");
  let cents = BigInt((intPart || "0") + fracPart.padEnd(2, "0").slice(0, 2));
  if (Number(fracPart[2] ?? "0") >= 5) cents += 1n;
  const digits = cents.toString().padStart(3, "0");
  return `${negative && cents !== 0n ? "-" : ""}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
