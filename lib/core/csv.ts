/** One CSV cell: always quoted; text that a spreadsheet would run as a formula is neutralized with a quote. */
export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : String(v);
  return `"${(/^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
}

/** A CSV document (RFC 4180 line endings) from a header and rows of values. */
export function csvDocument(header: string[], rows: unknown[][]): string {
  return [header.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\r\n") + "\r\n";
}
