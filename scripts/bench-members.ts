/**
 * `npm run bench:members`: how the Users tab's server work scales with the size of an org.
 *
 * Seeds an org of 10 members and one of 100,000 (plus unrelated users and orgs around them) into the database
 * it is pointed at, then times `listMembers` (what the Users tab's server does for one request) for the first
 * page, a search and two sorts in both orgs, and prints the medians, p95s and the big/small ratio. The aim is
 * a ratio near 1: every query index-backed, nothing proportional to the org's size.
 *
 *   npx tsx scripts/bench-members.ts [--iterations 30] [--warmup 5] [--keep] [--plans]
 *
 * Target: DATABASE_URL when set (PostgreSQL), else a throw-away in-memory PGlite. On PostgreSQL every row it
 * writes is named `bench-<random>-…`, so it can run again next to real data and next to earlier runs, and it
 * deletes those rows at the end unless `--keep` is given. It measures; it asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { redact, table } from "./bench-output";
import { openDatabase, rawRows, type Database, type Db } from "@/db/client";
import { listMembers } from "@/lib/orgs/members";
import { benchProjects, PROJECTS_SEED_SUMMARY, projectsCleanup } from "./bench-members-projects";
import { userCaller, type UserCaller } from "@/lib/core/caller";

// ---------------------------------------------------------------------------------------------- options

interface Options {
  iterations: number;
  warmup: number;
  keep: boolean;
  plans: boolean;
  /** Which cases run: the members case, the projects case (scripts/bench-members-projects.ts), or both. */
  cases: "all" | "members" | "projects";
}

const USAGE = `usage: npx tsx scripts/bench-members.ts [--iterations N] [--warmup N] [--keep] [--plans] [--case all|members|projects]
  --iterations N  timed calls per case and org size (default 30)
  --warmup N      untimed calls per case and org size first (default 5)
  --keep          PostgreSQL: leave the seeded rows in place (default: delete them at the end)
  --plans         print the whole EXPLAIN ANALYZE plan of each big-org query, not only its summary
  --case C        members (the Users tab), projects (the Projects page), or all (default)`;

function parseOptions(argv: string[]): Options {
  const options: Options = { iterations: 30, warmup: 5, keep: false, plans: false, cases: "all" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split("=", 2) as [string, string | undefined];
    const count = (): number => {
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} needs a whole number, got '${value ?? ""}'`);
      return n;
    };
    if (flag === "--iterations") options.iterations = Math.max(1, count());
    else if (flag === "--warmup") options.warmup = count();
    else if (flag === "--keep") options.keep = true;
    else if (flag === "--plans") options.plans = true;
    else if (flag === "--case") {
      const value = inline ?? argv[++i];
      if (value !== "all" && value !== "members" && value !== "projects")
        throw new UsageError(`--case takes all, members or projects, got '${value ?? ""}'`);
      options.cases = value;
    } else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument '${arg}'`);
  }
  return options;
}

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------- seed data

const BIG = 100_000;
const SMALL = 10;
/** Users in no org of interest, spread over OTHER_ORGS orgs, so neither org is the whole table. */
const EXTRA_USERS = 20_000;
const OTHER_ORGS = 40;
const TOTAL_USERS = BIG + SMALL + EXTRA_USERS;
/** Seconds of history that join dates are spread over (three years). */
const HISTORY_SECONDS = 3 * 365 * 24 * 3600;
/** A fixed, syntactically plausible argon2id string: nobody signs in as these users. */
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNo";

