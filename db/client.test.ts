import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUnreachable } from "@/lib/core/db-errors";
import { openDatabase, rawRows, type Database } from "./client";

/**
 * A connection that drops under a running transaction (PostgreSQL restarted or stopped, a backend
 * terminated) must fail that transaction with an error the boundaries recognize (503 / "can't reach its
 * database"), never throw an uncaughtException, and leave the pool serving the next request.
 * Needs a real server: runs in the PostgreSQL pass (TEST_DATABASE_URL).
 */
const baseUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!baseUrl)("node-postgres pool when a connection drops", () => {
  let database: Database;
  let name: string;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    name = `apolo_drop_${randomBytes(5).toString("hex")}`;
    await admin.query(`create database ${name}`);
    database = await openDatabase({ url: databaseUrl(), poolSize: 2 });
  });

  function databaseUrl() {
    const url = new URL(baseUrl!);
    url.pathname = `/${name}`;
    return url.toString();
  }

  afterAll(async () => {
    await database?.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("fails the transaction whose backend was terminated, logs, and carries on", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on("uncaughtException", onUncaught);
    const logged: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
    try {
      const failed = await database.db
        .transaction(async (tx) => {
          const [me] = await rawRows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
          // Another session ends this transaction's backend, as a server restart would.
          await admin.query("select pg_terminate_backend($1)", [me!.pid]);
          await new Promise((r) => setTimeout(r, 200));
          await rawRows(tx, sql`select 1`);
          return "committed";
        })
        .then(
          (v) => new Error(`the transaction went through: ${v}`),
          (err: unknown) => err,
        );
      expect(databaseUnreachable(failed), String(failed)).toBe(true);
      // The pool replaced the broken client: the next request works.
      const [row] = await rawRows<{ ok: number }>(database.db, sql`select 1 as ok`);
      expect(row!.ok).toBe(1);
      await new Promise((r) => setTimeout(r, 100));
      expect(uncaught).toEqual([]);
      expect(logged.some((l) => l.includes("[db]") && l.includes("lost its connection"))).toBe(true);
    } finally {
      process.off("uncaughtException", onUncaught);
      console.error = consoleError;
    }
  });

  it("a request that gets no connection within the pool's timeout fails as unreachable (pg-pool's message)", async () => {
    const one = await openDatabase({ url: databaseUrl(), poolSize: 1, connectionTimeoutMs: 300 });
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let started!: () => void;
      const holding = new Promise<void>((r) => (started = r));
      // The pool's only connection stays checked out until the second request has failed.
      const busy = one.db.transaction(async (tx) => {
        await rawRows(tx, sql`select 1`);
        started();
        await held;
      });
      await holding;
      const err = await rawRows(one.db, sql`select 1`).then(
        () => new Error("got a connection"),
        (e: unknown) => e,
      );
      release();
      await busy;
      expect(String((err as Error).cause)).toMatch(/timeout exceeded when trying to connect/);
      expect(databaseUnreachable(err), String(err)).toBe(true);
    } finally {
      await one.close();
    }
  });

  it("fails fast with an unreachable error when the server can't be reached", async () => {
    const unreachable = await openDatabase({
      url: "postgres://postgres@127.0.0.1:1/none",
      connectionTimeoutMs: 1_000,
    });
    try {
      const err = await rawRows(unreachable.db, sql`select 1`).then(
        () => new Error("connected to nothing"),
        (e: unknown) => e,
      );
      expect(databaseUnreachable(err), String(err)).toBe(true);
    } finally {
      await unreachable.close();
    }
  });
});
