// The public surface of lib/compute: app/ and scripts/ import from here, never from the files inside.
export * from "./cluster-tokens";
export * from "./clusters";
export * from "./cluster-urls";
export * from "./cli-config";
export * from "./jobs";
export type { UsageOutcome, UsageRecord, UsageResult } from "./metering";
export * from "./runner-auth";
export * from "./usage-api";
export * from "./usage-batcher";
// System-only operations (lib/core/caller.ts requireSystem): for the runner loop, the startup and the usage API.
export * as internal from "./internal";
export * from "./org-clusters";
// Issue 14: cluster access requests (an org on no cluster asks platform admins).
export * from "./cluster-access";
export * from "./job-detail";
