/**
 * Credits that look ahead (issue 16), in the browser: the projection on the overview, the Credits page and the
 * header balance's tooltip (hover and keyboard focus), the banner once a warning went out, the Reports chart's
 * projection line; an org that spends nothing says so; an admin edits the warnings before credits run out, a
 * manager sees them read-only. Seeded by e2e/seed-projection.ts: proj-org has 150 credits and a job running at
 * 3 credits/hour on an external cluster (nothing charges it during the run), so it lasts about 2 days.
 */
import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { PROJ } from "./projection-data";
import { newPersonContext, signIn, snap } from "./helpers";

const LASTS = /^At the current rate, credits last about 2 days \(until [A-Z][a-z]{2} \d{1,2}, \d\d:\d\d UTC\)\.$/;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

async function signInAs(page: Page, username: string) {
  await signIn(page, username);
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
}

test("an org that spends: the projection on the overview, the header tooltip, Credits and Reports", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize(DESKTOP);
  await signInAs(page, PROJ.admin);

  // The overview: the balance and where it is heading.
  await page.goto(`/orgs/${PROJ.org}`);
  await expect(page.getByTestId("overview-balance")).toHaveText("150.00 credits");
  await expect(page.getByTestId("overview-projection")).toHaveText(LASTS);
  await snap(page, "projection-overview");

  // The header's balance: a tooltip on hover…
  const button = page.getByTestId("balance-button");
  const tooltip = page.getByTestId("balance-tooltip");
  await expect(button).toHaveAccessibleName("Credits 150.00");
  await expect(tooltip).toBeHidden();
  await button.hover();
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toHaveText(LASTS);
  await expect(tooltip).toHaveAttribute("role", "tooltip");
  await snap(page, "projection-tooltip");
  await page.mouse.move(10, 400);
  await expect(tooltip).toBeHidden();
  // …and on keyboard focus, as the link's description; Escape hides it.
  await page.getByTestId("org-picker").focus();
  await page.keyboard.press("Tab");
  await expect(button).toBeFocused();
  await expect(tooltip).toBeVisible();
  await expect(button).toHaveAccessibleDescription(LASTS);
  await page.keyboard.press("Escape");
  await expect(tooltip).toBeHidden();
  await expect(button).toBeFocused();

  // The Credits page: the projection and the rates behind it.
  await page.goto(`/orgs/${PROJ.org}/credits`);
  await expect(page.getByTestId("credits-projection")).toHaveText(LASTS);
  await expect(page.getByTestId("rate-current")).toContainText("3.00 /h");
  await expect(page.getByTestId("rate-running")).toContainText("3.00 /h");
  await expect(page.getByTestId("rate-running")).toContainText("from 1 running job");
  // 12 charged in the last 24 hours, 60 in the last 7 days (60 / 168 = 0.357…).
  await expect(page.getByTestId("rate-24h")).toContainText("0.50 /h");
  await expect(page.getByTestId("rate-7d")).toContainText("0.36 /h");
  await snap(page, "projection-credits");

  // The Reports tab: the balance line goes on, dashed, to zero.
  await page.goto(`/orgs/${PROJ.org}/settings/reports?period=7d`);
  const chart = page.getByTestId("chart-balance");
  await expect(chart).toHaveAttribute("aria-label", /its projection at the current rate to zero on/);
  await expect(page.getByTestId("legend-projection")).toContainText("Projection (zero on");
  await expect(chart.locator(".recharts-area-curve[stroke-dasharray='6 4']")).toHaveCount(1);
  await page.getByTestId("panel-balance").scrollIntoViewIfNeeded();
  await snap(page, "projection-reports");

  // Phone width: the same, folded.
  await page.setViewportSize(PHONE);
  await page.goto(`/orgs/${PROJ.org}`);
  await expect(page.getByTestId("overview-projection")).toHaveText(LASTS);
  await expect(button).toHaveAccessibleName("Credits 150.00");
  await snap(page, "projection-overview-phone");
  await button.focus();
  await expect(tooltip).toBeVisible();
  const box = await tooltip.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  await snap(page, "projection-tooltip-phone");
  await page.goto(`/orgs/${PROJ.org}/credits`);
  await expect(page.getByTestId("credits-projection")).toHaveText(LASTS);
  await snap(page, "projection-credits-phone");
  await page.goto(`/orgs/${PROJ.org}/settings/reports?period=7d`);
  await expect(page.getByTestId("legend-projection")).toBeVisible();
  await snap(page, "projection-reports-phone");
});

test("once the warning within 3 days went out, the banner says when the credits run out", async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await signInAs(page, PROJ.admin);
  test.setTimeout(120_000);
  // The credits worker notices the crossing on its next pass over the projections (at most once a minute).
  await expect
    .poll(
      async () => {
        await page.goto(`/orgs/${PROJ.org}/jobs`);
        return (
          (await page
            .getByTestId("low-balance-banner")
            .textContent()
            .catch(() => null)) ?? ""
        );
      },
      { timeout: 90_000, intervals: [2_000] },
    )
    .toMatch(
      new RegExp(`^At the current rate, ${PROJ.org}'s credits run out in about 2 days \\([A-Z][a-z]{2} \\d{1,2}\\)\\.`),
    );
  await expect(page.getByTestId("low-balance-banner").getByRole("link", { name: "Top up" })).toHaveAttribute(
    "href",
    `/orgs/${PROJ.org}/credits`,
  );
  await snap(page, "projection-banner");
});

