import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { Unavailable } from "./errors";
import { consume, MemoryRateLimitStore, RATE_LIMITS, RedisRateLimitStore, type RateLimitStore } from "./rate-limit";
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

describe("when Redis can't be reached", () => {
  // A real client to a port nobody listens on, with the console's fail-fast options (app/_server/deps.ts).
  const gone = new Redis("redis://127.0.0.1:1", {
    maxRetriesPerRequest: 1,
    connectTimeout: 500,
    commandTimeout: 500,
    retryStrategy: () => null,
  });
  gone.on("error", () => {});
  afterAll(() => gone.disconnect());
  const store = new RedisRateLimitStore(gone, "apolo:test:gone:");

  it("refuses guessing-sensitive limits as Unavailable, with their own words, within a second", async () => {
    const started = Date.now();
    const err = await consume(store, "signin:x", RATE_LIMITS.signInPerAccount).then(
      () => new Error("went through"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Unavailable);
    expect((err as Error).message).toBe("Sign-in is temporarily unavailable. Try again in a moment.");
    // No timing threshold in tests (the machine is shared); only that it did not wait for a reconnect loop.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("falls back to this process's counters for the other limits: still limited, never unlimited", async () => {
    const rule = { ...RATE_LIMITS.invitesPerActor, limit: 2 };
    const key = `invite:${randomBytes(4).toString("hex")}`;
    expect((await consume(store, key, rule)).ok).toBe(true);
    expect((await consume(store, key, rule)).ok).toBe(true);
    expect((await consume(store, key, rule)).ok).toBe(false);
  });

  it("decides per limit: only sign-in, password resets and password checks fail closed", () => {
    const closed = Object.entries(RATE_LIMITS)
      .filter(([, r]) => "failClosed" in r)
      .map(([k]) => k)
      .sort();
    expect(closed).toEqual([
      "accountPasswordChecksPerAccount",
      "passwordResetsPerAccount",
      "passwordResetsPerAddress",
      "signInPerAccount",
      "signInPerAddress",
    ]);
  });
});
