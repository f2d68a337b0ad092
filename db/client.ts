import { mkdirSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { PgTransaction, type PgDatabase, type PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "./schema";

/**
 * The database (the pool, or PGlite): what public lib operations take. A transaction is one too, so an
 * operation can run inside a caller's transaction; the reverse is not true (see Tx).
 */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * An open transaction. Helpers that must run under the caller's locks (postLedger, finishCharges,
 * stopExhaustedJobs, insertMembership, recordAudit, enqueueMail, …) take a Tx: handing them the pool is a type
 * error, not a write outside the lock. Lock order: lib/billing/ledger.ts.
 */
export type Tx = PgTransaction<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

/** Runs `fn` in a transaction: a new one on a Db, or the one passed in (no nesting, no savepoint). */
export async function withTransaction<T>(db: Db | Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (isTransaction(db)) return fn(db);
  return db.transaction(fn);
}

export function isTransaction(db: Db | Tx): db is Tx {
  return db instanceof PgTransaction;
}

export interface Database {
  db: Db;
  kind: "postgres" | "pglite";
  /** Applies the committed migrations (idempotent; serialized across processes on PostgreSQL). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");
const MIGRATION_LOCK_ID = 7_340_112; // any constant; shared by every instance migrating one database

export interface OpenOptions {
  /** postgres:// URL; when absent an embedded PGlite database is used. */
  url?: string;
  /** PGlite data directory, or "memory://" for a throw-away database. */
  dataDir?: string;
  /** node-postgres pool size. */
  poolSize?: number;
  /** How long a request waits for a connection before failing (default 5 s). */
  connectionTimeoutMs?: number;
}

function logConnectionError(where: string, err: Error) {
  console.error(`[db] ${where} lost its connection: ${err.message}`);
}

/**
 * Opens the database: node-postgres for a URL, else embedded PGlite. PGlite (WebAssembly, ~380 MB when open)
 * is imported only then, so a server on PostgreSQL never loads it.
 */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // While the database is unreachable a request fails within this, instead of waiting for a connection forever.
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      // TCP keepalive on every connection: one whose peer vanished without a FIN/RST (a failed-over host, a
      // dropped NAT entry) errors out in minutes instead of hanging a request until the OS gives up.
      keepAlive: true,
    });
    // A connection that drops (the server restarted or was stopped, a backend was terminated) emits `error` on
    // its client: on an idle one through the pool's listener, on a checked-out one (mid-query, mid-transaction)
    // through the client's own. Without a listener either is an uncaughtException. The query in flight fails
    // with the same error and the boundary answers it (503 / "can't reach its database"); the pool drops the
    // broken client and connects a new one for the next request.
    pool.on("error", (err) => logConnectionError("idle client", err));
    pool.on("connect", (client) => client.on("error", (err) => logConnectionError("client in use", err)));
    const db = drizzlePg({ client: pool, schema }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      async migrate() {
        const client = await pool.connect();
        try {
          // Two app instances starting at once must not both apply the same migration.
          await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
          try {
            await migratePg(drizzlePg({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
          } finally {
            await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
          }
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }

  const dataDir = options.dataDir ?? defaultPgliteDir();
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const { openPglite } = await import("./pglite");
  return openPglite(dataDir);
}

export function defaultPgliteDir(): string {
  return process.env.PGLITE_DATA_DIR || path.join(process.cwd(), ".data", "pglite");
}

/** Rows of a raw query, the same shape on node-postgres and PGlite. */
export async function rawRows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
