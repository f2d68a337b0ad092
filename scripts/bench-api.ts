/**
 * `npm run bench:api`: what the token API costs over the lib call it makes, for two of Apolo's admin calls:
 *
 *   - `GET /apis/admin/v1/orgs/{org}/users?with_user_info=true` (`apolo admin get-org-users`) against
 *     `listOrgUsers` made in-process;
 *   - `PATCH /apis/admin/v1/orgs/{org}/balance?idempotency_key=…` with `{"additional_credits": "0.01"}`
 *     (`apolo admin add-org-credits`) against `grantCredits` made in-process, each with its own key.
 *
 * Against the PostgreSQL database of DATABASE_URL (required: the server and the benchmark share it), it seeds a
 * platform admin with a token and an org of `--members` members, starts the production server itself (`next
 * start` on a free loopback port, scripts/bench-server.ts; run `npm run build` first), runs each case with
 * `--clients` concurrent clients for `--seconds`, prints requests/s (or calls/s) and the ratio API ÷ in-process
 * (the aim on this 2-core machine is ≥ 0.5) and the ceiling (the same GET refused with 401 before any database
 * work: what the server answers at all), then checks balance = Σ ledger for the org and that every delta
 * the API acknowledged is in the ledger exactly once. It measures; it asserts only those invariants.
 *
 *   npm run bench:api -- [--clients 8] [--seconds 10] [--members 100] [--keep]
 *
 * Everything it writes is named `ba-<random>-…` and deleted at the end unless `--keep` is given.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import { availableParallelism } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { openDatabase, rawRows, type Database } from "@/db/client";
import { orgMembers, orgs, users } from "@/db/schema";
import { createToken } from "@/lib/accounts/tokens";
import { grantCredits } from "@/lib/billing/grants";
import { installConfig, parseConfig } from "@/lib/core/config";
import { userCaller } from "@/lib/core/caller";
import { listOrgUsers } from "@/lib/orgs/org-details";
import { redact, table } from "./bench-output";
import { benchState, runClients, startConsole, stopConsole, type Result, type RunningServer } from "./bench-server";

class UsageError extends Error {}

interface Options {
  clients: number;
  seconds: number;
  members: number;
  keep: boolean;
}

const USAGE = `usage: npm run bench:api -- [--clients N] [--seconds S] [--members N] [--keep]
  --clients N   concurrent HTTP clients, and concurrent in-process callers (default 8)
  --seconds S   measured time of each case (default 10)
  --members N   members of the seeded org (default 100)
  --keep        leave the seeded rows in place (default: delete them at the end)
Needs DATABASE_URL (PostgreSQL) and a production build (npm run build).`;

function parseOptions(argv: string[]): Options {
  const o: Options = { clients: 8, seconds: 10, members: 100, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const num = (min: number, max: number) => {
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new UsageError(`${flag} needs a number from ${min} to ${max}, got '${value ?? ""}'`);
      }
      return n;
    };
    if (flag === "--clients") o.clients = num(1, 64);
    else if (flag === "--seconds") o.seconds = num(1, 600);
    else if (flag === "--members") o.members = num(1, 100_000);
    else if (flag === "--keep") o.keep = true;
    else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown option ${flag}\n${USAGE}`);
  }
  return o;
}

/** The mail the grants queue stays in the outbox (no worker runs here). */
const quietMail = { committed: () => undefined };

interface Seed {
  org: string;
  orgId: string;
  operatorId: string;
  token: string;
}

async function seed(database: Database, prefix: string, o: Options): Promise<Seed> {
  const db = database.db;
  const [op] = await db
    .insert(users)
    .values({ username: `${prefix}-op`, email: `${prefix}-op@bench.example`, isPlatformAdmin: true })
    .returning();
  const [org] = await db
    .insert(orgs)
    .values({ name: `${prefix}-org`, displayName: "Bench API" })
    .returning();
  await db.insert(orgMembers).values({ orgId: org!.id, userId: op!.id, role: "admin" });
  const people = await db
    .insert(users)
    .values(
      Array.from({ length: o.members - 1 }, (_, i) => ({
        username: `${prefix}-u${i}`,
        email: `${prefix}-u${i}@bench.example`,
        name: `Bench Member ${i}`,
      })),
    )
    .returning({ id: users.id });
  if (people.length) {
    await db.insert(orgMembers).values(
      people.map((p, i) => ({
        orgId: org!.id,
        userId: p.id,
        role: i % 10 === 0 ? ("manager" as const) : ("user" as const),
        creditLimit: i % 2 ? "100" : null,
      })),
    );
  }
  const { token } = await createToken(db, userCaller(op!.id, "bench"), {
    name: "bench",
    expiresIn: "7",
    scope: "write",
  });
  return { org: org!.name, orgId: org!.id, operatorId: op!.id, token };
}

