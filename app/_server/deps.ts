import { Redis } from "ioredis";
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "@/lib/core";

const holder = globalThis as unknown as { __apoloLimiter?: RateLimitStore; __apoloRedis?: Redis | null };

/**
 * The shared Redis client (REDIS_URL), or null without one. It fails fast when Redis can't be reached: every
 * command gives up after 1.5 s (queued while a connection is being made, as right after start, then sent; long
 * enough that a busy event loop doesn't time out a healthy Redis), with one retry and a 1 s connect timeout, so a
 * request that needs Redis is refused within about two seconds instead of hanging; it reconnects in the background with a bounded back-off (200 ms growing to 2 s), and its `error`
 * events are logged at most once every 30 s instead of crashing or flooding. Which limits fail closed and which
 * fall back to in-memory counters: lib/core/rate-limit.ts RATE_LIMITS.
 */
export function redisClient(): Redis | null {
  if (holder.__apoloRedis !== undefined) return holder.__apoloRedis;
  const url = process.env.REDIS_URL;
  if (!url) return (holder.__apoloRedis = null);
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout: 1_500,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let lastLog = 0;
  redis.on("error", (err: Error) => {
    const now = Date.now();
    if (now - lastLog < 30_000) return;
    lastLog = now;
    console.error(`[redis] ${err.message} (rate limits fall back or fail closed until it is back)`);
  });
  return (holder.__apoloRedis = redis);
}

/** Redis when REDIS_URL is set (shared by all app instances), process memory otherwise. */
export function rateLimitStore(): RateLimitStore {
  if (!holder.__apoloLimiter) {
    const redis = redisClient();
    holder.__apoloLimiter = redis ? new RedisRateLimitStore(redis) : new MemoryRateLimitStore();
  }
  return holder.__apoloLimiter;
}
