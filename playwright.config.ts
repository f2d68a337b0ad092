import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_ARGS, systemChromium } from "./e2e/chromium.mjs";
import { E2E_AUTH_SECRET } from "./e2e/helpers";
import { SMTP_PORT } from "./e2e/mailbox";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${PORT}`;
// E2E_DATABASE_URL runs the suite on PostgreSQL; otherwise a fresh embedded PGlite database per run.
const databaseUrl = process.env.E2E_DATABASE_URL;
const pgliteDir = ".data/e2e-pglite";
const executablePath = systemChromium();

export default defineConfig({
  testDir: "e2e",
  // A capture SMTP server for the mail the server under test sends (e2e/mailbox.ts reads it).
  globalSetup: "./e2e/global-setup.ts",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
  },
  projects: [
    { name: "chromium", use: { ...devices["Desktop Chrome"], launchOptions: { executablePath, args: CHROMIUM_ARGS } } },
  ],
  webServer: {
    // The production build (npm run build) on a fresh database.
    command: `${databaseUrl ? "" : `rm -rf ${pgliteDir} && `}npx tsx e2e/seed.ts && npx next start -p ${PORT}`,
    url: `${baseURL}/signin`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: E2E_AUTH_SECRET,
      AUTH_TRUST_HOST: "true",
      // The key of artifact secrets (production requires it): 32 bytes, hex.
      SECRETS_KEY: "e2e0".repeat(16),
      // A default cluster with presets, the embedded runner ticking every second, and one operator.
      SEED_DEFAULT_CLUSTER: "true",
      RUNNER_ENABLED: "true",
      RUNNER_INTERVAL_MS: "1000",
      PLATFORM_ADMINS: "e2e-operator",
      // The API fuzz spec sends thousands of requests with one token: well above the per-token default (600/min).
      API_RATE_LIMIT_PER_MINUTE: "1000000",
      // The browsers connect from 127.0.0.1 and each test sends its own X-Forwarded-For (e2e/helpers.ts): the
      // server trusts that hop like a reverse proxy, so per-address rate limits stay per test. Other peers (::1,
      // the machine's own address) are untrusted clients: e2e/client-address.spec.ts uses them.
      TRUSTED_PROXIES: "127.0.0.1",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DATA_DIR: pgliteDir, DATABASE_URL: "" }),
      REDIS_URL: process.env.E2E_REDIS_URL ?? "",
      SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
      // Mail is delivered by the server's mail worker: it also ticks often, so specs get their mail quickly.
      MAIL_WORKER_INTERVAL_MS: "300",
      // Automatic top-ups (issue 16): the credits worker looks for crossings twice a second.
      CREDITS_WORKER_INTERVAL_MS: "500",
    },
  },
});
