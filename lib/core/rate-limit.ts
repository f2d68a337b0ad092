import type { Redis } from "ioredis";
import { Unavailable } from "./errors";

/**
 * Fixed-window counters behind one small interface: Redis when REDIS_URL is set (shared by every app
 * instance), process memory otherwise.
 */
export interface RateLimitStore {
  /** Counts one hit on `key` in a window of `windowMs`; returns the count so far and ms until the window resets. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
}

export interface RateLimitRule {
  limit: number;
  windowMs: number;
  /**
   * When the shared store (Redis) can't be reached: a limit that guards against guessing (sign-in, password
   * checks and resets) fails closed — the request is refused as Unavailable with this message — while the
   * others count in this process's memory until Redis is back (per instance, so looser, never unlimited).
   */
  failClosed?: string;
}

export interface RateLimitResult {
  ok: boolean;
  remaining: number;
  retryAfterSec: number;
}

export async function consume(store: RateLimitStore, key: string, rule: RateLimitRule): Promise<RateLimitResult> {
  let hit: { count: number; resetInMs: number };
  try {
    hit = await store.hit(key, rule.windowMs);
  } catch (err) {
    if (!(store instanceof RedisRateLimitStore)) throw err;
    if (rule.failClosed) throw new Unavailable(rule.failClosed, 5);
    hit = await fallbackStore.hit(key, rule.windowMs);
  }
  const { count, resetInMs } = hit;
  const ok = count <= rule.limit;
  return {
    ok,
    remaining: Math.max(0, rule.limit - count),
    retryAfterSec: ok ? 0 : Math.max(1, Math.ceil(resetInMs / 1000)),
  };
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number) {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return { count: w.count, resetInMs: w.resetAt - now };
  }

  /** Drops expired windows at most once a minute, so memory stays bounded by the active keys. */
  private sweep(now: number) {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}

/** The counters used while the shared store is unreachable (limits that don't fail closed). */
const fallbackStore = new MemoryRateLimitStore();

// INCR and set the expiry on the first hit, atomically; returns [count, ms left].
const HIT_SCRIPT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {c, ttl}`;

export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "apolo:rl:",
  ) {}

  async hit(key: string, windowMs: number) {
    const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, this.prefix + key, String(windowMs))) as [
      number,
      number,
    ];
    return { count, resetInMs: ttl };
  }
}

const SIGN_IN_UNAVAILABLE = "Sign-in is temporarily unavailable. Try again in a moment.";
const RESET_UNAVAILABLE = "Password resets are temporarily unavailable. Try again in a moment.";

/** The limits the product applies. Keys are namespaced by purpose. */
export const RATE_LIMITS = {
  signInPerAccount: { limit: 10, windowMs: 60_000, failClosed: SIGN_IN_UNAVAILABLE },
  signInPerAddress: { limit: 30, windowMs: 60_000, failClosed: SIGN_IN_UNAVAILABLE },
  signUpPerAddress: { limit: 10, windowMs: 10 * 60_000 },
  invitesPerActor: { limit: 30, windowMs: 10 * 60_000 },
  verificationMailsPerAccount: { limit: 5, windowMs: 60 * 60_000 },
  paymentsPerAccount: { limit: 20, windowMs: 10 * 60_000 },
  passwordResetsPerAccount: { limit: 5, windowMs: 60 * 60_000, failClosed: RESET_UNAVAILABLE },
  passwordResetsPerAddress: { limit: 20, windowMs: 60 * 60_000, failClosed: RESET_UNAVAILABLE },
  /** Email-change requests and resends (each mails a link to a new address). */
  emailChangesPerAccount: { limit: 5, windowMs: 60 * 60_000 },
  /** Org URL-name availability checks as someone types (create org, rename; lib/orgs/org-names.ts). */
  orgNameChecksPerAccount: { limit: 120, windowMs: 60_000 },
  /** Current-password checks on the Account page (password and email changes). */
  accountPasswordChecksPerAccount: {
    limit: 10,
    windowMs: 10 * 60_000,
    failClosed: "Password checks are temporarily unavailable. Nothing was changed; try again in a moment.",
  },
} satisfies Record<string, RateLimitRule>;
