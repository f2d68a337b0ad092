/**
 * `npm run test:reliability`: two production instances of the console on one fresh PostgreSQL database and Redis,
 * under concurrent load, while the database goes away and comes back and one instance is killed — then the money
 * invariants, checked in SQL. Exits 1 when one fails.
 *
 *   1. creates a database `apolo_rel_<random>` on the server of RELIABILITY_DATABASE_URL (default
 *      postgres://postgres@127.0.0.1:5432/postgres), applies the migrations and seeds: an external cluster with a
 *      runner token, orgs with a balance and running jobs (1 credit per second of runtime), a member per client
 *      with a personal access token, a platform admin with a personal access token, and pending Stripe payments;
 *   2. starts two `next start` instances (`npm run build` first) that reach the database through a TCP relay this
 *      script can cut, with REDIS_URL (default redis://127.0.0.1:6379), the Stripe keys and STRIPE_API_URL set to a
 *      local stand-in for Stripe's API (Checkout Sessions); and, next to them, a third instance whose REDIS_URL
 *      points at a closed port: its /api/ready must answer 503 with redis "unreachable" and its /api/health 200;
 *   3. for `--seconds` (default 40), `--clients` (default 24, at most 32) concurrent clients spread over both
 *      instances: usage reports (single records and batches, a fifth of them replaying earlier keys, some with a
 *      later moment), top-ups through the console API (POST /api/v1/orgs/{org}/top-ups with the member's token,
 *      the same Idempotency-Key sent to both instances at once), signed Stripe webhook deliveries sent to both
 *      instances at once (replays of one payment: those top-ups first, then seeded payments), and grants through
 *      Apolo's admin API with an idempotency_key sent twice at once. At most `--clients` requests are in flight at
 *      any moment, all kinds together (one shared semaphore; the peak is printed);
 *   4. at 25 % of the run cuts the database away for `--outage` seconds (default 4: every connection reset, new
 *      ones refused), then restores it; at 45 % (at least 3 s after that) terminates every backend of the
 *      database (pg_terminate_backend, as a PostgreSQL restart does to open connections); at 65 % (at least 3 s
 *      after that) kills one instance with SIGKILL;
 *   5. checks: balance = Σ ledger for every org; ledger idempotency keys unique; each paid payment exactly one
 *      ledger row, none for a payment that isn't paid, no payment answered "paid" twice; one payment per top-up
 *      Idempotency-Key, each with its Checkout Session; every job's credits_charged = Σ its charges = its settled
 *      runtime exactly, in one ledger row per UTC hour; every charge a client was told about is in usage_records
 *      with that amount, and every usage key answered is there; grants between the keys answered and the keys
 *      sent; 5xx answers only while the database was away or just after its backends were terminated (plus a
 *      short grace), and those 503; no answer at all only then, or from the killed instance once it was killed;
 *      the instance not killed still running and answering /api/health and /api/ready at the end; no instance's
 *      log with an uncaughtException or unhandledRejection;
 *   6. prints requests/s, the peak of requests in flight, answers by status, the outage the clients saw and the
 *      time each instance took to recover (after the relay came back, and after the backends were terminated).
 *
 * Loopback only; bounded in time and load. `--keep` leaves the database for inspection.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import pg from "pg";
import Stripe from "stripe";
import { table } from "./bench-output";
import { freePort, startConsole, stopConsole, type RunningServer } from "./bench-server";
import { cuttableRelay } from "../e2e/server-process";
import { openDatabase } from "@/db/client";
import { hashToken, newToken } from "@/lib/core/tokens";

interface Options {
  seconds: number;
  clients: number;
  outage: number;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { seconds: 40, clients: 24, outage: 4, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const num = (min: number, max: number) => {
      const v = Number(inline ?? argv[++i]);
      if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${flag} takes a number from ${min} to ${max}`);
      return v;
    };
    if (flag === "--seconds") o.seconds = num(10, 300);
    else if (flag === "--clients") o.clients = Math.floor(num(2, 32));
    else if (flag === "--outage") o.outage = num(1, 30);
    else if (flag === "--keep") o.keep = true;
    else if (flag === "--help" || flag === "-h") {
      console.log("usage: npm run test:reliability -- [--seconds 40] [--clients 24] [--outage 4] [--keep]");
      process.exit(0);
    } else throw new Error(`unknown argument '${argv[i]}'`);
  }
  return o;
}

const WEBHOOK_SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const ORGS = 12;
const JOBS_PER_CLIENT = 4;
const PAYMENTS = 3000;
/** Top-ups each client starts through the API at most (RATE_LIMITS.paymentsPerAccount: 20 per 10 minutes). */
const TOP_UPS_PER_CLIENT = 12;
/** A 5xx this long after the database came back still counts as part of the outage (pools reconnecting). */
const GRACE_MS = 3_000;

