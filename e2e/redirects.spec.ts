import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { createOrg, newPerson, orgName, PASSWORD, signUp, snap } from "./helpers";

/** Open-redirect attempts through sign-in's callbackUrl (app/_server/return-to.test.ts has the full corpus). */
const BYPASSES = [
  "/\t/evil.example", // a tab after the slash: the URL parser drops it, leaving //evil.example
  "/\t\\evil.example",
  "/\n/evil.example", // a newline: used to answer 500 "Invalid character in header content"
  "/\\evil.example",
  "//evil.example",
  "/.//evil.example",
  "https://evil.example/",
  "javascript:alert(1)",
];

async function signInWith(page: Page, callbackUrl: string, identifier: string) {
  await page.context().clearCookies();
  const response = await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  expect(response?.status()).toBe(200);
  await page.getByLabel("Username or email").fill(identifier);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/signin/);
}

test("sign-in never follows a callbackUrl off the console, and shows no error for one", async ({ page, baseURL }) => {
  const person = newPerson("redir");
  await signUp(page, person);
  const serverErrors: string[] = [];
  page.on("response", (r) => {
    if (r.status() >= 500) serverErrors.push(`${r.status()} ${r.url()}`);
  });
  const offSite: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(baseURL!)) offSite.push(r.url());
  });

  for (const callbackUrl of BYPASSES) {
    await signInWith(page, callbackUrl, person.username);
    // Home of a person without an org: onboarding, on the console's own origin.
    await expect(page, JSON.stringify(callbackUrl)).toHaveURL(`${baseURL}/onboarding`);
    await expect(page.getByRole("heading", { name: "Create an organization" })).toBeVisible();
  }
  expect(serverErrors).toEqual([]);
  expect(offSite).toEqual([]);
});

test("a same-site callbackUrl is honoured, including the one a signed-out visit sets", async ({ page, baseURL }) => {
  const person = newPerson("redir");
  const org = orgName("back");
  await signUp(page, person);
  await createOrg(page, org);

  await signInWith(page, `/orgs/${org}/credits?kind=charge`, person.username);
  await expect(page).toHaveURL(`${baseURL}/orgs/${org}/credits?kind=charge`);

  // Signed out, a deep link goes through sign-in and comes back to it.
  await page.context().clearCookies();
  await page.goto(`/orgs/${org}/jobs`);
  await expect(page).toHaveURL(`${baseURL}/signin?callbackUrl=${encodeURIComponent(`/orgs/${org}/jobs`)}`);
  await snap(page, "signin-with-callback");
  await page.getByLabel("Username or email").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${baseURL}/orgs/${org}/jobs`);
});
