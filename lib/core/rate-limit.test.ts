import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { consume, MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "./rate-limit";
import { randomBytes } from "node:crypto";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/** Redis is required in CI; on a laptop without it, its tests are skipped rather than failing. */
async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
const redisUp = process.env.CI ? true : await redisReachable();

function behavesAsALimiter(makeStore: () => RateLimitStore) {
  it("allows `limit` hits in a window, then refuses with the seconds left", async () => {
    const store = makeStore();
    const key = `k-${randomBytes(4).toString("hex")}`;
    const rule = { limit: 3, windowMs: 30_000 };
    for (let i = 0; i < 3; i++) expect((await consume(store, key, rule)).ok).toBe(true);
    const refused = await consume(store, key, rule);
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSec).toBeLessThanOrEqual(30);
  });

  it("keeps keys apart", async () => {
    const store = makeStore();
    const rule = { limit: 1, windowMs: 30_000 };
    const a = `a-${randomBytes(4).toString("hex")}`;
    const b = `b-${randomBytes(4).toString("hex")}`;
    expect((await consume(store, a, rule)).ok).toBe(true);
    expect((await consume(store, a, rule)).ok).toBe(false);
    expect((await consume(store, b, rule)).ok).toBe(true);
  });

  it("counts concurrent hits exactly", async () => {
    const store = makeStore();
    const key = `c-${randomBytes(4).toString("hex")}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => consume(store, key, { limit: 5, windowMs: 30_000 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
  });

  it("opens again when the window has passed", async () => {
    const store = makeStore();
    const key = `w-${randomBytes(4).toString("hex")}`;
    const rule = { limit: 1, windowMs: 150 };
    expect((await consume(store, key, rule)).ok).toBe(true);
    expect((await consume(store, key, rule)).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect((await consume(store, key, rule)).ok).toBe(true);
  });
}

describe("memory store", () => {
  behavesAsALimiter(() => new MemoryRateLimitStore());

  it("forgets expired windows", async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(() => now);
    await store.hit("x", 1000);
    now = 120_000;
    await store.hit("y", 1000);
    expect((store as unknown as { windows: Map<string, unknown> }).windows.has("x")).toBe(false);
  });
});

describe.skipIf(!redisUp)("redis store", () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  afterAll(() => redis.quit());
  behavesAsALimiter(() => new RedisRateLimitStore(redis, `apolo:test:${randomBytes(4).toString("hex")}:`));

  it("stores its counters in Redis with an expiry", async () => {
    const prefix = `apolo:test:${randomBytes(4).toString("hex")}:`;
    const store = new RedisRateLimitStore(redis, prefix);
    await store.hit("probe", 10_000);
    expect(await redis.get(`${prefix}probe`)).toBe("1");
    const ttl = await redis.pttl(`${prefix}probe`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });
});
