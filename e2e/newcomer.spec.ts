/**
 * A newcomer path (issue 14): a new org's overview is a getting-started checklist that ticks itself off; an org
 * on no cluster requests access, a platform admin approves it onto a cluster in the Admin area, and the step
 * ticks off. Screenshots at 1440 and 390 px, light and dark, go to /work/shots/newcomer (SHOTS_DIR).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, scanA11y, test } from "./axe";
import { createOrg, newPerson, newPersonContext, orgName, signIn, signInOperator, signUp } from "./helpers";
import { PROJ } from "./projection-data";

const SHOTS = process.env.SHOTS_DIR ?? "/work/shots/newcomer";

test.use({ extraHTTPHeaders: { "x-forwarded-for": `10.77.${randomBytes(1)[0]}.${randomBytes(1)[0]}` } });

/** The page at 1440 and 390 px, light and dark; the viewport is restored afterwards. */
async function shots(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const [w, h] of [
    [1440, 900],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(250);
      await page.screenshot({ path: `${SHOTS}/${name}-${w}-${scheme}.png`, fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: null });
  if (before) await page.setViewportSize(before);
}

test("a newcomer's checklist: request cluster access, a platform admin approves it, the step ticks off", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const org = orgName("new");
  await signUp(page, newPerson("newcomer"));
  await createOrg(page, org);

  // A new org lands on the default cluster: the operator takes it off, so it starts on no cluster at all.
  const op = await newPersonContext(browser);
  await signInOperator(op.page);
  await op.page.goto("/admin/clusters/default");
  await op.page.getByRole("button", { name: `Remove ${org} from default` }).click();
  await op.page.getByTestId("remove-org-dialog").getByRole("button", { name: "Remove and stop jobs" }).click();
  await expect(op.page.getByTestId("toast").filter({ hasText: `${org} removed from default.` })).toBeVisible();

  await page.goto(`/orgs/${org}`);
  const checklist = page.getByTestId("checklist");
  await expect(checklist).toBeVisible();
  await expect(page.getByTestId("checklist-cluster")).toHaveAttribute("data-done", "false");
  await expect(page.getByTestId("checklist-invite")).toHaveAttribute("data-done", "false");
  await expect(page.getByTestId("checklist-job")).toHaveAttribute("data-done", "false");
  await expect(page.getByTestId("overview-balance")).toBeVisible();
  // Each undone step links to where it is done.
  await expect(page.getByTestId("checklist-invite").getByRole("link", { name: "Invite members" })).toHaveAttribute(
    "href",
    `/orgs/${org}/settings/users?invite=1`,
  );
  await expect(page.getByTestId("checklist-job").getByRole("link", { name: "Go to Jobs" })).toHaveAttribute(
    "href",
    `/orgs/${org}/jobs`,
  );
  await shots(page, "overview-checklist");

  // The invite link opens the invite dialog at once.
  await page.getByTestId("checklist-invite").getByRole("link", { name: "Invite members" }).click();
  await expect(page.getByTestId("invite-form")).toBeVisible();
  // Closing it takes ?invite=1 out of the URL: a reload doesn't open it again.
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/settings/users$`));
  await page.reload();
  await expect(page.getByTestId("invite-open")).toBeVisible();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.goto(`/orgs/${org}`);
  // So does the top-up link, the top-up dialog.
  await page.getByTestId("checklist-topUp").getByRole("link", { name: "Top up" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(page.getByRole("button", { name: "Continue to payment" })).toBeVisible();
  // Closing it removes ?topup=1 and keeps the page's other params.
  await page.goto(`/orgs/${org}/credits?kind=charge&topup=1`);
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/credits\\?kind=charge$`));
  await page.reload();
  await expect(page.getByTestId("top-up-open")).toBeVisible();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.goto(`/orgs/${org}`);

  // Request cluster access, with a message; a message over 500 characters is refused in the dialog first.
  await page.getByTestId("checklist-request-open").click();
  const dialog = page.getByTestId("cluster-request-form");
  await dialog.getByLabel("What will you run? (optional)").fill("x".repeat(501));
  await expect(dialog).toContainText("At most 500 characters — you entered 501.");
  await expect(dialog.getByRole("button", { name: "Send request" })).toBeDisabled();
  await dialog.getByLabel("What will you run? (optional)").fill("Fine-tuning small models, a few jobs a week.");
  await scanA11y(page, "request cluster access dialog");
  await shots(page, "request-dialog");
  await dialog.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Cluster access requested." })).toBeVisible();
  await expect(page.getByTestId("checklist-cluster-pending")).toContainText("waiting for a platform admin");
  await expect(page.getByTestId("checklist-request-open")).toHaveCount(0);
  await shots(page, "overview-requested");

  // The platform admin sees it in the Admin area and approves it onto the default cluster.
  await op.page.goto("/admin");
  const request = op.page.getByTestId(`access-request-${org}`);
  await expect(request).toContainText("Fine-tuning small models, a few jobs a week.");
  await expect(op.page.getByTestId("access-requests-count")).toBeVisible();
  await shots(op.page, "admin-requests");
  await request.getByRole("button", { name: "Approve…" }).click();
  const approve = op.page.getByTestId("access-approve-form");
  await approve.getByLabel("Cluster").selectOption("default");
  await scanA11y(op.page, "approve dialog");
  await approve.getByRole("button", { name: "Approve and add" }).click();
  await expect(op.page.getByTestId("toast").filter({ hasText: `${org} is on default.` })).toBeVisible();
  await expect(request).toHaveCount(0);
  await op.context.close();

  // The step ticks itself off.
  await page.reload();
  await expect(page.getByTestId("checklist-cluster")).toHaveAttribute("data-done", "true");
  await expect(page.getByTestId("org-clusters")).toContainText("default");
  await shots(page, "overview-approved");
});