const FIRST_NAMES = [
  "ada",
  "grace",
  "alan",
  "edsger",
  "barbara",
  "donald",
  "ken",
  "dennis",
  "margaret",
  "john",
  "frances",
  "tim",
  "radia",
  "leslie",
  "linus",
  "guido",
  "bjarne",
  "niklaus",
  "sophie",
  "hedy",
];
const LAST_NAMES = [
  "lovelace",
  "hopper",
  "turing",
  "dijkstra",
  "liskov",
  "knuth",
  "thompson",
  "ritchie",
  "hamilton",
  "mccarthy",
  "allen",
  "lee",
  "perlman",
  "lamport",
  "torvalds",
  "rossum",
  "stroustrup",
  "wirth",
  "wilson",
  "lamarr",
  "backus",
  "kay",
  "hoare",
  "codd",
  "cerf",
  "kahn",
  "engelbart",
  "sutherland",
  "minsky",
  "shannon",
];
/** The last name of a handful of users: 4 in the big org, 2 in the small one, 1 elsewhere. */
const RARE_NAME = "quixote";

/**
 * User number i (1..TOTAL_USERS): 1..BIG are the big org's members, then SMALL for the small org, then the
 * extra users. Everything about a user is derived from i in SQL, so the seed is a few set-based statements.
 */
function seedSql(prefix: string) {
  const p = sql.raw(`'${prefix}'`); // [a-z0-9-] only, generated below
  // Our own constants, inlined: bind parameters would leave PostgreSQL guessing their types.
  const lit = (n: number) => sql.raw(String(n));
  const userId = (i: ReturnType<typeof sql.raw>) => sql`md5(${p} || ':user:' || ${i})::uuid`;
  const orgId = (name: ReturnType<typeof sql>) => sql`md5(${p} || ':org:' || ${name})::uuid`;
  const i = sql.raw("i");
  // A bijection of 1..1,000,002 (1,000,003 is prime): usernames don't sort in insertion order.
  const scrambled = sql`lpad(((${i}::bigint * 7919) % 1000003)::text, 7, '0')`;
  const first = sql`(${sql.raw(pgTextArray(FIRST_NAMES))})[(1 + (${i}::bigint * 31) % ${lit(FIRST_NAMES.length)})::int]`;
  const last = sql`case when ${i} % 25000 = 3 or ${i} = ${lit(BIG + 7)} then ${RARE_NAME}
    else (${sql.raw(pgTextArray(LAST_NAMES))})[(1 + (${i}::bigint * 17 + ${i} / 7) % ${lit(LAST_NAMES.length)})::int] end`;
  const username = sql`${p} || '-' || ${first} || ${scrambled}`;
  // Deterministic but scattered over HISTORY_SECONDS, uncorrelated with username order.
  const ago = (salt: number) =>
    sql`make_interval(secs => ((${i}::bigint * 2654435761 + ${lit(salt)}) % ${lit(HISTORY_SECONDS)}))`;

  const users = sql`
    insert into users (id, username, email, email_verified_at, name, password_hash, created_at, updated_at)
    select ${userId(i)}, ${username},
           ${username} || '@' || (array['example.com', 'example.org', 'example.net'])[1 + i % 3],
           now() - ${ago(11)},
           initcap(${first}) || ' ' || initcap(${last}),
           ${DUMMY_HASH},
           now() - ${ago(7)} - interval '1 day', now()
    from generate_series(1, ${lit(TOTAL_USERS)}) as i`;

  const otherOrgName = (n: ReturnType<typeof sql>) => sql`${p} || '-other-' || (${n})`;
  const orgRows = sql`
    insert into orgs (id, name, display_name)
    select ${orgId(sql`name`)}, name, initcap(replace(name, '-', ' '))
    from (select ${p} || '-big' as name
          union all select ${p} || '-small'
          union all select ${otherOrgName(sql`n`)} from generate_series(1, ${lit(OTHER_ORGS)}) as n) as o`;

  // Mostly users, ~5% managers, 0.2% admins (member 1 of each org is an admin: the benchmark's viewer).
  const role = (n: ReturnType<typeof sql>) =>
    sql`(case when ${n} = 1 or ${n} % 500 = 0 then 'admin' when ${n} % 20 = 2 then 'manager' else 'user' end)::org_role`;
  const joined = sql`now() - ${ago(3)}`;
  const members = sql`
    insert into org_members (org_id, user_id, role, created_at, updated_at)
    select ${orgId(sql`${p} || '-big'`)}, ${userId(i)}, ${role(i)}, ${joined}, now()
      from generate_series(1, ${lit(BIG)}) as i
    union all
    select ${orgId(sql`${p} || '-small'`)}, ${userId(i)}, ${role(sql`(${i} - ${lit(BIG)})`)}, ${joined}, now()
      from generate_series(${lit(BIG + 1)}, ${lit(BIG + SMALL)}) as i
    union all
    -- the extra users, spread evenly over the other orgs
    select ${orgId(otherOrgName(sql`1 + (${i} - ${lit(BIG + SMALL + 1)}) / ${lit(EXTRA_USERS / OTHER_ORGS)}`))}, ${userId(i)},
           ${role(sql`(1 + (${i} - ${lit(BIG + SMALL + 1)}) % ${lit(EXTRA_USERS / OTHER_ORGS)})`)}, ${joined}, now()
      from generate_series(${lit(BIG + SMALL + 1)}, ${lit(TOTAL_USERS)}) as i
    union all
    -- and one big-org member in fifty is also in one of the other orgs
    select ${orgId(otherOrgName(sql`1 + (${i} / 50) % ${lit(OTHER_ORGS)}`))}, ${userId(i)}, 'user'::org_role, ${joined}, now()
      from generate_series(50, ${lit(BIG)}, 50) as i`;

  return {
    statements: [users, orgRows, members],
    userId: (n: number) => userId(sql.raw(String(n))),
    cleanup: [
      // Orgs first: their memberships go by cascade on the org_id index; then the users.
      sql`delete from orgs where name like ${`${prefix}-%`}`,
      sql`delete from users where username like ${`${prefix}-%`}`,
    ],
  };
}

