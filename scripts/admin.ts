/**
 * `npm run admin -- <command>`: operator commands run on the server, against DATABASE_URL or, when it is
 * unset, the embedded PGlite database in ./.data (PGLITE_DATA_DIR). With PGlite, stop the dev server first:
 * one process per data folder.
 *
 *   npm run admin -- grant-platform-admin NAME   make the account NAME a platform admin (the Admin area)
 *   npm run admin -- help                        list the commands
 */
import { defaultPgliteDir, openDatabase } from "@/db/client";
import { isDomainError } from "@/lib/errors";
import { grantPlatformAdmin } from "@/lib/platform";

const HELP = `usage: npm run admin -- <command> [arguments]

commands:
  grant-platform-admin NAME   make the account with username NAME a platform admin: they get the Admin area
                              (/admin: clusters, presets, orgs on clusters, credit grants) on their next request
  help                        show this list

The database is DATABASE_URL when it is set, else the embedded PGlite database in ${defaultPgliteDir()}.
With PGlite, stop the dev server first: only one process may open a PGlite data folder.
Usernames in PLATFORM_ADMINS (comma-separated) are platform admins without this command.`;

class UsageError extends Error {}

async function grantPlatformAdminCommand(args: string[]) {
  if (args.length !== 1 || !args[0]!.trim()) throw new UsageError("grant-platform-admin needs exactly one username");
  const username = args[0]!.trim().toLowerCase();
  const url = process.env.DATABASE_URL || undefined;
  if (!url) {
    console.error(
      `note: using the embedded PGlite database in ${defaultPgliteDir()}; stop the dev server first (one process per data folder).`,
    );
  }
  const database = openDatabase({ url });
  try {
    await database.migrate();
    await grantPlatformAdmin(database.db, username);
    console.log(`${username} is now a platform admin: the Admin area (/admin) is theirs on their next request.`);
  } finally {
    await database.close();
  }
}

async function main(argv: string[]) {
  const [command, ...args] = argv;
  switch (command) {
    case "grant-platform-admin":
      return grantPlatformAdminCommand(args);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`error: ${err.message}\n\n${HELP}`);
  } else if (isDomainError(err)) {
    console.error(`error: ${err.message}`);
  } else {
    console.error("error:", err instanceof Error ? err.message : err);
  }
  process.exit(1);
}
