import { spawn } from "node:child_process";
import { expect } from "@playwright/test";
import { test } from "./helpers";

test("a production server refuses to start without real secrets and says which are missing", async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    PGLITE_DATA_DIR: "memory://",
  };
  delete env.AUTH_SECRET;
  delete env.AUTH_URL;
  delete env.AUTH_TRUST_HOST;
  const child = spawn("npx", ["next", "start", "-p", "3199"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 45_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  expect(code).toBe(1);
  expect(output).toContain("will not start in production without");
  expect(output).toContain("AUTH_SECRET");
  expect(output).toContain("AUTH_URL");
});
