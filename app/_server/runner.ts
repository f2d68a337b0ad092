import "server-only";
import { getDb } from "@/db";
import { runEmbeddedTick } from "@/lib/jobs";
import { services } from "./services";

const holder = globalThis as unknown as { __apoloRunner?: NodeJS.Timeout };

/** RUNNER_ENABLED (default: on in development) and RUNNER_INTERVAL_MS (default 5000). */
export function runnerSettings(env: Record<string, string | undefined> = process.env) {
  const enabled = env.RUNNER_ENABLED ? env.RUNNER_ENABLED === "true" : env.NODE_ENV === "development";
  const interval = Number(env.RUNNER_INTERVAL_MS);
  return { enabled, intervalMs: Number.isInteger(interval) && interval >= 200 ? interval : 5000 };
}

/** The embedded runner: every few seconds it charges running jobs on embedded clusters (one tick at a time). */
export function startEmbeddedRunner() {
  const { enabled, intervalMs } = runnerSettings();
  if (!enabled || holder.__apoloRunner) return;
  let busy = false;
  holder.__apoloRunner = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const svc = await services({ appUrl: process.env.AUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}` });
      await runEmbeddedTick(await getDb(), new Date(), intervalMs, svc);
    } catch (err) {
      console.error("[runner] tick failed:", err);
    } finally {
      busy = false;
    }
  }, intervalMs);
  holder.__apoloRunner.unref();
  console.log(`[runner] embedded runner ticking every ${intervalMs} ms`);
}
