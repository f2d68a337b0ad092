import { describe, expect, it } from "vitest";
import {
  addCredits,
  compareCredits,
  formatCredits,
  isCreditAmount,
  isNonPositive,
  parseCreditAmount,
  scaledAmount,
} from "./credits-amount";

describe("credit amounts: one parser, comparer and formatter", () => {
  it("recognizes amounts: two decimals by default, digits, sign and decimals as asked", () => {
    for (const ok of ["0", "1", "12.5", "12.50", "100000", "007.1"]) expect(isCreditAmount(ok), ok).toBe(true);
    for (const bad of ["", " 1", "1 ", "1.", ".5", "1.234", "-1", "+1", "1e3", "1,000", "0x10", "١٢", "NaN"])
      expect(isCreditAmount(bad), bad).toBe(false);
    expect(isCreditAmount("123456789012", { maxDigits: 12 })).toBe(true);
    expect(isCreditAmount("1234567890123", { maxDigits: 12 })).toBe(false);
    expect(isCreditAmount("-12.25", { signed: true })).toBe(true);
    expect(isCreditAmount("--1", { signed: true })).toBe(false);
    expect(isCreditAmount("1.2345", { decimals: 4 })).toBe(true);
    expect(isCreditAmount("1.23456", { decimals: 4 })).toBe(false);
    expect(isCreditAmount("5", { decimals: 0 })).toBe(true);
    expect(isCreditAmount("5.0", { decimals: 0 })).toBe(false);
  });

  it("normalizes what it parses, and refuses the rest", () => {
    expect(parseCreditAmount("007.5")).toBe("7.50");
    expect(parseCreditAmount("100")).toBe("100");
    expect(parseCreditAmount("0.1")).toBe("0.10");
    expect(parseCreditAmount("1.5", { decimals: 4 })).toBe("1.5000");
    expect(parseCreditAmount("-3.5", { signed: true })).toBe("-3.50");
    expect(parseCreditAmount("-0", { signed: true })).toBe("0");
    expect(parseCreditAmount("1.234")).toBeNull();
    expect(parseCreditAmount("abc")).toBeNull();
  });

  it("compares exactly, whatever the notation", () => {
    expect(compareCredits("1", "1.00")).toBe(0);
    expect(compareCredits("0.1", "0.09")).toBe(1);
    expect(compareCredits("99999.99", "100000")).toBe(-1);
    expect(compareCredits("-1", "0")).toBe(-1);
    expect(compareCredits("100000.00000001", "100000")).toBe(1);
    expect(compareCredits("9007199254740993", "9007199254740992")).toBe(1); // past Number's precision
  });

  it("scales, sums, signs and formats exactly", () => {
    expect(scaledAmount("1.239", 2)).toBe(123n);
    expect(scaledAmount("-1.5", 4)).toBe(-15000n);
    expect(addCredits("0.1", "0.2")).toBe("0.30000000");
    expect(isNonPositive("0.000")).toBe(true);
    expect(isNonPositive("-0.01")).toBe(true);
    expect(isNonPositive("0.01")).toBe(false);
    expect(formatCredits("1234.5")).toBe("1,234.50");
    expect(formatCredits("100000", 0)).toBe("100,000");
    expect(formatCredits(null)).toBe("Unlimited");
  });
});
