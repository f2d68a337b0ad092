import { mkdirSync } from "node:fs";
import type { Locator, Page } from "@playwright/test";
import { expect, scanA11y, test } from "./axe";
import { BIG_ORG, BIG_ORG_ADMIN } from "./fixtures-data";
import { createOrg, newPerson, orgName, signIn, signInOperator, signUp } from "./helpers";

/**
 * Issue 14, "Accessibility, in every test run": every page each kind of person sees, and the main dialogs, scanned
 * by axe in light and dark (serious or critical violations fail); and the keyboard: the skip link, focus back on
 * a menu's trigger after a dialog opened from it, `/` to the table search.
 *
 * People: big-lab's seeded admin, a manager (member-001) and a user (member-002) (e2e/seed.ts); a new person who
 * makes an org and a project; the platform admin. Dialogs are opened and cancelled: nothing here changes big-lab.
 */
const SHOTS = "/work/shots/a11y";
// Many pages, each scanned twice (light, dark): the tests run side by side.
test.describe.configure({ mode: "parallel" });
const CLUSTER = "default";
const MANAGER = "member-001";
const USER = "member-002";

async function visit(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("main#content")).toBeVisible();
  await scanA11y(page, path);
}

/** Opens a dialog with `open`, scans it, closes it with Escape. */
async function scanDialog(page: Page, open: () => Promise<void>, name: string | RegExp) {
  await open();
  const dialog = page.getByRole("dialog", { name });
  await expect(dialog).toBeVisible();
  await scanA11y(page, `dialog ${name}`);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
}

async function signInAs(page: Page, username: string) {
  await signIn(page, username);
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
}

