import { z } from "zod";
import { compareCredits, formatCredits, isCreditAmount, parseCreditAmount, scaledAmount } from "./credits-amount";
import { MAX_LENGTH } from "./limits";

/**
 * Credit amounts cross the boundary as decimal strings and are computed in SQL (numeric). These helpers only
 * validate and format; they never do arithmetic in floating point. Parsing, comparing and formatting amounts
 * lives in ./credits-amount (re-exported here).
 */
export { addCredits, creditUnits, formatCredits, isNonPositive } from "./credits-amount";

/** The credits one top-up may buy (the server's check, and the top-up dialog's as the payer types). */
export const TOP_UP_RANGE = { min: "1", max: "100000" } as const;

/** A positive amount with at most two decimals, within [min, max] (compared exactly). */
export function creditAmountSchema(min: string, max: string, label = "Amount") {
  return z
    .string()
    .trim()
    .min(1, `Enter an ${label.toLowerCase()}.`)
    .max(MAX_LENGTH.creditAmount, { message: `${label} must be at most ${formatCredits(max, 0)}.`, abort: true })
    .refine((v) => v === "" || isCreditAmount(v), `${label} must be a number with at most two decimals.`)
    .refine((v) => !isCreditAmount(v) || compareCredits(v, min) >= 0, `${label} must be at least ${min}.`)
    .refine(
      (v) => !isCreditAmount(v) || compareCredits(v, max) <= 0,
      `${label} must be at most ${formatCredits(max, 0)}.`,
    )
    .transform((v) => parseCreditAmount(v)!);
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
    (v) => v === null || isCreditAmount(v, { maxDigits: 12 }),
    "Enter a number with at most two decimals, or leave empty for unlimited.",
  )
  .transform((v) => (v === null ? null : parseCreditAmount(v, { maxDigits: 12 })));

/** A count limit: a whole number ≥ 0, or empty / "unlimited" for none (null). */
export const countLimitSchema = z
  .string()
  .trim()
  .max(MAX_LENGTH.countLimit, { message: "Enter a whole number, or leave empty for unlimited.", abort: true })
  .transform((v) => (v === "" || v.toLowerCase() === "unlimited" ? null : v))
  .refine((v) => v === null || /^\d{1,6}$/.test(v), "Enter a whole number, or leave empty for unlimited.")
  .transform((v) => (v === null ? null : Number(v)));

/** "usd", "JPY": a well-formed ISO 4217 code that Intl accepts as a currency. */
export function isCurrencyCode(code: string): boolean {
  if (!/^[a-z]{3}$/i.test(code)) return false;
  try {
    currencyMinorUnits(code);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decimals of a currency's minor unit (ISO 4217 via Intl): usd 2, jpy 0, kwd 3. Throws a RangeError for a
 * code that isn't a currency.
 */
export function currencyMinorUnits(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).resolvedOptions()
    .maximumFractionDigits!;
}

/**
 * Price of `credits` (at most two decimals) at `pricePerCredit` (at most four) in the currency's minor units
 * (cents for usd, yen for jpy, fils for kwd), rounded half-up, exactly.
 */
export function priceInMinorUnits(credits: string, pricePerCredit: string, currency: string): number {
  const a = scaledAmount(credits, 2);
  const p = scaledAmount(pricePerCredit, 4);
  // credits×10² × price×10⁴ is the price in 10⁻⁶ of the major unit: divide by 10^(6 − minor digits), half up.
  const divisor = 10n ** BigInt(6 - currencyMinorUnits(currency));
  return Number((a * p + divisor / 2n) / divisor);
}

/** 1250 minor units → "12.50" in usd, "1250" in jpy, "1.250" in kwd (no grouping), exactly. */
export function formatMinorUnits(amountMinor: number, currency: string): string {
  const decimals = currencyMinorUnits(currency);
  const negative = amountMinor < 0;
  const digits = BigInt(Math.abs(amountMinor))
    .toString()
    .padStart(decimals + 1, "0");
  const out = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return negative ? `-${out}` : out;
}
