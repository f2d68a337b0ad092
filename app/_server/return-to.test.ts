import { describe, expect, it } from "vitest";
import { safeReturnTo } from "./return-to";

describe("safeReturnTo", () => {
  it("keeps same-site paths", () => {
    expect(safeReturnTo("/orgs/acme?x=1")).toBe("/orgs/acme?x=1");
  });
  it.each(["https://evil.example", "//evil.example", "/\\evil.example", "", undefined, 42])("refuses %j", (v) => {
    expect(safeReturnTo(v)).toBe("/");
  });
});
