import { randomBytes } from "node:crypto";
import { expect, test } from "./axe";
import pg from "pg";
import { newPerson } from "./helpers";
import { startServer as start, stopServer as stop } from "./server-process";

test("a production server refuses to start without real secrets and says which are missing", async () => {
  const { child, out } = start({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" }, 3199);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      stop(child);
      resolve(null);
    }, 45_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  expect(code).not.toBe(0);
  expect(out.text).toContain("will not start in production without");
  expect(out.text).toContain("AUTH_SECRET");
  expect(out.text).toContain("AUTH_URL");
  expect(out.text).toContain("SECRETS_KEY");
});

/**
 * The README's "Production" paragraph, followed to the letter: `npm start` (after the suite's `npm run build`)
 * with DATABASE_URL, AUTH_SECRET, AUTH_URL and SECRETS_KEY and nothing else, on a fresh PostgreSQL database. People must be
 * able to sign up, sign out and sign in there.
 */
test("the README's production start signs people up, out and in", async ({ browser }) => {
  test.setTimeout(120_000);
  // The PostgreSQL server that holds the test databases: the one the suite runs on, else the local default.
  const admin = process.env.E2E_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const dbName = `apolo_prod_start_${randomBytes(4).toString("hex")}`;
  const adminClient = new pg.Client({ connectionString: admin });
  try {
    await adminClient.connect();
  } catch (err) {
    // A machine without PostgreSQL can't follow the README's production set-up; CI always has one.
    test.skip(!process.env.CI, `no PostgreSQL at ${admin}: ${(err as Error).message}`);
    throw err;
  }
  await adminClient.query(`create database ${dbName}`);
  const url = new URL(admin);
  url.pathname = `/${dbName}`;
  const port = 3198;
  const origin = `http://127.0.0.1:${port}`;
  const { child, out } = start(
    {
      DATABASE_URL: url.toString(),
      AUTH_SECRET: randomBytes(33).toString("base64"),
      AUTH_URL: origin,
      SECRETS_KEY: randomBytes(32).toString("base64"),
    },
    port,
  );
  try {
    await expect
      .poll(async () => (await fetch(`${origin}/signin`).catch(() => null))?.status, { timeout: 60_000 })
      .toBe(200);
    const session = await fetch(`${origin}/api/auth/session`);
    expect(session.status).toBe(200);

    const context = await browser.newContext({ baseURL: origin });
    const page = await context.newPage();
    const person = newPerson("prod");
    await page.goto("/signup");
    await page.getByLabel("Username").fill(person.username);
    await page.getByLabel("Email").fill(person.email);
    await page.getByLabel("Password", { exact: true }).fill(person.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(`${origin}/onboarding`);
    await expect(page.getByTestId("my-username")).toHaveText(person.username);

    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin/);
    await page.goto("/onboarding");
    await expect(page).toHaveURL(/\/signin/);

    await page.getByLabel("Username or email").fill(person.email);
    await page.getByLabel("Password", { exact: true }).fill(person.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(`${origin}/onboarding`);
    await expect(page.getByTestId("my-username")).toHaveText(person.username);
    await context.close();
    expect(out.text).not.toContain("UntrustedHost");
    expect(out.text).not.toMatch(/\[auth\] \w+Error/);
  } finally {
    stop(child);
    await new Promise((r) => setTimeout(r, 500));
    await adminClient.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
    await adminClient.end();
  }
});
