// The public surface of lib/billing: app/ and scripts/ import from here, never from the files inside.
export * from "./credits-view";
export * from "./grants";
export * from "./ledger";
export * from "./org-credit-settings";
export * from "./payments";
export * from "./quotas";
export * from "./stripe";
export * from "./top-ups";
