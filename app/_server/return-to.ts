/** A stand-in origin: a return path must resolve against it and stay on it. `.invalid` never resolves. */
const HERE = "http://return-to.invalid";
const MAX_LENGTH = 2048;

/**
 * Where to go after sign-in: only a path on this site (no open redirect), checked after parsing the way a
 * browser parses a Location. Returns the normalized path + search + hash, or `fallback`.
 *
 * A browser's URL parser drops tabs and newlines and reads `\` as `/`, so `/\t/evil.example` or `/\evil.example`
 * become `//evil.example`, another host. So: no control characters and no backslashes at all, exactly one leading
 * slash, the same origin once parsed, and no `//` at the start of the normalized path either (`/.//evil.example`
 * normalizes to `//evil.example`).
 */
export function safeReturnTo(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH) return fallback;
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(value)) return fallback;
  if (!value.startsWith("/") || value.startsWith("//")) return fallback;
  let url: URL;
  try {
    url = new URL(value, HERE);
  } catch {
    return fallback;
  }
  if (url.origin !== HERE) return fallback;
  const path = url.pathname + url.search + url.hash;
  if (!path.startsWith("/") || path.startsWith("//")) return fallback;
  return path;
}

/**
 * For Auth.js' `callbacks.redirect` (its own endpoints take a `callbackUrl` too): the same rule, answering an
 * absolute URL on `baseUrl`. Auth.js' default accepts any string starting with `/`, so `/\n/x` gives a Location
 * header Node refuses (a 500).
 */
export function authRedirect({ url, baseUrl }: { url: string; baseUrl: string }): string {
  let path: unknown = url;
  if (!url.startsWith("/")) {
    try {
      const parsed = new URL(url);
      path = parsed.origin === new URL(baseUrl).origin ? parsed.pathname + parsed.search + parsed.hash : null;
    } catch {
      path = null;
    }
  }
  return `${baseUrl.replace(/\/+$/, "")}${safeReturnTo(path)}`;
}
