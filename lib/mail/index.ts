// The public surface of lib/mail: app/ and scripts/ import from here, never from the files inside.
export * from "./mail-templates";
export * from "./mail";
