/**
 * Property-based fuzzing of every lib input schema (issue 15): each zod schema exported from a lib folder's
 * index (so a new one is fuzzed without touching this file) gets any string, unicode, control characters,
 * huge values and wrong types, whole and per field. It must answer success or Invalid with a field message —
 * never throw anything else — and what it lets through never holds a control character (passwords aside).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as accounts from "@/lib/accounts";
import * as artifacts from "@/lib/artifacts";
import * as billing from "@/lib/billing";
import * as compute from "@/lib/compute";
import * as core from "@/lib/core";
import * as mail from "@/lib/mail";
import * as orgs from "@/lib/orgs";
import * as projects from "@/lib/projects";
import * as reports from "@/lib/reports";
import { CONTROL_CHARACTERS, parseInput } from "./core/validation";
import { Invalid } from "./core/errors";

const modules: Record<string, object> = { accounts, artifacts, billing, compute, core, mail, orgs, projects, reports };
/** Every zod schema of a module, and of its `internal` namespace (the system-only operations, e.g. the runner's). */
function schemasOf(prefix: string, mod: object): { name: string; schema: z.ZodType }[] {
  return Object.entries(mod).flatMap(([name, v]) => {
    if (v instanceof z.ZodType) return [{ name: `${prefix}.${name}`, schema: v }];
    if (name === "internal" && v && typeof v === "object") return schemasOf(`${prefix}.internal`, v);
    return [];
  });
}
const schemas = Object.entries(modules).flatMap(([folder, mod]) => schemasOf(folder, mod));
/** Secrets are hashed, never stored or shown: any character may be part of a password. */
const SECRET = /password/i;
/** A page's URL query: lenient, every unusable value falls back, so `.parse` never throws. */
const LENIENT = /Query|\.list|List/;

/** The field names a schema reads (objects, unions of objects, pipes), to fuzz field by field. */
function keysOf(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodUnion) return [...new Set(schema.options.flatMap((o) => keysOf(o as z.ZodType)))];
  if (schema instanceof z.ZodPipe) return keysOf(schema.in as z.ZodType);
  return [];
}

const CONTROL = fc.constantFrom(
  "\u0000",
  "\u0001",
  "\u0008",
  "\u000b",
  "\u000c",
  "\u001b",
  "\u001f",
  "\u007f",
  "\t",
  "\n",
  "\r",
);
const SEEDS = fc.constantFrom(
  "",
  " ",
  "$T",
  "$Q1",
  "$@0",
  "acme",
  "alice",
  "admin",
  "user",
  "manager",
  "add",
  "set",
  "unlimited",
  "0",
  "-1",
  "1.5",
  "99999999999999",
  "1e400",
  "NaN",
  "alice@example.com",
  "00000000-0000-4000-8000-000000000000",
  "2026-01-01",
  "2026-01-01T00:00:00Z",
  "embedded",
  "external",
  "__proto__",
  "constructor",
);
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  SEEDS,
  // seeds and control characters spliced together, so values get past the first rules
  fc.array(fc.oneof(SEEDS, CONTROL, fc.string({ maxLength: 3 })), { maxLength: 6 }).map((a) => a.join("")),
  // huge: up to 1 MB (the largest body a form may send)
  fc.integer({ min: 2, max: 6 }).map((n) => "x".repeat(10 ** n)),
);
const wrongType = fc.oneof(
  fc.anything(),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date(),
  fc.array(text, { maxLength: 3 }),
  fc.dictionary(fc.string(), text, { maxKeys: 3 }),
);
const value = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: wrongType });

function inputFor(schema: z.ZodType): fc.Arbitrary<unknown> {
  const keys = keysOf(schema);
  if (keys.length === 0) return value;
  const fields = fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] });
  return fc.oneof({ weight: 5, arbitrary: fields }, { weight: 1, arbitrary: wrongType });
}

/** Strings in a parsed value, with the key they sit under. */
function stringsOf(v: unknown, key = "", depth = 0): [string, string][] {
  if (typeof v === "string") return [[key, v]];
  if (depth > 20 || v === null || typeof v !== "object") return [];
  if (Array.isArray(v)) return v.flatMap((x) => stringsOf(x, key, depth + 1));
  return Object.entries(v).flatMap(([k, x]) => stringsOf(x, k, depth + 1));
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

describe("every lib input schema under fuzzed input", () => {
  it("finds the schemas (exported from the lib indexes)", () => {
    expect(schemas.length).toBeGreaterThanOrEqual(40);
    for (const expected of [
      "core.signUpSchema",
      "compute.startSchema",
      "compute.bodySchema",
      "billing.grantSchema",
      "artifacts.createSecretSchema",
      "artifacts.internal.registerImageSchema",
      "projects.createProjectSchema",
    ]) {
      expect(schemas.map((s) => s.name)).toContain(expected);
    }
  });

  it.each(schemas)("$name: success or Invalid with a field message, never another error", ({ name, schema }) => {
    fc.assert(
      fc.property(inputFor(schema), (input) => {
        let out: unknown;
        try {
          out = parseInput(schema, input);
        } catch (err) {
          if (!(err instanceof Invalid)) throw err;
          const messages = Object.values(err.fieldErrors).flat();
          expect(messages.length).toBeGreaterThan(0);
          for (const m of messages) expect(m).toMatch(/\w/);
          return;
        }
        if (SECRET.test(name)) return;
        for (const [key, s] of stringsOf(out)) {
          if (!SECRET.test(key)) expect(CONTROL_CHARACTERS.test(s), `${key}: ${JSON.stringify(s)}`).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it.each(schemas)("$name: safeParse itself never throws and lets no control character through", ({ name, schema }) => {
    fc.assert(
      fc.property(inputFor(schema), (input) => {
        const r = schema.safeParse(input);
        if (!r.success || SECRET.test(name)) return;
        for (const [key, s] of stringsOf(r.data)) {
          if (!SECRET.test(key)) expect(CONTROL_CHARACTERS.test(s), `${key}: ${JSON.stringify(s)}`).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it.each(schemas.filter((s) => LENIENT.test(s.name)))("$name (a page's query) never fails", ({ schema }) => {
    fc.assert(
      fc.property(inputFor(schema), (input) => {
        if (input === null || typeof input !== "object" || Array.isArray(input)) return;
        expect(() => schema.parse(input)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});

describe("the cases the fuzzing found (issue 15)", () => {
  it("a secret's value takes newlines and tabs, never NUL or another C0 control", () => {
    const ok = artifacts.secretValueSchema.safeParse("-----BEGIN KEY-----\r\nabc\tdef\n-----END KEY-----\n");
    expect(ok.success).toBe(true);
    for (const bad of ["a\u0000b", "\u0001", "x\u001by", "\u007f"]) {
      expect(artifacts.secretValueSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
      expect(() => parseInput(artifacts.createSecretSchema, { key: "TOKEN", value: bad })).toThrow(Invalid);
    }
  });

  it("an image's cluster and owner refuse control characters", () => {
    const base = { org: "acme", project: "web", name: "my-image", size_bytes: 1 };
    for (const field of ["cluster", "owner"]) {
      const r = artifacts.internal.registerImageSchema.safeParse({ ...base, [field]: "a\u0000b" });
      expect(r.success, field).toBe(false);
      if (!r.success) expect(r.error.issues[0]?.path[0]).toBe(field);
    }
    expect(artifacts.internal.removeImageSchema.safeParse({ ...base, cluster: "c\u0000" }).success).toBe(false);
    expect(artifacts.internal.registerImageSchema.safeParse({ ...base, cluster: "c1", owner: "alice" }).success).toBe(
      true,
    );
  });
});
