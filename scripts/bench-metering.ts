/**
 * `npm run bench:metering`: how fast external runners can be charged through `POST /api/v1/usage`, compared
 * with the raw SQL of one charge.
 *
 * Against the PostgreSQL database of DATABASE_URL (required; PGlite can't serve two processes), it:
 *   1. seeds, with a few set-based statements, an external cluster with a runner token, one member per
 *      client, one "hot" org that every client charges and `clients × batch` other orgs (each client has its
 *      own), and running jobs (1 credit per second of runtime) in all of them;
 *   2. starts the console's production server itself (`next start` on a free loopback port, with that
 *      DATABASE_URL, a random AUTH_SECRET, AUTH_TRUST_HOST=true, RUNNER_ENABLED=false) — so `npm run build`
 *      must have been run;
 *   3. for a fixed time each, N concurrent clients POST usage: for the hot org and for many orgs, one record
 *      per request and batches of `--batch` records. Every record advances its job by one second, so every
 *      record is one real charge (1 credit);
 *   4. in the same run, N concurrent pg clients run the raw SQL of one charge — BEGIN; a conditional balance
 *      UPDATE (skipped when the idempotency key was already posted) … RETURNING balance; the ledger INSERT;
 *      COMMIT — for the hot org and for many orgs;
 *   5. measures a ceiling: the requests/s the same route answers when it refuses them (401, no token) before
 *      any database work — no single-record case can charge faster than the server answers at all;
 *   6. prints charges/s of each and the ratio API ÷ raw SQL, then checks balance = Σ ledger for every seeded
 *      org, each job's credits_charged = Σ its charges, that each job has one ledger row per UTC hour (its
 *      charges grow that row), and that usage_records holds exactly the charges the responses reported.
 *
 *   npm run bench:metering -- [--clients 16] [--seconds 10] [--batch 100] [--keep] [--only rawHot,apiHot1]
 *
 * Everything it writes is named `bm-<random>-…` and deleted at the end (the ledger rows and jobs, then the orgs
 * with their wallets by cascade; the cluster with its token; the members) unless `--keep` is given, so it can run next to real
 * data; a fresh database is the cleanest target. Loopback only; every loop is bounded by time and count.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import { availableParallelism } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { redact, table } from "./bench-output";
import { benchState, runClients, startConsole, stopConsole, type Result, type RunningServer } from "./bench-server";
import { openDatabase } from "@/db/client";
import { newToken } from "@/lib/core/tokens";

// ---------------------------------------------------------------------------------------------- options

interface Options {
  clients: number;
  seconds: number;
  batch: number;
  keep: boolean;
  /** Only these cases (keys as printed by --help); all when empty. */
  only: string[];
}

const USAGE = `usage: npm run bench:metering -- [--clients N] [--seconds S] [--batch N] [--keep] [--only LIST]
  --clients N   concurrent HTTP clients, and concurrent pg clients for the raw SQL (default 16)
  --seconds S   measured time of each case (default 10)
  --batch N     records per request in the batch cases, and jobs per client (default 100)
  --keep        leave the seeded rows in place (default: delete them at the end)
  --only LIST   run only these cases, comma-separated: rawHot, apiHot1, apiHotB, rawMany, apiMany1, apiManyB,
                ceiling
                (e.g. --only rawHot,apiHot1 to compare one pair quickly)
Needs DATABASE_URL (PostgreSQL) and a production build (npm run build). BENCH_NODE_ARGS passes node flags to
the server, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.`;

class UsageError extends Error {}

const CASE_KEYS = ["rawHot", "apiHot1", "apiHotB", "rawMany", "apiMany1", "apiManyB", "ceiling"];

