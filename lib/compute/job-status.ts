/**
 * A job's status as words for people (the jobs list): "Running", "Stopped by tom", "Stopped: credits ran out".
 * The stop reasons are Apolo's (jobs.stop_reason): UserStopped, QuotaExhausted, ClusterRemoved, OrgDeleted.
 * No imports: the browser uses it too.
 */
export interface JobStatusInput {
  status: "running" | "stopped";
  stopReason: string | null;
  /** Who stopped it, when known (a UserStopped job). */
  stoppedBy?: string | null;
}

const REASONS: Record<string, string> = {
  QuotaExhausted: "Stopped: credits ran out",
  ClusterRemoved: "Stopped: cluster removed",
  OrgDeleted: "Stopped: organization closed",
};

export function jobStatusText({ status, stopReason, stoppedBy }: JobStatusInput): string {
  if (status === "running") return "Running";
  if (stopReason === "UserStopped" || (stopReason === null && stoppedBy)) {
    return stoppedBy ? `Stopped by ${stoppedBy}` : "Stopped by a user";
  }
  if (stopReason && REASONS[stopReason]) return REASONS[stopReason];
  // A reason this console doesn't know yet: shown as Apolo sends it rather than hidden.
  return stopReason ? `Stopped: ${stopReason}` : "Stopped";
}
