import { getDatabase } from "@/db";
import { internal } from "@/lib/compute";
import { systemCaller } from "@/lib/core";
import { invalidSettings, missingProductionSettings } from "@/lib/core";
import { appConfig } from "./config";
import { startCreditsWorker, startEmbeddedRunner, startMailWorker } from "./runner";

/** Refuses to run production without real secrets, then applies the migrations before the first request. */
export async function startServer() {
  const invalid = invalidSettings(process.env);
  if (invalid.length > 0) {
    console.error(`Apolo Console will not start with invalid settings:\n${invalid.map((m) => `  - ${m}`).join("\n")}`);
    process.exit(1);
  }
  if (process.env.NODE_ENV === "production") {
    const missing = missingProductionSettings(process.env);
    if (missing.length > 0) {
      console.error(
        `Apolo Console will not start in production without:\n${missing.map((m) => `  - ${m}`).join("\n")}`,
      );
      process.exit(1);
    }
  }
  // Parsed once here, before the first request; installed for lib/ (lib/core/config.ts).
  appConfig();
  const database = await getDatabase();
  console.log(
    `[db] ${database.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : "embedded PGlite"} ready, migrations applied`,
  );
  // A development database gets a default cluster with presets, so a new user can run a job at once.
  const seed = process.env.SEED_DEFAULT_CLUSTER
    ? process.env.SEED_DEFAULT_CLUSTER === "true"
    : process.env.NODE_ENV === "development";
  if (seed && (await internal.seedDefaultCluster(database.db, systemCaller("startup"))))
    console.log("[db] seeded the default cluster and presets");
  startEmbeddedRunner();
  startMailWorker();
  startCreditsWorker();
}
