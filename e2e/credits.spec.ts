import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { createOrg, newPeople, newPerson, newPersonContext, orgName, signUp, snap, topUp } from "./helpers";
import { inviteAndAccept } from "./invite-helpers";

async function startJob(page: Page, org: string, name: string, preset: string) {
  await page.goto(`/orgs/${org}/jobs`);
  await page.getByLabel("Job name").fill(name);
  await page.getByLabel("Preset").selectOption(preset);
  await page.getByRole("button", { name: "Start job" }).click();
}

function balanceOf(page: Page) {
  return page.getByTestId("balance-button");
}

async function credits(text: string | null) {
  return Number((text ?? "").replace(/[^0-9.-]/g, ""));
}

test("a user runs a job, tops up, sees the ledger; a manager's limit stops them; an org that runs dry stops every job", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const [admin, user] = newPeople("owner", "runner");
  const org = orgName("gpu");

  const u = await newPersonContext(browser);
  await signUp(u.page, user);
  await signUp(page, admin);
  await createOrg(page, org);
  await expect(page.getByTestId("org-clusters")).toContainText("default"); // new orgs land on the default cluster
  await inviteAndAccept(page, u.page, org, user.username);

  // No credits yet: the start is refused with Apolo's message.
  const up = u.page;
  await startJob(up, org, "first-try", "gpu-1x");
  await expect(up.getByTestId("form-message")).toHaveText(`No credits left for org '${org}'.`);

  // Top up 100 through the sandbox.
  await topUp(up, org, "100");
  await expect(up.getByTestId("toast").last()).toContainText(`100.00 credits added to ${org}.`);
  await expect(up.getByTestId("credits-balance")).toHaveText("100.00");
  await expect(up.getByTestId("ledger-amount").first()).toHaveText("+100.00");

  // Run a job and watch the balance fall.
  await startJob(up, org, "train", "gpu-1x");
  await expect(up.getByTestId("toast").last()).toContainText("Job train started.");
  await expect(up.getByTestId("job-status").first()).toHaveText("Running");
  await expect.poll(async () => credits(await balanceOf(up).textContent()), { timeout: 45_000 }).toBeLessThan(100);
  await snap(up, "jobs");
  await up.goto(`/orgs/${org}/credits`);
  await expect(up.getByRole("cell", { name: "Charge" }).first()).toBeVisible();
  await expect(up.getByRole("cell", { name: "Top-up" })).toBeVisible();
  await snap(up, "credits");

  // The admin sets the user's limit to what they already spent: their job stops, a new start is refused.
  await page.goto(`/orgs/${org}/settings/users`);
  const spent = ((await page.getByTestId(`member-credits-${user.username}`).textContent()) ?? "").split("/")[0]!.trim();
  expect(Number(spent)).toBeGreaterThan(0);
  await page.getByTestId(`member-actions-${user.username}`).click();
  await page.getByRole("menuitem", { name: "Edit quotas" }).click();
  await page.getByLabel("Credit limit").fill(spent.replace(/,/g, ""));
  await page.getByRole("button", { name: "Save quotas" }).click();
  await expect(page.getByTestId("toast").last()).toContainText(`Quotas of ${user.username} saved`);
  await up.goto(`/orgs/${org}/jobs`);
  await expect(up.getByTestId("job-status").first()).toHaveText("Stopped: credits ran out", { timeout: 15_000 });
  await startJob(up, org, "again", "cpu-small");
  await expect(up.getByTestId("form-message")).toHaveText(
    `No credits left for user '${user.username}'. Your credit limit is used up: ask a manager to raise it.`,
  );

  // A second org with 1 credit and two expensive jobs runs dry: every running job stops.
  const dry = orgName("dry");
  await page.goto("/orgs/new");
  await createOrg(page, dry);
  await topUp(page, dry, "1");
  await startJob(page, dry, "big-a", "gpu-8x");
  await expect(page.getByTestId("toast").last()).toContainText("Job big-a started.");
  await startJob(page, dry, "big-b", "gpu-8x");
  await expect(page.getByTestId("toast").last()).toContainText("Job big-b started.");
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.getByTestId("job-status").allTextContents();
      },
      { timeout: 40_000, intervals: [1000] },
    )
    .toEqual(["Stopped: credits ran out", "Stopped: credits ran out"]);
  await expect(page.getByTestId("low-balance-banner")).toContainText("out of credits");
  await startJob(page, dry, "big-c", "cpu-small");
  await expect(page.getByTestId("form-message")).toHaveText(`No credits left for org '${dry}'.`);
  await snap(page, "jobs-run-dry");
  await u.context.close();
});

test("top-up amounts are validated and can be cancelled in the sandbox", async ({ page }) => {
  const person = newPerson("payer");
  const org = orgName("pay");
  await signUp(page, person);
  await createOrg(page, org);
  await page.goto(`/orgs/${org}/credits`);
  await page.getByTestId("top-up-open").click();
  await snap(page, "top-up-dialog");
  for (const [amount, message] of [
    ["0.5", "Amount must be at least 1."],
    ["100000.01", "Amount must be at most 100,000."],
  ]) {
    // The reason shows under the field as it's typed, and the button waits for an allowed amount.
    await page.getByLabel("Credits", { exact: true }).fill(amount!);
    await expect(page.getByTestId("error-credits")).toHaveText(message!);
    await expect(page.getByRole("button", { name: "Continue to payment" })).toBeDisabled();
  }
  await page.getByLabel("Credits", { exact: true }).fill("1.234");
  await expect(page.getByRole("button", { name: "Continue to payment" })).toBeDisabled();
  await page.getByRole("button", { name: "1,000" }).click();
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("Top-up cancelled");
  await expect(page.getByTestId("credits-balance")).toHaveText("0.00");
});
