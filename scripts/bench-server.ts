/**
 * What the benchmarks that drive the production server share (scripts/bench-metering.ts, scripts/bench-api.ts):
 * starting `next start` on a free loopback port against a PostgreSQL database, stopping it, and running
 * concurrent clients for a fixed time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";

/** Set on SIGINT: client loops stop after the request in flight. */
export const benchState = { interrupted: false };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  log: () => string;
}

/**
 * `next start` with `databaseUrl`, a random AUTH_SECRET and SECRETS_KEY, AUTH_TRUST_HOST=true, no runner, plus
 * `extraEnv` (which may also set the mail, Stripe and seeding variables taken from the caller's environment). Ready when `probe` says so (default: POST /api/v1/usage answers 401, i.e. the route is up and the
 * database answered the token lookup).
 */
export async function startConsole(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: randomBytes(33).toString("base64"),
    SECRETS_KEY: randomBytes(32).toString("base64"),
    AUTH_TRUST_HOST: "true",
    RUNNER_ENABLED: "false",
    PORT: String(port),
    ...extraEnv,
  };
  // Nothing from the caller's environment that would send mail or change who pays.
  for (const key of ["AUTH_URL", "SMTP_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SEED_DEFAULT_CLUSTER"]) {
    if (!(key in extraEnv)) delete env[key];
  }
  const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      nextBin,
      "start",
      "-H",
      "127.0.0.1",
      "-p",
      String(port),
    ],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/api/v1/usage`, { method: "POST", body: "{}" });
      await res.arrayBuffer();
      // Unauthenticated: the route is up and the database answered (the token lookup ran).
      if (res.status === 401) return { url, child, log: () => output };
      throw new Error(`unexpected ${res.status} from /api/v1/usage while starting`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("unexpected")) throw new Error(`${err.message}\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  child.kill("SIGTERM");
  throw new Error(`next start did not answer within 90 s:\n${output}`);
}

export async function stopConsole(server: RunningServer) {
  // A child killed by a signal has signalCode set and exitCode null: it has exited all the same.
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface Result {
  name: string;
  requests: number;
  charges: number;
  errors: number;
  seconds: number;
  latencies: number[];
  firstError?: string;
}

/** Runs `clients` loops of `step` until `seconds` pass (each loop also stops after 10 million steps). */
export async function runClients(
  name: string,
  clients: number,
  seconds: number,
  step: (client: number, n: number) => Promise<{ charges: number; error?: string }>,
): Promise<Result> {
  const result: Result = { name, requests: 0, charges: 0, errors: 0, seconds: 0, latencies: [] };
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let n = 0; n < 10_000_000 && performance.now() < end && !benchState.interrupted; n++) {
        const t0 = performance.now();
        const out = await step(c, n);
        result.latencies.push(performance.now() - t0);
        result.requests++;
        result.charges += out.charges;
        if (out.error) {
          result.errors++;
          result.firstError ??= out.error;
        }
      }
    }),
  );
  result.seconds = (performance.now() - start) / 1000;
  return result;
}
