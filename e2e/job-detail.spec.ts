import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { createOrg, newPerson, orgName, signUp, topUp } from "./helpers";

const SHOTS = process.env.SHOTS_DIR ?? "e2e/.artifacts/screenshots/ledger";

/** The page at laptop and phone width, light and dark, into SHOTS. */
async function shots(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  for (const [width, height] of [
    [1440, 900],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(250);
      await page.screenshot({ path: `${SHOTS}/${name}-${width}-${scheme}.png`, fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: null });
  await page.setViewportSize({ width: 1280, height: 720 });
}

test("a job's charges are one ledger row per hour, linked to the job's page with its charges over time", async ({
  page,
}) => {
  test.setTimeout(150_000);
  const admin = newPerson("ledger");
  const org = orgName("ledger");
  await signUp(page, admin);
  await createOrg(page, org);
  await topUp(page, org, "100");

  // Run a job for a few seconds: the embedded runner ticks every second.
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByLabel("Job name").fill("hourly");
  await page.getByLabel("Preset").selectOption("cpu-small");
  await page.getByRole("button", { name: "Start job" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("Job hourly started.");
  await page.waitForTimeout(5_000);

  // The ledger: one charge row for the job (it grows each tick), its hour shown, linked to the job's page.
  await page.goto(`/orgs/${org}/credits?kind=charge`);
  const jobLinks = page.getByTestId("ledger-job");
  await expect(jobLinks.first()).toHaveText("hourly");
  const hours = await page.getByTestId("ledger-hour").allTextContents();
  // One row per UTC hour the job ran in: one, or two when the test straddled the hour.
  expect(new Set(hours).size).toBe(hours.length);
  expect(hours.length).toBeGreaterThanOrEqual(1);
  expect(hours.length).toBeLessThanOrEqual(2);
  await expect(jobLinks).toHaveCount(hours.length);
  expect(hours[0]).toMatch(/\d\d:00–\d\d:59$/);
  await page.goto(`/orgs/${org}/credits`);
  await shots(page, "ledger");

  await page.goto(`/orgs/${org}/credits?kind=charge`);
  await page.getByTestId("ledger-job").first().click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/jobs/[0-9a-f-]{36}$`));
  await expect(page.getByTestId("job-title")).toHaveText("hourly");
  await expect(page.getByTestId("job-status")).toHaveText("Running");
  await expect(page.getByTestId("job-preset")).toHaveText("cpu-small");
  await expect(page.getByTestId("job-owner")).toHaveText(admin.username);
  await expect(page.getByTestId("job-hours")).toBeVisible();
  expect(await page.getByTestId("job-usage-row").count()).toBeGreaterThanOrEqual(2);
  await shots(page, "job-detail");

  // The jobs list links the job's name to the same page.
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByTestId("job-link").filter({ hasText: "hourly" }).click();
  await expect(page.getByTestId("job-title")).toHaveText("hourly");

  // Stopped from the list: the list and the job page say who stopped it, and the same runtime.
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByRole("button", { name: "Stop hourly" }).click();
  await page.getByTestId("stop-job-dialog").getByRole("button", { name: "Stop job" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("Job hourly stopped.");
  await expect(page.getByTestId("job-status").first()).toHaveText(`Stopped by ${admin.username}`);
  const listRuntime = (await page.getByTestId("job-runtime").first().textContent()) ?? "";
  expect(listRuntime).toMatch(/^(\d+h \d+m )?(\d+m )?\d+s$/);
  await page.getByTestId("job-link").filter({ hasText: "hourly" }).click();
  // The list shows the same status and runtime: wait for the job's own page before reading them.
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/jobs/[0-9a-f-]{36}$`));
  await expect(page.getByTestId("job-status")).toHaveText(`Stopped by ${admin.username}`);
  await expect(page.getByTestId("job-runtime")).toHaveText(listRuntime);

  // Another org's URL for this job: not found.
  const jobUrl = new URL(page.url()).pathname;
  const other = orgName("other");
  await page.goto("/orgs/new");
  await createOrg(page, other);
  const res = await page.goto(jobUrl.replace(`/orgs/${org}/`, `/orgs/${other}/`));
  expect(res?.status()).toBe(404);
  await page.goto(jobUrl);
});
