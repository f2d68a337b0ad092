/**
 * Org names (issue 14, "A newcomer path"): create an org by its display name (the URL name suggested and checked
 * as you type), rename it and change its URL name in Settings → General (old URLs redirect), the org in page
 * titles, the header's org outside org pages, and onboarding's "we sent a verification link — resend".
 */
import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, scanA11y, test } from "./axe";
import { createOrg, newPerson, orgName, signUp } from "./helpers";

const SHOTS = "/work/shots/orgnames";

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250);
    await page.screenshot({ path: `${SHOTS}/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: null });
}

test("create an org by display name: URL name suggested, checked as you type, editable", async ({ page }) => {
  const taken = orgName("taken");
  await signUp(page, newPerson());
  await createOrg(page, taken);

  await page.goto("/orgs/new");
  const suffix = Math.random().toString(36).slice(2, 8);
  await page.getByLabel("Display name").fill(`Acme Research ${suffix}!`);
  const urlName = page.getByLabel("URL name");
  await expect(urlName).toHaveValue(`acme-research-${suffix}`);
  await expect(page.getByTestId("org-name-status")).toHaveAttribute("data-state", "available");
  await expect(page.getByTestId("org-name-status")).toContainText("is available");

  // A taken name says so as you type; once edited, the display name no longer overwrites it.
  await urlName.fill(taken);
  await expect(page.getByTestId("org-name-status")).toHaveAttribute("data-state", "taken");
  await expect(page.getByTestId("org-name-status")).toContainText(`'${taken}' is taken.`);
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(page, "create-org-taken-1440");
  await page.getByLabel("Display name").fill(`Acme Research ${suffix}`);
  await expect(urlName).toHaveValue(taken);
  await urlName.fill("Bad_Name");
  await expect(page.getByTestId("org-name-status")).toContainText("Use only lowercase letters, digits and hyphens.");

  await urlName.fill(`acme-${suffix}`);
  await expect(page.getByTestId("org-name-status")).toHaveAttribute("data-state", "available");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "create-org-available-390");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/acme-${suffix}$`));
  await expect(page.getByTestId("org-picker")).toContainText(`Acme Research ${suffix}`);
});

test("rename, change the URL name, old URLs redirect, titles carry the org, header keeps it", async ({ page }) => {
  test.setTimeout(150_000);
  const name = orgName("ren");
  const next = orgName("moved");
  await signUp(page, newPerson());
  await createOrg(page, name);

  await page.goto(`/orgs/${name}/credits`);
  await expect(page).toHaveTitle(`Credits · ${name} · Apolo Console`);

  await page.goto(`/orgs/${name}/settings/general`);
  await expect(page).toHaveTitle(`General settings · ${name} · Apolo Console`);
  const display = page.getByTestId("display-name-form");
  await display.getByLabel("Display name").fill("Renamed Research");
  await display.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("toast").getByText("Display name saved.")).toBeVisible();
  await expect(page.getByTestId("org-picker")).toContainText("Renamed Research");

  const urlForm = page.getByTestId("url-name-form");
  await urlForm.getByLabel("URL name").fill(next);
  await expect(page.getByTestId("org-name-status")).toHaveAttribute("data-state", "available");
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(page, "settings-general-1440");
  await urlForm.getByRole("button", { name: "Change URL name…" }).click();
  const dialog = page.getByTestId("change-url-name-dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByLabel(`Type ${name} to confirm`).fill(name);
  await scanA11y(page, "change URL name dialog");
  await shot(page, "change-url-name-dialog-1440");
  await dialog.getByRole("button", { name: "Change URL name" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${next}/settings/general$`));
  await expect(page.getByTestId("toast").getByText(`The organization's URL name is now '${next}'`)).toBeVisible();

  // The old URL, with its path and query, lands on the new one.
  await page.goto(`/orgs/${name}/credits?tab=ledger`);
  await expect(page).toHaveURL(new RegExp(`/orgs/${next}/credits\\?tab=ledger$`));
  await expect(page).toHaveTitle(`Credits · ${next} · Apolo Console`);
  // (The overview's redirect may arrive in the stream, replacing the navigation: wait for the URL, not the load.)
  await page.goto(`/orgs/${name}`, { waitUntil: "commit" }).catch(() => undefined);
  await expect(page).toHaveURL(new RegExp(`/orgs/${next}$`));

  // Outside org pages the header keeps the org used last, with its balance.
  await page.goto("/account");
  await expect(page.getByTestId("org-picker")).toContainText("Renamed Research");
  await expect(page.getByTestId("balance-button")).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "account-header-390");
  await page.goto("/orgs/new");
  await expect(page.getByTestId("org-picker")).toContainText("Renamed Research");
  await page.goto(`/orgs/${next}/settings/general`);
  await shot(page, "settings-general-390");
});

test("an outsider's old URL is not found, not redirected", async ({ browser, page }) => {
  const name = orgName("priv");
  const next = orgName("priv2");
  // (At phone width: the account menu's name mismatch at laptop width is issue 14's a11y work, not this spec's.)
  await page.setViewportSize({ width: 390, height: 844 });
  await signUp(page, newPerson());
  await createOrg(page, name);
  await page.goto(`/orgs/${name}/settings/general`);
  await page.getByTestId("url-name-form").getByLabel("URL name").fill(next);
  await expect(page.getByTestId("org-name-status")).toHaveAttribute("data-state", "available");
  await page.getByTestId("url-name-form").getByRole("button", { name: "Change URL name…" }).click();
  await page.getByTestId("change-url-name-dialog").getByLabel(`Type ${name} to confirm`).fill(name);
  await page.getByTestId("change-url-name-dialog").getByRole("button", { name: "Change URL name" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${next}/settings/general$`));

  const other = await browser.newPage();
  await signUp(other, newPerson());
  const response = await other.goto(`/orgs/${name}`);
  expect(response?.status()).toBe(404);
  await expect(other).toHaveURL(new RegExp(`/orgs/${name}$`));
  await other.close();
});

test("onboarding: a link already sent says so, with resend (and no second 'send')", async ({ page }) => {
  // Sign-up sends the first link.
  await signUp(page, newPerson());
  const note = page.getByTestId("verify-to-see-invites");
  await expect(page.getByTestId("verification-sent")).toContainText("We sent a verification link to");
  await expect(note.getByRole("button", { name: "Send verification email" })).toHaveCount(0);
  await page.getByTestId("verification-sent").getByRole("button", { name: "resend" }).click();
  await expect(page.getByTestId("toast").getByText(/We sent a new link to/)).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("verification-sent")).toContainText("We sent a verification link to");
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(page, "onboarding-sent-1440");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "onboarding-sent-390");
});
