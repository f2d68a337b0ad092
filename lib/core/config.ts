import { clientAddress, isTrusted, parseIp, parseTrustedProxies, type TrustedProxies } from "./client-address";
import { isCreditAmount, isNonPositive } from "./credits-amount";
import { isCurrencyCode } from "./money";
import { peerAddressFrom } from "./peer-address";

/**
 * Settings read from the environment, as plain functions of an env object so tests can flip them.
 * Every variable is documented in .env.example.
 */
export type Env = Record<string, string | undefined>;

export const OAUTH_PROVIDERS = ["github", "google"] as const;
export type OAuthProviderId = (typeof OAUTH_PROVIDERS)[number];

export const OAUTH_LABELS: Record<OAuthProviderId, string> = { github: "GitHub", google: "Google" };

/** An OAuth provider is offered only when both its client id and secret are set. */
export function oauthProvidersFromEnv(env: Env): { id: OAuthProviderId; clientId: string; clientSecret: string }[] {
  return OAUTH_PROVIDERS.flatMap((id) => {
    const prefix = `AUTH_${id.toUpperCase()}`;
    const clientId = env[`${prefix}_ID`]?.trim();
    const clientSecret = env[`${prefix}_SECRET`]?.trim();
    return clientId && clientSecret ? [{ id, clientId, clientSecret }] : [];
  });
}

/**
 * What a production server refuses to start without. Development defaults these (a generated secret kept
 * in .data/, trusting the local host), production must be told.
 */
export function missingProductionSettings(env: Env): string[] {
  const missing: string[] = [];
  if (!env.AUTH_SECRET || env.AUTH_SECRET.length < 32) {
    missing.push("AUTH_SECRET (at least 32 random characters, e.g. `openssl rand -base64 33`)");
  }
  if (!env.AUTH_URL && env.AUTH_TRUST_HOST !== "true") {
    missing.push("AUTH_URL (the console's public URL) or AUTH_TRUST_HOST=true behind a trusted proxy");
  }
  return missing;
}

let trustedCache: { raw: string | undefined; parsed: TrustedProxies } | undefined;

/** TRUSTED_PROXIES, parsed once per value. */
export function trustedProxiesFromEnv(env: Env = process.env): TrustedProxies {
  const raw = env.TRUSTED_PROXIES;
  if (!trustedCache || trustedCache.raw !== raw) trustedCache = { raw, parsed: parseTrustedProxies(raw) };
  return trustedCache.parsed;
}

/**
 * The client's address for per-address rate limits: the socket's peer (stamped by lib/core/peer-address.ts), or,
 * when that peer is listed in TRUSTED_PROXIES, the first untrusted X-Forwarded-For entry from the right
 * (lib/core/client-address.ts). "unknown" when the request carries no socket address.
 */
export function clientAddressFrom(headers: Headers, env: Env = process.env): string {
  return clientAddress({
    headers,
    socketAddress: peerAddressFrom(headers),
    trustedProxies: trustedProxiesFromEnv(env),
  });
}

/** Whether this request came straight from a proxy listed in TRUSTED_PROXIES. */
export function fromTrustedProxy(headers: Headers, env: Env = process.env): boolean {
  const peer = peerAddressFrom(headers);
  return isTrusted(trustedProxiesFromEnv(env), peer ? parseIp(peer) : null);
}

/** A Host header value: a DNS name or an address, with an optional port; nothing else (no path, no user). */
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The console's public base URL (no trailing slash), for absolute links and redirects:
 * - AUTH_URL when set (what production should set);
 * - else, from a trusted proxy (TRUSTED_PROXIES), its X-Forwarded-Host and X-Forwarded-Proto;
 * - else the Host header the browser sent, over http for a local host and https otherwise.
 * Never the server's bind address (Next's `request.nextUrl.origin` is `http://localhost:<port>` under
 * `next start`), and never a forwarded header a client could have written itself.
 */
export function publicBaseUrl(headers: Headers, env: Env = process.env): string {
  const configured = env.AUTH_URL?.trim();
  if (configured) return configured.replace(/\/+$/, "");
  const first = (name: string) => headers.get(name)?.split(",")[0]?.trim() || undefined;
  const trusted = fromTrustedProxy(headers, env);
  const candidates = trusted ? [first("x-forwarded-host"), headers.get("host")] : [headers.get("host")];
  const host = candidates.find((h): h is string => Boolean(h && HOST.test(h)))?.toLowerCase() ?? "localhost";
  const local = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  const forwardedProto = trusted ? first("x-forwarded-proto")?.toLowerCase() : undefined;
  const proto = forwardedProto === "http" || forwardedProto === "https" ? forwardedProto : local ? "http" : "https";
  return `${proto}://${host}`;
}

/** Settings that are present but unusable: the server names them and refuses to start. */
export function invalidSettings(env: Env): string[] {
  const invalid: string[] = [];
  const currency = env.CREDIT_CURRENCY?.trim();
  if (currency && !isCurrencyCode(currency)) {
    invalid.push(`CREDIT_CURRENCY: not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
  }
  const { invalid: badProxies } = parseTrustedProxies(env.TRUSTED_PROXIES);
  if (badProxies.length > 0) {
    invalid.push(`TRUSTED_PROXIES: not an IP address or CIDR: ${badProxies.map((b) => JSON.stringify(b)).join(", ")}`);
  }
  const url = env.AUTH_URL?.trim();
  if (url) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(url).protocol);
    } catch {}
    if (!ok) invalid.push(`AUTH_URL: not an http(s) URL: ${JSON.stringify(url)}`);
  }
  return invalid;
}

/** Credits every new org starts with: NEW_ORG_CREDITS, else 100 in development and none in production. */
export function newOrgCredits(env: Env = process.env): string | null {
  const v = env.NEW_ORG_CREDITS?.trim() ?? (env.NODE_ENV === "development" ? "100" : "");
  return isCreditAmount(v, { maxDigits: 9 }) && !isNonPositive(v) ? v : null;
}
