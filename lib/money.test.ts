import { describe, expect, it } from "vitest";
import { addCredits, creditUnits, formatCredits } from "./money";

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