function pgTextArray(values: readonly string[]): string {
  return `array[${values.map((v) => `'${v}'`).join(", ")}]`;
}

// ---------------------------------------------------------------------------------------------- measuring

interface Target {
  label: string;
  orgName: string;
  actor: UserCaller;
}

interface Case {
  name: string;
  query: Record<string, string | number>;
}

const CASES: Case[] = [
  { name: "first page (username asc, 25)", query: {} },
  { name: `search "${RARE_NAME}"`, query: { q: RARE_NAME } },
  { name: "sort role desc", query: { sort: "role", dir: "desc" } },
  { name: "sort joined desc", query: { sort: "joined", dir: "desc" } },
  // Beyond the issue's cases, for context: a term matching ~5% of the big org (none of the small), and page 2.
  { name: `search "grace" (broad)`, query: { q: "grace" } },
  { name: "page 2 (username asc, 25)", query: { page: 2 } },
];

interface Stats {
  median: number;
  p95: number;
  total: number;
}

function percentile(sorted: number[], q: number): number {
  // Nearest rank.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

let interrupted = false;

async function timeCase(db: Db, targets: Target[], c: Case, options: Options): Promise<Stats[]> {
  const samples: number[][] = targets.map(() => []);
  const totals: number[] = targets.map(() => 0);
  for (let round = 0; round < options.warmup + options.iterations; round++) {
    if (interrupted) throw new Error("interrupted");
    // Alternate the org sizes so drift (caches, autovacuum, a busy machine) hits both alike.
    for (const [k, target] of targets.entries()) {
      const start = performance.now();
      const result = await listMembers(db, target.actor, target.orgName, c.query);
      const elapsed = performance.now() - start;
      totals[k] = result.total;
      if (round >= options.warmup) samples[k]!.push(elapsed);
    }
  }
  return samples.map((s, k) => {
    const sorted = [...s].sort((a, b) => a - b);
    return { median: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), total: totals[k]! };
  });
}

// ---------------------------------------------------------------------------------------------- plans

/** The driver object under a Drizzle db (a pg.Pool or a PGlite): both take `query(text, params)`. */
interface QueryClient {
  query(text: unknown, params?: unknown, ...rest: unknown[]): Promise<unknown>;
}

interface CapturedQuery {
  text: string;
  params: unknown[];
}

