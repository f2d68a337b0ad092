// Fails when db/schema.ts and the committed migrations disagree: drizzle-kit generates into a scratch copy
// of db/migrations, and any new file means a migration is missing.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";

const committed = path.join(process.cwd(), "db", "migrations");
// drizzle-kit wants a folder relative to the project.
mkdirSync(path.join("node_modules", ".cache"), { recursive: true });
const scratch = path.relative(process.cwd(), mkdtempSync(path.join("node_modules", ".cache", "migration-check-")));
try {
  cpSync(committed, scratch, { recursive: true });
  const before = new Set(readdirSync(scratch));
  execFileSync(
    "npx",
    ["drizzle-kit", "generate", "--dialect", "postgresql", "--schema", "./db/schema.ts", "--out", scratch],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const added = readdirSync(scratch).filter((f) => !before.has(f));
  if (added.length > 0) {
    console.error(`db/schema.ts has changes without a migration (${added.join(", ")}): run npm run db:generate`);
    process.exit(1);
  }
  console.log("schema and committed migrations agree");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
