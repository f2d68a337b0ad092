import { mkdirSync, readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { test, expect } from "./axe";
import { createOrg, newPerson, orgName, signUp } from "./helpers";
import { inviteFromUsersTab } from "./invite-helpers";

const SHOTS = "/work/shots/audit";

// Dates follow the browser's language (Accept-Language): en-GB reads "1 Dec 2026, 14:03:12".
test.use({ locale: "en-GB" });

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250);
    await page.screenshot({ path: `${SHOTS}/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: null });
}

test("audit log: readable names and dates, a bulk invite as one row, day filter, CSV export, phone width", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const admin = newPerson("auditor");
  const org = orgName("audit");
  await signUp(page, admin);
  await createOrg(page, org);

  // A bulk invite of 45 addresses writes 45 audit rows with one batch id.
  const emails = Array.from({ length: 45 }, (_, i) => `bulk-${i}-${org}@example.com`);
  await inviteFromUsersTab(page, org, emails.join("\n"));
  await expect(page.getByTestId("invite-results")).toContainText(`Invitation sent to ${emails[44]}.`);
  await page.keyboard.press("Escape");

  await page.goto(`/orgs/${org}/settings/audit`);
  const table = page.getByRole("table", { name: "Audit log" });
  // Readable action names, not codes; the code is in the title.
  await expect(table.getByRole("cell", { name: "Created the organization", exact: true })).toBeVisible();
  await expect(table).not.toContainText("org.created");
  // One grouped row for the bulk invite, expandable to list the invitees.
  await expect(table.getByRole("row")).toHaveCount(3); // header, the batch, org created
  const batch = table.getByRole("row").filter({ hasText: "Invited 45 people" });
  await expect(batch).toHaveCount(1);
  await expect(batch.getByTestId("audit-action")).toHaveAttribute("title", "invitation.created");
  await expect(batch.getByTestId("audit-batch-list")).toBeHidden();
  await batch.getByText("45 invitations").click();
  await expect(batch.getByTestId("audit-batch-list").getByRole("listitem")).toHaveCount(45);
  await expect(batch.getByTestId("audit-batch-list")).toContainText(emails[0]!);
  // Readable dates ("1 Dec 2026, 14:03:12"), ISO in the title.
  const time = batch.getByTestId("audit-time");
  await expect(time).toHaveText(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2}$/);
  await expect(time).toHaveAttribute("title", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  await shot(page, "audit-1440");

  // The day filter: tomorrow (UTC) has nothing yet, today has both rows; both land in the URL.
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel("From (UTC)").fill(tomorrow);
  await expect(page).toHaveURL(new RegExp(`from=${tomorrow}`));
  await expect(page.getByText("No events match these filters.")).toBeVisible();
  await page.getByLabel("From (UTC)").fill(today);
  await expect(page).toHaveURL(new RegExp(`from=${today}`));
  await page.getByLabel("To (UTC)").fill(today);
  await expect(page).toHaveURL(new RegExp(`to=${today}`));
  await expect(table.getByRole("row")).toHaveCount(3);
  // A malformed day from the URL is no filter.
  await page.goto(`/orgs/${org}/settings/audit?from=2026-02-31`);
  await expect(table.getByRole("row")).toHaveCount(3);

  // CSV export: the page's filters, readable columns, one line per event.
  await page.goto(`/orgs/${org}/settings/audit?action=invitation.created`);
  await expect(page.getByTestId("audit-export")).toHaveAttribute("href", /audit\.csv\?action=invitation\.created$/);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("audit-export").click()]);
  expect(download.suggestedFilename()).toBe(`${org}-audit-log.csv`);
  const csv = readFileSync((await download.path())!, "utf8")
    .trimEnd()
    .split("\r\n");
  expect(csv[0]).toBe("Time (UTC),Actor,Via token,Action,Action code,Target type,Target,Before,After,Batch");
  expect(csv).toHaveLength(46);
  expect(csv[1]).toContain(`"${admin.username}","","Invited","invitation.created","invitation"`);
  // Signed out, there is no export (sent to sign in).
  const outsider = await page.context().browser()!.newContext();
  const res = await outsider.request.get(`${new URL(page.url()).origin}/orgs/${org}/settings/audit/audit.csv`, {
    maxRedirects: 0,
  });
  expect(res.status()).not.toBe(200);
  expect(res.headers()["content-type"] ?? "").not.toContain("text/csv");
  await outsider.close();

  // Phone width: the rows read as cards; the batch and change details stay in disclosures.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/orgs/${org}/settings/audit`);
  await expect(page.getByText("Invited 45 people")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await shot(page, "audit-390");
});