function driverOf(db: Db): QueryClient {
  // Drizzle exposes the driver it was built on as `$client`; the shared Db type leaves it out.
  return (db as unknown as { $client: QueryClient }).$client;
}

/** Runs `fn` and returns the SQL statements it sent through the driver, in order. */
async function captureQueries(db: Db, fn: () => Promise<unknown>): Promise<CapturedQuery[]> {
  const client = driverOf(db);
  const original = client.query;
  const captured: CapturedQuery[] = [];
  client.query = function (this: QueryClient, text: unknown, params?: unknown, ...rest: unknown[]) {
    const queryText = typeof text === "string" ? text : (text as { text: string }).text;
    captured.push({ text: queryText, params: Array.isArray(params) ? params : [] });
    return original.call(this, text, params, ...rest);
  };
  try {
    await fn();
  } finally {
    client.query = original;
  }
  return captured;
}

async function explain(db: Db, query: CapturedQuery): Promise<string[]> {
  const client = driverOf(db);
  const result = (await client.query(`explain (analyze, buffers off) ${query.text}`, query.params)) as {
    rows: Record<string, string>[];
  };
  return result.rows.map((r) => r["QUERY PLAN"] ?? Object.values(r)[0] ?? "");
}

/** The plan's nodes (how rows are found, joined and sorted) and its timing, without the per-node detail. */
function planSummary(lines: string[]): string[] {
  const detail = /^(Sort Key|Presorted Key|Sort Method|Full-sort Groups|Execution Time)/;
  const [top, ...rest] = lines;
  return [top ?? "", ...rest.filter((l) => l.trimStart().startsWith("->") || detail.test(l.trim()))].map((l) =>
    l.trimEnd(),
  );
}

