import { installConfig, parseConfig, type AppConfig } from "@/lib/core";

const holder = globalThis as unknown as { __apoloAppConfig?: AppConfig };

/**
 * The settings, parsed once from the environment (lib/core/config.ts `parseConfig`) and installed for the lib
 * operations that take no Services. Server start (instrumentation.ts → startup.ts) calls it first; everything in
 * app/ that passes settings to lib/ takes them from here.
 */
export function appConfig(): AppConfig {
  return (holder.__apoloAppConfig ??= installConfig(parseConfig(process.env)));
}
