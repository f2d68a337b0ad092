// Run before the browser tests: makes sure a Chromium is there, installing one where this machine allows.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";
import { systemChromium } from "./chromium.mjs";

function playwrightChromium() {
  try {
    const p = chromium.executablePath();
    return p && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function tryRun(cmd) {
  try {
    execSync(cmd, { stdio: "inherit" });
    return true;
  } catch {
    return false;
  }
}

let found = systemChromium() ?? playwrightChromium();
if (!found) {
  console.log("No Chromium found: trying to install one for the browser tests…");
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && tryRun("command -v apt-get >/dev/null")) {
    tryRun("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium");
  }
  found = systemChromium() ?? playwrightChromium();
  if (!found && tryRun("npx playwright install chromium")) found = playwrightChromium();
}
if (!found) {
  console.error(
    "No Chromium for the browser tests: run `sudo apt-get install -y chromium` (or `npx playwright install chromium`), or set CHROMIUM_PATH.",
  );
  process.exit(1);
}
console.log(`Chromium: ${found}`);
