/**
 * `npm run admin -- <command>`: operator commands run on the server, against DATABASE_URL or, when it is
 * unset, the embedded PGlite database in ./.data (PGLITE_DATA_DIR). With PGlite, stop the dev server first:
 * one process per data folder.
 *
 *   npm run admin -- grant-platform-admin NAME   make the account NAME a platform admin (the Admin area)
 *   npm run admin -- add-member ORG NAME [ROLE]  add the account NAME to ORG at once (role user by default)
 *   npm run admin -- help                        list the commands
 */
import { defaultPgliteDir, openDatabase, type Database } from "@/db/client";
import { installConfig, parseConfig } from "@/lib/core/config";
import { isDomainError } from "@/lib/core/errors";
import { deliverOutbox, SmtpMailer } from "@/lib/mail/mail";
import { addMemberAsSystem, grantPlatformAdmin } from "@/lib/orgs/internal";
import { systemCaller } from "@/lib/core/caller";
import { MemoryRateLimitStore } from "@/lib/core/rate-limit";
import type { Services } from "@/lib/core/services";

/** Every command runs as the system: the operator at the server's shell. */
const ADMIN_COMMAND = systemCaller("admin-command");

const HELP = `usage: npm run admin -- <command> [arguments]

commands:
  grant-platform-admin NAME   make the account with username NAME a platform admin: they get the Admin area
                              (/admin: clusters, presets, orgs on clusters, credit grants) on their next request
  add-member ORG NAME [ROLE]  add the account with username NAME to the organization ORG at once, as ROLE
                              (user, manager or admin; user by default), without an invitation to accept;
                              recorded in the org's audit log; the person is told by mail when their account
                              has an address (sent at once with SMTP_URL, else by the server's mail worker)
  help                        show this list

The database is DATABASE_URL when it is set, else the embedded PGlite database in ${defaultPgliteDir()}.
With PGlite, stop the dev server first: only one process may open a PGlite data folder.
Usernames in PLATFORM_ADMINS (comma-separated) are platform admins without this command.`;

class UsageError extends Error {}

/** Opens (and migrates) the database, runs `fn`, closes it. */
async function withDatabase(fn: (database: Database) => Promise<void>) {
  const url = process.env.DATABASE_URL || undefined;
  if (!url) {
    console.error(
      `note: using the embedded PGlite database in ${defaultPgliteDir()}; stop the dev server first (one process per data folder).`,
    );
  }
  const database = await openDatabase({ url });
  try {
    await database.migrate();
    await fn(database);
  } finally {
    await database.close();
  }
}

async function grantPlatformAdminCommand(args: string[]) {
  if (args.length !== 1 || !args[0]!.trim()) throw new UsageError("grant-platform-admin needs exactly one username");
  const username = args[0]!.trim().toLowerCase();
  await withDatabase(async (database) => {
    await grantPlatformAdmin(database.db, ADMIN_COMMAND, username);
    console.log(`${username} is now a platform admin: the Admin area (/admin) is theirs on their next request.`);
  });
}

/**
 * Mail is queued in the outbox as the server queues it; with SMTP_URL set, the command delivers what it queued
 * at once (through the same claim as the server's mail worker), else the server's worker delivers it.
 * Links go to AUTH_URL.
 */
/** The settings, parsed once from this process's environment and installed for lib/ (lib/core/config.ts). */
const config = installConfig(parseConfig(process.env));

function cliServices(smtp: SmtpMailer | null): Services {
  return {
    mailer: {
      async committed(db, ids) {
        if (smtp) await deliverOutbox(db, smtp, { ids, maxAttempts: config.mailWorker.maxAttempts });
      },
    },
    appUrl: config.authUrl ?? "http://localhost:3000",
    limiter: new MemoryRateLimitStore(),
  };
}

async function addMemberCommand(args: string[]) {
  if (args.length < 2 || args.length > 3) throw new UsageError("add-member needs ORG NAME and optionally a ROLE");
  const [org, username, role] = args as [string, string, string | undefined];
  await withDatabase(async (database) => {
    const smtp = process.env.SMTP_URL
      ? new SmtpMailer(process.env.SMTP_URL, process.env.MAIL_FROM || "Apolo Console <no-reply@localhost>")
      : null;
    const svc = cliServices(smtp);
    try {
      const r = await addMemberAsSystem(database.db, ADMIN_COMMAND, { org, username, role }, svc);
      console.log(
        `${r.username} is now a member of ${r.org} as ${r.role}.` +
          (r.mailFailed ? " (The email telling them could not be sent.)" : ""),
      );
    } finally {
      smtp?.close();
    }
  });
}

async function main(argv: string[]) {
  const [command, ...args] = argv;
  switch (command) {
    case "grant-platform-admin":
      return grantPlatformAdminCommand(args);
    case "add-member":
      return addMemberCommand(args);
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
    // Field messages (an unknown org or username) say more than "Check the highlighted fields".
    const fields = "fieldErrors" in err ? (err.fieldErrors as Record<string, string[]> | undefined) : undefined;
    const messages = fields ? Object.values(fields).flat() : [];
    console.error(`error: ${messages.length ? messages.join(" ") : err.message}`);
  } else {
    console.error("error:", err instanceof Error ? err.message : err);
  }
  process.exit(1);
}
