import { openDatabase, type Database, type Db } from "./client";

export type { Db, Tx } from "./client";
export { withTransaction } from "./client";

/**
 * The server's database: node-postgres when DATABASE_URL is set, embedded PGlite in ./.data otherwise.
 * Opened lazily (never at build time) and migrated once per process before the first query.
 * Kept on globalThis so dev-server reloads don't open the PGlite data directory twice.
 */
const holder = globalThis as unknown as { __apoloDb?: Promise<Database> };

export function getDatabase(): Promise<Database> {
  holder.__apoloDb ??= (async () => {
    const database = await openDatabase({ url: process.env.DATABASE_URL || undefined });
    await database.migrate();
    return database;
  })().catch((err) => {
    holder.__apoloDb = undefined;
    throw err;
  });
  return holder.__apoloDb;
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}
