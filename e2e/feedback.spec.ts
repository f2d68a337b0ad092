import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, scanA11y, test } from "./axe";
import { createOrg, newPerson, orgName, signUp } from "./helpers";

/*
 * Clear feedback (issue 14): invite results and errors, top-up reasons, job refusals with a next step, stop
 * confirmation, navigation progress, the reports' hide-zero toggle. Screenshots go to /work/shots/feedback.
 */

const SHOTS = process.env.FEEDBACK_SHOTS ?? "/work/shots/feedback";

/** The page (or what's open on it) in light and dark at its current width. */
async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // Colour transitions (buttons) must finish, or the picture catches them half-way.
    await page.waitForTimeout(700);
    await page.screenshot({ path: `${SHOTS}/${name}-${width}-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: null });
}

async function newOrg(page: Page, prefix: string) {
  const admin = newPerson(prefix);
  const org = orgName(prefix);
  await signUp(page, admin);
  await createOrg(page, org);
  return { admin, org };
}

async function sandboxTopUp(page: Page, org: string, credits: string) {
  await page.goto(`/orgs/${org}/credits`);
  await page.getByTestId("top-up-open").click();
  await page.getByLabel("Credits", { exact: true }).fill(credits);
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/credits\\?payment=`));
}

test.use({ viewport: { width: 1440, height: 900 } });

test("invites: an empty submit and 63 entries get inline errors; results open with a summary, failures first", async ({
  page,
}) => {
  const { admin, org } = await newOrg(page, "fbinv");
  await page.goto(`/orgs/${org}/settings/users`);
  await page.getByTestId("invite-open").click();
  const entries = page.getByLabel("Usernames or emails");
  // No browser bubble: the field isn't `required`; the app's own message shows under it.
  expect(await entries.getAttribute("required")).toBeNull();
  await page.getByRole("button", { name: "Send invites" }).click();
  await expect(page.getByTestId("error-entries")).toHaveText("Enter at least one username or email address.");

  const many = Array.from({ length: 63 }, (_, i) => `nobody-${i}-${org}`).join("\n");
  await page.getByLabel("Usernames or emails").fill(many);
  await page.getByRole("button", { name: "Send invites" }).click();
  await expect(page.getByTestId("error-entries")).toHaveText("You can invite at most 50 — you entered 63.");

  // One new invitation (an email), one already a member (the admin), one unknown username.
  await page.getByLabel("Usernames or emails").fill(`friend-${org}@example.com, ${admin.username}, ghost-${org}`);
  await page.getByRole("button", { name: "Send invites" }).click();
  await expect(page.getByTestId("invite-summary")).toHaveText("1 invited · 1 already a member · 1 needs attention");
  const items = page.getByTestId("invite-results").locator("li");
  await expect(items.first()).toContainText(`No account with the username 'ghost-${org}'`);
  await scanA11y(page, "invite dialog with results");
  await shot(page, "invite-results");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "invite-results");
});

