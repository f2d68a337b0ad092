// The public surface of lib/reports: app/ and scripts/ import from here, never from the files inside.
export * from "./grafana";
export * from "./reports";
// The balance chart's projection (issue 16): the balance at the current rate, from now to zero.
export * from "./balance-projection";
