import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { createOrg, newPeople, newPersonContext, orgName, signUp, snap, topUp } from "./helpers";
import { inviteAndAccept } from "./invite-helpers";

/** New orgs land on the seeded default cluster (playwright.config.ts SEED_DEFAULT_CLUSTER). */
const CLUSTER = "default";
const projectPath = (org: string, project: string, tab = "") =>
  `/orgs/${org}/projects/${CLUSTER}/${project}${tab ? `/${tab}` : ""}`;

async function createProject(page: Page, org: string, name: string) {
  await page.goto(`/orgs/${org}/projects`);
  await page.getByTestId("new-project-open").click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(new RegExp(`${projectPath(org, name)}$`));
}

test("projects: a user's project, a reader who can't start jobs until promoted, a manager who sees every project and artifact, a secret that never comes back", async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const [owner, manager, alice, bob] = newPeople("owner", "mgr", "alice", "bob");
  const org = orgName("proj");
  await signUp(page, owner);
  await createOrg(page, org);
  const people = { manager, alice, bob };
  const pages: Record<keyof typeof people, Page> = {} as never;
  for (const [key, person] of Object.entries(people) as [keyof typeof people, typeof owner][]) {
    const ctx = await newPersonContext(browser);
    pages[key] = ctx.page;
    await signUp(ctx.page, person);
    await inviteAndAccept(page, ctx.page, org, person.username, key === "manager" ? "Manager" : "User");
  }
  await topUp(page, org, "50");
  const a = pages.alice;
  const b = pages.bob;
  const m = pages.manager;

  // Alice (an org user) creates a project and becomes its admin.
  await a.goto(`/orgs/${org}/projects`);
  await expect(a.getByTestId("new-project-empty-open")).toBeVisible();
  await createProject(a, org, "alice-lab");
  await expect(a.getByRole("main")).toContainText("Admin");

  // She adds Bob as a reader; a username outside the org is refused with Apolo's words.
  await a.goto(projectPath(org, "alice-lab", "members"));
  await a.getByTestId("add-project-member-open").click();
  await a.getByLabel("Username").fill("nobody-here");
  await a.getByLabel("Role").selectOption("reader");
  await a.getByRole("button", { name: "Add member" }).click();
  await expect(a.getByText(`User '${org}/nobody-here' not found in cluster '${CLUSTER}'`)).toBeVisible();
  await a.getByLabel("Username").fill(bob.username);
  await a.getByRole("button", { name: "Add member" }).click();
  await expect(a.getByRole("dialog")).toBeHidden();
  await expect(a.getByRole("main")).toContainText(bob.username);

  // Bob sees the project as a reader, its jobs tab without a start form, and can't pick it on the Jobs page.
  await b.goto(`/orgs/${org}/projects`);
  await expect(b.getByTestId(`project-link-${CLUSTER}-alice-lab`)).toBeVisible();
  await b.goto(projectPath(org, "alice-lab", "jobs"));
  await expect(b.getByTestId("project-jobs-readonly")).toBeVisible();
  await expect(b.getByTestId("start-job-form")).toHaveCount(0);
  await b.goto(`/orgs/${org}/jobs`);
  await expect(b.getByTestId("job-project").locator("option", { hasText: "alice-lab" })).toHaveCount(0);

  // Alice promotes him to writer; now he starts a job in the project.
  await a.getByTestId(`project-member-actions-${bob.username}`).click();
  await a.getByRole("menuitem", { name: "Change role" }).click();
  await a.getByLabel("Project role").selectOption("writer");
  await a.getByRole("button", { name: "Save role" }).click();
  await expect(a.getByRole("dialog")).toBeHidden();
  await b.goto(projectPath(org, "alice-lab", "jobs"));
  const form = b.getByTestId("start-job-form");
  await expect(form).toBeVisible();
  await form.getByLabel("Job name").fill("bob-train");
  await form.getByLabel("Preset").selectOption("cpu-small");
  await form.getByRole("button", { name: "Start job" }).click();
  await expect(b.getByRole("main")).toContainText("bob-train");

  // Bob has a project of his own.
  await createProject(b, org, "bob-sandbox");

  // Alice keeps a secret and a disk in her project. The value never comes back: not in the action's answer,
  // not in the page's HTML, not in its RSC payload.
  const secret = `s3cr3t-${Date.now()}-value`;
  const answers: Promise<string>[] = [];
  a.on("response", (r) => answers.push(r.text().catch(() => "")));
  await a.goto(projectPath(org, "alice-lab", "artifacts"));
  await a.getByTestId("new-secret").click();
  await a.getByLabel("Key").fill("API_TOKEN");
  await a.getByLabel("Value").fill(secret);
  await a.getByRole("button", { name: "Create secret" }).click();
  await expect(a.getByRole("dialog")).toBeHidden();
  await expect(a.getByRole("main")).toContainText("API_TOKEN");
  await expect(a.getByRole("main")).toContainText(`secret://${CLUSTER}/${org}/alice-lab/API_TOKEN`);
  await a.getByTestId("new-disk").click();
  const diskDialog = a.getByRole("dialog");
  await diskDialog.getByLabel("Name", { exact: true }).fill("data");
  await diskDialog.getByLabel("Size").fill("10");
  await diskDialog.getByRole("button", { name: "Create disk" }).click();
  await expect(a.getByRole("dialog")).toBeHidden();
  await expect(a.getByRole("main")).toContainText(`disk://${CLUSTER}/${org}/alice-lab/data`);
  await a.reload();
  const html = await (await a.request.get(projectPath(org, "alice-lab", "artifacts"))).text();
  const rsc = await (await a.request.get(projectPath(org, "alice-lab", "artifacts"), { headers: { RSC: "1" } })).text();
  expect(html).toContain("API_TOKEN");
  expect(html).not.toContain(secret);
  expect(rsc).not.toContain(secret);
  for (const text of await Promise.all(answers)) expect(text).not.toContain(secret);

  // The org manager sees both users' projects and every artifact of the org.
  await m.goto(`/orgs/${org}/projects`);
  await expect(m.getByTestId(`project-link-${CLUSTER}-alice-lab`)).toBeVisible();
  await expect(m.getByTestId(`project-link-${CLUSTER}-bob-sandbox`)).toBeVisible();
  await m.goto(`/orgs/${org}/artifacts`);
  await expect(m.getByRole("main")).toContainText("API_TOKEN");
  await expect(m.getByRole("main")).toContainText(`disk://${CLUSTER}/${org}/alice-lab/data`);
  const managerHtml = await (await m.request.get(`/orgs/${org}/artifacts`)).text();
  expect(managerHtml).not.toContain(secret);

  // Bob, an org user, doesn't see Alice's artifacts page beyond his projects: his own project has none.
  await b.goto(projectPath(org, "bob-sandbox", "artifacts"));
  await expect(b.getByRole("main")).not.toContainText("API_TOKEN");

  // Phone width: the lists keep their content reachable.
  await m.setViewportSize({ width: 390, height: 844 });
  await m.goto(`/orgs/${org}/projects`);
  await expect(m.getByTestId(`project-link-${CLUSTER}-alice-lab`)).toBeVisible();
  await snap(m, "projects-list-phone");
  await m.goto(`/orgs/${org}/artifacts`);
  await expect(m.getByRole("main")).toContainText("API_TOKEN");
  await snap(m, "artifacts-org-phone");
  await m.goto(projectPath(org, "alice-lab", "members"));
  await expect(m.getByRole("main")).toContainText(bob.username);
  await snap(m, "project-members-phone");
  await a.goto(`/orgs/${org}/projects`);
  await snap(a, "projects-list");
  await a.goto(projectPath(org, "alice-lab"));
  await snap(a, "project-overview");
});
