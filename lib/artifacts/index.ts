// The public surface of lib/artifacts: app/ and scripts/ import from here, never from the files inside.
export * from "./artifacts";
export { artifactUri } from "./shared/uri";
// System-only operations (lib/core/caller.ts requireSystem / requireClusterOrSystem): for the artifacts API
// (a cluster's runner) and the runner loop.
export * as internal from "./internal";
