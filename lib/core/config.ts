import { z } from "zod";
import { clientAddress, isTrusted, parseIp, parseTrustedProxies, type TrustedProxies } from "./client-address";
import { isCreditAmount, isNonPositive } from "./credits-amount";
import { isCurrencyCode } from "./money";
import { peerAddressFrom } from "./peer-address";

/**
 * Settings. lib/ reads no environment: the boundary parses it once (`parseConfig(process.env)`, cached by
 * app/_server/config.ts `appConfig()`; scripts call it themselves) into a typed AppConfig and passes that in. The
 * functions below are plain functions of an env object or of the parsed config, so tests can flip them. Every
 * variable is documented in .env.example.
 */
export type Env = Record<string, string | undefined>;

export interface AppConfig {
  /** NODE_ENV ("development", "production", "test"; "" when unset). */
  nodeEnv: string;
  /** AUTH_URL without trailing slashes, or null. */
  authUrl: string | null;
  /** TRUSTED_PROXIES, parsed (unreadable entries are named by invalidSettings and refuse the start). */
  trustedProxies: TrustedProxies;
  /** PLATFORM_ADMINS: lowercased usernames that are platform admins (next to accounts granted the flag). */
  platformAdmins: ReadonlySet<string>;
  /** Welcome credits of a new org (NEW_ORG_CREDITS; 100 in development, none otherwise), or null. */
  newOrgCredits: string | null;
  /** CREDIT_PRICE (decimal, major unit; default "1.00") and CREDIT_CURRENCY (lowercase; default usd). */
  pricing: { pricePerCredit: string; currency: string };
  /**
   * STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET when both are set, else null (the sandbox checkout); `api` when
   * STRIPE_API_URL sends Stripe's API requests elsewhere than api.stripe.com (a local fake in test:reliability).
   */
  stripe: { secretKey: string; webhookSecret: string; api?: StripeApi } | null;
  /** MAIL_WORKER_INTERVAL_MS (default 5000, at least 100) and MAIL_MAX_ATTEMPTS (default 8, at least 1). */
  mailWorker: { intervalMs: number; maxAttempts: number };
  /**
   * CREDITS_WORKER_INTERVAL_MS (default 5000, at least 100): how often the credits worker looks for automatic
   * top-ups to make; warnings by projection are checked on its tick at most once a minute.
   */
  creditsWorker: { intervalMs: number };
  /**
   * SECRETS_KEY: the 32-byte AES-256-GCM key that encrypts artifact secrets (lib/artifacts/secrets-crypto.ts),
   * given as base64 or hex; null when unset or unreadable (invalidSettings names an unreadable one, production
   * refuses to start without one, development generates one: app/_server/secrets.ts).
   */
  secretsKey: Buffer | null;
}

/** Where the Stripe client sends its requests (STRIPE_API_URL). */
export interface StripeApi {
  protocol: "http" | "https";
  host: string;
  port: number;
}

/** STRIPE_API_URL as host, port and protocol; null when unset or not an http(s) URL (invalidSettings names it). */
export function parseStripeApiUrl(value: string | undefined): StripeApi | null {
  const v = value?.trim();
  if (!v) return null;
  try {
    const url = new URL(v);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    const protocol = url.protocol === "http:" ? "http" : "https";
    return { protocol, host: url.hostname, port: Number(url.port || (protocol === "http" ? 80 : 443)) };
  } catch {
    return null;
  }
}

/** A set variable, trimmed; unset and blank are both undefined. */
const text = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined);
/** An integer variable of at least `min`, else `fallback` (unset or unreadable values fall back, as before). */
const intAtLeast = (min: number, fallback: number) =>
  text.transform((v) => {
    const n = Number(v);
    return v !== undefined && Number.isInteger(n) && n >= min ? n : fallback;
  });

const envSchema = z.object({
  NODE_ENV: text,
  AUTH_URL: text,
  TRUSTED_PROXIES: z.string().optional(),
  PLATFORM_ADMINS: z.string().optional(),
  NEW_ORG_CREDITS: z.string().optional(),
  CREDIT_PRICE: text,
  CREDIT_CURRENCY: text,
  STRIPE_SECRET_KEY: text,
  STRIPE_WEBHOOK_SECRET: text,
  STRIPE_API_URL: text,
  MAIL_WORKER_INTERVAL_MS: intAtLeast(100, 5000),
  MAIL_MAX_ATTEMPTS: intAtLeast(1, 8),
  CREDITS_WORKER_INTERVAL_MS: intAtLeast(100, 5000),
  SECRETS_KEY: text,
});

/**
 * A 32-byte key written as 64 hex digits or as base64 / base64url (43 characters, or 44 with its `=`); null for
 * anything else (another length, stray characters).
 */
