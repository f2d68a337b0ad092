// vitest setupFiles: every test file runs with the settings of a test server (lib/core/config.ts). A test that
// needs other settings uses withConfig (lib/test/fixtures.ts) or passes an AppConfig itself.
import { installConfig, parseConfig } from "../core/config";

installConfig(parseConfig({ NODE_ENV: "test" }));
