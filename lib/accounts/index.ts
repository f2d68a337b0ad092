// The public surface of lib/accounts: app/ and scripts/ import from here, never from the files inside.
export * from "./account-limits";
export * from "./account-settings";
export * from "./accounts";
export * from "./email-claims";
export * from "./password-reset";
export * from "./passwords";
export * from "./session-policy";
export * from "./sessions";
export * from "./tokens";
