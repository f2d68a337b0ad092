import { Redis } from "ioredis";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, describe, expect, it, vi } from "vitest";
import { Unavailable } from "./errors";
import { consume, MemoryRateLimitStore, RATE_LIMITS, RedisRateLimitStore, type RateLimitStore } from "./rate-limit";
import { randomBytes } from "node:crypto";
import { createRedisClient, REDIS_OPTIONS } from "./redis";

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

/** A loopback port nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const CLOSED_PORT = await closedPort();

describe("when Redis can't be reached", () => {
  // The console's own client (lib/core/redis.ts createRedisClient: the options and error listener it ships with,
  // app/_server/deps.ts) to a closed local port; its log calls are counted here instead of printed.
  const logged: string[] = [];
  const gone = createRedisClient(`redis://127.0.0.1:${CLOSED_PORT}`, { log: (m) => logged.push(m) });
  afterAll(() => gone.disconnect());
  const store = new RedisRateLimitStore(gone, "apolo:test:gone:");

  it("is the shipped client: fail-fast options and an error listener", () => {
    expect(gone.options).toMatchObject({
      maxRetriesPerRequest: REDIS_OPTIONS.maxRetriesPerRequest,
      connectTimeout: REDIS_OPTIONS.connectTimeout,
      commandTimeout: REDIS_OPTIONS.commandTimeout,
    });
    expect(gone.options.retryStrategy).toBe(REDIS_OPTIONS.retryStrategy);
    // The back-off grows and is bounded.
    expect([1, 2, 5, 10, 1000].map((n) => REDIS_OPTIONS.retryStrategy(n))).toEqual([200, 400, 1000, 2000, 2000]);
    expect(gone.listenerCount("error")).toBe(1);
  });

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

  it("swallows its error events: each reconnect fails, none is thrown, the log gets at most one line per 30 s", async () => {
    let events = 0;
    const count = () => events++;
    gone.on("error", count);
    try {
      // Reconnect attempts keep failing in the background (connection refused), each an `error` event.
      await vi.waitFor(() => expect(events).toBeGreaterThanOrEqual(2), { timeout: 30_000, interval: 100 });
    } finally {
      gone.off("error", count);
    }
    // The earlier tests' refused commands produced events too: all of them logged once (all within 30 s).
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^\[redis\] .+ \(rate limits fall back or fail closed until it is back\)$/);
  });

  it("logs again after 30 s of quiet, not before", () => {
    let t = 0;
    const lines: string[] = [];
    const client = createRedisClient(`redis://127.0.0.1:${CLOSED_PORT}`, {
      log: (m) => lines.push(m),
      now: () => t,
      lazyConnect: true,
    });
    client.emit("error", new Error("one"));
    t = 29_999;
    client.emit("error", new Error("two"));
    t = 30_000;
    client.emit("error", new Error("three"));
    expect(lines.map((l) => l.split(" ")[1])).toEqual(["one", "three"]);
  });
});
