// `npm run db:migrate`: applies the committed migrations to DATABASE_URL, or to the embedded PGlite
// database in ./.data when it is unset. With PGlite, stop the dev server first (one process per data dir).
import { defaultPgliteDir, openDatabase } from "./client";

const url = process.env.DATABASE_URL || undefined;
const database = await openDatabase({ url });
await database.migrate();
await database.close();
console.log(`migrations applied to ${url ? "DATABASE_URL" : `PGlite at ${defaultPgliteDir()}`}`);
