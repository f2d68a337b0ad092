// Session lifetimes, shared by lib/accounts/sessions.ts and the Auth.js cookie settings (which the proxy imports: this
// file must stay free of database imports).

/** How long a session lives without being used again (the signed cookie carries the same maximum age). */
export const SESSION_MAX_AGE_SEC = 30 * 24 * 3600;
/** last_seen_at (and the sliding expiry) is written at most this often per session, not on every request. */
export const LAST_SEEN_EVERY_MS = 5 * 60_000;
