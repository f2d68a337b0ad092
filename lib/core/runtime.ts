/**
 * A job's runtime in words, the same on the jobs list and the job page: "42s", "3m 5s", "2h 0m 7s", "26h 3m 0s"
 * (whole seconds, rounded down; hours are not folded into days). No imports: the browser uses it too.
 */
export function formatRuntime(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}h ${m}m ${sec}s` : m ? `${m}m ${sec}s` : `${sec}s`;
}
