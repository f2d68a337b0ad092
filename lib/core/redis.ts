import { Redis, type RedisOptions } from "ioredis";

/**
 * How the console's Redis client fails fast when Redis can't be reached (app/_server/deps.ts `redisClient`, and
 * the tests of the rate limiter against an unreachable Redis use exactly these): every command gives up after
 * 1.5 s (queued while a connection is being made, as right after start, then sent; long enough that a busy event
 * loop doesn't time out a healthy Redis), with one retry and a 1 s connect timeout, so a request that needs Redis
 * is refused within about two seconds instead of hanging; it reconnects in the background with a bounded back-off
 * (200 ms growing to 2 s).
 */
export const REDIS_OPTIONS = {
  maxRetriesPerRequest: 1,
  connectTimeout: 1_000,
  commandTimeout: 1_500,
  retryStrategy: (times: number) => Math.min(times * 200, 2_000),
} as const satisfies RedisOptions;

/** How often the client's `error` events are logged, at most (they come with every reconnect attempt). */
export const REDIS_ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * The console's Redis client for `url`, with REDIS_OPTIONS and an `error` listener that logs at most once every
 * 30 s (an `error` event without a listener would be an uncaught exception; one per reconnect would flood the
 * log). Which limits fail closed and which fall back to in-memory counters: RATE_LIMITS in ./rate-limit.ts.
 */
export function createRedisClient(
  url: string,
  opts: {
    /** Where the error line goes (console.error). */
    log?: (message: string) => void;
    now?: () => number;
    /** Connect on the first command instead of at once (tests). */
    lazyConnect?: boolean;
  } = {},
): Redis {
  const { log = (m: string) => console.error(m), now = Date.now, lazyConnect = false } = opts;
  const redis = new Redis(url, { ...REDIS_OPTIONS, lazyConnect });
  let lastLog = -Infinity;
  redis.on("error", (err: Error) => {
    const t = now();
    if (t - lastLog < REDIS_ERROR_LOG_INTERVAL_MS) return;
    lastLog = t;
    log(`[redis] ${err.message} (rate limits fall back or fail closed until it is back)`);
  });
  return redis;
}
