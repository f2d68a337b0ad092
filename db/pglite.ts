// Embedded PGlite: imported by db/client.ts only when no DATABASE_URL is given (a dynamic import), so that a
// production server on PostgreSQL never loads the WebAssembly database.
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { MIGRATIONS_FOLDER, type Database, type Db } from "./client";
import * as schema from "./schema";

/**
 * The message of every query's error while the embedded database can't be opened; lib/core/db-errors.ts
 * databaseUnreachable recognizes it (503 / "can't reach its database"), as it does "PGlite is closed".
 */
export const PGLITE_UNAVAILABLE = "The embedded database (PGlite) is unavailable";

/** Emscripten's file-system errors are plain objects ({ name: "ErrnoError", errno }): something to log. */
function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === "object") {
    const { name, errno } = err as { name?: unknown; errno?: unknown };
    if (name || errno !== undefined)
      return `${String(name ?? "error")}${errno !== undefined ? ` errno ${String(errno)}` : ""}`;
  }
  return String(err);
}

/**
 * A PGlite database in `dataDir` (an existing folder, or "memory://"). PGlite runs in this process and has no
 * connection to lose; what can fail is opening it (a corrupt or unreadable data directory, a WebAssembly
 * start-up failure). Its start is a promise nobody awaits until the first query, so a failure was an
 * unhandledRejection (a plain Node process exits on one): it is logged here instead, once, and every query
 * fails with PGLITE_UNAVAILABLE (the boundaries answer it as an unreachable database), as a closed one does.
 */
export function openPglite(dataDir: string): Database {
  const client = new PGlite(dataDir, { extensions: { pg_trgm } });
  const ready = client.waitReady.catch((err: unknown) => {
    console.error(`[db] the embedded database (PGlite) at ${dataDir} failed to open: ${describe(err)}`);
    throw new Error(`${PGLITE_UNAVAILABLE}: ${describe(err)}`, { cause: err });
  });
  ready.catch(() => {}); // handled: each query awaits `waitReady` and fails with the error above
  // PGlite's queries await `this.waitReady` before running: the one that fails readably.
  Object.defineProperty(client, "waitReady", { value: ready, configurable: true });
  const db = drizzle({ client, schema });
  return {
    db: db as unknown as Db,
    kind: "pglite",
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  };
}