interface Seed {
  clusterId: string;
  runnerToken: string;
  adminToken: string;
  orgs: { id: string; name: string }[];
  /** Per client: its member's personal access token (write scope); the member is in its jobs' orgs. */
  memberTokens: string[];
  /** Per client: its jobs (each client is the only one reporting its jobs, so its moments only grow). */
  jobs: { id: string; orgId: string }[][];
  startedAt: Date;
  payments: { id: string; ref: string; amountMinor: number }[];
}

async function seed(url: string, clients: number): Promise<Seed> {
  const database = await openDatabase({ url });
  await database.migrate();
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("begin");
    const runner = newToken();
    const [cluster] = (
      await client.query<{ id: string }>(
        `insert into clusters (name, description, runner) values ('rel-cluster', 'test:reliability', 'external')
         returning id`,
      )
    ).rows;
    await client.query(`insert into cluster_tokens (cluster_id, label, token_hash) values ($1, 'reliability', $2)`, [
      cluster!.id,
      runner.hash,
    ]);
    const [admin] = (
      await client.query<{ id: string }>(
        `insert into users (username, email, email_verified_at, is_platform_admin)
         values ('rel-operator', 'rel-operator@example.com', now(), true) returning id`,
      )
    ).rows;
    const pat = async (userId: string) => {
      const token = `apolo_pat_${randomBytes(32).toString("base64url").slice(0, 43)}`;
      await client.query(
        `insert into personal_access_tokens (user_id, name, token_hash, hint, scope) values ($1, 'rel', $2, $3, 'write')`,
        [userId, hashToken(token), token.slice(10, 14)],
      );
      return token;
    };
    const adminToken = await pat(admin!.id);
    const memberTokens: string[] = [];
    const orgs: Seed["orgs"] = [];
    for (let i = 0; i < ORGS; i++) {
      const name = `rel-org-${i}`;
      const [org] = (await client.query<{ id: string }>(`insert into orgs (name) values ($1) returning id`, [name]))
        .rows;
      // Funded through the ledger (balance = Σ ledger from the start): generous, no job may stop.
      await client.query(`update org_wallets set balance = 100000000 where org_id = $1`, [org!.id]);
      await client.query(
        `insert into credit_ledger (org_id, kind, amount, balance_after, note)
         values ($1, 'grant', 100000000, 100000000, 'test:reliability funding')`,
        [org!.id],
      );
      await client.query(`insert into org_clusters (org_id, cluster_id) values ($1, $2)`, [org!.id, cluster!.id]);
      orgs.push({ id: org!.id, name });
    }
    const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 30 * 86_400_000);
    const jobs: Seed["jobs"] = [];
    for (let c = 0; c < clients; c++) {
      const [member] = (
        await client.query<{ id: string }>(
          `insert into users (username, email, email_verified_at) values ($1, $1 || '@example.com', now()) returning id`,
          [`rel-user-${c}`],
        )
      ).rows;
      memberTokens.push(await pat(member!.id));
      const mine: Seed["jobs"][number] = [];
      for (let j = 0; j < JOBS_PER_CLIENT; j++) {
        const org = orgs[(c * JOBS_PER_CLIENT + j) % ORGS]!;
        await client.query(
          `insert into org_members (org_id, user_id, role) values ($1, $2, 'user') on conflict do nothing`,
          [org.id, member!.id],
        );
        const [job] = (
          await client.query<{ id: string }>(
            `insert into jobs (org_id, user_id, cluster_id, preset_name, name, credits_per_hour, started_at, charged_until)
             values ($1, $2, $3, 'rel', $4, 3600, $5, $5) returning id`,
            [org.id, member!.id, cluster!.id, `rel-job-${c}-${j}`, startedAt],
          )
        ).rows;
        mine.push({ id: job!.id, orgId: org.id });
      }
      jobs.push(mine);
    }
    const payments: Seed["payments"] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const org = orgs[i % ORGS]!;
      const ref = `cs_rel_${i}_${randomBytes(6).toString("hex")}`;
      const credits = 1 + (i % 7);
      const [p] = (
        await client.query<{ id: string }>(
          `insert into payments (org_id, provider, provider_ref, credits, amount_minor, currency)
           values ($1, 'stripe', $2, $3, $4, 'usd') returning id`,
          [org.id, ref, credits, credits * 100],
        )
      ).rows;
      payments.push({ id: p!.id, ref, amountMinor: credits * 100 });
    }
    await client.query("commit");
    return {
      clusterId: cluster!.id,
      runnerToken: `apc_${runner.token}`,
      adminToken,
      orgs,
      memberTokens,
      jobs,
      startedAt,
      payments,
    };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------- load

