import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const LIB = path.resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [full] : [];
  });
}

describe("lib/ reads no environment", () => {
  it("no lib/ source file (tests aside) mentions process.env outside comments", () => {
    const files = sourceFiles(LIB);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((file) => {
      // Comments may name process.env (e.g. "parseConfig(process.env) at the boundary"); code may not.
      const code = readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
      return code
        .split("\n")
        .flatMap((line, i) =>
          /\bprocess\s*(\.\s*env|\[\s*["'`]env)/.test(line) ? [`${path.relative(LIB, file)}:${i + 1}`] : [],
        );
    });
    expect(offenders, "parse settings at the boundary (lib/core/config.ts parseConfig) and pass them in").toEqual([]);
  });
});
