// The public surface of lib/core: app/ and scripts/ import from here, never from the files inside.
export * from "./authz";
export * from "./body-limit";
export * from "./client-address";
export * from "./config";
export * from "./credits-amount";
export * from "./csv";
export * from "./db-errors";
export * from "./errors";
export * from "./limits";
export * from "./money";
export * from "./paging";
export * from "./peer-address";
export * from "./rate-limit";
export * from "./services";
export * from "./tokens";
export * from "./user-agent";
export * from "./validation";
