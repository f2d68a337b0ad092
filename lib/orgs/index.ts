// The public surface of lib/orgs: app/ and scripts/ import from here, never from the files inside.
export * from "./add-org-user";
export * from "./audit";
export * from "./invitations";
export * from "./members";
export * from "./cluster-users";
export * from "./org-details";
export * from "./orgs";
// Org URL names (issue 14): suggestion, availability, rename, old-name redirects.
export * from "./org-names";
export * from "./platform";
// System-only operations (lib/core/caller.ts requireSystem): for scripts/admin.ts.
export * as internal from "./internal";
// Issue 14: the getting-started checklist of the org overview.
export * from "./checklist";