// ---------------------------------------------------------------------------------------------- output

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const url = process.env.DATABASE_URL || undefined;
  const database: Database = await openDatabase(url ? { url, poolSize: 4 } : { dataDir: "memory://" });
  const { db } = database;
  const prefix = `bench-${randomBytes(4).toString("hex").slice(0, 6)}`;
  const seed = seedSql(prefix);
  const cleanup = database.kind === "postgres" && !options.keep;

  console.log(
    url
      ? `Target: PostgreSQL at ${redact(url)} (DATABASE_URL)`
      : "Target: in-memory PGlite (set DATABASE_URL to benchmark a PostgreSQL server)",
  );
  console.log(
    `WARNING: this writes ` +
      [
        options.cases !== "projects"
          ? `${TOTAL_USERS.toLocaleString("en")} users, ${OTHER_ORGS + 2} orgs and ` +
            `${(TOTAL_USERS + BIG / 50).toLocaleString("en")} memberships`
          : null,
        options.cases !== "members" ? PROJECTS_SEED_SUMMARY : null,
      ]
        .filter(Boolean)
        .join(", and ") +
      `, all named '${prefix}-…', into that database` +
      (database.kind === "pglite"
        ? " (thrown away at exit)."
        : cleanup
          ? ", and deletes them at the end (--keep to leave them)."
          : ", and leaves them there (--keep)."),
  );
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nInterrupted: stopping after the current call" + (cleanup ? " and cleaning up." : "."));
  });

  let seeded = false;
  try {
    await database.migrate();
    const [version] = await rawRows<{ v: string }>(db, sql`select version() as v`);
    console.log(`Server: ${version?.v.split(",")[0] ?? "?"}`);

    let start = performance.now();
    seeded = true; // from here on a failure may have left rows behind
    if (options.cases !== "projects") {
      for (const statement of seed.statements) await db.execute(statement);
      const seedMs = performance.now() - start;
      start = performance.now();
      // VACUUM as autovacuum would after such inserts: it sets the visibility map, so membership probes of the
      // (org_id, user_id) key are index-only, as they are in a database that has been running.
      for (const t of ["users", "orgs", "org_members"]) await db.execute(sql.raw(`vacuum (analyze) ${t}`));
      console.log(
        `Seeded in ${(seedMs / 1000).toFixed(1)} s, vacuumed and analyzed in ${((performance.now() - start) / 1000).toFixed(1)} s.`,
      );

      const idOf = async (n: number) => {
        const [row] = await rawRows<{ id: string }>(db, sql`select ${seed.userId(n)}::text as id`);
        return userCaller(row!.id);
      };
      const targets: Target[] = [
        { label: `${SMALL} members`, orgName: `${prefix}-small`, actor: await idOf(BIG + 1) },
        { label: `${BIG.toLocaleString("en")} members`, orgName: `${prefix}-big`, actor: await idOf(1) },
      ];

      console.log(
        `\nlistMembers (the Users tab's server work: access check, page query, count), ` +
          `${options.warmup} warm-up + ${options.iterations} timed calls per cell, in ms, median (p95):\n`,
      );
      const rows: string[][] = [];
      for (const c of CASES) {
        const [small, big] = await timeCase(db, targets, c, options);
        const ratio = big!.median / small!.median;
        rows.push([
          c.name,
          `${fmt(small!.median)} (${fmt(small!.p95)})`,
          `${fmt(big!.median)} (${fmt(big!.p95)})`,
          `${ratio.toFixed(2)}x`,
          `${small!.total} / ${big!.total}`,
        ]);
      }
      console.log(
        table(["case", targets[0]!.label, targets[1]!.label, "ratio (big/small)", "total (small / big)"], rows),
      );

      console.log(`\nEXPLAIN ANALYZE of the big org's queries (${database.kind}):`);
      for (const c of CASES) {
        const queries = await captureQueries(db, () =>
          listMembers(db, targets[1]!.actor, targets[1]!.orgName, c.query),
        );
        // The first statement is the access check (orgs by name + membership by primary key); the rest are the list's.
        for (const query of queries.slice(1)) {
          const plan = await explain(db, query);
          // A search's first query finds the page's members and counts the matches (count(*) over ()).
          const what = /over \(\)/i.test(query.text)
            ? "page ids + match count"
            : /count\(/i.test(query.text)
              ? "count"
              : "page";
          console.log(`\n[${c.name}] ${what} query`);
          for (const line of options.plans ? plan : planSummary(plan)) console.log(`  ${line}`);
          if (options.plans) console.log(`  -- ${query.text.replace(/\s+/g, " ")}`);
        }
      }
    }

    if (options.cases !== "members") {
      const projects = await benchProjects(db, prefix, options);
      console.log(`\nEXPLAIN ANALYZE of the 10,000-project org's queries (${database.kind}):`);
      for (const c of projects.cases) {
        const queries = await captureQueries(db, c.run);
        // The first statement is the access check; then the page (with its figures) and the total.
        for (const query of queries.slice(1)) {
          const plan = await explain(db, query);
          const what = /count\(\*\)::int as n/i.test(query.text) ? "total" : "page";
          console.log(`\n[${c.name}] ${what} query`);
          for (const line of options.plans ? plan : planSummary(plan)) console.log(`  ${line}`);
          if (options.plans) console.log(`  -- ${query.text.replace(/\s+/g, " ")}`);
        }
      }
    }
  } finally {
    if (cleanup && seeded) {
      const start = performance.now();
      try {
        // The projects case's rows first: its jobs and ledger rows restrict deleting its orgs.
        for (const statement of projectsCleanup(prefix)) await db.execute(statement);
        for (const statement of seed.cleanup) await db.execute(statement);
        console.log(`\nDeleted the '${prefix}-…' rows in ${((performance.now() - start) / 1000).toFixed(1)} s.`);
      } catch (err) {
        console.error(
          `\nCould not delete the benchmark rows (${(err as Error).message}). Remove them with:\n` +
            `  delete from orgs where name like '${prefix}-%'; delete from users where username like '${prefix}-%';`,
        );
      }
    } else if (database.kind === "postgres" && seeded) {
      console.log(
        `\nKept the benchmark rows. Remove them with:\n` +
          `  delete from orgs where name like '${prefix}-%'; delete from users where username like '${prefix}-%';`,
      );
    }
    await database.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
