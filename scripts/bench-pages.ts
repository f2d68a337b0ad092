/**
 * `npm run bench:pages`: each page's first-load JavaScript, from the last `npm run build`.
 *
 * Next 16 records, per app route, the chunks a browser loads before the page is interactive in
 * .next/diagnostics/route-bundle-stats.json ({ route, firstLoadUncompressedJsBytes, firstLoadChunkPaths }).
 * This reads that file, gzips each chunk (as a server would send it) and prints every page's first-load JS,
 * raw and gzipped, largest first, then the Reports tab against the Credits page. The aim: Reports within 1.3×
 * of Credits (its charts load after first paint). Exits 1 when over.
 *
 *   npx tsx scripts/bench-pages.ts [--dir .next] [--limit 1.3]
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

interface RouteStats {
  route: string;
  firstLoadUncompressedJsBytes: number;
  firstLoadChunkPaths: string[];
}

const REPORTS = "/orgs/[org]/settings/reports";
const CREDITS = "/orgs/[org]/credits";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const distDir = path.resolve(option("--dir", ".next"));
const limit = Number(option("--limit", "1.3"));
const statsFile = path.join(distDir, "diagnostics", "route-bundle-stats.json");
if (!existsSync(statsFile)) {
  console.error(`No ${path.relative(process.cwd(), statsFile)}: run \`npm run build\` first.`);
  process.exit(2);
}
const stats = JSON.parse(readFileSync(statsFile, "utf8")) as RouteStats[];
const projectDir = path.dirname(distDir);

const gzipped = new Map<string, number>();
function gzipSize(chunk: string): number {
  let size = gzipped.get(chunk);
  if (size === undefined) {
    size = gzipSync(readFileSync(path.resolve(projectDir, chunk)), { level: 9 }).length;
    gzipped.set(chunk, size);
  }
  return size;
}

const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
const rows = stats
  .filter((s) => s.firstLoadChunkPaths.length > 0)
  .map((s) => ({
    route: s.route,
    raw: s.firstLoadUncompressedJsBytes,
    gzip: s.firstLoadChunkPaths.reduce((sum, c) => sum + gzipSize(c), 0),
  }))
  .sort((a, b) => b.gzip - a.gzip);

const width = Math.max(...rows.map((r) => r.route.length), 5);
console.log(`First-load JS per page (${path.relative(process.cwd(), statsFile)}), largest first:\n`);
console.log(`${"route".padEnd(width)} | ${"gzipped".padStart(9)} | ${"raw".padStart(10)}`);
console.log(`${"-".repeat(width)}-|-${"-".repeat(9)}-|-${"-".repeat(10)}`);
for (const r of rows) console.log(`${r.route.padEnd(width)} | ${kB(r.gzip).padStart(9)} | ${kB(r.raw).padStart(10)}`);

const reports = rows.find((r) => r.route === REPORTS);
const credits = rows.find((r) => r.route === CREDITS);
if (!reports || !credits) {
  console.error(`\nMissing ${!reports ? REPORTS : CREDITS} in the build's route stats.`);
  process.exit(2);
}
const ratio = reports.gzip / credits.gzip;
console.log(
  `\nReports ${kB(reports.gzip)} vs Credits ${kB(credits.gzip)} gzipped: ${ratio.toFixed(2)}× (limit ${limit}×) — ${
    ratio <= limit ? "ok" : "OVER"
  }`,
);
process.exit(ratio <= limit ? 0 : 1);