test("top-up: a custom amount says why it isn't allowed as it's typed; paying shows one success message", async ({
  page,
}) => {
  const { org } = await newOrg(page, "fbtop");
  await page.goto(`/orgs/${org}/credits`);
  await page.getByTestId("top-up-open").click();
  const amount = page.getByLabel("Credits", { exact: true });
  const pay = page.getByRole("button", { name: "Continue to payment" });
  await amount.fill("12.345");
  await expect(page.getByTestId("error-credits")).toHaveText("Amount must be a number with at most two decimals.");
  await expect(pay).toBeDisabled();
  await amount.fill("0.5");
  await expect(page.getByTestId("error-credits")).toHaveText("Amount must be at least 1.");
  await amount.fill("250000");
  await expect(page.getByTestId("error-credits")).toHaveText("Amount must be at most 100,000.");
  await shot(page, "top-up-error");
  await scanA11y(page, "top-up dialog with an error");
  await amount.fill("25");
  await expect(page.getByTestId("error-credits")).toHaveCount(0);
  await expect(pay).toBeEnabled();
  await pay.click();
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/credits\\?payment=`));
  await expect(page.getByTestId("toast").last()).toContainText(`25.00 credits added to ${org}.`);
  // The toast says it; no banner repeating it.
  await expect(page.getByTestId("payment-status")).toHaveCount(0);
  await expect(page.getByTestId("credits-balance")).toHaveText("25.00");
});

test("jobs: a refusal explains and links to Credits; stopping asks first; statuses read as words", async ({ page }) => {
  test.setTimeout(120_000);
  const { admin, org } = await newOrg(page, "fbjob");
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByLabel("Job name").fill("first-try");
  await page.getByRole("button", { name: "Start job" }).click();
  await expect(page.getByTestId("form-message")).toHaveText(`No credits left for org '${org}'.`);
  await expect(page.getByTestId("job-preset-hint")).toBeVisible();
  await shot(page, "job-refusal");
  await page.getByTestId("refusal-top-up").click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/credits$`));

  await sandboxTopUp(page, org, "100");
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByLabel("Job name").fill("train");
  await page.getByRole("button", { name: "Start job" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("Job train started.");
  await expect(page.getByTestId("job-status").first()).toHaveText("Running");

  // Stop asks first: Cancel leaves the job running.
  await page.getByRole("button", { name: "Stop train" }).click();
  const dialog = page.getByTestId("stop-job-dialog");
  await expect(page.getByRole("dialog", { name: "Stop train?" })).toBeVisible();
  await scanA11y(page, "stop confirmation");
  await shot(page, "stop-confirm");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(page.getByTestId("job-status").first()).toHaveText("Running");

  await page.getByRole("button", { name: "Stop train" }).click();
  await dialog.getByRole("button", { name: "Stop job" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("Job train stopped.");
  // The job remembers who stopped it.
  await expect(page.getByTestId("job-status").first()).toHaveText(`Stopped by ${admin.username}`);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "jobs");
});

test("navigation: with 1.5 s of latency a link click shows the progress bar at once", async ({ page }) => {
  const { org } = await newOrg(page, "fbnav");
  await page.goto(`/orgs/${org}`);
  // Every React Server Component request (the navigation's payload) is held back 1.5 s.
  await page.route(
    (url) => url.searchParams.has("_rsc"),
    async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue().catch(() => {});
    },
  );
  const bar = page.getByTestId("nav-progress").locator("div");
  await expect(bar).toHaveCount(0);
  await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Credits" }).click();
  const clicked = Date.now();
  await expect(bar).toBeVisible({ timeout: 300 });
  expect(Date.now() - clicked).toBeLessThan(300);
  await shot(page, "nav-loading");
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/credits$`), { timeout: 10_000 });
  await expect(page.getByTestId("credits-balance")).toBeVisible();
  await expect(bar).toHaveCount(0);
  // Once the links' prefetches (also held back) are in, a settings tab shows its skeleton under the tabs.
  await page.waitForTimeout(2500);
  await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Settings" }).click();
  // The prefetched loading state shows at once (the URL changes with it, which ends the bar), else the bar runs.
  await expect(bar.or(page.getByTestId("page-skeleton")).first()).toBeVisible({ timeout: 300 });
  await page.waitForTimeout(200);
  await shot(page, "nav-skeleton");
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/settings/users$`), { timeout: 10_000 });
  await page.unrouteAll({ behavior: "ignoreErrors" });
});

test("reports: the balance tile reads in full past 1,000; the members table hides who spent nothing", async ({
  page,
}) => {
  const { admin, org } = await newOrg(page, "fbrep");
  await sandboxTopUp(page, org, "1086");
  await page.goto(`/orgs/${org}/settings/reports`);
  const balance = page.getByTestId("report-balance");
  await expect(balance).toHaveText("0.00 → 1,086.00");
  // Nothing cut off: the tile's text fits its box.
  expect(await balance.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  await expect(page.getByTestId(`member-spent-${admin.username}`)).toHaveText("0.00");
  await shot(page, "reports");

  await page.getByTestId("members-hide-zero").click();
  await expect(page).toHaveURL(/zero=hide/);
  await expect(page.getByTestId(`member-spent-${admin.username}`)).toHaveCount(0);
  await expect(page.getByText("Nobody spent credits in this period.")).toBeVisible();
  await expect(page.getByTestId("members-export")).toHaveAttribute("href", /zero=hide/);
  await page.reload();
  await expect(page.getByTestId("members-hide-zero")).toHaveAttribute("aria-checked", "true");
  await page.getByTestId("members-hide-zero").click();
  await expect(page).not.toHaveURL(/zero=hide/);
  await expect(page.getByTestId(`member-spent-${admin.username}`)).toHaveText("0.00");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "reports");
});
