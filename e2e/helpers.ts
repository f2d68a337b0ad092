import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { test as base, expect, type Browser, type Page } from "@playwright/test";

export { PASSWORD } from "./fixtures-data";
import { PASSWORD } from "./fixtures-data";
/** The server under test signs sessions with this (playwright.config.ts). */
export const E2E_AUTH_SECRET = "e2e-only-secret-0123456789abcdefghijklmnopqrstuvwxyz";

export function newPerson(prefix = "e2e") {
  const username = `${prefix}-${randomBytes(4).toString("hex")}`;
  return { username, email: `${username}@example.com`, password: PASSWORD };
}

/** Several people at once: `const [admin, user] = newPeople("owner", "runner")`. */
export function newPeople<const P extends readonly string[]>(...prefixes: P) {
  return prefixes.map((p) => newPerson(p)) as { [K in keyof P]: ReturnType<typeof newPerson> };
}

export function orgName(prefix = "org") {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export async function signUp(page: Page, person: { username: string; email: string; password: string }) {
  await page.goto("/signup");
  await page.getByLabel("Username").fill(person.username);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
}

export async function signIn(page: Page, identifier: string, password = PASSWORD) {
  await page.goto("/signin");
  await page.getByLabel("Username or email").fill(identifier);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function createOrg(page: Page, name: string, displayName?: string) {
  await page.getByLabel("URL name").fill(name);
  if (displayName) await page.getByLabel("Display name").fill(displayName);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${name}$`));
}

export async function signOut(page: Page) {
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
}

const SHOTS = "e2e/.artifacts/screenshots";

/** Saves the page in the light and the dark theme (as the system setting), for people to look at. */
export async function snap(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // Let colour transitions (buttons) finish, or the picture catches them half-way.
    await page.waitForTimeout(250);
    await page.screenshot({ path: `${SHOTS}/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/**
 * Each test gets its own client address, so the per-address sign-in limit of one test doesn't spill into the
 * others that run beside it: the test server trusts 127.0.0.1 as a proxy (TRUSTED_PROXIES in
 * playwright.config.ts), so it takes the client from this X-Forwarded-For.
 */
export const test = base.extend({
  extraHTTPHeaders: async ({}, use) => {
    await use({ "x-forwarded-for": randomAddress() });
  },
});

function randomAddress() {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/** A second person's browser: its own cookies and its own client address. */
export async function newPersonContext(browser: Browser, options: Parameters<Browser["newContext"]>[0] = {}) {
  const context = await browser.newContext({ ...options, extraHTTPHeaders: { "x-forwarded-for": randomAddress() } });
  return { context, page: await context.newPage() };
}

/**
 * The operator's Admin area. The e2e server lists `e2e-operator` in PLATFORM_ADMINS (playwright.config.ts);
 * the test signs that account up, or in when a persistent database (E2E_DATABASE_URL) already has it.
 */
export const OPERATOR = "e2e-operator";

export async function signInOperator(page: Page) {
  await page.goto("/signup");
  await page.getByLabel("Username").fill(OPERATOR);
  await page.getByLabel("Email").fill(`${OPERATOR}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  const taken = page.getByTestId("error-username");
  await expect.poll(async () => /\/onboarding$/.test(page.url()) || (await taken.isVisible())).toBe(true);
  if (!/\/onboarding$/.test(page.url())) {
    await expect(taken).toHaveText("That username is taken.");
    await signIn(page, OPERATOR);
    await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
  }
}

/** Tops the org up through the sandbox checkout (the e2e server has no payment provider configured). */
export async function topUp(page: Page, org: string, credits: string) {
  await page.goto(`/orgs/${org}/credits`);
  await page.getByTestId("top-up-open").click();
  await page.getByLabel("Credits", { exact: true }).fill(credits);
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await expect(page.getByTestId("sandbox-banner")).toContainText("Sandbox — no money moves");
  await snap(page, "sandbox-checkout");
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/credits\\?payment=`));
}
