import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { badTextEncoding, databaseUnreachable } from "@/lib/core/db-errors";
import { rawRows } from "./client";
import { openPglite, PGLITE_UNAVAILABLE } from "./pglite";

/**
 * The embedded database's failures (issue 15): PGlite has no connection to lose, but it can fail to open, be
 * closed, or refuse a value. Each must fail the query with an error the boundaries recognize — never an
 * unhandledRejection (a plain Node process exits on one) — and what can go on, goes on.
 */
const dir = mkdtempSync(path.join(tmpdir(), "apolo-pglite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Collects unhandled rejections and console.error lines while `fn` runs. */
async function watching(fn: (logged: string[]) => Promise<void>) {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  const logged: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
  try {
    await fn(logged);
    // Let a rejection nobody handled surface (Node reports it after the microtask queue drains).
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    process.off("unhandledRejection", onRejection);
    console.error = consoleError;
  }
  return { rejections, logged };
}

describe("PGlite (db/pglite.ts) when something goes wrong", () => {
  it("a data directory that can't be opened: logged once, no unhandled rejection, queries fail as unreachable", async () => {
    const notADirectory = path.join(dir, "a-file");
    writeFileSync(notADirectory, "not a database");
    const errors: unknown[] = [];
    const { rejections, logged } = await watching(async (lines) => {
      const database = openPglite(notADirectory);
      // Nobody queries until the start has failed (a server starting): that must not be an unhandled rejection.
      while (!lines.some((l) => l.includes("failed to open"))) await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 2; i++) {
        errors.push(
          await rawRows(database.db, sql`select 1`).then(
            () => null,
            (e: unknown) => e,
          ),
        );
      }
    });
    expect(rejections).toEqual([]);
    expect(logged.filter((l) => l.includes("[db]") && l.includes("failed to open"))).toHaveLength(1);
    for (const err of errors) {
      expect(err).not.toBeNull();
      expect(String((err as Error).message) + String((err as Error).cause), String(err)).toMatch(PGLITE_UNAVAILABLE);
      expect(databaseUnreachable(err), String(err)).toBe(true);
    }
  });

  it("a NUL in text is a bad-text error and the database goes on; a closed one fails as unreachable", async () => {
    const database = openPglite("memory://");
    const { rejections } = await watching(async () => {
      const nul = await rawRows(database.db, sql`select ${"a\u0000b"}::text as v`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(badTextEncoding(nul), String(nul)).toBe(true);
      const [row] = await rawRows<{ ok: number }>(database.db, sql`select 1 as ok`);
      expect(row!.ok).toBe(1);
      await database.close();
      const closed = await rawRows(database.db, sql`select 1`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(databaseUnreachable(closed), String(closed)).toBe(true);
    });
    expect(rejections).toEqual([]);
  });
});