interface Answer {
  kind: "usage" | "webhook" | "grant" | "topup";
  instance: number;
  start: number;
  end: number;
  /** HTTP status, or 0 when no answer came (connection refused or reset). */
  status: number;
}

interface Tally {
  answers: Answer[];
  /** Usage keys answered "charged", with the amount. */
  charged: Map<string, string>;
  /** Usage keys the API answered (any outcome). */
  answeredKeys: Set<string>;
  chargedTwice: string[];
  /** Payments answered "paid", and how often. */
  paid: Map<string, number>;
  grantKeysSent: Set<string>;
  grantKeysAnswered: Set<string>;
  topUpKeysSent: number;
  /** Payment ids answered by the top-up API (201), and keys answered with two different ids. */
  topUps: Set<string>;
  topUpKeysSplit: string[];
}

/**
 * Every request of the run goes through one semaphore: at most `max` in flight, all kinds and both instances
 * together (a step that sends to both instances at once waits for a second slot like anyone else).
 */
const inFlight = { max: 32, now: 0, peak: 0, waiting: [] as (() => void)[] };

async function acquire() {
  if (inFlight.now < inFlight.max) inFlight.now++;
  // release() hands its slot over directly: `now` stays the same.
  else await new Promise<void>((resolve) => inFlight.waiting.push(resolve));
  inFlight.peak = Math.max(inFlight.peak, inFlight.now);
}

function release() {
  const next = inFlight.waiting.shift();
  if (next) next();
  else inFlight.now--;
}

/** One request, when the semaphore gives a slot: its status (0 when no answer came), body, and when it ran. */
async function call(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: unknown; start: number; end: number }> {
  await acquire();
  const start = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body, start, end: performance.now() };
  } catch {
    return { status: 0, body: null, start, end: performance.now() };
  } finally {
    release();
  }
}

/**
 * A stand-in for Stripe's API on loopback (the instances' STRIPE_API_URL): Checkout Sessions only, one per
 * payment (client_reference_id), so a retried request gets the same session, as Stripe's idempotency gives.
 */
async function fakeStripe(): Promise<{ url: string; sessionOf: Map<string, string>; server: Server }> {
  const sessionOf = new Map<string, string>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method === "POST" && req.url === "/v1/checkout/sessions") {
        const paymentId = new URLSearchParams(body).get("client_reference_id") ?? "";
        let id = sessionOf.get(paymentId);
        if (!id) sessionOf.set(paymentId, (id = `cs_rel_api_${randomBytes(8).toString("hex")}`));
        res.end(JSON.stringify({ id, object: "checkout.session", url: `https://checkout.stripe.test/${id}` }));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "Unrecognized request URL" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sessionOf, server };
}

/**
 * An instance's whole output from now on (RunningServer.log keeps only its tail), preceded by what it printed
 * while starting: to look for process-level errors that went unhandled.
 */
function fullLog(srv: RunningServer): () => string {
  let all = srv.log();
  const keep = (chunk: Buffer) => (all += chunk.toString("utf8"));
  srv.child.stdout!.on("data", keep);
  srv.child.stderr!.on("data", keep);
  return () => all;
}

const CRASH_WORDS = ["uncaughtException", "unhandledRejection"];

/** The lines of `log` that say an error went unhandled (at most 3 of them). */
function crashLines(log: string): string[] {
  return log
    .split("\n")
    .filter((l) => CRASH_WORDS.some((w) => l.includes(w)))
    .slice(0, 3);
}

