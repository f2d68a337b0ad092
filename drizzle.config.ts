import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema.ts and committed; they are applied at server start
// and by `npm run db:migrate` (db/migrate.ts), never with drizzle-kit push.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