async function cleanup(database: Database, s: Seed, prefix: string) {
  const db = database.db;
  await db.execute(sql`delete from credit_ledger where org_id = ${s.orgId}`);
  await db.execute(sql`delete from audit_events where org_id = ${s.orgId}`);
  await db.execute(sql`delete from outbox_emails where "to" like ${prefix + "-%"}`);
  await db.execute(sql`delete from orgs where id = ${s.orgId}`);
  await db.execute(sql`delete from users where username like ${prefix + "-%"}`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(
  server: RunningServer,
  method: string,
  url: string,
  token: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}${url}`,
      {
        method,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

const rate = (r: Result) => r.requests / r.seconds;

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const url = process.env.DATABASE_URL?.trim();
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    throw new UsageError(
      "bench:api needs a PostgreSQL database: set DATABASE_URL=postgres://… (the server and the benchmark both " +
        "connect to it). A fresh database is best, e.g.\n" +
        "  psql -h 127.0.0.1 -U postgres -c 'create database bencha'\n" +
        "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/bencha npm run bench:api",
    );
  }
  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    throw new UsageError("No production build found (.next/BUILD_ID is missing): run `npm run build` first.");
  }
  installConfig(parseConfig({ NODE_ENV: "test" }));
  process.once("SIGINT", () => {
    benchState.interrupted = true;
    console.error("\nInterrupted: finishing the requests in flight, then cleaning up.");
  });
  const prefix = `ba-${randomBytes(3).toString("hex")}`;
  console.log(`Target: PostgreSQL at ${redact(url)} (DATABASE_URL); this machine: ${availableParallelism()} CPUs`);
  const database = await openDatabase({ url, poolSize: o.clients + 2 });
  await database.migrate();
  let server: RunningServer | undefined;
  let s: Seed | undefined;
  let failed = false;
  try {
    s = await seed(database, prefix, o);
    console.log(`Seeded '${s.org}' with ${o.members} members and a platform admin's token.`);
    const t0 = performance.now();
    server = await startConsole(url, { API_RATE_LIMIT_PER_MINUTE: "1000000000" });
    console.log(`Console: next start at ${server.url} (ready in ${((performance.now() - t0) / 1000).toFixed(1)} s).`);

    const db = database.db;
    const op = userCaller(s.operatorId, "bench");
    const svc = { mailer: quietMail, appUrl: "http://bench.invalid" };
    const usersUrl = `/apis/admin/v1/orgs/${s.org}/users?with_user_info=true`;
    const seed_ = s;
    /** API deltas answered 200 in the timed case (the warm-up's are not counted: their keys differ). */
    let acknowledged = 0;
    const ok = (status: number, body: string, expected: number) =>
      status === expected ? {} : { error: `${status} ${body.slice(0, 160)}` };

    const usersApi = () => async () => {
      const r = await request(server!, "GET", usersUrl, seed_.token);
      return { charges: 0, ...ok(r.status, r.body, 200) };
    };
    // The ceiling: what the server answers at all when it refuses before any database work (no token: 401).
    const ceiling = () => async () => {
      const r = await request(server!, "GET", usersUrl, "");
      return { charges: 0, ...ok(r.status, r.body, 401) };
    };
    const usersLib = () => async () => {
      await listOrgUsers(db, op, seed_.org);
      return { charges: 0 };
    };
    const deltaApi = (tag: string) => (c: number, n: number) => async () => {
      const key = `${prefix}-${tag}-${c}-${n}`;
      const r = await request(
        server!,
        "PATCH",
        `/apis/admin/v1/orgs/${seed_.org}/balance?idempotency_key=${key}`,
        seed_.token,
        JSON.stringify({ additional_credits: "0.01" }),
      );
      if (r.status === 200 && tag === "api") {
        acknowledged += 1;
      }
      return { charges: 1, ...ok(r.status, r.body, 200) };
    };
    const deltaLib = (tag: string) => (c: number, n: number) => async () => {
      await grantCredits(
        db,
        op,
        { org: seed_.org, mode: "add", amount: "0.01", idempotencyKey: `${prefix}-${tag}-${c}-${n}` },
        svc,
      );
      return { charges: 1 };
    };
    const step =
      (make: (c: number, n: number) => () => Promise<{ charges: number; error?: string }>) => (c: number, n: number) =>
        make(c, n)().catch((err: unknown) => ({ charges: 0, error: String(err) }));

    // Warm-up: route compilation, JIT, pools, plan caches.
    await runClients("warm", o.clients, 2, step(usersApi));
    await runClients("warm", o.clients, 1, step(usersLib));
    await runClients("warm", o.clients, 1, step(deltaApi("warm")));
    await runClients("warm", o.clients, 1, step(deltaLib("warmlib")));

    const results: Record<string, Result> = {};
    const cases: [string, string, Parameters<typeof runClients>[3]][] = [
      ["usersLib", "listOrgUsers in-process", step(usersLib)],
      ["usersApi", "GET orgs/{org}/users?with_user_info=true", step(usersApi)],
      ["deltaLib", "grantCredits (add 0.01) in-process", step(deltaLib("lib"))],
      ["deltaApi", "PATCH orgs/{org}/balance additional_credits", step(deltaApi("api"))],
      ["ceiling", "ceiling: the same GET refused (401) before any database work", step(ceiling)],
    ];
    console.log(`\n${o.clients} concurrent clients, ${o.seconds} s per case:`);
    for (const [key, label, fn] of cases) {
      if (benchState.interrupted) break;
      const r = await runClients(key, o.clients, o.seconds, fn);
      results[key] = r;
      console.log(`  ${label}: ${rate(r).toFixed(0)}/s` + (r.errors ? ` (${r.errors} errors: ${r.firstError})` : ""));
    }
    const ratio = (api: string, lib: string) =>
      results[api] && results[lib] ? (rate(results[api]) / rate(results[lib])).toFixed(2) : "-";
    console.log(
      "\n" +
        table(
          ["case", "API requests/s", "in-process calls/s", "API ÷ in-process"],
          [
            [
              "get-org-users",
              results.usersApi ? rate(results.usersApi).toFixed(0) : "-",
              results.usersLib ? rate(results.usersLib).toFixed(0) : "-",
              ratio("usersApi", "usersLib"),
            ],
            [
              "add-org-credits",
              results.deltaApi ? rate(results.deltaApi).toFixed(0) : "-",
              results.deltaLib ? rate(results.deltaLib).toFixed(0) : "-",
              ratio("deltaApi", "deltaLib"),
            ],
          ],
        ),
    );
    if (results.ceiling) {
      console.log(
        `Ceiling (no database work at all): ${rate(results.ceiling).toFixed(0)} requests/s — ` +
          "no API case can be faster than the server answers a request.",
      );
    }

    // Invariants: balance = Σ ledger; every acknowledged API delta is in the ledger exactly once.
    const [inv] = await rawRows<{ balance: string; sum: string; dup: string }>(
      db,
      sql`select w.balance::text as balance,
        (select coalesce(sum(amount), 0)::text from credit_ledger where org_id = ${s.orgId}) as sum,
        (select count(*)::text from (select idempotency_key from credit_ledger where org_id = ${s.orgId}
           and idempotency_key is not null group by idempotency_key having count(*) > 1) d) as dup
        from org_wallets w where w.org_id = ${s.orgId}`,
    );
    const apiRows = await rawRows<{ n: string }>(
      db,
      sql`select count(*)::text as n from credit_ledger where org_id = ${s.orgId}
          and idempotency_key like ${"%" + prefix + "-api-%"}`,
    );
    const balanced = inv!.balance === inv!.sum || Number(inv!.balance) === Number(inv!.sum);
    console.log(
      `\nbalance ${inv!.balance} = Σ ledger ${inv!.sum}: ${balanced ? "yes" : "NO"}; ` +
        `duplicate idempotency keys: ${inv!.dup}; API deltas acknowledged ${acknowledged}, in the ledger ` +
        `${apiRows[0]!.n}`,
    );
    if (!balanced || inv!.dup !== "0" || Number(apiRows[0]!.n) !== acknowledged) {
      failed = true;
      console.error("INVARIANT BROKEN");
    }
  } finally {
    if (server) await stopConsole(server);
    if (s && !o.keep) await cleanup(database, s, prefix).catch((err) => console.error("cleanup failed:", err));
    await database.close();
    agent.destroy();
  }
  if (failed) process.exit(1);
}

main().catch((err) => {
  if (err instanceof UsageError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