function webhookEvent(p: Seed["payments"][number]) {
  const payload = JSON.stringify({
    id: `evt_rel_${randomBytes(8).toString("hex")}`,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "checkout.session.completed",
    data: {
      object: {
        id: p.ref,
        object: "checkout.session",
        mode: "payment",
        status: "complete",
        payment_status: "paid",
        amount_total: p.amountMinor,
        currency: "usd",
        client_reference_id: p.id,
        metadata: { payment_id: p.id },
      },
    },
  });
  return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) };
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  inFlight.max = o.clients;
  const adminUrl = process.env.RELIABILITY_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const dbName = `apolo_rel_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const direct = new URL(adminUrl);
  direct.pathname = `/${dbName}`;
  const relay = await cuttableRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
  const relayed = new URL(direct.toString());
  relayed.hostname = "127.0.0.1";
  relayed.port = String(relay.port);
  const stripeApi = await fakeStripe();
  const servers: RunningServer[] = [];
  let redisless: RunningServer | null = null;
  let failed = false;
  try {
    console.log(`test:reliability on ${dbName}: ${o.clients} clients, ${o.seconds} s, outage ${o.outage} s`);
    const s = await seed(direct.toString(), o.clients);
    const env = {
      REDIS_URL: redisUrl,
      STRIPE_SECRET_KEY: "sk_test_reliability_never_called",
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: stripeApi.url,
      API_RATE_LIMIT_PER_MINUTE: "10000000",
      RUNNER_ENABLED: "true",
    };
    // Nobody listens on this port (taken, then released): the third instance's Redis is unreachable.
    const closedRedis = `redis://127.0.0.1:${await freePort()}`;
    const started = await Promise.all([
      startConsole(relayed.toString(), env),
      startConsole(relayed.toString(), env),
      startConsole(relayed.toString(), { ...env, REDIS_URL: closedRedis, RUNNER_ENABLED: "false" }),
    ]);
    servers.push(started[0], started[1]);
    redisless = started[2];
    const logs = started.map(fullLog);
    const problems: string[] = [];

    // ---------------------------------------------------------------------------- readiness, Redis unreachable
    const probe = async (srv: RunningServer, path: string) => {
      const r = await call(`${srv.url}${path}`, {});
      return { status: r.status, body: r.body as { database?: string; redis?: string } | null };
    };
    const ready = await Promise.all(servers.map((srv) => probe(srv, "/api/ready")));
    for (const [i, r] of ready.entries()) {
      if (r.status !== 200 || r.body?.redis !== "ok" || r.body?.database !== "ok") {
        problems.push(`instance ${i + 1} not ready at start: ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    const [noRedisReady, noRedisHealth] = [await probe(redisless, "/api/ready"), await probe(redisless, "/api/health")];
    console.log(
      `with Redis unreachable: /api/ready ${noRedisReady.status} ${JSON.stringify(noRedisReady.body)}, /api/health ${noRedisHealth.status}`,
    );
    if (
      noRedisReady.status !== 503 ||
      noRedisReady.body?.redis !== "unreachable" ||
      noRedisReady.body?.database !== "ok"
    ) {
      problems.push(
        `with Redis unreachable, /api/ready answered ${noRedisReady.status} ${JSON.stringify(noRedisReady.body)} ` +
          `(expected 503, redis "unreachable", database "ok")`,
      );
    }
    if (noRedisHealth.status !== 200)
      problems.push(`with Redis unreachable, /api/health answered ${noRedisHealth.status}`);
    await stopConsole(redisless);

    // ---------------------------------------------------------------------------- load
    const alive = [true, true];
    const tally: Tally = {
      answers: [],
      charged: new Map(),
      answeredKeys: new Set(),
      chargedTwice: [],
      paid: new Map(),
      grantKeysSent: new Set(),
      grantKeysAnswered: new Set(),
      topUpKeysSent: 0,
      topUps: new Set(),
      topUpKeysSplit: [],
    };
    const t0 = performance.now();
    const end = t0 + o.seconds * 1000;
    const pick = (c: number, n: number) => {
      const i = (c + n) % 2;
      return alive[i] ? i : 1 - i;
    };
    const record = (kind: Answer["kind"], instance: number, res: { status: number; start: number; end: number }) =>
      tally.answers.push({ kind, instance, start: res.start, end: res.end, status: res.status });

    let nextPayment = 0;
    /** Payments started through the top-up API whose webhook hasn't been sent yet: replayed before seeded ones. */
    const fromApi: Seed["payments"] = [];
    const topUpsBy = s.jobs.map(() => 0);
    const orgName = new Map(s.orgs.map((org) => [org.id, org.name]));
    const history: { job: string; until: string; key: string }[][] = s.jobs.map(() => []);
    const moments = s.jobs.map((js) => js.map(() => 0));

    async function usage(c: number, n: number) {
      const mine = s.jobs[c]!;
      const batch = n % 3 === 0 ? 1 + (n % 17) : 1;
      const records: { job_id: string; until: string; idempotency_key: string }[] = [];
      for (let b = 0; b < batch; b++) {
        const past = history[c]!;
        if (past.length > 0 && (n + b) % 5 === 0) {
          const old = past[(n * 7 + b) % past.length]!;
          // A replay: the same record, or the same key with a later moment (must never charge).
          const later = (n + b) % 2 === 0;
          const until = later ? new Date(Date.parse(old.until) + 60_000).toISOString() : old.until;
          records.push({ job_id: old.job, until, idempotency_key: old.key });
          continue;
        }
        const j = (n + b) % mine.length;
        moments[c]![j]! += 1;
        const until = new Date(s.startedAt.getTime() + moments[c]![j]! * 1000).toISOString();
        const key = `c${c}-j${j}-m${moments[c]![j]}`;
        past.push({ job: mine[j]!.id, until, key });
        records.push({ job_id: mine[j]!.id, until, idempotency_key: key });
      }
      const i = pick(c, n);
      const res = await call(`${servers[i]!.url}/api/v1/usage`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.runnerToken}`, "content-type": "application/json" },
        body: JSON.stringify({ records }),
      });
      record("usage", i, res);
      if (res.status !== 200) return;
      const body = res.body as { results: { idempotency_key: string; outcome: string; amount?: string }[] };
      for (const r of body.results) {
        tally.answeredKeys.add(r.idempotency_key);
        if (r.outcome !== "charged") continue;
        if (tally.charged.has(r.idempotency_key)) tally.chargedTwice.push(r.idempotency_key);
        tally.charged.set(r.idempotency_key, r.amount!);
      }
    }

    /** A top-up through the console API with the member's token: one Idempotency-Key to both instances at once. */
    async function topUp(c: number, n: number) {
      topUpsBy[c]!++;
      tally.topUpKeysSent++;
      const job = s.jobs[c]![n % JOBS_PER_CLIENT]!;
      const key = `rel-topup-${c}-${n}`;
      const body = JSON.stringify({ credits: String(1 + (n % 9)) });
      const ids = new Set<string>();
      let answer: { id: string; amount_minor: number } | null = null;
      await Promise.all(
        [0, 1].map(async (k) => {
          const i = alive[k] ? k : 1 - k;
          const res = await call(`${servers[i]!.url}/api/v1/orgs/${orgName.get(job.orgId)}/top-ups`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${s.memberTokens[c]}`,
              "content-type": "application/json",
              "idempotency-key": key,
            },
            body,
          });
          record("topup", i, res);
          if (res.status === 201) {
            answer = res.body as { id: string; amount_minor: number };
            ids.add(answer.id);
          }
        }),
      );
      if (ids.size > 1) tally.topUpKeysSplit.push(key);
      const got = answer as { id: string; amount_minor: number } | null;
      if (!got) return;
      tally.topUps.add(got.id);
      const ref = stripeApi.sessionOf.get(got.id);
      if (ref) fromApi.push({ id: got.id, ref, amountMinor: got.amount_minor });
    }

    async function webhook(c: number, n: number) {
      const p = fromApi.shift() ?? s.payments[nextPayment++ % s.payments.length]!;
      const { payload, signature } = webhookEvent(p);
      // The same delivery to both instances at once (Stripe retries, or two endpoints), one more to either.
      const targets = [0, 1, pick(c, n)].map((i) => (alive[i] ? i : 1 - i));
      await Promise.all(
        targets.map(async (i) => {
          const res = await call(`${servers[i]!.url}/api/stripe/webhook`, {
            method: "POST",
            headers: { "stripe-signature": signature, "content-type": "application/json" },
            body: payload,
          });
          record("webhook", i, res);
          if (res.status === 200 && (res.body as { outcome?: string }).outcome === "paid") {
            tally.paid.set(p.id, (tally.paid.get(p.id) ?? 0) + 1);
          }
        }),
      );
    }

    async function grant(c: number, n: number) {
      const org = s.orgs[(c + n) % s.orgs.length]!;
      const key = `rel-grant-${c}-${n}`;
      tally.grantKeysSent.add(key);
      await Promise.all(
        [0, 1].map(async (k) => {
          const i = alive[k] ? k : 1 - k;
          const res = await call(
            `${servers[i]!.url}/apis/admin/v1/orgs/${org.name}/balance?idempotency_key=${encodeURIComponent(key)}`,
            {
              method: "PATCH",
              headers: { authorization: `Bearer ${s.adminToken}`, "content-type": "application/json" },
              body: JSON.stringify({ additional_credits: "5" }),
            },
          );
          record("grant", i, res);
          if (res.status === 200) tally.grantKeysAnswered.add(key);
        }),
      );
    }

    // The timeline: the relay is cut at 25 % and restored `outage` seconds later; every backend of the database
    // is terminated at 45 % (at least GRACE_MS later); an instance dies at 65 % (at least GRACE_MS later again).
    let cutAt = 0;
    let restoredAt = 0;
    let terminatedAt = 0;
    let terminated = 0;
    let killedAt = 0;
    const timeline = (async () => {
      await sleepUntil(t0 + o.seconds * 250);
      cutAt = performance.now();
      await relay.cut();
      await sleepUntil(cutAt + o.outage * 1000);
      await relay.restore();
      restoredAt = performance.now();
      await sleepUntil(Math.max(t0 + o.seconds * 450, restoredAt + GRACE_MS));
      terminatedAt = performance.now();
      const { rows } = await admin.query<{ n: string }>(
        `select count(*) filter (where pg_terminate_backend(pid))::text as n from pg_stat_activity
         where datname = $1 and pid <> pg_backend_pid()`,
        [dbName],
      );
      terminated = Number(rows[0]!.n);
      await sleepUntil(Math.max(t0 + o.seconds * 650, terminatedAt + GRACE_MS));
      alive[1] = false;
      killedAt = performance.now();
      servers[1]!.child.kill("SIGKILL");
    })();

    await Promise.all(
      Array.from({ length: o.clients }, async (_, c) => {
        for (let n = 0; performance.now() < end && n < 1_000_000; n++) {
          const roll = (c * 31 + n * 17) % 20;
          if (roll < 13) await usage(c, n);
          else if (roll < 16) await webhook(c, n);
          else if (roll < 18) await (topUpsBy[c]! < TOP_UPS_PER_CLIENT ? topUp(c, n) : webhook(c, n));
          else await grant(c, n);
        }
      }),
    );
    await timeline;
    const elapsed = (performance.now() - t0) / 1000;

    // ------------------------------------------------------------------------------------------ figures
    const byStatus = new Map<string, number>();
    for (const a of tally.answers) {
      const k = `${a.kind} ${a.status === 0 ? "no answer" : a.status}`;
      byStatus.set(k, (byStatus.get(k) ?? 0) + 1);
    }
    const failures = tally.answers.filter((a) => a.status === 0 || a.status >= 500);
    const inWindow = (a: Answer, from: number, to: number) => a.end >= from && a.start <= to;
    const duringOutage = (a: Answer) => inWindow(a, cutAt, restoredAt + GRACE_MS);
    const afterTerminate = (a: Answer) => inWindow(a, terminatedAt, terminatedAt + GRACE_MS);
    const seenOutage = failures.filter((a) => duringOutage(a) && a.status !== 0);
    const firstBad = Math.min(...seenOutage.map((a) => a.end));
    const lastBad = Math.max(...seenOutage.map((a) => a.end));
    const firstOk = (i: number, after: number) => {
      const ok = tally.answers.filter((a) => a.instance === i && a.status < 500 && a.status !== 0 && a.start >= after);
      return ok.length ? (Math.min(...ok.map((a) => a.end)) - after) / 1000 : null;
    };
    console.log(
      `\n${tally.answers.length} requests in ${elapsed.toFixed(1)} s: ${(tally.answers.length / elapsed).toFixed(0)} requests/s; ` +
        `at most ${inFlight.peak} in flight (limit ${o.clients})`,
    );
    console.log(
      table(
        ["answers", "count"],
        [...byStatus.entries()].sort().map(([k, v]) => [k, String(v)]),
      ),
    );
    const at = (t: number) => `${((t - t0) / 1000).toFixed(1)} s`;
    console.log(
      `database away ${o.outage.toFixed(1)} s from ${at(cutAt)}; clients saw failures for ${
        seenOutage.length ? ((lastBad - firstBad) / 1000).toFixed(1) : "0"
      } s (${seenOutage.length} answers 5xx); first answer after the database came back: instance 1 ` +
        `${fmt(firstOk(0, restoredAt))}, instance 2 ${fmt(firstOk(1, restoredAt))}`,
    );
    const afterTerm = failures.filter((a) => afterTerminate(a) && !duringOutage(a));
    console.log(
      `${terminated} backends terminated at ${at(terminatedAt)}: ${afterTerm.length} answers 5xx or none within ` +
        `${GRACE_MS / 1000} s; first answer after: instance 1 ${fmt(firstOk(0, terminatedAt))}, instance 2 ` +
        `${fmt(firstOk(1, terminatedAt))}; instance 2 killed at ${at(killedAt)}`,
    );

    // ------------------------------------------------------------------------------------------ invariants
    if (inFlight.peak > o.clients) problems.push(`${inFlight.peak} requests in flight at once (limit ${o.clients})`);
    if (terminated === 0) problems.push("pg_terminate_backend found no backend of the console's database");
    // Recovery: each instance answered again (not 5xx) after the relay came back and after its backends were
    // terminated (instance 2 before it was killed).
    for (const [what, after] of [
      ["the database came back", restoredAt],
      ["the backends were terminated", terminatedAt],
    ] as const) {
      for (const i of [0, 1]) {
        const ok = tally.answers.some(
          (a) =>
            a.instance === i && a.start >= after && a.status !== 0 && a.status < 500 && (i === 0 || a.end < killedAt),
        );
        if (!ok) problems.push(`instance ${i + 1} never answered after ${what}`);
      }
    }
    const bad5xx = failures.filter(
      (a) => a.status >= 500 && (!(duringOutage(a) || afterTerminate(a)) || a.status !== 503),
    );
    const when = (a: Answer) => `${a.kind} ${a.status} from instance ${a.instance + 1} at ${at(a.end)}`;
    if (bad5xx.length) {
      problems.push(
        `${bad5xx.length} answers 5xx outside the outage and the termination or other than 503: ${bad5xx
          .slice(0, 5)
          .map(when)
          .join(", ")}`,
      );
    }
    // No answer at all: only while the database was away (a request may wait out the whole outage), or from the
    // killed instance once it was killed.
    const silent = tally.answers.filter(
      (a) => a.status === 0 && !duringOutage(a) && !(a.instance === 1 && a.end >= killedAt),
    );
    if (silent.length) {
      problems.push(
        `${silent.length} requests got no answer outside the outage and the kill: ${silent.slice(0, 5).map(when).join(", ")}`,
      );
    }
    // The survivor: still running, and healthy and ready now.
    const survivor = servers[0]!;
    if (survivor.child.exitCode !== null || survivor.child.signalCode !== null) {
      problems.push(`instance 1 (never killed) exited: ${survivor.child.exitCode ?? survivor.child.signalCode}`);
    } else {
      const [health, readyNow] = [await probe(survivor, "/api/health"), await probe(survivor, "/api/ready")];
      if (health.status !== 200 || readyNow.status !== 200) {
        problems.push(
          `instance 1 at the end: /api/health ${health.status}, /api/ready ${readyNow.status} ${JSON.stringify(readyNow.body)}`,
        );
      }
    }
    for (const [i, log] of logs.entries()) {
      const lines = crashLines(log());
      if (lines.length) problems.push(`instance ${i + 1} logged an unhandled error: ${lines.join(" | ")}`);
    }
    if (tally.chargedTwice.length)
      problems.push(`usage keys answered "charged" twice: ${tally.chargedTwice.slice(0, 5)}`);
    for (const [id, n] of tally.paid) if (n > 1) problems.push(`payment ${id} answered "paid" ${n} times`);
    if (tally.topUpKeysSplit.length) {
      problems.push(`top-up Idempotency-Keys answered with two payments: ${tally.topUpKeysSplit.slice(0, 5)}`);
    }

    const db = new pg.Client({ connectionString: direct.toString() });
    await db.connect();
    try {
      const q = async (label: string, text: string, params: unknown[] = []) => {
        const { rows } = await db.query(text, params);
        if (rows.length) problems.push(`${label}: ${JSON.stringify(rows.slice(0, 3))}`);
      };
      await q(
        "balance ≠ Σ ledger",
        `select w.org_id, w.balance::text, coalesce(sum(l.amount), 0)::text as sum from org_wallets w
         left join credit_ledger l on l.org_id = w.org_id group by w.org_id, w.balance
         having w.balance <> coalesce(sum(l.amount), 0)`,
      );
      await q(
        "duplicate ledger keys",
        `select idempotency_key, count(*) from credit_ledger where idempotency_key is not null
         group by idempotency_key having count(*) > 1`,
      );
      await q(
        "paid payment without exactly one ledger row",
        `select p.id, count(l.id) from payments p left join credit_ledger l on l.payment_id = p.id
         where p.status = 'paid' group by p.id having count(l.id) <> 1`,
      );
      await q(
        "ledger row for a payment that isn't paid",
        `select p.id, p.status from payments p join credit_ledger l on l.payment_id = p.id where p.status <> 'paid'`,
      );
      await q(
        "top-up answered by the API but not a Stripe payment with its Checkout Session",
        `select t.id from unnest($1::uuid[]) as t(id) left join payments p on p.id = t.id
         where p.id is null or p.provider <> 'stripe' or p.provider_ref is null`,
        [[...tally.topUps]],
      );
      await q(
        "job charges not exact",
        `select j.id, j.credits_charged::text, coalesce(-sum(l.amount), 0)::text as ledger,
                extract(epoch from j.charged_until - j.started_at)::text as seconds
         from jobs j left join credit_ledger l on l.job_id = j.id and l.kind = 'charge'
         group by j.id having j.credits_charged <> coalesce(-sum(l.amount), 0)
            or j.credits_charged <> round(j.credits_per_hour * extract(epoch from j.charged_until - j.started_at) / 3600, 8)`,
      );
      const keys = [...tally.charged.entries()];
      // A job's charges are one ledger row per UTC hour (each job's Σ is checked above); each acknowledged charge
      // is its own usage record with the amount it charged.
      const { rows: ledger } = await db.query<{ key: string; amount: string }>(
        `select idempotency_key as key, amount::text as amount from usage_records
         where outcome = 'charged' and idempotency_key = any($1)`,
        [keys.map(([k]) => `usage:${s.clusterId}:${k}`)],
      );
      const inLedger = new Map(ledger.map((r) => [r.key, r.amount]));
      const missing = keys.filter(([k, amount]) => inLedger.get(`usage:${s.clusterId}:${k}`) !== amount);
      if (missing.length) problems.push(`${missing.length} acknowledged charges missing or different in usage_records`);
      const { rows: hourly } = await db.query<{ n: string }>(
        `select count(*)::text as n from (
           select job_id, period_start from credit_ledger where kind = 'charge' and job_id is not null
           group by job_id, period_start having count(*) > 1 or period_start is null) x`,
      );
      if (Number(hourly[0]!.n) > 0) problems.push(`${hourly[0]!.n} job-hours with other than one ledger row`);
      const { rows: recorded } = await db.query<{ n: string }>(
        `select count(*)::text as n from usage_records where idempotency_key = any($1)`,
        [[...tally.answeredKeys].map((k) => `usage:${s.clusterId}:${k}`)],
      );
      if (Number(recorded[0]!.n) !== tally.answeredKeys.size) {
        problems.push(`${tally.answeredKeys.size - Number(recorded[0]!.n)} answered usage keys not in usage_records`);
      }
      const { rows: grants } = await db.query<{ n: string }>(
        `select count(*)::text as n from credit_ledger where kind = 'grant' and actor_id is not null`,
      );
      const g = Number(grants[0]!.n);
      if (g < tally.grantKeysAnswered.size || g > tally.grantKeysSent.size) {
        problems.push(
          `${g} grants in the ledger; ${tally.grantKeysAnswered.size} keys answered, ${tally.grantKeysSent.size} sent`,
        );
      }
      // Top-ups started through the API are the payments with a payer (the seeded ones have none).
      const { rows: counts } = await db.query<{ charges: string; paid: string; api: string; apiPaid: string }>(
        `select (select count(*) from credit_ledger where kind = 'charge')::text as charges,
                (select count(*) from payments where status = 'paid')::text as paid,
                (select count(*) from payments where user_id is not null)::text as api,
                (select count(*) from payments where user_id is not null and status = 'paid')::text as "apiPaid"`,
      );
      const c0 = counts[0]!;
      if (Number(c0.api) < tally.topUps.size || Number(c0.api) > tally.topUpKeysSent) {
        problems.push(`${c0.api} top-ups in payments; ${tally.topUps.size} answered, ${tally.topUpKeysSent} keys sent`);
      }
      console.log(
        `ledger: ${c0.charges} hourly charge rows (${tally.charged.size} charges acknowledged), ${c0.paid} payments paid ` +
          `(${tally.paid.size} acknowledged; ${c0.apiPaid} of the ${c0.api} top-ups started through the API, ` +
          `${tally.topUps.size} answered 201, ${tally.topUpKeysSent} keys sent), ${g} grants ` +
          `(${tally.grantKeysAnswered.size} acknowledged, ${tally.grantKeysSent.size} sent)`,
      );
      if (Number(c0.apiPaid) === 0) problems.push("no top-up started through the API was paid by its webhook");
    } finally {
      await db.end();
    }
    if (tally.charged.size === 0 || tally.paid.size === 0 || tally.grantKeysAnswered.size === 0) {
      problems.push("the run acknowledged no charge, payment or grant: nothing was tested");
    }
    if (problems.length) {
      failed = true;
      console.error(`\nFAILED:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
      for (const [i, srv] of servers.entries())
        console.error(`\n--- instance ${i + 1} log (tail)\n${srv.log().slice(-4000)}`);
    } else {
      console.log("\nall invariants hold");
    }
  } finally {
    // Never outlive the verdict: if cleaning up hangs, exit anyway (the database is dropped by name next run).
    setTimeout(() => {
      console.error("cleanup did not finish within 60 s; exiting");
      process.exit(failed ? 1 : 0);
    }, 60_000).unref();
    await Promise.all(
      [...servers, ...(redisless ? [redisless] : [])].map((srv) => stopConsole(srv).catch(() => undefined)),
    );
    await relay.close();
    await new Promise((resolve) => stripeApi.server.close(resolve));
    if (!o.keep) await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    else console.log(`kept database ${dbName}`);
    await admin.end();
  }
  process.exit(failed ? 1 : 0);
}

const fmt = (s: number | null | undefined) => (s == null ? "none" : `${s.toFixed(2)} s`);

async function sleepUntil(at: number) {
  const ms = at - performance.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
