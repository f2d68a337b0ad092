import { describe, expect, it } from "vitest";
import {
  isWellFormedModel,
  isWellFormedMultipart,
  MAX_ACTION_ARGS,
  MAX_ACTION_DEPTH,
  mediaType,
} from "./action-payload";

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
    const file = new Blob(["x"]);
    for (const ok of [
      [
        ["0", '["$Q1"]'],
        ["1", '[["a",1],["b",2]]'],
      ], // a Map
      [
        ["0", '["$W1","$i1"]'],
        ["1", "[1,2]"],
      ], // a Set, an iterator
      [
        ["0", '["$A1","$B1"]'],
        ["1", file],
      ], // an ArrayBuffer, a Blob
      [
        ["0", '["$1:a:0"]'],
        ["1", '{"a":[5]}'],
      ], // a path that exists
    ] as [string, unknown][][]) {
      expect(isWellFormedMultipart(ok), JSON.stringify(ok)).toBe(true);
    }
    expect(isWellFormedModel(`[${Array(MAX_ACTION_ARGS).fill(1).join(",")}]`, null)).toBe(true);
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
    // Shapes Next 16.4 answers with a 500 (probed against the build: e2e/fuzz.spec.ts sends them too).
    const file = new Blob(["[1]"]);
    for (const bad of [
      [["0", file]], // the root is a file
      [
        ["0", '["$Q1"]'],
        ["1", '{"a":1}'],
      ], // a Map of an object
      [
        ["0", '["$Q1"]'],
        ["1", "[1,2]"],
      ], // a Map of entries that aren't pairs
      [
        ["0", '["$W1"]'],
        ["1", "5"],
      ], // a Set of a number
      [
        ["0", '["$i1"]'],
        ["1", "{}"],
      ], // an iterator of an object
      [
        ["0", '["$A1"]'],
        ["1", "{}"],
      ], // an ArrayBuffer that isn't a file
      [
        ["0", '["$1"]'],
        ["1", file],
      ], // a model that is a file
      [
        ["0", '["$1:x:y"]'],
        ["1", "{}"],
      ], // a path that doesn't exist
      [
        ["0", '["$1:length"]'],
        ["1", '"abc"'],
      ], // a path into a string
      [
        ["0", '["$h1"]'],
        ["1", '{"id":"x","bound":null}'],
      ], // a server reference
    ] as [string, unknown][][]) {
      expect(isWellFormedMultipart(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(
      isWellFormedModel(
        `[${Array(MAX_ACTION_ARGS + 1)
          .fill(1)
          .join(",")}]`,
        null,
      ),
    ).toBe(false);
  });

  it("reads the media type of a Content-Type header", () => {
    expect(mediaType("text/plain;charset=UTF-8")).toBe("text/plain");
    expect(mediaType(" Multipart/Form-Data; boundary=x")).toBe("multipart/form-data");
    expect(mediaType(null)).toBe("");
  });
});
