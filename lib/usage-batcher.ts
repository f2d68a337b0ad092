import type { Db } from "@/db";
import { authenticateClusterTokens, meterUsage, type RunnerIdentity, type UsageRecord, type UsageResult } from "./jobs";
import type { Services } from "./services";

export interface Metered {
  outcomes: UsageResult[];
  stop: string[];
}

type MailServices = Pick<Services, "mailer" | "appUrl">;

/** Charges one runner's records: meterUsage directly, or through a UsageBatcher. */
export type MeterFn = (clusterId: string, records: UsageRecord[], svc: MailServices) => Promise<Metered>;

interface Pending {
  clusterId: string;
  records: UsageRecord[];
  /** The (authenticated) request's mail services; a shared transaction uses its first request's. */
  svc: MailServices;
  resolve: (m: Metered) => void;
  reject: (e: unknown) => void;
}

export interface BatcherOptions {
  /** Shared transactions running at once; requests arriving meanwhile wait for the next one. */
  maxConcurrent: number;
  /** Records at most in one shared transaction. */
  maxRecords: number;
  /** Requests with more records than this skip the queue (their own transaction, not counted in maxConcurrent). */
  soloAbove: number;
}

/** Token checks of concurrent requests share a query up to this many (a bound on its parameters). */
const MAX_TOKENS_PER_QUERY = 1000;

/** Measured with `npm run bench:metering` (README): one shared transaction at a time served single records best. */
export const BATCHER_DEFAULTS: BatcherOptions = { maxConcurrent: 1, maxRecords: 1000, soloAbove: 50 };

/**
 * Group commit for POST /api/v1/usage. Up to `maxConcurrent` meterUsage transactions run at once; requests that
 * arrive while they are all busy wait in a queue, and the next free slot charges everything queued (up to
 * `maxRecords`) in one transaction. An idle server charges each request at once, as before; a busy one charges
 * many single-record requests with the round trips of one batch. Each request gets exactly its own outcomes,
 * in its order, and the stopped jobs among its own records. Records keep their cluster, so one runner's
 * request can't charge another cluster's job; idempotency keys are namespaced per cluster by the caller.
 * If a shared transaction fails, each of its requests is retried alone, so one request's failure is its own.
 * The bearer tokens of concurrent requests are checked the same way, together (`authenticate`).
 */
export class UsageBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** meterUsage transactions started so far (for tests). */
  transactions = 0;
  private readonly tokenQueue: {
    bearer: string;
    resolve: (r: RunnerIdentity | null) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private checkingTokens = false;
  /** Token queries sent so far (for tests). */
  tokenQueries = 0;

  constructor(
    private readonly db: Db,
    private readonly opts: BatcherOptions = BATCHER_DEFAULTS,
  ) {}

  /**
   * The runner behind a bearer token, checked together with the tokens of concurrent requests: while one
   * check runs, the tokens arriving meanwhile wait and go to the database together in the next query. A token
   * is never answered by a query sent before its request arrived, so a revoked token fails from then on.
   */
  readonly authenticate = (bearer: string): Promise<RunnerIdentity | null> =>
    new Promise((resolve, reject) => {
      this.tokenQueue.push({ bearer, resolve, reject });
      this.pumpTokens();
    });

  private pumpTokens() {
    if (this.checkingTokens || this.tokenQueue.length === 0) return;
    const waiting = this.tokenQueue.splice(0, MAX_TOKENS_PER_QUERY);
    this.checkingTokens = true;
    this.tokenQueries++;
    authenticateClusterTokens(
      this.db,
      waiting.map((w) => w.bearer),
    )
      .then(
        (found) => waiting.forEach((w) => w.resolve(found.get(w.bearer) ?? null)),
        (err: unknown) => waiting.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        this.checkingTokens = false;
        this.pumpTokens();
      });
  }

  readonly meter: MeterFn = (clusterId, records, svc) => {
    // A large report is a batch already: it runs at once in its own transaction, next to the shared ones.
    if (records.length > this.opts.soloAbove) return this.run([{ clusterId, records, svc }]).then(([m]) => m!);
    return new Promise<Metered>((resolve, reject) => {
      this.queue.push({ clusterId, records, svc, resolve, reject });
      this.pump();
    });
  };

  private pump() {
    while (this.inFlight < this.opts.maxConcurrent && this.queue.length > 0) {
      const batch: Pending[] = [this.queue.shift()!];
      let size = batch[0]!.records.length;
      while (this.queue.length > 0 && size + this.queue[0]!.records.length <= this.opts.maxRecords) {
        const next = this.queue.shift()!;
        size += next.records.length;
        batch.push(next);
      }
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]) {
    try {
      const metered = await this.run(batch);
      batch.forEach((p, i) => p.resolve(metered[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      await Promise.all(batch.map((p) => this.run([p]).then(([m]) => p.resolve(m!), p.reject)));
    }
  }

  private run(batch: Pick<Pending, "clusterId" | "records" | "svc">[]) {
    this.transactions++;
    return meterBatch(this.db, batch);
  }
}

/** One meterUsage transaction for several requests; each gets its slice of the outcomes. */
async function meterBatch(db: Db, batch: Pick<Pending, "clusterId" | "records" | "svc">[]): Promise<Metered[]> {
  const records = batch.flatMap((p) => p.records.map((r) => ({ ...r, clusterId: p.clusterId })));
  const { outcomes, stop } = await meterUsage(db, records, batch[0]!.svc);
  let at = 0;
  return batch.map((p) => {
    const mine = outcomes.slice(at, at + p.records.length);
    at += p.records.length;
    const ids = new Set(p.records.map((r) => r.jobId));
    return { outcomes: mine, stop: stop.filter((id) => ids.has(id)) };
  });
}

/** Without a batcher: one transaction per request, limited to the runner's cluster. */
export function directMeter(db: Db): MeterFn {
  return (clusterId, records, svc) => meterUsage(db, records, svc, { clusterId });
}
