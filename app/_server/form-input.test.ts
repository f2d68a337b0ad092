import { describe, expect, it } from "vitest";
import { Invalid } from "@/lib/core";
import { formField, plainArg, requireArgs } from "./form-input";

/** What React's reply decoder gives a server action for "$T": a Proxy of a function that throws on any access. */
const temporaryReference = new Proxy(function () {}, {
  get(_t, name) {
    throw new Error(`Cannot access ${String(name)} on the server.`);
  },
});

describe("form actions called without FormData", () => {
  it("read every field as empty, never throwing", () => {
    for (const notAForm of [[{}], {}, "x", 1, null, undefined, temporaryReference, new Map([["a", "b"]])]) {
      expect(formField(notAForm, "name")).toBe("");
    }
    const form = new FormData();
    form.set("name", "alice");
    form.set("file", new Blob(["x"]), "f.txt");
    expect(formField(form, "name")).toBe("alice");
    expect(formField(form, "file")).toBe("");
    expect(formField(form, "missing")).toBe("");
  });
});

describe("actions called with arguments of the wrong type", () => {
  it("refuse them as bad input on the argument (a number, an object, a temporary client reference)", () => {
    expect(() => requireArgs({ org: "acme", id: "1" })).not.toThrow();
    expect(() => requireArgs({ org: "acme", "role?": undefined })).not.toThrow();
    for (const bad of [1, null, undefined, {}, ["a"], temporaryReference, new Date(), 10n]) {
      let err: unknown;
      try {
        requireArgs({ org: "acme", id: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Invalid);
      expect(Object.keys((err as Invalid).fieldErrors)).toEqual(["id"]);
    }
    expect(() => requireArgs({ "role?": 3 })).toThrow(Invalid);
  });
});

describe("structured arguments (arrays, booleans)", () => {
  it("pass as plain data; a temporary client reference or unreadable value is bad input, not a crash", () => {
    expect(plainArg([604800, "3d"], "intervals")).toEqual([604800, "3d"]);
    expect(plainArg(true, "enabled")).toBe(true);
    expect(plainArg(undefined, "enabled")).toBeUndefined();
    for (const bad of [temporaryReference, 10n, () => 1]) {
      let err: unknown;
      try {
        plainArg(bad, "intervals");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Invalid);
      expect(Object.keys((err as Invalid).fieldErrors)).toEqual(["intervals"]);
    }
  });
});
