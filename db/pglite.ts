// Embedded PGlite: imported by db/client.ts only when no DATABASE_URL is given (a dynamic import), so that a
// production server on PostgreSQL never loads the WebAssembly database.
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { MIGRATIONS_FOLDER, type Database, type Db } from "./client";
import * as schema from "./schema";

/** A PGlite database in `dataDir` (an existing folder, or "memory://"). */
export function openPglite(dataDir: string): Database {
  const client = new PGlite(dataDir, { extensions: { pg_trgm } });
  const db = drizzle({ client, schema });
  return {
    db: db as unknown as Db,
    kind: "pglite",
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  };
}