/** With the keyboard only: focus the menu's trigger, open it, choose `item`, expect the dialog, Escape. */
async function menuDialogReturnsFocus(page: Page, trigger: Locator, item: string | RegExp, dialog: string | RegExp) {
  await trigger.focus();
  await page.keyboard.press("Enter");
  const menu = page.getByRole("menu");
  await expect(menu).toBeVisible();
  await scanA11y(page, `menu of ${await trigger.getAttribute("data-testid")}`);
  const target = menu.getByRole("menuitem", { name: item });
  // Arrow down to the item (typeahead would work too); Enter chooses it.
  for (let i = 0; i < 10 && !(await target.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("ArrowDown");
  }
  await expect(target).toBeFocused();
  await page.keyboard.press("Enter");
  const d = page.getByRole("dialog", { name: dialog });
  await expect(d).toBeVisible();
  await expect(d.locator(":focus")).toHaveCount(1);
  await scanA11y(page, `dialog ${dialog}`);
  await page.keyboard.press("Escape");
  await expect(d).toBeHidden();
  await expect(trigger).toBeFocused();
}

test("signed out: sign-in, sign-up and password pages; the skip link is the first Tab stop and jumps to the content", async ({
  page,
}) => {
  mkdirSync(SHOTS, { recursive: true });
  for (const path of ["/signin", "/forgot-password", "/reset-password", "/signup"]) await visit(page, path);

  // The skip link is the first focusable element. The form autofocuses its first field: Shift+Tab walks back
  // (past the logo) to the skip link, which shows itself on focus.
  const skip = page.getByRole("link", { name: "Skip to content" });
  expect(
    await page.evaluate(
      () => document.querySelector<HTMLElement>("a[href], button, input, select, textarea, [tabindex]")?.dataset.testid,
    ),
  ).toBe("skip-link");
  await expect(page.getByLabel("Username")).toBeFocused();
  for (let i = 0; i < 3 && !(await skip.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Shift+Tab");
  }
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250);
    await page.screenshot({ path: `${SHOTS}/skip-link-signup-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: null });
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/#content$/);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Username")).toBeFocused();
  await page.screenshot({ path: `${SHOTS}/focus-ring-signup-field.png` });
});

test("org admin (big-lab): pages, dialogs, focus back on the menu trigger, / to search, the skip link past the header", async ({
  page,
}) => {
  test.setTimeout(300_000);
  mkdirSync(SHOTS, { recursive: true });
  await signInAs(page, BIG_ORG_ADMIN);
  const base = `/orgs/${BIG_ORG}`;
  await visit(page, base);

  // The skip link skips the header (org picker, balance, account menu): the next Tab is in <main>.
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await page.screenshot({ path: `${SHOTS}/skip-link-console.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/skip-link-console-390.png` });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => Boolean(document.activeElement?.closest("main#content")))).toBe(true);

  for (const path of ["jobs", "artifacts", "projects", "settings/general", "settings/reports", "settings/audit"]) {
    await visit(page, `${base}/${path}`);
  }
  await visit(page, `${base}/credits`);
  await scanDialog(page, () => page.getByTestId("top-up-open").click(), `Top up ${BIG_ORG}`);
  await visit(page, `${base}/projects`);
  await scanDialog(
    page,
    () =>
      page
        .getByTestId(/^new-project(-empty)?-open$/)
        .first()
        .click(),
    /project/i,
  );

  await visit(page, `${base}/settings/users`);
  await scanDialog(page, () => page.getByTestId("invite-open").click(), /Invite/);

  // `/` focuses the table search, but not while typing in a field.
  const search = page.getByLabel("Search members");
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("/");
  await expect(search).toBeFocused();
  await page.keyboard.type("member-00/");
  await expect(search).toHaveValue("member-00/");
  await search.fill("");
  await page.locator("h1").first().click();

  // Keyboard only: Edit role and Remove, opened from a row's menu; Escape returns focus to that menu's button.
  const actions = page.getByTestId(`member-actions-${USER}`);
  await menuDialogReturnsFocus(page, actions, "Edit role", `Edit role of ${USER}`);
  await page.screenshot({ path: `${SHOTS}/focus-ring-menu-trigger.png` });
  await menuDialogReturnsFocus(page, actions, "Remove from organization", `Remove ${USER}?`);

  // The account menu open: nothing focusable is hidden from assistive technology.
  await page.getByTestId("user-menu").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menu")).toBeVisible();
  await scanA11y(page, "account menu open");
  await page.screenshot({ path: `${SHOTS}/account-menu-open.png` });
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("user-menu")).toBeFocused();
});

test("a new person: onboarding, a new org and its project's tabs, account pages, tokens, invites, API docs", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const person = newPerson("a11y");
  await signUp(page, person);
  await scanA11y(page, "onboarding");
  await visit(page, "/orgs/new");
  const org = orgName("a11y");
  await createOrg(page, org);
  await scanA11y(page, "new org overview");

  await page.goto(`/orgs/${org}/projects`);
  await page
    .getByTestId(/^new-project(-empty)?-open$/)
    .first()
    .click();
  await page.getByLabel("Name", { exact: true }).fill("lab");
  await page.getByRole("button", { name: "Create project" }).click();
  const project = `/orgs/${org}/projects/${CLUSTER}/lab`;
  await expect(page).toHaveURL(new RegExp(`${project}$`));
  for (const tab of ["", "/jobs", "/members", "/artifacts", "/settings"]) await visit(page, `${project}${tab}`);
  await visit(page, `/orgs/${org}/jobs`);

  // Leave, from the org picker's menu: Escape puts focus back on the picker.
  await menuDialogReturnsFocus(page, page.getByTestId("org-picker"), /^Leave /, /Leave/);

  await visit(page, "/account");
  await visit(page, "/account/tokens");
  await scanDialog(page, () => page.getByTestId("create-token-open").click(), /token/i);
  await visit(page, "/invites");
  await visit(page, "/docs/api");
});

test("a manager and a user of big-lab: their pages; the user's members page has its heading; Leave returns focus", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const base = `/orgs/${BIG_ORG}`;
  await signInAs(page, MANAGER);
  for (const path of ["", "/settings/users", "/settings/reports", "/jobs", "/credits", "/projects", "/artifacts"]) {
    await visit(page, `${base}${path}`);
  }
  await scanDialog(
    page,
    () => page.goto(`${base}/settings/users`).then(() => page.getByTestId("invite-open").click()),
    /Invite/,
  );

  await page.context().clearCookies();
  await signInAs(page, USER);
  for (const path of ["", "/settings/users", "/jobs", "/credits", "/projects"]) await visit(page, `${base}${path}`);
  await page.goto(`${base}/settings/users`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveCount(1);
  await menuDialogReturnsFocus(page, page.getByTestId("org-picker"), /^Leave /, /Leave/);
});

test("platform admin: the Admin area's pages in a <main> landmark, and its dialogs", async ({ page }) => {
  test.setTimeout(240_000);
  await signInOperator(page);
  for (const path of ["/admin", "/admin/orgs", "/admin/credits", `/admin/clusters/${CLUSTER}`]) {
    await visit(page, path);
    await expect(page.getByRole("main").getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
  }
  await page.goto("/admin");
  await scanDialog(page, () => page.getByTestId("create-cluster-open").click(), /cluster/i);
});
