import { randomBytes } from "node:crypto";
import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./axe";
import { createOrg, newPerson, newPersonContext, orgName, signInOperator, signUp, snap } from "./helpers";

/** The form, sent for an org that does not exist, names it in the error of its "Organization name" field. */
async function refusesUnknownOrg(form: Locator, submit: string) {
  await form.getByLabel("Organization name").fill("no-such-org-here");
  await form.getByRole("button", { name: submit }).click();
  await expect(form.getByTestId("error-org")).toHaveText("No organization named 'no-such-org-here'.");
}

/** Full-page screenshots from the top, so the sticky header sits where it belongs. */
async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, name);
}

function row(page: Page, table: string, text: string) {
  return page.getByRole("table", { name: table }).getByRole("row").filter({ hasText: text });
}

test("operator: clusters, presets, orgs on a cluster, tokens, credit grants; others get 404", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const cluster = `gpu-${randomBytes(3).toString("hex")}`;
  const org = orgName("lab");

  // Another person creates the org the operator will put on the cluster.
  const owner = await newPersonContext(browser);
  await signUp(owner.page, newPerson("owner"));
  await createOrg(owner.page, org);

  await signInOperator(page);
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Admin", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Clusters" })).toBeVisible();

  // Create a cluster: a bad name is explained next to the field, and nothing is created.
  await page.getByTestId("create-cluster-open").click();
  const create = page.getByTestId("create-cluster-form");
  await create.getByLabel("Name").fill("GPU_East");
  await create.getByRole("button", { name: "Create cluster" }).click();
  await expect(create.getByTestId("error-name")).toContainText("Use only lowercase letters, digits and hyphens.");
  await shot(page, "admin-create-cluster-error");
  await create.getByLabel("Name").fill(cluster);
  await create.getByLabel("Description (optional)").fill("A100 nodes for the e2e suite");
  await create.getByLabel("Runner").selectOption("external");
  await create.getByRole("button", { name: "Create cluster" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Cluster ${cluster} created.` })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/admin/clusters/${cluster}$`));
  await expect(page.getByTestId("cluster-title")).toHaveText(cluster);
  await expect(page.getByText("No presets yet")).toBeVisible();
  await expect(page.getByText(`No organizations on ${cluster}`)).toBeVisible();
  await shot(page, "admin-cluster-empty");

  // Presets: bad input is explained per field; then two presets, and one is deleted after confirming.
  const addPreset = async (p: { name: string; cpu: string; memory: string; gpu: string; credits: string }) => {
    await page.getByTestId("add-preset-open").click();
    const form = page.getByTestId("add-preset-form");
    await form.getByLabel("Name").fill(p.name);
    await form.getByLabel("CPU cores").fill(p.cpu);
    await form.getByLabel("Memory (MB)").fill(p.memory);
    await form.getByLabel("GPUs").fill(p.gpu);
    await form.getByLabel("Credits per hour").fill(p.credits);
    await form.getByRole("button", { name: "Add preset" }).click();
    return form;
  };
  const bad = await addPreset({ name: "gpu-1x", cpu: "lots", memory: "0", gpu: "1", credits: "1.23456" });
  await expect(bad.getByTestId("error-cpu")).toContainText("CPU: a number of cores");
  await expect(bad.getByTestId("error-memoryMb")).toContainText("Memory must be at least 1 MB.");
  await expect(bad.getByTestId("error-creditsPerHour")).toContainText("at most four decimals");
  await shot(page, "admin-preset-errors");
  await bad.getByRole("button", { name: "Cancel" }).click();
  await expect(bad).toBeHidden();

  await addPreset({ name: "gpu-1x", cpu: "8", memory: "65536", gpu: "1", credits: "60" });
  await expect(page.getByTestId("toast").filter({ hasText: `Preset gpu-1x added to ${cluster}.` })).toBeVisible();
  await addPreset({ name: "cpu-small", cpu: "0.5", memory: "1536", gpu: "0", credits: "0.25" });
  const presets = `Presets of ${cluster}`;
  await expect(row(page, presets, "gpu-1x")).toContainText("64 GB");
  await expect(row(page, presets, "gpu-1x")).toContainText("60.00");
  await expect(row(page, presets, "cpu-small")).toContainText("1.5 GB");
  await expect(row(page, presets, "cpu-small")).toContainText("0.25");
  // A taken preset name is refused next to the name.
  const dup = await addPreset({ name: "gpu-1x", cpu: "8", memory: "65536", gpu: "1", credits: "60" });
  await expect(dup.getByTestId("error-name")).toContainText(`Preset 'gpu-1x' already exists on ${cluster}.`);
  await dup.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("button", { name: "Delete preset cpu-small" }).click();
  const del = page.getByTestId("delete-preset-dialog");
  await expect(page.getByRole("dialog")).toContainText("Jobs already running with it keep running");
  await del.getByRole("button", { name: "Delete preset" }).click();
  await expect(
    page.getByTestId("toast").filter({ hasText: `Preset cpu-small deleted from ${cluster}.` }),
  ).toBeVisible();
  await expect(row(page, presets, "cpu-small")).toHaveCount(0);

  // Organizations: an unknown org is refused; the owner's org joins with a quota, which is then edited.
  await page.getByTestId("add-org-open").click();
  const addOrg = page.getByTestId("org-cluster-form");
  await refusesUnknownOrg(addOrg, "Add organization");
  await addOrg.getByLabel("Organization name").fill(org);
  await addOrg.getByLabel("Max running jobs").fill("3");
  await addOrg.getByRole("button", { name: "Add organization" }).click();
  await expect(
    page.getByTestId("toast").filter({ hasText: `${org} is on ${cluster} with at most 3 running jobs.` }),
  ).toBeVisible();
  const orgs = `Organizations on ${cluster}`;
  await expect(row(page, orgs, org)).toContainText("3");

  await page.getByRole("button", { name: `Edit quota of ${org}` }).click();
  const edit = page.getByTestId("org-cluster-form");
  await expect(edit.getByLabel("Max running jobs")).toHaveValue("3");
  await edit.getByLabel("Max running jobs").fill("two");
  await edit.getByRole("button", { name: "Save quota" }).click();
  await expect(edit.getByTestId("error-maxRunningJobs")).toContainText("Enter a whole number");
  await edit.getByLabel("Max running jobs").fill("");
  await edit.getByRole("button", { name: "Save quota" }).click();
  await expect(row(page, orgs, org)).toContainText("Unlimited");
  await page.getByRole("button", { name: `Edit quota of ${org}` }).click();
  await page.getByTestId("org-cluster-form").getByLabel("Max running jobs").fill("3");
  await page.getByTestId("org-cluster-form").getByRole("button", { name: "Save quota" }).click();
  await expect(row(page, orgs, org)).toContainText("3");

  // Removing says that running jobs stop; cancelled here, so the org stays.
  await page.getByRole("button", { name: `Remove ${org} from ${cluster}` }).click();
  await expect(page.getByRole("dialog")).toContainText(`Every running job of ${org} on ${cluster} stops at once`);
  await shot(page, "admin-remove-org-dialog");
  await page.getByTestId("remove-org-dialog").getByRole("button", { name: "Cancel" }).click();
  await expect(row(page, orgs, org)).toBeVisible();

  // A token is shown once, with a copy button and a warning; the list shows it without its value.
  await page.getByTestId("create-token-open").click();
  const tokenForm = page.getByTestId("create-token-form");
  await tokenForm.getByRole("button", { name: "Create token" }).click();
  await expect(tokenForm.getByTestId("error-label")).toHaveText("Name the token.");
  await tokenForm.getByLabel("Label").fill("runner-1");
  await tokenForm.getByRole("button", { name: "Create token" }).click();
  const created = page.getByTestId("token-created");
  await expect(created).toContainText("This is the only time the token is shown.");
  const token = (await page.getByTestId("new-token").innerText()).trim();
  expect(token).toMatch(/^apc_[A-Za-z0-9_-]{40,}$/);
  await expect(created.getByRole("button", { name: /^Copy token/ })).toBeVisible();
  await shot(page, "admin-token-created");
  await created.getByRole("button", { name: "Done" }).click();
  const tokens = `Tokens of ${cluster}`;
  await expect(row(page, tokens, "runner-1")).toContainText("Active");
  await expect(row(page, tokens, "runner-1")).toContainText("Never");
  await expect(page.getByText(token)).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
  await shot(page, "admin-cluster");

  // Revoking asks first.
  await page.getByRole("button", { name: "Revoke token runner-1" }).click();
  await page.getByTestId("revoke-token-dialog").getByRole("button", { name: "Revoke token" }).click();
  // (The "created" toast of the same token may still be up beside it.)
  await expect(page.getByTestId("toast").filter({ hasText: /Token runner-1 of .* revoked/ })).toBeVisible();
  await expect(row(page, tokens, "runner-1")).toContainText("Revoked");

  // The cluster list counts its presets and orgs.
  await page.getByRole("link", { name: "Clusters" }).first().click();
  await expect(page).toHaveURL(/\/admin$/);
  const listed = row(page, "Clusters", cluster);
  await expect(listed).toContainText("A100 nodes for the e2e suite");
  await expect(listed).toContainText("External");
  await expect(listed.getByRole("cell").nth(3)).toHaveText("1");
  await expect(listed.getByRole("cell").nth(4)).toHaveText("1");
  await shot(page, "admin-clusters");

  // Credits: an unknown org is refused next to the field; 100 credits to the owner's org.
  await page.getByRole("link", { name: "Credits", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/credits$/);
  const grant = page.getByTestId("grant-form");
  await grant.getByLabel("Credits to add").fill("100");
  await refusesUnknownOrg(grant, "Grant credits");
  await grant.getByLabel("Organization name").fill(org);
  await grant.getByLabel("Credits to add").fill("-5");
  await grant.getByRole("button", { name: "Grant credits" }).click();
  await expect(grant.getByTestId("error-amount")).toHaveText("A grant must be positive.");
  await shot(page, "admin-grant-error");
  await grant.getByLabel("Credits to add").fill("100");
  await grant.getByLabel("Note (optional)").fill("Welcome grant");
  await grant.getByRole("button", { name: "Grant credits" }).click();
  await expect(
    page.getByTestId("toast").filter({ hasText: `Granted 100.00 credits to ${org}. Balance: 100.00.` }),
  ).toBeVisible();
  await expect(page.getByTestId("grant-result")).toHaveText(`${org} balance: 100.00 credits`);
  await expect(grant.getByLabel("Credits to add")).toHaveValue("");
  await shot(page, "admin-credits");

  // Every org, searched by name, with its members and balance.
  await page.goto("/admin/orgs");
  await page.getByLabel("Search organizations").fill(org);
  await expect(page).toHaveURL(new RegExp(`q=${org}`));
  const orgRow = page.getByRole("table", { name: "Organizations" }).getByRole("row").nth(1);
  await expect(orgRow).toContainText(org);
  await expect(orgRow).toContainText("100.00");
  await shot(page, "admin-orgs");

  // Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/admin/clusters/${cluster}`);
  await expect(page.getByTestId("cluster-title")).toHaveText(cluster);
  await shot(page, "admin-cluster-phone");
  await page.goto("/admin/credits");
  await shot(page, "admin-credits-phone");

  // Everyone else: the Admin area does not exist.
  for (const path of ["/admin", "/admin/orgs", "/admin/credits", `/admin/clusters/${cluster}`]) {
    const res = await owner.page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(owner.page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  }
  await owner.context.close();
});
