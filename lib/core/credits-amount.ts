/**
 * Credit amounts (and prices) are decimal strings: "12.5", "100", "-3.25". This module is the one place that
 * recognizes, normalizes, compares and formats them, exactly (BigInt on scaled integers, never a float).
 * No imports: the browser uses it too (the top-up dialog).
 */

export interface AmountShape {
  /** Most decimals allowed (two for credits, four for prices and credits per hour). */
  decimals?: number;
  /** Most digits before the point; unbounded when absent. */
  maxDigits?: number;
  /** Allows a leading "-". */
  signed?: boolean;
}

const patterns = new Map<string, RegExp>();

function pattern({ decimals = 2, maxDigits, signed = false }: AmountShape): RegExp {
  const key = `${decimals}:${maxDigits ?? ""}:${signed}`;
  let re = patterns.get(key);
  if (!re) {
    const int = maxDigits === undefined ? "\\d+" : `\\d{1,${maxDigits}}`;
    const frac = decimals > 0 ? `(\\.\\d{1,${decimals}})?` : "";
    re = new RegExp(`^${signed ? "-?" : ""}${int}${frac}$`);
    patterns.set(key, re);
  }
  return re;
}

/** "12.5" → true; "1.234", "1e3", " 1", "" → false (two decimals unless `shape` says otherwise). */
export function isCreditAmount(v: string, shape: AmountShape = {}): boolean {
  return pattern(shape).test(v);
}

/**
 * A well-formed amount in its canonical form ("007.5" → "7.50": no leading zeros, `decimals` places when it
 * has a fraction), or null when it isn't one.
 */
export function parseCreditAmount(v: string, shape: AmountShape = {}): string | null {
  if (!isCreditAmount(v, shape)) return null;
  const negative = v.startsWith("-");
  const [int, frac = ""] = (negative ? v.slice(1) : v).split(".");
  const whole = BigInt(int!).toString();
  const out = `${whole}${frac ? `.${frac.padEnd(shape.decimals ?? 2, "0")}` : ""}`;
  return negative && !/^0*(\.0*)?$/.test(out) ? `-${out}` : out;
}

/** A decimal string as an integer count of 10^-decimals, truncating further digits ("1.239", 2 → 123n). */
export function scaledAmount(v: string, decimals: number): bigint {
  const negative = v.startsWith("-");
  const [i, f = ""] = (negative ? v.slice(1) : v).split(".");
  const n = BigInt((i || "0") + f.padEnd(decimals, "0").slice(0, decimals));
  return negative ? -n : n;
}

/** A decimal string as an integer count of 10⁻⁸ credits (the scale of numeric(…, 8)), exactly. */
export function creditUnits(v: string): bigint {
  return scaledAmount(v, 8);
}

/** -1, 0 or 1 as a < b, a = b, a > b, exactly (up to 8 decimals). */
export function compareCredits(a: string, b: string): -1 | 0 | 1 {
  const x = creditUnits(a);
  const y = creditUnits(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** "-3.5", "0", "0.000" → true: a decimal string that is zero or below (exactly, no parsing to a float). */
export function isNonPositive(v: string): boolean {
  return v.startsWith("-") || /^0*(\.0*)?$/.test(v);
}

/** Exact sum of decimal strings (up to 8 decimals), as a decimal string with 8 decimals. */
export function addCredits(...values: string[]): string {
  const sum = values.reduce((acc, v) => acc + creditUnits(v), 0n);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(9, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -8)}.${digits.slice(-8)}`;
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

/**
 * Two decimals, or four when a non-zero amount would round to "0.00" (a job's first seconds, a small rate):
 * never a misleading zero. "0.0042", "-0.0003", "2.50".
 */
export function formatCreditsFine(value: string): string {
  const two = formatCredits(value);
  return two.replace(/^-/, "") === "0.00" && creditUnits(value) !== 0n ? formatCredits(value, 4) : two;
}
