import { mkdirSync } from "node:fs";
import type { Locator, Page } from "@playwright/test";
import { expect, scanA11y, test } from "./axe";
import { BIG_ORG, BIG_ORG_ADMIN } from "./fixtures-data";
import { createOrg, newPerson, orgName, signIn, signInOperator, signUp, topUp } from "./helpers";

/** Issue 14, "Tables that fit": phone cards at 390 px, one-line cells in a wide layout at 1440 px. */

const SHOTS = process.env.TABLES_SHOTS ?? "e2e/.artifacts/screenshots/tables";
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1440, height: 900 };

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250);
    await page.screenshot({ path: `${SHOTS}/${name}-${width}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: null });
}

/** Nothing scrolls sideways: the page is no wider than the window. */
async function expectNoSidewaysScroll(page: Page) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.scrollingElement!.scrollWidth,
    inner: window.innerWidth,
  }));
  expect(scroll, "page width").toBeLessThanOrEqual(inner);
}

/** The element is visible and wholly inside the window's width. */
async function expectOnScreen(page: Page, locator: Locator) {
  await expect(locator).toBeVisible();
  const box = (await locator.boundingBox())!;
  const width = page.viewportSize()!.width;
  expect(box.x, "left edge").toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, "right edge").toBeLessThanOrEqual(width);
}

test("phone: Users rows are cards with role, credits and the row menu on screen; a sort select replaces the headers", async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  await signIn(page, BIG_ORG_ADMIN);
  await expect(page).toHaveURL(new RegExp(`/orgs/${BIG_ORG}$`));
  await page.goto(`/orgs/${BIG_ORG}/settings/users`);
  const card = page.getByRole("row").filter({ has: page.getByText("member-002", { exact: true }) });
  await expect(card).toBeVisible();
  await expectOnScreen(page, card.getByText("User", { exact: true }));
  await expectOnScreen(page, page.getByTestId("member-credits-member-002"));
  await expectOnScreen(page, card.getByText("member-002@example.com"));
  await expectNoSidewaysScroll(page);
  await shot(page, "users");

  // The row menu opens and works from the card.
  const menu = page.getByRole("button", { name: "Actions for member-002" });
  await expectOnScreen(page, menu);
  await menu.click();
  await page.getByRole("menuitem", { name: "Edit role" }).click();
  const dialog = page.getByTestId("edit-role-dialog");
  await expect(dialog).toBeVisible();
  await expectNoSidewaysScroll(page);
  await scanA11y(page, "edit role dialog at 390 px");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  // No header row on a phone: "Sort by" sorts, in the URL like the header buttons.
  await page.getByLabel("Sort by").selectOption("role:desc");
  await expect(page).toHaveURL(/sort=role/);
  await expect(page).toHaveURL(/dir=desc/);
  // (The header row is not displayed on a phone: the first row is the first card.)
  await expect(page.getByRole("table", { name: "Members" }).getByRole("row").first()).toContainText(BIG_ORG_ADMIN);

  // The role filter and the search stay usable on a phone.
  await page.getByLabel("Filter by role").selectOption("manager");
  await expect(page).toHaveURL(/role=manager/);
  await expectNoSidewaysScroll(page);

  // At 1440 px the same page is a table whose cells keep to one line.
  await page.setViewportSize(LAPTOP);
  await page.goto(`/orgs/${BIG_ORG}/settings/users`);
  await expect(page.getByRole("columnheader", { name: "Email" })).toBeVisible();
  await expect(page.getByLabel("Sort by")).toBeHidden();
  await shot(page, "users");
});

test("jobs at 390 px: status and Stop on screen; at 1440 px a long username and email keep their line", async ({
  page,
}) => {
  test.setTimeout(150_000);
  const base = newPerson("wide-table-username-xx");
  const person = { ...base, email: `${base.username}-with-a-rather-long-address@example-research-lab.com` };
  const org = orgName("tables");
  await page.setViewportSize(LAPTOP);
  await signUp(page, person);
  await createOrg(page, org);
  await topUp(page, org, "100");

  await page.goto(`/orgs/${org}/jobs`);
  await page.getByLabel("Job name").fill("a-job-with-a-long-descriptive-name");
  await page.getByLabel("Preset").selectOption("cpu-small");
  await page.getByRole("button", { name: "Start job" }).click();
  await expect(page.getByTestId("job-status").first()).toHaveText("Running");
  await shot(page, "jobs");

  await page.setViewportSize(PHONE);
  await page.reload();
  const stop = page.getByRole("button", { name: "Stop a-job-with-a-long-descriptive-name" });
  await expectOnScreen(page, stop);
  await expectOnScreen(page, page.getByTestId("job-status").first());
  await expectOnScreen(page, page.getByTestId("job-credits").first());
  await expectNoSidewaysScroll(page);
  await shot(page, "jobs");
  await stop.click();
  // Stopping asks first (components/jobs/stop-job-button.tsx); the dialog's button is reachable on a phone.
  const confirm = page.getByRole("dialog").getByRole("button", { name: "Stop job" });
  await expectOnScreen(page, confirm);
  await confirm.click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(page.getByTestId("job-status").first()).toContainText("Stopped");
  await expectNoSidewaysScroll(page);

  // Credits and Audit log on a phone.
  for (const path of ["credits", "settings/audit", "projects"]) {
    await page.goto(`/orgs/${org}/${path}`);
    await expect(page.locator("main")).toBeVisible();
    await expectNoSidewaysScroll(page);
    await shot(page, path.replace("settings/", ""));
  }

  // At 1440 px: the wide layout, and the long username and email each stay on one line.
  await page.setViewportSize(LAPTOP);
  for (const path of ["credits", "settings/audit", "projects"]) {
    await page.goto(`/orgs/${org}/${path}`);
    await expect(page.locator("main")).toBeVisible();
    await shot(page, path.replace("settings/", ""));
  }
  await page.goto(`/orgs/${org}/settings/users`);
  const table = page.getByRole("table", { name: "Members" });
  const username = table.getByTitle(person.username, { exact: true });
  const email = table.getByText(person.email);
  await expect(email).toBeVisible();
  const line = async (l: Locator) => (await l.boundingBox())!.height;
  expect(await line(username), "username on one line").toBeLessThan(26);
  expect(await line(email), "email on one line").toBeLessThan(26);
  const row = table.getByRole("row").filter({ has: page.getByTitle(person.username, { exact: true }) });
  expect(await line(row), "row height").toBeLessThan(56);
  await expect(table.locator('[title="' + person.email + '"]')).toHaveCount(1);
  await shot(page, "users-long");
});

test("admin tables at 390 px are cards with their actions; at 1440 px they use the width", async ({ page }) => {
  await page.setViewportSize(PHONE);
  await signInOperator(page);
  for (const [path, name] of [
    ["/admin", "admin-clusters"],
    ["/admin/orgs", "admin-orgs"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("table").first()).toBeVisible();
    await expectNoSidewaysScroll(page);
    await shot(page, name);
  }
  await page.setViewportSize(LAPTOP);
  for (const [path, name] of [
    ["/admin", "admin-clusters"],
    ["/admin/orgs", "admin-orgs"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("table").first()).toBeVisible();
    await shot(page, name);
  }
});
