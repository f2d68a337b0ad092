/**
 * Automatic top-up (issue 16) in the sandbox: an admin turns it on (below 20 add 50, cap 500), a job on an
 * expensive preset drains the balance below 20, the credits worker tops it up, and the Credits page, the ledger,
 * the admin's mail and the audit log show it; a manager sees the settings read-only; turning it off asks first.
 * Seeded by e2e/seed-auto-topup.ts: the org (new each run), its admin and manager, a 3600 credits/hour preset.
 */
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { AUTO, AUTO_TOPUP_ORG_FILE } from "./auto-topup-data";
import { newPersonContext, signIn, snap } from "./helpers";
import { mailTo } from "./mailbox";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

function seededOrg(): string {
  return (JSON.parse(readFileSync(AUTO_TOPUP_ORG_FILE, "utf8")) as { org: string }).org;
}

async function signInAs(page: Page, username: string) {
  await signIn(page, username);
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
}

/** The Credits page's balance as a number (display only: the exact figures are checked in lib tests). */
async function balance(page: Page): Promise<number> {
  return Number(((await page.getByTestId("credits-balance").textContent()) ?? "").replace(/[^0-9.-]/g, ""));
}

test("an admin turns automatic top-up on in the sandbox; a job drains the balance and it comes back", async ({
  page,
  browser,
}) => {
  test.setTimeout(300_000); // a job, the worker and 14 screenshots on a busy 2-core machine
  const org = seededOrg();
  await page.setViewportSize(DESKTOP);
  await signInAs(page, AUTO.admin);

  // Settings → General: off, with suggested values and the sandbox note.
  await page.goto(`/orgs/${org}/settings/general`);
  const card = page.getByTestId("auto-topup-form");
  await expect(page.getByTestId("auto-topup-state")).toHaveText("Off");
  await expect(page.getByTestId("auto-topup-sandbox")).toHaveText(
    "Sandbox: automatic top-ups complete at once; no money moves.",
  );
  const enabled = page.getByRole("switch", { name: "Top up automatically" });
  await expect(enabled).toHaveAttribute("aria-checked", "false");

  // Bad input: a message under each field, nothing saved.
  await enabled.click();
  await card.getByLabel("When the balance falls below").fill("-5");
  await card.getByLabel("Add", { exact: true }).fill("12.345");
  await card.getByLabel("Monthly cap").fill("abc");
  await page.getByTestId("auto-topup-save").click();
  await expect(page.getByTestId("error-threshold")).toBeVisible();
  await expect(page.getByTestId("error-amount")).toContainText("at most two decimals");
  await expect(page.getByTestId("error-monthlyCap")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("auto-topup-state")).toHaveText("Off");

  // Below 20 add 50, at most 500 a month: the price of 50 credits shows (the e2e server's default 1.00 USD).
  await enabled.click();
  await card.getByLabel("When the balance falls below").fill("20");
  await card.getByLabel("Add", { exact: true }).fill("50");
  await card.getByLabel("Monthly cap").fill("500");
  await expect(page.getByTestId("auto-topup-price")).toHaveText("50.00 USD per top-up");
  await page.getByTestId("auto-topup-save").click();
  await expect(page.getByTestId("toast").last()).toContainText("Automatic top-up is on: below 20.00, add 50.00");
  await expect(page.getByTestId("auto-topup-state")).toHaveText("On");
  await expect(page.getByTestId("auto-topup-usage")).toContainText("0.00 of 500.00 credits");

  // The Credits page says so in one line.
  await page.goto(`/orgs/${org}/credits`);
  await expect(page.getByTestId("auto-topup-status")).toContainText(
    "Automatic top-up: on — below 20.00, add 50.00 credits",
  );
  expect(await balance(page)).toBeGreaterThan(20);

  // A job at 3600 credits/hour drains the balance below 20; the worker adds 50 and the balance comes back.
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByLabel("Job name").fill("drain");
  await page.getByLabel("Preset").selectOption(AUTO.preset);
  await page.getByRole("button", { name: "Start job" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("Job drain started.");
  await page.goto(`/orgs/${org}/credits`);
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.getByTestId("ledger-kind").filter({ hasText: "Automatic top-up" }).count();
      },
      { timeout: 60_000, intervals: [1000] },
    )
    .toBeGreaterThan(0);
  expect(await balance(page)).toBeGreaterThan(20);
  const row = page.getByRole("row").filter({ has: page.getByTestId("ledger-kind").filter({ hasText: "Automatic" }) });
  await expect(row.first().getByTestId("ledger-amount")).toHaveText("+50.00");

  // Stop the job before it drains the balance again.
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByRole("button", { name: "Stop drain" }).click();
  await expect(page.getByRole("button", { name: "Stop drain" })).toHaveCount(0);

  // The ledger's kind filter finds it, with its note.
  await page.goto(`/orgs/${org}/credits?kind=auto_topup`);
  await expect(page.getByTestId("ledger-kind").first()).toHaveText("Automatic top-up");
  await expect(page.getByTestId("ledger-note").first()).toContainText("Automatic top-up");
  await snap(page, "auto-topup-ledger");

  // Settings show this month's use and the top-up in the recent list.
  await page.goto(`/orgs/${org}/settings/general`);
  await expect(page.getByTestId("auto-topup-usage")).toContainText("of 500.00 credits");
  await expect(page.getByTestId("auto-topup-recent").first()).toContainText("+50.00");
  await expect(page.getByTestId("auto-topup-recent").first()).toContainText("Paid");
  await snap(page, "auto-topup-settings");

  // The admin's mail tells of it.
  const mail = await mailTo(`${AUTO.admin}@example.com`, "50.00 credits added automatically");
  expect(mail.subject).toBe(`${org}: 50.00 credits added automatically`);
  expect(mail.text).toMatch(/Sandbox: no money moved \(payment [0-9a-f-]{36}\)\./);

  // The audit log recorded turning it on.
  await page.goto(`/orgs/${org}/settings/audit`);
  await expect(page.getByRole("cell", { name: "Turned on automatic top-up" }).first()).toBeVisible();

  // Phone width: the settings card and the Credits page.
  await page.setViewportSize(PHONE);
  await page.goto(`/orgs/${org}/settings/general`);
  await expect(page.getByTestId("auto-topup-state")).toHaveText("On");
  await snap(page, "auto-topup-settings-phone");
  await page.goto(`/orgs/${org}/credits`);
  await expect(page.getByTestId("auto-topup-status")).toBeVisible();
  await snap(page, "auto-topup-credits-phone");
  await page.setViewportSize(DESKTOP);
  await snap(page, "auto-topup-credits");

  // The manager sees the settings read-only.
  const m = await newPersonContext(browser, { viewport: DESKTOP });
  await signInAs(m.page, AUTO.manager);
  await m.page.goto(`/orgs/${org}/settings/general`);
  await expect(m.page.getByTestId("auto-topup-read-only")).toHaveText(
    "Only admins can change automatic top-up. You can see how it is set up.",
  );
  await expect(m.page.getByRole("switch", { name: "Top up automatically" })).toBeDisabled();
  await expect(m.page.getByTestId("auto-topup-form").getByLabel("Monthly cap")).toBeDisabled();
  await expect(m.page.getByTestId("auto-topup-save")).toHaveCount(0);
  await snap(m.page, "auto-topup-manager");
  await m.page.setViewportSize(PHONE);
  await snap(m.page, "auto-topup-manager-phone");
  await m.context.close();

  // Turning it off asks first; "Keep it on" changes nothing, "Turn off" does.
  await page.goto(`/orgs/${org}/settings/general`);
  await enabled.click();
  await page.getByTestId("auto-topup-save").click();
  const confirm = page.getByRole("dialog", { name: "Turn off automatic top-up?" });
  await expect(confirm).toBeVisible();
  await snap(page, "auto-topup-confirm-off");
  await confirm.getByRole("button", { name: "Keep it on" }).click();
  await expect(confirm).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("auto-topup-state")).toHaveText("On");
  await enabled.click();
  await page.getByTestId("auto-topup-save").click();
  await confirm.getByRole("button", { name: "Turn off" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("Automatic top-up is off.");
  await expect(page.getByTestId("auto-topup-state")).toHaveText("Off");
  await page.goto(`/orgs/${org}/settings/audit`);
  await expect(page.getByRole("cell", { name: "Turned off automatic top-up" }).first()).toBeVisible();
});
