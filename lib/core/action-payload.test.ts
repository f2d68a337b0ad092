import { describe, expect, it } from "vitest";
import { isWellFormedModel, isWellFormedMultipart, MAX_ACTION_DEPTH, mediaType } from "./action-payload";

const nested = (n: number) => "[".repeat(n) + "]".repeat(n);

describe("server action payloads the proxy refuses before Next.js parses them", () => {
  it("accepts what React's encodeReply sends", () => {
    for (const ok of [
      "[]",
      "[{}]",
      '["acme","alice","manager"]',
      '[{"token":"abc"}]',
      '["$$literal dollar","$undefined","$NaN","$Infinity","$-Infinity","$-0","$D2026-01-01T00:00:00.000Z","$n123"]',
      '["$T"]',
      nested(MAX_ACTION_DEPTH),
    ]) {
      expect(isWellFormedModel(ok, null), ok).toBe(true);
    }
    // useActionState with FormData: `0` is the root, `$K1` names the entries `_1_…`.
    expect(
      isWellFormedMultipart([
        ["_1_name", "acme"],
        ["_1_displayName", ""],
        ["0", '["$K1"]'],
      ]),
    ).toBe(true);
    expect(
      isWellFormedMultipart([
        ["0", '[{"a":"$Q1"}]'],
        ["1", "[]"],
      ]),
    ).toBe(true);
    expect(isWellFormedMultipart([["0", '["$K1"]']])).toBe(true); // an empty form
  });

  it("refuses invalid JSON, deep nesting, unknown $-forms and references that can't resolve", () => {
    for (const bad of [
      "",
      "NaN",
      '"just a string"',
      "{}",
      "[",
      "{'a':1}",
      nested(MAX_ACTION_DEPTH + 1),
      nested(4000),
      '["$Q1"]', // text/plain has no other part
      '["$@0"]',
      '["$K1"]',
      '["$1"]',
      '["$Z"]',
      '["$"]',
      '["$n' + "9".repeat(301) + '"]',
      '[{"a":{"b":["$h2"]}}]',
    ]) {
      expect(isWellFormedModel(bad, null), bad.slice(0, 40)).toBe(false);
    }
    expect(isWellFormedMultipart([])).toBe(false); // no root part
    expect(isWellFormedMultipart([["1", "[]"]])).toBe(false);
    expect(
      isWellFormedMultipart([
        ["0", '["$Q2"]'],
        ["1", "[]"],
      ]),
    ).toBe(false); // dangling
    expect(
      isWellFormedMultipart([
        ["0", "[]"],
        ["1", "NaN"],
      ]),
    ).toBe(false);
    expect(isWellFormedMultipart([["0", nested(200)]])).toBe(false);
  });

  it("reads the media type of a Content-Type header", () => {
    expect(mediaType("text/plain;charset=UTF-8")).toBe("text/plain");
    expect(mediaType(" Multipart/Form-Data; boundary=x")).toBe("multipart/form-data");
    expect(mediaType(null)).toBe("");
  });
});