export function parseSecretsKey(value: string | undefined): Buffer | null {
  const v = value?.trim();
  if (!v) return null;
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const key = Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    return key.length === 32 ? key : null;
  }
  return null;
}

/** The environment as the typed settings lib/ is given. Never throws: unusable values are named by invalidSettings. */
export function parseConfig(env: Env): AppConfig {
  const e = envSchema.parse(env);
  // Set but empty means none, as before (only an unset NEW_ORG_CREDITS takes the development default).
  const stripeApi = parseStripeApiUrl(e.STRIPE_API_URL);
  const welcome = e.NEW_ORG_CREDITS?.trim() ?? (e.NODE_ENV === "development" ? "100" : "");
  return {
    nodeEnv: e.NODE_ENV ?? "",
    authUrl: e.AUTH_URL ? e.AUTH_URL.replace(/\/+$/, "") : null,
    trustedProxies: parseTrustedProxies(e.TRUSTED_PROXIES),
    platformAdmins: new Set(
      (e.PLATFORM_ADMINS ?? "")
        .split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
    newOrgCredits: isCreditAmount(welcome, { maxDigits: 9 }) && !isNonPositive(welcome) ? welcome : null,
    pricing: {
      pricePerCredit: e.CREDIT_PRICE && isCreditAmount(e.CREDIT_PRICE, { decimals: 4 }) ? e.CREDIT_PRICE : "1.00",
      currency: (e.CREDIT_CURRENCY ?? "usd").toLowerCase(),
    },
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
        ? {
            secretKey: e.STRIPE_SECRET_KEY,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET,
            ...(stripeApi ? { api: stripeApi } : {}),
          }
        : null,
    mailWorker: { intervalMs: e.MAIL_WORKER_INTERVAL_MS, maxAttempts: e.MAIL_MAX_ATTEMPTS },
    creditsWorker: { intervalMs: e.CREDITS_WORKER_INTERVAL_MS },
    secretsKey: parseSecretsKey(e.SECRETS_KEY),
  };
}

const holder = globalThis as unknown as { __apoloConfig?: AppConfig };

/**
 * The few operations that take no Services (createOrg's welcome credits, isPlatformAdmin/requirePlatformAdmin's
 * PLATFORM_ADMINS) read the config the boundary installed at start (app/_server/config.ts `appConfig()`; scripts
 * and tests install their own). Kept on globalThis: Next bundles lib/ into more than one module graph.
 */
export function installConfig(config: AppConfig): AppConfig {
  holder.__apoloConfig = config;
  return config;
}

/** The installed config; throws when none was installed (a setting must never silently fall back). */
export function installedConfig(): AppConfig {
  if (!holder.__apoloConfig) {
    throw new Error(
      "No configuration installed: call installConfig(parseConfig(env)) at start (app/_server/config.ts).",
    );
  }
  return holder.__apoloConfig;
}

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
  if (!env.SECRETS_KEY?.trim()) {
    missing.push("SECRETS_KEY (32 random bytes in base64 or hex, e.g. `openssl rand -base64 32`)");
  }
  return missing;
}

/** What reading a request's client address needs of the config. */
export type ProxyConfig = Pick<AppConfig, "trustedProxies">;

/**
 * The client's address for per-address rate limits: the socket's peer (stamped by lib/core/peer-address.ts), or,
 * when that peer is listed in TRUSTED_PROXIES, the first untrusted X-Forwarded-For entry from the right
 * (lib/core/client-address.ts). "unknown" when the request carries no socket address.
 */
export function clientAddressFrom(headers: Headers, config: ProxyConfig): string {
  return clientAddress({
    headers,
    socketAddress: peerAddressFrom(headers),
    trustedProxies: config.trustedProxies,
  });
}

/** Whether this request came straight from a proxy listed in TRUSTED_PROXIES. */
export function fromTrustedProxy(headers: Headers, config: ProxyConfig): boolean {
  const peer = peerAddressFrom(headers);
  return isTrusted(config.trustedProxies, peer ? parseIp(peer) : null);
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
export function publicBaseUrl(headers: Headers, config: Pick<AppConfig, "authUrl" | "trustedProxies">): string {
  if (config.authUrl) return config.authUrl;
  const first = (name: string) => headers.get(name)?.split(",")[0]?.trim() || undefined;
  const trusted = fromTrustedProxy(headers, config);
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
  if (env.STRIPE_API_URL?.trim() && !parseStripeApiUrl(env.STRIPE_API_URL)) {
    invalid.push(`STRIPE_API_URL: not an http(s) URL: ${JSON.stringify(env.STRIPE_API_URL.trim())}`);
  }
  if (env.SECRETS_KEY?.trim() && !parseSecretsKey(env.SECRETS_KEY)) {
    invalid.push("SECRETS_KEY: not 32 bytes in base64 or hex (e.g. `openssl rand -base64 32`)");
  }
  return invalid;
}
