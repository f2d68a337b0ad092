// The public surface of lib/reports: app/ and scripts/ import from here, never from the files inside.
export * from "./grafana";
export * from "./reports";
