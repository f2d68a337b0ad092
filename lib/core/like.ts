/** `like`/`ilike` text for a literal string: `\`, `%` and `_` escaped (PostgreSQL's default escape is `\`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A `like` pattern for a literal, lowercased substring (matched against lowercased search text). */
export function containsPattern(term: string): string {
  return `%${escapeLike(term.toLowerCase())}%`;
}
