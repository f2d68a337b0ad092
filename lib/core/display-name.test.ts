import { describe, expect, it } from "vitest";
import { splitDisplayName } from "./display-name";

describe("splitDisplayName (Apolo's first_name / last_name)", () => {
  it("splits at the first space; one word is a first name; nothing is nulls", () => {
    expect(splitDisplayName("Ada King Lovelace")).toEqual({ first: "Ada", last: "King Lovelace" });
    expect(splitDisplayName("Ada B  C")).toEqual({ first: "Ada", last: "B  C" });
    expect(splitDisplayName("  Plato ")).toEqual({ first: "Plato", last: null });
    expect(splitDisplayName(null)).toEqual({ first: null, last: null });
    expect(splitDisplayName("   ")).toEqual({ first: null, last: null });
  });
});
