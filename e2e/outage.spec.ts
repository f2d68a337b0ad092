import { randomBytes } from "node:crypto";
import { expect, test } from "./axe";
import pg from "pg";
import { E2E_AUTH_SECRET, newPerson, signUp } from "./helpers";
import { cuttableRelay, startServer, stopServer } from "./server-process";

/**
 * PostgreSQL going away under a production server (issue 15, point 2): the server is started the README's way
 * on a fresh database reached through a relay the test cuts and restores. While the database is away the
 * process keeps running (no uncaughtException), /api/health stays 200, /api/ready and the API answer 503 with
 * Retry-After, a page says it is temporarily unavailable, sign-in says so too; when the database is back the
 * page reloads by itself.
 */
test("the database going away: 503s with Retry-After, a retrying page, and recovery without a restart", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const admin = process.env.E2E_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const adminClient = new pg.Client({ connectionString: admin });
  try {
    await adminClient.connect();
  } catch (err) {
    test.skip(!process.env.CI, `no PostgreSQL at ${admin}: ${(err as Error).message}`);
    throw err;
  }
  const dbName = `apolo_outage_${randomBytes(4).toString("hex")}`;
  await adminClient.query(`create database ${dbName}`);
  const target = new URL(admin);
  const relay = await cuttableRelay({ host: target.hostname, port: Number(target.port || 5432) });
  const url = new URL(admin);
  url.port = String(relay.port);
  url.pathname = `/${dbName}`;
  const port = 3197;
  const origin = `http://127.0.0.1:${port}`;
  const { child, out } = startServer(
    {
      DATABASE_URL: url.toString(),
      AUTH_SECRET: E2E_AUTH_SECRET,
      AUTH_URL: origin,
      SECRETS_KEY: randomBytes(32).toString("base64"),
    },
    port,
  );
  try {
    await expect
      .poll(async () => (await fetch(`${origin}/signin`).catch(() => null))?.status, { timeout: 60_000 })
      .toBe(200);
    expect((await fetch(`${origin}/api/ready`)).status).toBe(200);
    const context = await browser.newContext({ baseURL: origin });
    const page = await context.newPage();
    const person = newPerson("outage");
    await signUp(page, person);
    await expect(page.getByTestId("my-username")).toHaveText(person.username);

    await relay.cut();

    const health = await fetch(`${origin}/api/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${origin}/api/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBe("5");
    expect(await ready.json()).toMatchObject({ status: "unavailable", database: "unreachable" });

    const usage = await fetch(`${origin}/api/v1/usage`, {
      method: "POST",
      headers: {
        Authorization: `Bearer apc_${randomBytes(32).toString("base64url")}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ records: [] }),
    });
    expect(usage.status).toBe(503);
    expect(usage.headers.get("retry-after")).toBe("5");
    expect((await usage.json()).error.code).toBe("unavailable");

    await page.reload();
    await expect(page.getByTestId("unavailable")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText("can't reach its database")).toBeVisible();

    const other = await browser.newContext({ baseURL: origin });
    const signin = await other.newPage();
    await signin.goto("/signin");
    await signin.getByLabel("Username or email").fill(person.username);
    await signin.getByLabel("Password", { exact: true }).fill(person.password);
    await signin.getByRole("button", { name: "Sign in" }).click();
    await expect(signin.getByText("Sign-in is temporarily unavailable. Try again in a moment.")).toBeVisible({
      timeout: 30_000,
    });
    await other.close();

    await relay.restore();
    // The retrying page notices by itself and shows the console again.
    await expect(page.getByTestId("my-username")).toHaveText(person.username, { timeout: 30_000 });
    expect((await fetch(`${origin}/api/ready`)).status).toBe(200);
    await context.close();

    expect(child.exitCode).toBeNull();
    expect(out.text).not.toContain("uncaughtException");
    expect(out.text).toContain("[db]");
  } finally {
    stopServer(child);
    await relay.close();
    await new Promise((r) => setTimeout(r, 500));
    await adminClient.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
    await adminClient.end();
  }
});
