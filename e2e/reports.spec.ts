import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { formatCredits } from "@/lib/core/money";
import { createOrg, newPeople, newPerson, newPersonContext, orgName, signUp, snap } from "./helpers";
import { inviteAndAccept } from "./invite-helpers";

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The admin invites `username`, who accepts from their Invitations page. */
async function invite(page: Page, inviteePage: Page, org: string, username: string, role: "user" | "manager") {
  await inviteAndAccept(page, inviteePage, org, username, role === "user" ? "User" : "Manager");
}

async function topUp(page: Page, org: string, credits: string) {
  await page.goto(`/orgs/${org}/credits`);
  await page.getByTestId("top-up-open").click();
  await page.getByLabel("Credits", { exact: true }).fill(credits);
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/credits\\?payment=`));
}

async function startJob(page: Page, org: string, name: string, preset: string) {
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByLabel("Job name").fill(name);
  await page.getByLabel("Preset").selectOption(preset);
  await page.getByRole("button", { name: "Start job" }).click();
  await expect(page.getByTestId("toast").last()).toContainText(`Job ${name} started.`);
}

async function stopJob(page: Page, org: string, name: string) {
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByRole("button", { name: `Stop ${name}` }).click();
  await page.getByTestId("stop-job-dialog").getByRole("button", { name: "Stop job" }).click();
  await expect(page.getByRole("button", { name: `Stop ${name}` })).toHaveCount(0);
}

/** The cells of one line of the export (every cell is quoted; none of these values holds a comma or a quote). */
const cells = (line: string) => line.split(",").map((c) => c.replace(/^"|"$/g, ""));

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent()) ?? "").trim();

test("a manager reads the Reports tab: totals, charts, members, CSV, period; users and outsiders get 404", async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const [admin, manager, runner, outsider] = newPeople("owner", "mgr", "runner", "outsider");
  const org = orgName("rep");

  const m = await newPersonContext(browser, { viewport: { width: 1280, height: 900 } });
  const u = await newPersonContext(browser);
  const o = await newPersonContext(browser);
  await signUp(m.page, manager);
  await signUp(u.page, runner);
  await signUp(o.page, outsider);
  await signUp(page, admin);
  await createOrg(page, org);
  await invite(page, m.page, org, manager.username, "manager");
  await invite(page, u.page, org, runner.username, "user");

  // The runner tops up 100; the runner and the manager run a job each until charges show, then stop them.
  await topUp(u.page, org, "100");
  await expect(u.page.getByTestId("credits-balance")).toHaveText("100.00");
  await startJob(u.page, org, "train", "gpu-8x");
  await startJob(m.page, org, "notebook", "gpu-1x");
  await expect
    .poll(
      async () => {
        await u.page.goto(`/orgs/${org}/credits`);
        return Number((await text(u.page, "credits-balance")).replace(/,/g, ""));
      },
      { timeout: 45_000, intervals: [1000] },
    )
    .toBeLessThan(99);
  await stopJob(u.page, org, "train");
  await stopJob(m.page, org, "notebook");

  // The figures the Credits page and the Users tab show, once the charges have settled: a stopped job's last
  // charge (up to its stop) comes with the runner's next tick, so wait until spending stops changing.
  const mp = m.page;
  let lastSpent = "";
  await expect
    .poll(
      async () => {
        await mp.goto(`/orgs/${org}/credits`);
        const spent = await text(mp, "credits-spent");
        const settled = spent === lastSpent;
        lastSpent = spent;
        return settled;
      },
      // Ticks are 1 s apart in the e2e server: two equal reads 2.5 s apart have seen at least two ticks.
      { timeout: 45_000, intervals: [2500] },
    )
    .toBe(true);
  const orgSpent = await text(mp, "credits-spent");
  const balance = await text(mp, "credits-balance");
  await mp.goto(`/orgs/${org}/settings/users`);
  const runnerSpent = (await text(mp, `member-credits-${runner.username}`)).split("/")[0]!.trim();
  const managerSpent = (await text(mp, `member-credits-${manager.username}`)).split("/")[0]!.trim();
  expect(Number(runnerSpent.replace(/,/g, ""))).toBeGreaterThan(0);
  expect(Number(managerSpent.replace(/,/g, ""))).toBeGreaterThan(0);

  // The manager opens Settings → Reports (last 30 days by default).
  await mp.getByRole("link", { name: "Reports" }).click();
  await expect(mp).toHaveURL(new RegExp(`/orgs/${org}/settings/reports$`));
  await expect(mp).toHaveTitle(/Reports/);
  const today = new Date();
  const from30 = isoDay(new Date(today.getTime() - 29 * DAY_MS));
  const to = isoDay(today);
  await expect(mp.getByTestId("period-30d")).toHaveAttribute("aria-current", "page");
  await expect(mp.getByTestId("report-period")).toContainText("UTC days");

  await expect(mp.getByTestId("report-spent")).toHaveText(orgSpent);
  await expect(mp.getByTestId("report-added")).toHaveText("100.00");
  await expect(mp.getByTestId("report-balance")).toHaveText(`0.00 → ${balance}`);
  await expect(mp.getByTestId("report-jobs")).toHaveText("2");

  // Charts are drawn (not the empty states), with both spenders in the legend.
  await expect(mp.getByTestId("panel-empty")).toHaveCount(0);
  for (const chart of ["chart-balance", "chart-running-jobs", "chart-spend-by-member"]) {
    await expect(mp.getByTestId(chart).locator("svg.recharts-surface")).toBeVisible();
  }
  await expect(mp.getByTestId("legend").getByRole("listitem")).toHaveText([runner.username, manager.username]);
  await expect(mp.getByTestId("preset-row")).toHaveCount(2);
  await expect(mp.getByTestId("preset-row").first()).toContainText("gpu-8x");
  await expect(mp.getByTestId("preset-row").nth(1)).toContainText("gpu-1x");
  await expect(mp.getByTestId("preset-spent").first()).toHaveText(runnerSpent);

  // Top-ups: the runner paid 100.
  const additions = mp.getByTestId("addition-row");
  await expect(additions).toHaveCount(1);
  await expect(additions.first()).toContainText("Top-up");
  await expect(additions.first()).toContainText(runner.username);
  await expect(additions.first()).toContainText("+100.00");
  await expect(mp.getByTestId("additions-total")).toHaveText("+100.00");

  // Members: spending as on the Users tab, sorted by spending by default.
  await expect(mp.getByTestId(`member-spent-${runner.username}`)).toHaveText(runnerSpent);
  await expect(mp.getByTestId(`member-spent-${manager.username}`)).toHaveText(managerSpent);
  await expect(mp.getByTestId(`member-spent-${admin.username}`)).toHaveText("0.00");
  await expect(mp.getByTestId(`member-jobs-${runner.username}`)).toHaveText("1");
  await expect(mp.getByTestId(`member-share-${admin.username}`)).toHaveText("0.00%");
  const members = mp.getByRole("table", { name: "Members' spending" });
  await expect(members.locator("tbody tr").first()).toContainText(runner.username);
  await expect(members.locator("tbody tr").nth(1)).toContainText(manager.username);
  const shares = await Promise.all(
    [runner, manager].map(async (p) => Number((await text(mp, `member-share-${p.username}`)).replace("%", ""))),
  );
  expect(shares[0]).toBeGreaterThan(shares[1]!);
  expect(Math.abs(shares[0]! + shares[1]! - 100)).toBeLessThanOrEqual(0.01);
  await expect(members.getByRole("row").filter({ hasText: admin.username })).toContainText("Unlimited");

  await snap(mp, "reports");
  await mp.getByTestId("chart-spend-by-member").locator(".recharts-bar-rectangle").last().hover();
  await expect(mp.getByTestId("chart-spend-by-member")).toContainText(`Total${orgSpent}`);
  await snap(mp, "reports-tooltip");
  await mp.setViewportSize({ width: 390, height: 844 });
  // Back at the top (the tooltip hover scrolled down): all four period choices fit one row at phone width.
  await mp.evaluate(() => window.scrollTo(0, 0));
  await expect(mp.getByTestId("period-custom")).toBeInViewport();
  await snap(mp, "reports-phone");
  await mp.setViewportSize({ width: 1280, height: 900 });

  // CSV export: the whole table for the period, in the page's order.
  const [download] = await Promise.all([mp.waitForEvent("download"), mp.getByTestId("members-export").click()]);
  expect(download.suggestedFilename()).toBe(`${org}-members-${from30}-${to}.csv`);
  const csv = readFileSync(await download.path(), "utf8")
    .trim()
    .split(/\r?\n/);
  expect(csv[0]).toBe("username,name,role,credits_spent,jobs_run,credit_limit,share_percent,from,to");
  expect(csv).toHaveLength(4);
  const runnerLine = cells(csv[1]!);
  expect(runnerLine[0]).toBe(runner.username);
  expect(runnerLine[2]).toBe("user");
  expect(formatCredits(runnerLine[3]!)).toBe(runnerSpent);
  expect(runnerLine[4]).toBe("1");
  expect(runnerLine.slice(7)).toEqual([from30, to]);
  expect(cells(csv[2]!)[0]).toBe(manager.username);
  expect(cells(csv[3]!).slice(0, 5)).toEqual([admin.username, "", "admin", "0", "0"]);

  // Sorting by a header puts the sort in the URL; the server sorts.
  await members.getByRole("button", { name: "Member" }).click();
  await expect(mp).toHaveURL(/sort=username&dir=asc/);
  const byName = [admin.username, manager.username, runner.username].sort();
  await expect(members.locator("tbody tr td:first-child")).toContainText(byName);

  // The period picker: a preset, then a custom range that ends before it starts.
  await mp.getByTestId("period-7d").click();
  await expect(mp).toHaveURL(/period=7d/);
  await expect(mp).toHaveURL(/sort=username/);
  await expect(mp.getByTestId("period-7d")).toHaveAttribute("aria-current", "page");
  await expect(mp.getByTestId("report-spent")).toHaveText(orgSpent);
  await mp.getByTestId("period-custom").click();
  await expect(mp).toHaveURL(
    new RegExp(`period=custom&from=${isoDay(new Date(today.getTime() - 6 * DAY_MS))}&to=${to}`),
  );
  const yesterday = isoDay(new Date(today.getTime() - DAY_MS));
  await mp.getByLabel("From", { exact: true }).fill(to);
  await mp.getByLabel("To", { exact: true }).fill(yesterday);
  await mp.getByRole("button", { name: "Apply" }).click();
  await expect(mp).toHaveURL(new RegExp(`period=custom.*from=${to}&to=${yesterday}`));
  await expect(mp.getByTestId("error-to")).toHaveText("The end date must be on or after the start date.");
  await expect(mp.getByLabel("From", { exact: true })).toHaveValue(to);
  await expect(mp.getByLabel("To", { exact: true })).toHaveValue(yesterday);
  await expect(mp.getByTestId("report-period")).toContainText("the last 30 days");
  await snap(mp, "reports-custom-error");
  await mp.getByLabel("From", { exact: true }).fill(yesterday);
  await mp.getByLabel("To", { exact: true }).fill(to);
  await mp.getByRole("button", { name: "Apply" }).click();
  await expect(mp.getByTestId("error-to")).toHaveCount(0);
  await expect(mp.getByTestId("report-spent")).toHaveText(orgSpent);
  const [customCsv] = await Promise.all([mp.waitForEvent("download"), mp.getByTestId("members-export").click()]);
  expect(customCsv.suggestedFilename()).toBe(`${org}-members-${yesterday}-${to}.csv`);

  // A user has no Reports tab, and the page and its CSV answer 404, as to an outsider.
  await u.page.goto(`/orgs/${org}/settings/users`);
  await expect(u.page.getByRole("link", { name: "Reports" })).toHaveCount(0);
  for (const p of [u.page, o.page]) {
    expect((await p.goto(`/orgs/${org}/settings/reports`))?.status()).toBe(404);
    expect((await p.request.get(`/orgs/${org}/settings/reports/members.csv`)).status()).toBe(404);
  }
  await Promise.all([m.context.close(), u.context.close(), o.context.close()]);
});

test("a new org's Reports tab shows empty states instead of empty charts", async ({ page }) => {
  const admin = newPerson("fresh");
  const org = orgName("new");
  await page.setViewportSize({ width: 1280, height: 900 });
  await signUp(page, admin);
  await createOrg(page, org);
  await page.goto(`/orgs/${org}/settings/reports`);
  await expect(page.getByTestId("report-spent")).toHaveText("0.00");
  await expect(page.getByTestId("report-added")).toHaveText("0.00");
  await expect(page.getByTestId("report-balance")).toHaveText("0.00 → 0.00");
  await expect(page.getByTestId("report-jobs")).toHaveText("0");
  await expect(page.getByTestId("panel-spend-by-member")).toContainText("No charges in this period");
  await expect(page.getByTestId("panel-balance").getByTestId("panel-empty")).toBeVisible();
  await expect(page.getByTestId("panel-running-jobs")).toContainText("No jobs ran in this period");
  await expect(page.getByTestId("panel-additions")).toContainText("No top-ups or grants in this period");
  await expect(page.getByTestId("panel-spend-by-project").getByTestId("panel-empty")).toBeVisible();
  await expect(page.getByTestId("panel-empty")).toHaveCount(6);
  await expect(page.locator("svg.recharts-surface")).toHaveCount(0);
  await expect(page.getByTestId(`member-spent-${admin.username}`)).toHaveText("0.00");
  await snap(page, "reports-empty");
  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, "reports-empty-phone");
});