test("an org with every step done shows the checklist collapsed to one line", async ({ page }) => {
  // proj-org (e2e/seed-projection.ts): two members, a grant, on proj-cluster, with a running job.
  await signIn(page, PROJ.admin);
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
  await page.goto(`/orgs/${PROJ.org}`);
  await expect(page.getByTestId("checklist-done")).toContainText("All set.");
  await expect(page.getByTestId("checklist")).toHaveCount(0);
  await expect(page.getByTestId("overview-balance")).toBeVisible();
  await shots(page, "overview-all-set");
});

test("a declined request says so on the overview, and the org can ask again", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const org = orgName("nope");
  await signUp(page, newPerson("newcomer"));
  await createOrg(page, org);
  const op = await newPersonContext(browser);
  await signInOperator(op.page);
  await op.page.goto("/admin/clusters/default");
  await op.page.getByRole("button", { name: `Remove ${org} from default` }).click();
  await op.page.getByTestId("remove-org-dialog").getByRole("button", { name: "Remove and stop jobs" }).click();
  await expect(op.page.getByTestId("toast").filter({ hasText: `${org} removed from default.` })).toBeVisible();

  await page.goto(`/orgs/${org}`);
  await page.getByTestId("checklist-request-open").click();
  await page.getByTestId("cluster-request-form").getByRole("button", { name: "Send request" }).click();
  await expect(page.getByTestId("checklist-cluster-pending")).toBeVisible();

  await op.page.goto("/admin");
  await op.page.getByTestId(`access-request-${org}`).getByRole("button", { name: "Decline…" }).click();
  const decline = op.page.getByTestId("access-decline-form");
  await decline.getByLabel("Reason (optional)").fill("No capacity this month.");
  await scanA11y(op.page, "decline dialog");
  await shots(op.page, "admin-decline-dialog");
  await decline.getByRole("button", { name: "Decline request" }).click();
  await expect(op.page.getByTestId("toast").filter({ hasText: `Request of ${org} declined.` })).toBeVisible();
  await expect(op.page.getByTestId(`access-request-${org}`)).toHaveCount(0);
  await op.context.close();

  await page.reload();
  await expect(page.getByTestId("checklist-cluster-declined")).toContainText("You can ask again.");
  // The platform admin's reason is on the overview.
  await expect(page.getByTestId("checklist-cluster-declined")).toContainText("Declined: No capacity this month.");
  await expect(page.getByTestId("checklist-decline-reason")).toHaveText("No capacity this month.");
  await expect(page.getByTestId("checklist-request-open")).toHaveText("Request again");
  await shots(page, "overview-declined");
});
