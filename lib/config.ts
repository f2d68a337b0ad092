import { isNonPositive } from "./money";

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

/**
 * The client's address for per-address rate limits: the rightmost X-Forwarded-For entry, i.e. the one added
 * by the nearest proxy (Next.js itself fills it with the socket address when no proxy is in front).
 */
export function clientAddressFrom(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded?.split(",").pop()?.trim();
  return last || headers.get("x-real-ip")?.trim() || "unknown";
}

/** Credits every new org starts with: NEW_ORG_CREDITS, else 100 in development and none in production. */
export function newOrgCredits(env: Env = process.env): string | null {
  const v = env.NEW_ORG_CREDITS?.trim() ?? (env.NODE_ENV === "development" ? "100" : "");
  return /^\d{1,9}(\.\d{1,2})?$/.test(v) && !isNonPositive(v) ? v : null;
}