test("an org that spends nothing says so everywhere", async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await signInAs(page, PROJ.admin);
  await page.goto(`/orgs/${PROJ.idleOrg}`);
  await expect(page.getByTestId("overview-balance")).toHaveText("50.00 credits");
  await expect(page.getByTestId("overview-projection")).toHaveText("Not spending: no jobs are running.");
  await page.getByTestId("balance-button").hover();
  await expect(page.getByTestId("balance-tooltip")).toHaveText("Not spending: no jobs are running.");
  await page.goto(`/orgs/${PROJ.idleOrg}/credits`);
  await expect(page.getByTestId("credits-projection")).toHaveText("Not spending: no jobs are running.");
  await expect(page.getByTestId("rate-running")).toContainText("no jobs running");
  await snap(page, "projection-idle-credits");
  // No projection line on a chart when nothing is spent.
  await page.goto(`/orgs/${PROJ.idleOrg}/settings/reports?period=7d`);
  await expect(page.getByTestId("chart-balance")).toHaveAttribute("aria-label", "Balance at the end of each day");
  await expect(page.getByTestId("legend-projection")).toHaveCount(0);
});

test("an admin edits the warnings before credits run out; a manager sees them read-only", async ({ page, browser }) => {
  test.setTimeout(90_000);
  await page.setViewportSize(DESKTOP);
  await signInAs(page, PROJ.admin);
  await page.goto(`/orgs/${PROJ.org}/settings/general`);
  const card = page.getByTestId("projection-warnings");
  const rows = card.getByTestId("projection-warning");
  const save = card.getByRole("button", { name: "Save warnings" });

  // Start from the defaults (a rerun on a kept database may find the last run's).
  const set = async (values: [string, string][]) => {
    while ((await rows.count()) > 0)
      await rows
        .first()
        .getByRole("button", { name: /^Remove/ })
        .click();
    for (const [i, [days, hours]] of values.entries()) {
      await card.getByRole("button", { name: "Add a warning" }).click();
      await expect(card.getByLabel(`Warning ${i + 1}: days`)).toBeFocused();
      await card.getByLabel(`Warning ${i + 1}: days`).fill(days);
      await card.getByLabel(`Warning ${i + 1}: hours`).fill(hours);
    }
  };
  await set([
    ["7", "0"],
    ["3", "0"],
    ["1", "0"],
  ]);
  await save.click();
  await expect(page.getByTestId("toast").last()).toContainText("Warnings saved.");

  // Bad input: refused next to its row, nothing sent.
  await card.getByRole("button", { name: "Add a warning" }).click();
  await card.getByLabel("Warning 4: days").fill("two");
  await save.click();
  await expect(rows.nth(3).getByTestId("projection-warning-error")).toHaveText("Enter whole days and hours.");
  await expect(card.getByLabel("Warning 4: days")).toBeFocused();
  await expect(card.getByLabel("Warning 4: days")).toHaveAttribute("aria-invalid", "true");
  // A warning of no time at all: the server refuses it, and says why.
  await card.getByLabel("Warning 4: days").fill("0");
  await card.getByLabel("Warning 4: hours").fill("0");
  await save.click();
  await expect(card.getByTestId("error-balanceProjectionSeconds")).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, "projection-warnings-error");

  // 12 hours instead; removing the 3-day warning by keyboard.
  await card.getByLabel("Warning 4: hours").fill("12");
  await card.getByRole("button", { name: "Remove warning 2" }).focus();
  await page.keyboard.press("Enter");
  await expect(rows).toHaveCount(3);
  await save.click();
  await expect(page.getByTestId("toast").last()).toContainText("Warnings saved.");
  // The first save's toast may still be the one on screen: reload until this save has landed.
  await expect(async () => {
    await page.reload();
    await expect(card.getByLabel("Warning 2: days")).toHaveValue("1", { timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await expect(card.getByLabel("Warning 1: days")).toHaveValue("7");
  await expect(card.getByLabel("Warning 2: days")).toHaveValue("1");
  await expect(card.getByLabel("Warning 3: days")).toHaveValue("0");
  await expect(card.getByLabel("Warning 3: hours")).toHaveValue("12");
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, "projection-warnings");

  // At most ten.
  for (let i = 0; i < 7; i++) await card.getByRole("button", { name: "Add a warning" }).click();
  await expect(card.getByRole("button", { name: "Add a warning" })).toBeDisabled();
  await expect(card).toContainText("At most 10 warnings.");
  await page.reload();
  await page.setViewportSize(PHONE);
  await expect(card.getByLabel("Warning 3: hours")).toHaveValue("12");
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, "projection-warnings-phone");
  await page.setViewportSize(DESKTOP);

  // A manager reads them, and can't change them.
  const { context: m, page: mp } = await newPersonContext(browser, { viewport: PHONE });
  await signInAs(mp, PROJ.manager);
  await mp.goto(`/orgs/${PROJ.org}/settings/general`);
  const readOnly = mp.getByTestId("projection-warnings");
  await expect(readOnly.getByTestId("projection-warning")).toHaveText([
    "7 days before",
    "1 day before",
    "12 hours before",
  ]);
  await expect(readOnly).toContainText("Only admins can change these.");
  await expect(readOnly.getByRole("button")).toHaveCount(0);
  await expect(readOnly.getByRole("textbox")).toHaveCount(0);
  await snap(mp, "projection-warnings-manager-phone");
  await m.close();

  // Back to the defaults, for the other specs and reruns.
  await set([
    ["7", "0"],
    ["3", "0"],
    ["1", "0"],
  ]);
  await save.click();
  await expect(page.getByTestId("toast").last()).toContainText("Warnings saved.");
});
