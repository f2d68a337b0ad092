// The public surface of lib/projects: app/ and scripts/ import from here, never from the files inside.
export * from "./access";
export * from "./projects";
export * from "./members";
export * from "./choices";
export * from "./api";
