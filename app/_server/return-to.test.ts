import { describe, expect, it } from "vitest";
import { authRedirect, safeReturnTo } from "./return-to";

/**
 * Known open-redirect bypasses (the usual lists: OWASP, PayloadsAllTheThings' "Open Redirect", and browser URL
 * parser quirks). Each must fall back to "/".
 */
const BYPASSES: unknown[] = [
  // other origins, spelled every way
  "https://evil.example",
  "http://evil.example/",
  "HTTPS://evil.example",
  "hTtP://evil.example",
  "//evil.example",
  "///evil.example",
  "////evil.example",
  "https:evil.example",
  "https:/evil.example",
  "http:\\\\evil.example",
  // backslashes: a browser reads them as slashes
  "/\\evil.example",
  "\\/evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "/\\\\evil.example",
  // tabs, newlines and other control characters: the URL parser drops tab/CR/LF
  "/\t/evil.example",
  "/\t\\evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/\r/evil.example",
  "\t//evil.example",
  "/\f/evil.example",
  "/\u0000/evil.example",
  "/\u000b/evil.example",
  "/\u007f/evil.example",
  "/\u0085/evil.example",
  // dot segments that normalize to a protocol-relative URL
  "/.//evil.example",
  "/./\\evil.example",
  "/x/..//evil.example",
  "/%2e//evil.example",
  // not a path at all
  "javascript:alert(1)",
  "JavaScript:alert(1)",
  "java\tscript:alert(1)",
  " javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "%2F%2Fevil.example",
  "%5C%5Cevil.example",
  "evil.example",
  "@evil.example",
  "?next=//evil.example",
  // leading whitespace and unicode look-alikes at the start
  " /evil.example",
  " //evil.example",
  "\u3000//evil.example",
  "\uff0f\uff0fevil.example",
  "\u2215\u2215evil.example",
  // not a string, empty, or absurdly long
  "",
  undefined,
  null,
  42,
  ["/orgs/acme"],
  { toString: () => "/orgs/acme" },
  `/${"a".repeat(5000)}`,
];

describe("safeReturnTo", () => {
  it("keeps same-site paths", () => {
    expect(safeReturnTo("/orgs/acme?x=1")).toBe("/orgs/acme?x=1");
    expect(safeReturnTo("/")).toBe("/");
    expect(safeReturnTo("/invite/abc_DEF-123")).toBe("/invite/abc_DEF-123");
    expect(safeReturnTo("/orgs/acme/credits?kind=charge#ledger")).toBe("/orgs/acme/credits?kind=charge#ledger");
  });

  it("returns the normalized path, encoded as a Location header needs it", () => {
    expect(safeReturnTo("/orgs/./acme/../acme")).toBe("/orgs/acme");
    expect(safeReturnTo("/orgs/ä c")).toBe("/orgs/%C3%A4%20c");
    expect(safeReturnTo("/a?q=a b")).toBe("/a?q=a%20b");
    // Encoded slashes are path characters, not separators: they stay on this site.
    expect(safeReturnTo("/%2F/evil.example")).toBe("/%2F/evil.example");
    expect(safeReturnTo("/%5Cevil.example")).toBe("/%5Cevil.example");
    expect(safeReturnTo("/%09/evil.example")).toBe("/%09/evil.example");
    // Unicode slashes after a real one are only characters of the path.
    expect(safeReturnTo("/\u2215evil.example")).toBe("/%E2%88%95evil.example");
    expect(safeReturnTo("/\uff0fevil.example")).toBe("/%EF%BC%8Fevil.example");
  });

  it(`refuses ${BYPASSES.length} known bypasses`, () => {
    expect(BYPASSES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BYPASSES.map((v) => [(JSON.stringify(v) ?? String(v)).slice(0, 40), v]))("refuses %s", (_, v) => {
    expect(safeReturnTo(v)).toBe("/");
  });

  it("every answer resolves to this origin, the way a browser reads a Location", () => {
    const here = "http://127.0.0.1:3000";
    for (const v of [...BYPASSES, "/orgs/acme", "/%2F/evil.example", "/\u2215evil.example"]) {
      const target = new URL(safeReturnTo(v), here);
      expect(target.origin, JSON.stringify(v)).toBe(here);
    }
  });

  it("uses the given fallback", () => {
    expect(safeReturnTo("//evil.example", "/onboarding")).toBe("/onboarding");
  });
});

describe("authRedirect (Auth.js' redirect callback)", () => {
  const baseUrl = "http://127.0.0.1:3000";
  it("keeps paths and same-origin URLs", () => {
    expect(authRedirect({ url: "/orgs/acme", baseUrl })).toBe(`${baseUrl}/orgs/acme`);
    expect(authRedirect({ url: `${baseUrl}/orgs/acme?x=1`, baseUrl })).toBe(`${baseUrl}/orgs/acme?x=1`);
  });
  it.each([
    "https://evil.example/",
    "//evil.example",
    "/\n/evil.example",
    "/\t/evil.example",
    `${baseUrl}/\t/evil.example`,
    `${baseUrl}.evil.example/`,
    "not a url",
  ])("sends %j home", (url) => {
    expect(authRedirect({ url, baseUrl })).toBe(`${baseUrl}/`);
  });
});
