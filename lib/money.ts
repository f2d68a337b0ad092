import { z } from "zod";
import { MAX_LENGTH } from "./limits";

/**
 * Credit amounts cross the boundary as decimal strings and are computed in SQL (numeric). These helpers only
 * validate and format; they never do arithmetic in floating point.
 */

/** A positive amount with at most two decimals, within [min, max] (compared exactly, in hundredths). */
export function creditAmountSchema(min: string, max: string, label = "Amount") {
  const lo = hundredths(min)!;
  const hi = hundredths(max)!;
  return z
    .string()
    .trim()
    .min(1, `Enter an ${label.toLowerCase()}.`)
    .max(MAX_LENGTH.creditAmount, { message: `${label} must be at most ${formatCredits(max, 0)}.`, abort: true })
    .refine((v) => v === "" || /^\d+(\.\d{1,2})?$/.test(v), `${label} must be a number with at most two decimals.`)
    .refine((v) => !/^\d+(\.\d{1,2})?$/.test(v) || hundredths(v)! >= lo, `${label} must be at least ${min}.`)
    .refine(
      (v) => !/^\d+(\.\d{1,2})?$/.test(v) || hundredths(v)! <= hi,
      `${label} must be at most ${formatCredits(max, 0)}.`,
    )
    .transform((v) => normalize(v));
}

/** A limit: a non-negative amount with at most two decimals, or empty / "unlimited" for no limit (null). */
export const creditLimitSchema = z
  .string()
  .trim()
  .max(MAX_LENGTH.creditLimit, {
    message: "Enter a number with at most two decimals, or leave empty for unlimited.",
    abort: true,
  })
  .transform((v) => (v === "" || v.toLowerCase() === "unlimited" ? null : v))
  .refine(
    (v) => v === null || /^\d{1,12}(\.\d{1,2})?$/.test(v),
    "Enter a number with at most two decimals, or leave empty for unlimited.",
  )
  .transform((v) => (v === null ? null : normalize(v)));

/** A count limit: a whole number ≥ 0, or empty / "unlimited" for none (null). */
export const countLimitSchema = z
  .string()
  .trim()
  .max(MAX_LENGTH.countLimit, { message: "Enter a whole number, or leave empty for unlimited.", abort: true })
  .transform((v) => (v === "" || v.toLowerCase() === "unlimited" ? null : v))
  .refine((v) => v === null || /^\d{1,6}$/.test(v), "Enter a whole number, or leave empty for unlimited.")
  .transform((v) => (v === null ? null : Number(v)));

function hundredths(v: string): number | null {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(v);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

function normalize(v: string): string {
  const [int, frac = ""] = v.split(".");
  return `${BigInt(int!).toString()}${frac ? `.${frac.padEnd(2, "0")}` : ""}`;
}

/** "-3.5", "0", "0.000" → true: a decimal string that is zero or below (exactly, no parsing to a float). */
export function isNonPositive(v: string): boolean {
  return v.startsWith("-") || /^0*(\.0*)?$/.test(v);
}

/** "1234.5" → "1,234.50" (rounded half-up at `decimals`), exactly, from the decimal string. */
export function formatCredits(value: string | null | undefined, decimals = 2): string {
  if (value === null || value === undefined) return "Unlimited";
  const negative = value.startsWith("-");
  const [intPart, fracPart = ""] = (negative ? value.slice(1) : value).split(".");
  let scaled = BigInt((intPart || "0") + fracPart.padEnd(decimals, "0").slice(0, decimals));
  if (Number(fracPart[decimals] ?? "0") >= 5) scaled += 1n;
  const digits = scaled.toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals);
  const grouped = BigInt(whole).toLocaleString("en");
  const out = decimals > 0 ? `${grouped}.${frac}` : grouped;
  return negative && scaled !== 0n ? `-${out}` : out;
}

/** Price of `credits` at `pricePerCredit` (decimal strings) in minor units (cents), rounded half-up. */
export function priceInMinorUnits(credits: string, pricePerCredit: string): number {
  const a = toScaled(credits, 2);
  const p = toScaled(pricePerCredit, 4);
  // credits×100 × price×10^4 = cents×10^4 ... so divide by 10^4 (rounding half up) to get cents.
  const product = a * p;
  return Number((product + 5_000n) / 10_000n);
}

function toScaled(v: string, decimals: number): bigint {
  const [i, f = ""] = v.split(".");
  return BigInt((i || "0") + f.padEnd(decimals, "0").slice(0, decimals));
}

/** A decimal string as an integer count of 10⁻⁸ credits (the scale of numeric(…, 8)), exactly. */
export function creditUnits(v: string): bigint {
  const negative = v.startsWith("-");
  const [i, f = ""] = (negative ? v.slice(1) : v).split(".");
  const n = BigInt((i || "0") + f.padEnd(8, "0").slice(0, 8));
  return negative ? -n : n;
}

/** Exact sum of decimal strings (up to 8 decimals), as a decimal string with 8 decimals. */
export function addCredits(...values: string[]): string {
  const sum = values.reduce((acc, v) => acc + creditUnits(v), 0n);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(9, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}
