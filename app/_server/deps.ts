import { Redis } from "ioredis";
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "@/lib/core";

const holder = globalThis as unknown as { __apoloLimiter?: RateLimitStore };

/** Redis when REDIS_URL is set (shared by all app instances), process memory otherwise. */
export function rateLimitStore(): RateLimitStore {
  holder.__apoloLimiter ??= process.env.REDIS_URL
    ? new RedisRateLimitStore(new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 2 }))
    : new MemoryRateLimitStore();
  return holder.__apoloLimiter;
}
