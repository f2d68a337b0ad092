import type { Redis } from "ioredis";
import { createRedisClient, MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "@/lib/core";

const holder = globalThis as unknown as { __apoloLimiter?: RateLimitStore; __apoloRedis?: Redis | null };

/**
 * The shared Redis client (REDIS_URL), or null without one: lib/core/redis.ts `createRedisClient`, which fails
 * fast when Redis can't be reached (1.5 s command timeout, one retry, back-off to 2 s) and logs its `error` events
 * at most once every 30 s instead of crashing or flooding. Which limits fail closed and which fall back to
 * in-memory counters: lib/core/rate-limit.ts RATE_LIMITS.
 */
export function redisClient(): Redis | null {
  if (holder.__apoloRedis !== undefined) return holder.__apoloRedis;
  const url = process.env.REDIS_URL;
  if (!url) return (holder.__apoloRedis = null);
  return (holder.__apoloRedis = createRedisClient(url));
}

/** Redis when REDIS_URL is set (shared by all app instances), process memory otherwise. */
export function rateLimitStore(): RateLimitStore {
  if (!holder.__apoloLimiter) {
    const redis = redisClient();
    holder.__apoloLimiter = redis ? new RedisRateLimitStore(redis) : new MemoryRateLimitStore();
  }
  return holder.__apoloLimiter;
}
