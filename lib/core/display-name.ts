/**
 * Apolo's users have a first and a last name; the console keeps one display name. Split at its first space:
 * "Ada King Lovelace" → "Ada", "King Lovelace"; one word → a first name only; no name → both null.
 */
export function splitDisplayName(name: string | null | undefined): { first: string | null; last: string | null } {
  const n = (name ?? "").trim();
  if (!n) return { first: null, last: null };
  const i = n.indexOf(" ");
  return i < 0 ? { first: n, last: null } : { first: n.slice(0, i), last: n.slice(i + 1).trim() || null };
}
