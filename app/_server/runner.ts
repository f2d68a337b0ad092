import "server-only";
import { getDb } from "@/db";
import { AdvisoryLeader } from "@/db/leader";
import { internal as artifactsInternal } from "@/lib/artifacts";
import { internal as billingInternal } from "@/lib/billing";
import { internal } from "@/lib/compute";
import { systemCaller } from "@/lib/core";
import { deliverOutbox, LogMailer, SmtpMailer, type Mailer } from "@/lib/mail";
import { appConfig } from "./config";
import { paymentProvider, services } from "./services";

interface Loop {
  timer: NodeJS.Timeout;
  /** Runs a tick now (or right after the one in progress). */
  wake: () => void;
}

const holder = globalThis as unknown as { __apoloRunner?: NodeJS.Timeout; __apoloLoops?: Map<string, Loop> };

/**
 * A background loop: `tick` every `intervalMs`, one tick at a time; `wake()` asks for a tick now (if one is
 * running, another follows it). Kept on globalThis so dev-server reloads don't start a second one.
 */
function startLoop(name: string, intervalMs: number, tick: () => Promise<unknown>): Loop {
  const loops = (holder.__apoloLoops ??= new Map());
  const existing = loops.get(name);
  if (existing) return existing;
  let busy = false;
  let again = false;
  const run = async (woken: boolean) => {
    if (busy) {
      // A timer tick that finds one running is skipped; a wake-up runs once more after it.
      if (woken) again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        await tick();
      } while (again);
    } catch (err) {
      console.error(`[${name}] tick failed:`, err);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void run(false), intervalMs);
  timer.unref();
  const loop = { timer, wake: () => void run(true) };
  loops.set(name, loop);
  return loop;
}

/** RUNNER_ENABLED (default: on; "false" turns it off) and RUNNER_INTERVAL_MS (default 5000). */
export function runnerSettings(env: Record<string, string | undefined> = process.env) {
  const enabled = env.RUNNER_ENABLED !== "false";
  const interval = Number(env.RUNNER_INTERVAL_MS);
  return { enabled, intervalMs: Number.isInteger(interval) && interval >= 200 ? interval : 5000 };
}

/** The advisory lock of the embedded runner's leader (any constant, shared by every instance of one database). */
const RUNNER_LEADER_LOCK_ID = 7_340_113;

/**
 * The embedded runner, on every instance: every few seconds the one instance that leads (a PostgreSQL advisory
 * lock, db/leader.ts; on PGlite the only process) charges running jobs on embedded clusters and the storage of
 * disks on clusters with a storage price. When the leader dies, another instance leads from its next tick. Two
 * runners never charge a tick twice anyway: each tick's usage record has an idempotency key (usage_records).
 */
export function startEmbeddedRunner() {
  const { enabled, intervalMs } = runnerSettings();
  if (!enabled || holder.__apoloRunner) return;
  const url = process.env.DATABASE_URL;
  const leader = url ? new AdvisoryLeader(url, RUNNER_LEADER_LOCK_ID) : null;
  let leading = false;
  holder.__apoloRunner = startLoop("runner", intervalMs, async () => {
    if (leader) {
      const now = await leader.tryLead();
      if (now !== leading) console.log(now ? "[runner] this instance leads the embedded runner" : "[runner] following");
      leading = now;
      if (!now) return;
    }
    const svc = await services({ appUrl: process.env.AUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}` });
    const [db, now] = [await getDb(), new Date()];
    await internal.runEmbeddedTick(db, systemCaller("runner-tick"), now, intervalMs, svc);
    // Disk storage on clusters with a storage price, settled on the same tick (lib/artifacts/internal.ts).
    await artifactsInternal.meterStorage(db, systemCaller("runner-tick"), now, svc);
    // A charge may have crossed an automatic top-up threshold: top it up now rather than at the next tick.
    holder.__apoloLoops?.get("credits")?.wake();
  }).timer;
  console.log(`[runner] embedded runner ticking every ${intervalMs} ms${leader ? " when it leads" : ""}`);
}

/**
 * The transport of this server: SMTP when SMTP_URL is set, the log in development; none in production without
 * SMTP_URL (the mail then waits in outbox_emails, as pending, until a server with SMTP_URL delivers it).
 */
function mailTransport(env: Record<string, string | undefined> = process.env): Mailer | null {
  if (env.SMTP_URL) return new SmtpMailer(env.SMTP_URL, env.MAIL_FROM || "Apolo Console <no-reply@localhost>");
  return env.NODE_ENV === "production" ? null : new LogMailer();
}

/**
 * The mail worker, in every environment: every MAIL_WORKER_INTERVAL_MS (and as soon as an operation queued
 * mail) it delivers the due rows of outbox_emails (lib/mail/mail.ts `deliverOutbox`). Safe with several instances.
 */
export function startMailWorker() {
  const transport = mailTransport();
  const { intervalMs, maxAttempts } = appConfig().mailWorker;
  if (!transport) {
    console.warn("[mail] SMTP_URL is not set: mail is kept in the outbox_emails table and not delivered");
    return;
  }
  startLoop("mail", intervalMs, async () => deliverOutbox(await getDb(), transport, { maxAttempts }));
  console.log(`[mail] mail worker (${transport.kind}) ticking every ${intervalMs} ms`);
}

/** After a commit that queued mail: deliver it now rather than at the next tick (no-op without a worker). */
export function wakeMailWorker() {
  holder.__apoloLoops?.get("mail")?.wake();
}

/** Warnings by projection are checked at most this often (they read the ledger of every org that spends). */
const PROJECTION_EVERY_MS = 60_000;

/**
 * The credits worker, on every instance: automatic top-ups every CREDITS_WORKER_INTERVAL_MS (and when woken
 * after a charge) and warnings by projection at most once a minute (lib/billing/worker.ts). Safe with several
 * instances: each part claims its rows in the database.
 */
export function startCreditsWorker() {
  const { intervalMs } = appConfig().creditsWorker;
  let lastProjections = 0;
  startLoop("credits", intervalMs, async () => {
    const appUrl = process.env.AUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
    const svc = await services({ appUrl });
    const now = new Date();
    const projections = now.getTime() - lastProjections >= PROJECTION_EVERY_MS;
    if (projections) lastProjections = now.getTime();
    await billingInternal.creditsWorkerTick(
      await getDb(),
      systemCaller("credits-worker"),
      now,
      { ...svc, provider: paymentProvider(appUrl), pricing: appConfig().pricing },
      { projections },
    );
  });
  console.log(`[credits] credits worker ticking every ${intervalMs} ms`);
}
