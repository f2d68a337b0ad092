import { createHmac, timingSafeEqual } from "node:crypto";
import { authSecret } from "./secrets";

/**
 * The sign-in that follows a sign-up: the sign-up action hands Auth.js's credentials provider this ticket
 * instead of the password, so the automatic sign-in is not counted as an attempt against the account's
 * sign-in limit (lib/core/rate-limit.ts). It never leaves the server (signIn runs authorize in process), is
 * bound to the account and a 60-second expiry by an HMAC under AUTH_SECRET, and authorize also requires the
 * account to be minutes old (lib/accounts signUpSessionUser): it can't be forged, and is useless later.
 */
const TTL_MS = 60_000;

function mac(payload: string): string {
  return createHmac("sha256", authSecret()).update(`signup-ticket:${payload}`).digest("base64url");
}

export function signupTicket(userId: string, now = Date.now()): string {
  const payload = `${userId}.${now + TTL_MS}`;
  return `${payload}.${mac(payload)}`;
}

/** The account id a valid, unexpired ticket names; null otherwise. */
export function verifySignupTicket(ticket: unknown, now = Date.now()): string | null {
  if (typeof ticket !== "string") return null;
  const m = /^([0-9a-f-]{36})\.(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
  if (!m) return null;
  const [, userId, exp, sig] = m;
  const expected = Buffer.from(mac(`${userId}.${exp}`));
  const given = Buffer.from(sig!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return Number(exp) >= now ? userId! : null;
}
