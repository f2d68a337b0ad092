// The public surface of lib/compute: app/ and scripts/ import from here, never from the files inside.
export * from "./cluster-tokens";
export * from "./clusters";
export * from "./jobs";
export * from "./metering";
export * from "./runner-auth";
export * from "./runner";
export * from "./usage-api";
export * from "./usage-batcher";
