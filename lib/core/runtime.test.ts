import { describe, expect, it } from "vitest";
import { formatRuntime } from "./runtime";

describe("formatRuntime", () => {
  it("says seconds, minutes and hours, whole seconds rounded down", () => {
    expect(formatRuntime(0)).toBe("0s");
    expect(formatRuntime(42.9)).toBe("42s");
    expect(formatRuntime(185)).toBe("3m 5s");
    expect(formatRuntime(3600)).toBe("1h 0m 0s");
    expect(formatRuntime(7207)).toBe("2h 0m 7s");
    expect(formatRuntime(26 * 3600 + 180)).toBe("26h 3m 0s");
  });

  it("never shows a negative or broken runtime (a clock a moment behind the start)", () => {
    expect(formatRuntime(-0.4)).toBe("0s");
    expect(formatRuntime(Number.NaN)).toBe("0s");
  });
});
