import type { Db } from "@/db";
import { authenticateClusterTokens, type RunnerIdentity } from "./runner-auth";
import { chargeUsage, type UsageRecord, type UsageResult } from "./metering";
import type { ClusterCaller } from "../core/caller";
import type { Services } from "../core/services";

export interface Metered {
  outcomes: UsageResult[];
  stop: string[];
}

type MailServices = Pick<Services, "mailer" | "appUrl">;

/**
 * Charges one runner's records: chargeUsage directly, or through a UsageBatcher. Only for an authenticated
 * runner (a cluster caller from runner-auth): its records count for jobs on its own cluster only.
 */
export type MeterFn = (runner: ClusterCaller, records: UsageRecord[], svc: MailServices) => Promise<Metered>;

/** One request's usage report, to charge. */
interface Report {
  clusterId: string;
  records: UsageRecord[];
  /** The (authenticated) request's mail services; a shared transaction uses its first request's. */
  svc: MailServices;
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
 * Group commit for POST /api/v1/usage. Up to `maxConcurrent` chargeUsage transactions run at once; requests that
 * arrive while they are all busy wait in a queue, and the next free slot charges everything queued (up to
 * `maxRecords`) in one transaction. An idle server charges each request at once, as before; a busy one charges
 * many single-record requests with the round trips of one batch. Each request gets exactly its own outcomes,
 * in its order, and the stopped jobs among its own records. Records keep their cluster, so one runner's
 * request can't charge another cluster's job; idempotency keys are namespaced per cluster by the caller.
 * If a shared transaction fails, each of its requests is retried alone, so one request's failure is its own.
 * The bearer tokens of concurrent requests are checked the same way, together (`authenticate`).
 */
export class UsageBatcher {
  /** meterUsage transactions started so far (for tests). */
  transactions = 0;
  /** Token queries sent so far (for tests). */
  tokenQueries = 0;
  private readonly charges: GroupQueue<Report, Metered>;
  private readonly tokens: GroupQueue<string, RunnerIdentity | null>;

  constructor(
    private readonly db: Db,
    private readonly opts: BatcherOptions = BATCHER_DEFAULTS,
  ) {
    const limits = { concurrent: opts.maxConcurrent, maxSize: opts.maxRecords, retryAlone: true };
    this.charges = new GroupQueue({ ...limits, sizeOf: (r) => r.records.length }, (batch) => this.run(batch));
    this.tokens = new GroupQueue({ concurrent: 1, maxSize: MAX_TOKENS_PER_QUERY }, async (bearers) => {
      this.tokenQueries++;
      const found = await authenticateClusterTokens(db, bearers);
      return bearers.map((b) => found.get(b) ?? null);
    });
  }

  /**
   * The runner behind a bearer token, checked together with the tokens of concurrent requests: while one
   * check runs, the tokens arriving meanwhile wait and go to the database together in the next query. A token
   * is never answered by a query sent before its request arrived, so a revoked token fails from then on.
   */
  readonly authenticate = (bearer: string): Promise<RunnerIdentity | null> => this.tokens.submit(bearer);

  readonly meter: MeterFn = ({ clusterId }, records, svc) => {
    // A large report is a batch already: it runs at once in its own transaction, next to the shared ones.
    if (records.length > this.opts.soloAbove) return this.run([{ clusterId, records, svc }]).then(([m]) => m!);
    return this.charges.submit({ clusterId, records, svc });
  };

  private run(batch: Report[]) {
    this.transactions++;
    return meterBatch(this.db, batch);
  }
}

interface Waiting<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Runs submitted items in groups: at most `concurrent` groups at once; items submitted meanwhile wait and go
 * together in the next group, in arrival order, up to `maxSize` (each item counts `sizeOf`, default 1). Each
 * item gets its own result. If a group fails, with `retryAlone` each of its items runs again alone, so one
 * item's failure is its own; without, every item of the group gets the error.
 */
class GroupQueue<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private running = 0;

  constructor(
    private readonly limits: {
      concurrent: number;
      maxSize: number;
      sizeOf?: (item: T) => number;
      retryAlone?: boolean;
    },
    private readonly runGroup: (items: T[]) => Promise<R[]>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    const sizeOf = this.limits.sizeOf ?? (() => 1);
    while (this.running < this.limits.concurrent && this.waiting.length > 0) {
      let size = sizeOf(this.waiting[0]!.item);
      let n = 1;
      while (n < this.waiting.length && size + sizeOf(this.waiting[n]!.item) <= this.limits.maxSize) {
        size += sizeOf(this.waiting[n++]!.item);
      }
      this.running++;
      void this.settle(this.waiting.splice(0, n)).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async settle(group: Waiting<T, R>[]) {
    try {
      const results = await this.runGroup(group.map((w) => w.item));
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (!this.limits.retryAlone || group.length === 1) return group.forEach((w) => w.reject(err));
      await Promise.all(group.map((w) => this.runGroup([w.item]).then(([r]) => w.resolve(r!), w.reject)));
    }
  }
}

/** One chargeUsage transaction for several requests; each gets its slice of the outcomes. */
async function meterBatch(db: Db, batch: Report[]): Promise<Metered[]> {
  const records = batch.flatMap((p) => p.records.map((r) => ({ ...r, clusterId: p.clusterId })));
  const { outcomes, stop } = await chargeUsage(db, records, batch[0]!.svc);
  let at = 0;
  return batch.map((p) => {
    const mine = outcomes.slice(at, at + p.records.length);
    at += p.records.length;
    const ids = new Set(p.records.map((r) => r.jobId));
    return { outcomes: mine, stop: stop.filter((id) => ids.has(id)) };
  });
}

/** Without a batcher: one transaction per request. */
export function directMeter(db: Db): MeterFn {
  return ({ clusterId }, records, svc) => meterBatch(db, [{ clusterId, records, svc }]).then(([m]) => m!);
}