function parseOptions(argv: string[]): Options {
  const options: Options = { clients: 16, seconds: 10, batch: 100, keep: false, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split("=", 2) as [string, string | undefined];
    const num = (min: number, max: number): number => {
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (!Number.isFinite(n) || n < min || n > max) {
        throw new UsageError(`${flag} needs a number from ${min} to ${max}, got '${value ?? ""}'`);
      }
      return n;
    };
    if (flag === "--clients") options.clients = Math.floor(num(1, 64));
    else if (flag === "--seconds") options.seconds = num(1, 300);
    else if (flag === "--batch") options.batch = Math.floor(num(1, 1000));
    else if (flag === "--keep") options.keep = true;
    else if (flag === "--only") {
      const value = inline ?? argv[++i] ?? "";
      options.only = value
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean);
      const unknown = options.only.filter((c) => !CASE_KEYS.includes(c));
      if (unknown.length || options.only.length === 0) {
        throw new UsageError(`--only takes case names from ${CASE_KEYS.join(", ")}; got '${value}'`);
      }
    } else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument '${arg}'`);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------- seed

/** Generous balances: nothing in the run may reach a low-balance threshold or stop a job. */
const HOT_BALANCE = "1000000000";
const ORG_BALANCE = "10000000";
/** 3600 credits per hour: each second of runtime charged is exactly 1 credit. */
const CREDITS_PER_HOUR = "3600";
/** Jobs started this long ago; records charge one second of it at a time, never reaching the present. */
const JOB_AGE_DAYS = 30;

interface Seed {
  prefix: string;
  token: string;
  hotOrgId: string;
  /** Per client: its jobs in the hot org, and its jobs (one per org) in the many orgs. */
  hotJobs: string[][];
  manyJobs: string[][];
  /** Per client: the org ids its raw SQL charges rotate over. */
  manyOrgs: string[][];
  /** The seeded jobs' start, to compute `until` = start + n seconds. */
  startedAt: Date;
}

async function seed(pool: pg.Pool, prefix: string, o: Options): Promise<Seed> {
  const { token, hash } = newToken();
  const client = await pool.connect();
  try {
    await client.query("begin");
    const p = [prefix];
    await client.query(
      `insert into clusters (name, description, runner) values ($1 || '-cluster', 'bench:metering', 'external')`,
      p,
    );
    await client.query(
      `insert into cluster_tokens (cluster_id, label, token_hash)
       select id, 'bench', $2 from clusters where name = $1 || '-cluster'`,
      [prefix, hash],
    );
    await client.query(
      `insert into users (username, email) select $1 || '-u' || c, $1 || '-u' || c || '@example.com'
       from generate_series(0, $2::int - 1) c`,
      [prefix, o.clients],
    );
    // The hot org and clients × batch others; each starts with a grant in the ledger (balance = Σ ledger).
    await client.query(
      `insert into orgs (name)
       select $1 || '-hot' union all select $1 || '-o' || n from generate_series(0, $2::int - 1) n`,
      [prefix, o.clients * o.batch],
    );
    // Each org's wallet was created with it (trigger); fund it.
    await client.query(
      `update org_wallets w set balance = case when o.name = $1 || '-hot' then $2::numeric else $3::numeric end
         from orgs o where o.id = w.org_id and o.name like $1 || '-%'`,
      [prefix, HOT_BALANCE, ORG_BALANCE],
    );
    await client.query(
      `insert into credit_ledger (org_id, kind, amount, balance_after, note)
       select w.org_id, 'grant', w.balance, w.balance, 'bench:metering seed'
         from org_wallets w join orgs o on o.id = w.org_id where o.name like $1 || '-%'`,
      [prefix],
    );
    await client.query(
      `insert into org_clusters (org_id, cluster_id)
       select o.id, c.id from orgs o, clusters c where o.name like $1 || '-%' and c.name = $1 || '-cluster'`,
      [prefix],
    );
    // Every client's member is in the hot org; many-org n belongs to client n / batch.
    await client.query(
      `insert into org_members (org_id, user_id, role)
       select o.id, u.id, 'user'::org_role from orgs o, users u
        where o.name = $1 || '-hot' and u.username like $1 || '-u%'
       union all
       select o.id, u.id, 'user'::org_role from generate_series(0, $2::int * $3::int - 1) n
         join orgs o on o.name = $1 || '-o' || n
         join users u on u.username = $1 || '-u' || (n / $3::int)`,
      [prefix, o.clients, o.batch],
    );
    // Jobs: `hot-<client>-<k>` (batch per client) in the hot org, `many-<n>` (one per other org).
    const job = `$1 || '-cluster'`;
    await client.query(
      `insert into jobs (org_id, user_id, cluster_id, preset_name, name, credits_per_hour, started_at, charged_until)
       select (select id from orgs where name = $1 || '-hot'), u.id, (select id from clusters where name = ${job}),
              'bench', 'hot-' || c || '-' || k, $4::numeric, s.at, s.at
         from generate_series(0, $2::int - 1) c
         join users u on u.username = $1 || '-u' || c
         cross join generate_series(0, $3::int - 1) k
         cross join (select date_trunc('second', now()) - make_interval(days => $5::int) as at) s
       union all
       select o.id, u.id, (select id from clusters where name = ${job}),
              'bench', 'many-' || n, $4::numeric, s.at, s.at
         from generate_series(0, $2::int * $3::int - 1) n
         join orgs o on o.name = $1 || '-o' || n
         join users u on u.username = $1 || '-u' || (n / $3::int)
         cross join (select date_trunc('second', now()) - make_interval(days => $5::int) as at) s`,
      [prefix, o.clients, o.batch, CREDITS_PER_HOUR, JOB_AGE_DAYS],
    );
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  for (const table of ["orgs", "org_wallets", "jobs", "credit_ledger", "org_members", "cluster_tokens"]) {
    await pool.query(`analyze ${table}`);
  }

  const { rows: jobRows } = await pool.query<{ id: string; name: string; org_id: string; started_at: Date }>(
    `select j.id, j.name, j.org_id, j.started_at from jobs j join clusters c on c.id = j.cluster_id
      where c.name = $1 || '-cluster'`,
    [prefix],
  );
  const hotJobs: string[][] = Array.from({ length: o.clients }, () => []);
  const manyJobs: string[][] = Array.from({ length: o.clients }, () => []);
  const manyOrgs: string[][] = Array.from({ length: o.clients }, () => []);
  let hotOrgId = "";
  for (const r of jobRows) {
    const hot = /^hot-(\d+)-\d+$/.exec(r.name);
    if (hot) {
      hotJobs[Number(hot[1])]!.push(r.id);
      hotOrgId = r.org_id;
    } else {
      const n = Number(/^many-(\d+)$/.exec(r.name)![1]);
      manyJobs[Math.floor(n / o.batch)]!.push(r.id);
      manyOrgs[Math.floor(n / o.batch)]!.push(r.org_id);
    }
  }
  return { prefix, token: `apc_${token}`, hotOrgId, hotJobs, manyJobs, manyOrgs, startedAt: jobRows[0]!.started_at };
}

async function cleanup(pool: pg.Pool, prefix: string) {
  // Money records restrict deleting their org (real orgs are closed, never deleted): the ledger and jobs go
  // first, then the orgs take their wallets, memberships and cluster links with them (on delete cascade).
  const bench = `(select id from orgs where name like $1 || '-%')`;
  await pool.query(`delete from credit_ledger where org_id in ${bench}`, [prefix]);
  await pool.query(`delete from jobs where org_id in ${bench}`, [prefix]);
  await pool.query(`delete from orgs where name like $1 || '-%'`, [prefix]);
  await pool.query(`delete from clusters where name = $1 || '-cluster'`, [prefix]);
  await pool.query(`delete from users where username like $1 || '-u%'`, [prefix]);
}

// ---------------------------------------------------------------------------------------------- server

// ---------------------------------------------------------------------------------------------- measuring

/** Every charge the API reported, warm-up included: the ledger must hold exactly these. */
let apiChargedTotal = 0;

/** Per job, the seconds of runtime charged so far: each record asks for one more. */
class JobClock {
  private readonly charged = new Map<string, number>();
  constructor(private readonly startedAt: Date) {}
  next(jobId: string): string {
    const s = (this.charged.get(jobId) ?? 0) + 1;
    this.charged.set(jobId, s);
    return new Date(this.startedAt.getTime() + s * 1000).toISOString();
  }
}

/**
 * The load generator's HTTP client: node:http on keep-alive connections (one per client), as a runner would
 * hold them. It shares this machine's cores with the server and the database, so it should cost little:
 * undici's fetch took about twice its CPU per request.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(server: RunningServer, token: string | null, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}/api/v1/usage`,
      {
        method: "POST",
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function apiStep(server: RunningServer, s: Seed, clock: JobClock, tag: string, jobsOf: string[][], batch: number) {
  const cursor = new Map<number, number>();
  return async (c: number, n: number) => {
    const jobs = jobsOf[c]!;
    const records = Array.from({ length: batch }, (_, i) => {
      const k = (cursor.get(c) ?? 0) + i;
      const jobId = jobs[k % jobs.length]!;
      return { job_id: jobId, until: clock.next(jobId), idempotency_key: `${tag}-${c}-${n}-${i}` };
    });
    cursor.set(c, ((cursor.get(c) ?? 0) + batch) % jobs.length);
    try {
      const res = await post(server, s.token, JSON.stringify({ records }));
      const body = JSON.parse(res.body) as { charged?: number; error?: string };
      if (res.status !== 200) return { charges: 0, error: `${res.status} ${res.body.slice(0, 200)}` };
      const charged = body.charged ?? 0;
      apiChargedTotal += charged;
      return charged === batch
        ? { charges: charged }
        : { charges: charged, error: `charged ${charged} of ${batch}: ${JSON.stringify(body).slice(0, 300)}` };
    } catch (err) {
      return { charges: 0, error: (err as Error).message };
    }
  };
}

/**
 * The ceiling: the same route answering 401 to a request without a token, before any database work. No
 * single-record charge through this server can be faster than this, whatever the charging code does.
 */
function ceilingStep(server: RunningServer) {
  return async () => {
    try {
      const res = await post(server, null, "{}");
      return res.status === 401 ? { charges: 0 } : { charges: 0, error: `${res.status} ${res.body.slice(0, 200)}` };
    } catch (err) {
      return { charges: 0, error: (err as Error).message };
    }
  };
}

/** The raw SQL of one charge: BEGIN; conditional balance UPDATE … RETURNING; ledger INSERT; COMMIT. */
const RAW_UPDATE = `update org_wallets set balance = balance - $2::numeric, spent = spent + $2::numeric
  where org_id = $1 and not exists (select 1 from credit_ledger where idempotency_key = $3)
  returning balance`;
const RAW_INSERT = `insert into credit_ledger (org_id, kind, amount, balance_after, idempotency_key)
  values ($1, 'charge', -$2::numeric, $3, $4)`;

function rawStep(conns: pg.Client[], tag: string, orgsOf: (c: number) => string[]) {
  return async (c: number, n: number) => {
    const db = conns[c]!;
    const orgs = orgsOf(c);
    const orgId = orgs[n % orgs.length]!;
    const key = `${tag}-${c}-${n}`;
    try {
      await db.query("begin");
      const { rows } = await db.query<{ balance: string }>(RAW_UPDATE, [orgId, "1", key]);
      if (rows.length) await db.query(RAW_INSERT, [orgId, "1", rows[0]!.balance, key]);
      await db.query("commit");
      return rows.length ? { charges: 1 } : { charges: 0, error: "key already posted" };
    } catch (err) {
      await db.query("rollback").catch(() => undefined);
      return { charges: 0, error: (err as Error).message };
    }
  };
}

// ---------------------------------------------------------------------------------------------- output

function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const rate = (r: Result) => r.charges / r.seconds;
const reqRate = (r: Result) => r.requests / r.seconds;

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const url = process.env.DATABASE_URL?.trim();
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    throw new UsageError(
      "bench:metering needs a PostgreSQL database: set DATABASE_URL=postgres://… (the console's server and the " +
        "benchmark both connect to it; an embedded PGlite can't be shared). A fresh database is best, e.g.\n" +
        "  psql -h 127.0.0.1 -U postgres -c 'create database benchm'\n" +
        "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchm npm run bench:metering",
    );
  }
  const buildId = path.join(process.cwd(), ".next", "BUILD_ID");
  if (!existsSync(buildId)) {
    throw new UsageError("No production build found (.next/BUILD_ID is missing): run `npm run build` first.");
  }

  const prefix = `bm-${randomBytes(3).toString("hex")}`;
  console.log(`Target: PostgreSQL at ${redact(url)} (DATABASE_URL)`);
  console.log(`Build: .next/BUILD_ID ${readFileSync(buildId, "utf8").trim()}`);
  process.once("SIGINT", () => {
    benchState.interrupted = true;
    console.error("\nInterrupted: finishing the requests in flight, then cleaning up.");
  });

  // Migrations (the server would apply them too, under the same advisory lock).
  const database = await openDatabase({ url, poolSize: 2 });
  await database.migrate();
  await database.close();

  const pool = new pg.Pool({ connectionString: url, max: o.clients + 2 });
  pool.on("error", () => undefined);
  const { rows: version } = await pool.query<{ v: string }>("select version() as v");
  console.log(
    `Server: ${version[0]!.v.split(",")[0]}; this machine: ${availableParallelism()} CPUs (shared by all three)`,
  );
  const orgCount = 1 + o.clients * o.batch;
  console.log(
    `Seeding '${prefix}-…': 1 cluster + token, ${o.clients} members, ${orgCount.toLocaleString("en")} orgs, ` +
      `${(2 * o.clients * o.batch).toLocaleString("en")} running jobs` +
      (o.keep ? " (kept at the end: --keep)." : " (deleted at the end)."),
  );

  let server: RunningServer | undefined;
  const conns: pg.Client[] = [];
  let failed = false;
  try {
    let t0 = performance.now();
    const s = await seed(pool, prefix, o);
    console.log(`Seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);

    t0 = performance.now();
    server = await startConsole(url);
    console.log(`Console: next start at ${server.url} (ready in ${((performance.now() - t0) / 1000).toFixed(1)} s).`);

    for (let c = 0; c < o.clients; c++) {
      const conn = new pg.Client({ connectionString: url });
      conn.on("error", () => undefined);
      await conn.connect();
      conns.push(conn);
    }

    const clock = new JobClock(s.startedAt);
    const hotOrgs = () => [s.hotOrgId];
    // Warm-up (untimed by the results): JIT, route compilation, connection pools, plan caches.
    await runClients("warm-up", o.clients, 2, apiStep(server, s, clock, "warm1", s.hotJobs, 1));
    await runClients("warm-up", o.clients, 1, apiStep(server, s, clock, "warm2", s.manyJobs, o.batch));
    await runClients("warm-up", o.clients, 1, rawStep(conns, `${prefix}-rawwarm`, hotOrgs));

    // A timed case: o.clients clients repeat the step (made when the case runs) for o.seconds.
    const timed = (key: string, label: string, step: () => Parameters<typeof runClients>[3]) => ({
      key,
      label,
      run: (): Promise<Result> => runClients(key, o.clients, o.seconds, step()),
    });
    const cases = [
      timed("rawHot", "raw SQL, hot org (1 charge/tx)", () => rawStep(conns, `${prefix}-rawhot`, hotOrgs)),
      timed("apiHot1", "API, hot org, 1 record/request", () => apiStep(server!, s, clock, "h1", s.hotJobs, 1)),
      timed("apiHotB", `API, hot org, ${o.batch} records/request`, () =>
        apiStep(server!, s, clock, "hb", s.hotJobs, o.batch),
      ),
      timed("rawMany", "raw SQL, many orgs (1 charge/tx)", () =>
        rawStep(conns, `${prefix}-rawmany`, (c) => s.manyOrgs[c]!),
      ),
      timed("apiMany1", "API, many orgs, 1 record/request", () => apiStep(server!, s, clock, "m1", s.manyJobs, 1)),
      timed("apiManyB", `API, many orgs, ${o.batch} records/request`, () =>
        apiStep(server!, s, clock, "mb", s.manyJobs, o.batch),
      ),
      timed("ceiling", "API ceiling: 401 before any database work", () => ceilingStep(server!)),
    ];
    const results: Record<string, Result> = {};
    console.log(`\n${o.clients} concurrent clients, ${o.seconds} s per case:`);
    for (const c of cases) {
      if (benchState.interrupted) break;
      if (o.only.length && !o.only.includes(c.key)) continue;
      const r = await c.run();
      results[c.key] = r;
      const speed = c.key === "ceiling" ? `${reqRate(r).toFixed(0)} requests/s` : `${rate(r).toFixed(0)} charges/s`;
      console.log(`  ${c.label}: ${speed}` + (r.errors ? ` (${r.errors} errors: ${r.firstError})` : ""));
    }

    const ratioTo = (key: string, raw: string) =>
      results[key] && results[raw] ? `${(rate(results[key]) / rate(results[raw])).toFixed(2)}x` : "-";
    const rows = cases
      .filter((c) => results[c.key])
      .map((c) => {
        const r = results[c.key]!;
        const raw = c.key.startsWith("apiHot") ? "rawHot" : c.key.startsWith("apiMany") ? "rawMany" : null;
        return [
          c.label,
          r.requests.toLocaleString("en"),
          c.key === "ceiling" ? "-" : r.charges.toLocaleString("en"),
          String(r.errors),
          r.seconds.toFixed(1),
          c.key === "ceiling" ? `(${reqRate(r).toFixed(0)} req/s)` : rate(r).toFixed(0),
          percentile(r.latencies, 0.5).toFixed(1),
          percentile(r.latencies, 0.99).toFixed(1),
          raw ? ratioTo(c.key, raw) : "",
        ];
      });
    console.log(
      "\n" +
        table(
          ["case", "requests", "charges", "errors", "s", "charges/s", "p50 ms/req", "p99 ms/req", "API ÷ raw SQL"],
          rows,
        ),
    );
    const aims = [
      ["API, hot org, single records ≥ 0.5 × raw", "apiHot1", "rawHot", 0.5],
      ["API, many orgs, single records ≥ 0.5 × raw", "apiMany1", "rawMany", 0.5],
      ["API, hot org, batches > raw single-charge rate", "apiHotB", "rawHot", 1],
      ["API, many orgs, batches > raw single-charge rate", "apiManyB", "rawMany", 1],
    ] as const;
    console.log("\nAims (from the issue):");
    for (const [label, api, raw, factor] of aims) {
      if (!results[api] || !results[raw]) continue;
      const ratio = rate(results[api]) / rate(results[raw]);
      console.log(`  ${ratio >= factor ? "met    " : "NOT met"}  ${label}: ${ratio.toFixed(2)}x`);
    }
    const ceiling = results.ceiling;
    if (ceiling) {
      // One record per request: a single-record case can't charge faster than this server answers at all.
      const bound = (raw: string) =>
        results[raw] ? `${(reqRate(ceiling) / rate(results[raw]!)).toFixed(2)}x of ${raw}` : "";
      console.log(
        `\nCeiling of the single-record cases: this server answers ${reqRate(ceiling).toFixed(0)} requests/s that ` +
          `do no database work at all (${[bound("rawHot"), bound("rawMany")].filter(Boolean).join(", ")}).`,
      );
    }
    const errors = Object.values(results).reduce((n, r) => n + r.errors, 0);
    if (errors) failed = true;

    await stopConsole(server);
    server = undefined;

    // ------------------------------------------------------------------------------------------ invariants
    const { rows: orgsCheck } = await pool.query<{ orgs: number; bad: number; example: string | null }>(
      `select count(*)::int as orgs, count(*) filter (where o.balance <> l.total)::int as bad,
              min(case when o.balance <> l.total then o.name || ': balance ' || o.balance || ' vs Σ ledger ' || l.total end) as example
         from (select w.balance, n.name, n.id from org_wallets w join orgs n on n.id = w.org_id) o
         join lateral (select coalesce(sum(amount), 0) as total from credit_ledger where org_id = o.id) l on true
        where o.name like $1 || '-%'`,
      [prefix],
    );
    // A job's charges are one growing ledger row per UTC hour (issue 14); each charged record is in usage_records.
    const { rows: jobsCheck } = await pool.query<{ jobs: number; bad: number; charges: number; split: number }>(
      `select count(*)::int as jobs,
              count(*) filter (where j.credits_charged <> -l.total)::int as bad,
              coalesce(sum(u.n), 0)::int as charges,
              count(*) filter (where l.n > l.hours)::int as split
         from jobs j join clusters c on c.id = j.cluster_id
         join lateral (select coalesce(sum(amount), 0) as total, count(*) as n, count(distinct period_start) as hours
                         from credit_ledger where job_id = j.id and kind = 'charge') l on true
         join lateral (select count(*) as n from usage_records
                        where job_id = j.id and outcome = 'charged') u on true
        where c.name = $1 || '-cluster'`,
      [prefix],
    );
    const oc = orgsCheck[0]!;
    const jc = jobsCheck[0]!;
    console.log("\nInvariants after the run:");
    console.log(
      `  balance = Σ ledger: ${oc.bad === 0 ? "holds" : "BROKEN"} for ${oc.orgs - oc.bad} of ${oc.orgs} seeded orgs` +
        (oc.example ? ` (e.g. ${oc.example})` : ""),
    );
    console.log(
      `  credits_charged = Σ charges: ${jc.bad === 0 ? "holds" : "BROKEN"} for ${jc.jobs - jc.bad} of ${jc.jobs} jobs`,
    );
    console.log(
      `  charges through the API: ${apiChargedTotal.toLocaleString("en")} reported (warm-up included), ` +
        `${jc.charges.toLocaleString("en")} in usage_records: ${jc.charges === apiChargedTotal ? "equal" : "DIFFERENT"}`,
    );
    console.log(
      `  one ledger row per job per UTC hour: ${jc.split === 0 ? "holds" : "BROKEN"} for ${jc.jobs - jc.split} of ${jc.jobs} jobs`,
    );
    if (oc.bad || jc.bad || jc.split || jc.charges !== apiChargedTotal) failed = true;
  } catch (err) {
    failed = true;
    if (server) console.error(`\nServer log (tail):\n${server.log().slice(-4000)}`);
    throw err;
  } finally {
    agent.destroy();
    if (server) await stopConsole(server).catch(() => undefined);
    for (const conn of conns) await conn.end().catch(() => undefined);
    if (!o.keep) {
      const t0 = performance.now();
      try {
        await cleanup(pool, prefix);
        console.log(`\nDeleted the '${prefix}-…' rows in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
      } catch (err) {
        console.error(
          `\nCould not delete the benchmark rows (${(err as Error).message}). Remove them with:\n` +
            `  delete from credit_ledger where org_id in (select id from orgs where name like '${prefix}-%'); ` +
            `delete from jobs where org_id in (select id from orgs where name like '${prefix}-%'); ` +
            `delete from orgs where name like '${prefix}-%'; delete from clusters where name = '${prefix}-cluster'; ` +
            `delete from users where username like '${prefix}-u%';`,
        );
      }
    } else {
      console.log(`\nKept the '${prefix}-…' rows (--keep).`);
    }
    await pool.end();
  }
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
