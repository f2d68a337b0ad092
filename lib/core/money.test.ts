import { describe, expect, it } from "vitest";
import {
  addCredits,
  creditUnits,
  currencyMinorUnits,
  formatCredits,
  formatMinorUnits,
  isCurrencyCode,
  priceInMinorUnits,
} from "./money";
import { formatMinor } from "../billing/payments";

describe("exact credit arithmetic on decimal strings", () => {
  it("counts 10⁻⁸ units without floating point", () => {
    expect(creditUnits("0.1")).toBe(10_000_000n);
    expect(creditUnits("-2.50000000")).toBe(-250_000_000n);
    expect(creditUnits("0")).toBe(0n);
    expect(creditUnits("123456789012345.12345678")).toBe(12345678901234512345678n);
  });

  it("adds exactly: 0.1 + 0.2 is 0.3", () => {
    expect(addCredits("0.1", "0.2")).toBe("0.30000000");
    expect(addCredits("100.00000000", "10")).toBe("110.00000000");
    expect(addCredits("-5", "2.25")).toBe("-2.75000000");
    expect(addCredits("-0.00000001", "0")).toBe("-0.00000001");
    expect(addCredits()).toBe("0.00000000");
    expect(formatCredits(addCredits("0.005", "0"))).toBe("0.01");
  });
});

describe("currencies' minor units (ISO 4217)", () => {
  it("knows the decimals of jpy (0), usd (2) and kwd (3), in any case", () => {
    expect(currencyMinorUnits("jpy")).toBe(0);
    expect(currencyMinorUnits("usd")).toBe(2);
    expect(currencyMinorUnits("EUR")).toBe(2);
    expect(currencyMinorUnits("kwd")).toBe(3);
    expect(isCurrencyCode("kwd")).toBe(true);
    expect(isCurrencyCode("dollars")).toBe(false);
    expect(isCurrencyCode("u$d")).toBe(false);
    expect(isCurrencyCode("")).toBe(false);
  });

  it("prices in the currency's minor units, rounded half-up, exactly", () => {
    // 100 credits at 1.00: 10,000 cents, 100 yen (not 10,000), 100,000 fils.
    expect(priceInMinorUnits("100", "1.00", "usd")).toBe(10_000);
    expect(priceInMinorUnits("100", "1.00", "jpy")).toBe(100);
    expect(priceInMinorUnits("100", "1.00", "kwd")).toBe(100_000);
    // Half a minor unit rounds up, just below it rounds down.
    expect(priceInMinorUnits("1", "0.5", "jpy")).toBe(1);
    expect(priceInMinorUnits("1", "0.4999", "jpy")).toBe(0);
    expect(priceInMinorUnits("12.5", "1.5", "jpy")).toBe(19); // 18.75 yen
    expect(priceInMinorUnits("0.01", "0.05", "usd")).toBe(0); // 0.0005 dollars
    expect(priceInMinorUnits("0.01", "0.5", "usd")).toBe(1); // 0.005 dollars
    expect(priceInMinorUnits("1", "0.0005", "kwd")).toBe(1); // 0.0005 dinars = 0.5 fils
    expect(priceInMinorUnits("1", "0.0004", "kwd")).toBe(0);
    expect(priceInMinorUnits("3.33", "1.2345", "kwd")).toBe(4111); // 4.110885 dinars
    // Float arithmetic would say 0.30000000000000004.
    expect(priceInMinorUnits("0.1", "1", "usd") + priceInMinorUnits("0.2", "1", "usd")).toBe(30);
  });

  it("formats minor units with the currency's decimals", () => {
    expect(formatMinorUnits(1250, "usd")).toBe("12.50");
    expect(formatMinorUnits(5, "usd")).toBe("0.05");
    expect(formatMinorUnits(0, "usd")).toBe("0.00");
    expect(formatMinorUnits(1250, "jpy")).toBe("1250");
    expect(formatMinorUnits(1250, "kwd")).toBe("1.250");
    expect(formatMinorUnits(7, "kwd")).toBe("0.007");
    expect(formatMinorUnits(99_999_989_000, "usd")).toBe("999999890.00");
    expect(formatMinor(100, "jpy")).toBe("100");
    expect(formatMinor(1250, "eur")).toBe("12.50");
  });
});
