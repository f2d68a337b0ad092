import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./axe";
import { API_PEOPLE, API_TOKENS } from "./api-fixtures";
import { createOrg, orgName, signIn } from "./helpers";

/**
 * The console's own REST API (/api/v1/…) over HTTP against the production build, with the bearer tokens seeded
 * by e2e/api-seed.ts: orgs, members, invitations, a top-up paid in the sandbox checkout, the ledger (cursor and
 * CSV), a job started and stopped, artifacts created, listed and deleted; and the refusals (no token, a cookie,
 * a read-only token, an outsider, bad input) as JSON in the console's error shape.
 */

/** New orgs land on the seeded default cluster (playwright.config.ts SEED_DEFAULT_CLUSTER). */
const CLUSTER = "default";

const bearer = (token: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  ...extra,
});

async function createProject(page: Page, org: string, name: string) {
  await page.goto(`/orgs/${org}/projects`);
  await page.getByTestId("new-project-empty-open").or(page.getByTestId("new-project-open")).first().click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/projects/${CLUSTER}/${name}$`));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(res: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<any> {
  expect(res.headers()["content-type"]).toContain("application/json");
  return res.json();
}

test("console API: orgs, members, invitations, a top-up, the ledger, a job, artifacts — and its refusals", async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  const admin = API_TOKENS.admin.token;
  const org = orgName("api");
  await signIn(page, API_PEOPLE.admin);
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
  await page.goto("/onboarding");
  await createOrg(page, org);

  // Orgs and members.
  const orgs = await json(await request.get("/api/v1/orgs", { headers: bearer(admin) }));
  expect(orgs.orgs).toContainEqual({ name: org, display_name: null, role: "admin", balance: expect.any(String) });
  const members = await json(await request.get(`/api/v1/orgs/${org}/members?sort=joined`, { headers: bearer(admin) }));
  expect(members).toMatchObject({ total: 1, total_capped: false, page: 1, page_size: 25 });
  expect(members.members[0]).toMatchObject({
    username: API_PEOPLE.admin,
    email: `${API_PEOPLE.admin}@example.com`,
    role: "admin",
    credit_limit: null,
    spent: "0.00000000",
  });

  // Invitations: once per Idempotency-Key.
  const inviteHeaders = bearer(admin, { "idempotency-key": `inv-${org}` });
  const invite = await request.post(`/api/v1/orgs/${org}/invitations`, {
    headers: inviteHeaders,
    data: { entries: [API_PEOPLE.outsider], role: "user" },
  });
  expect(invite.status()).toBe(201);
  expect((await json(invite)).results).toEqual([
    { entry: API_PEOPLE.outsider, outcome: "invited", message: expect.stringContaining("Invited") },
  ]);
  const replay = await request.post(`/api/v1/orgs/${org}/invitations`, {
    headers: inviteHeaders,
    data: { entries: [API_PEOPLE.outsider], role: "user" },
  });
  expect(replay.status()).toBe(201);
  expect(replay.headers()["idempotent-replayed"]).toBe("true");
  const invitations = await json(await request.get(`/api/v1/orgs/${org}/invitations`, { headers: bearer(admin) }));
  expect(invitations.invitations).toHaveLength(1);
  expect(invitations.invitations[0]).toMatchObject({ username: API_PEOPLE.outsider, role: "user", expired: false });

  // A top-up: the checkout URL, paid in the sandbox checkout in the browser, then its state and the ledger.
  const topUp = await request.post(`/api/v1/orgs/${org}/top-ups`, {
    headers: bearer(admin, { "idempotency-key": `top-${org}` }),
    data: { credits: "50" },
  });
  expect(topUp.status()).toBe(201);
  const payment = await json(topUp);
  expect(payment).toMatchObject({ status: "pending", credits: "50", currency: "usd" });
  const checkout = new URL(payment.checkout_url);
  expect(checkout.pathname).toBe(`/orgs/${org}/credits/checkout/${payment.id}`);
  await page.goto(checkout.pathname);
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/credits\\?payment=`));
  const paid = await json(await request.get(`/api/v1/orgs/${org}/top-ups/${payment.id}`, { headers: bearer(admin) }));
  expect(paid).toMatchObject({ id: payment.id, status: "paid", provider: "sandbox", credits: "50.00000000" });
  expect(paid.completed_at).not.toBeNull();

  const ledger = await json(
    await request.get(`/api/v1/orgs/${org}/ledger?kind=topup&limit=1`, { headers: bearer(admin) }),
  );
  expect(ledger.entries).toHaveLength(1);
  expect(ledger.entries[0]).toMatchObject({ kind: "topup", amount: "50.00000000", actor: API_PEOPLE.admin });
  expect(ledger.next_cursor).toBeNull();
  const all = await json(await request.get(`/api/v1/orgs/${org}/ledger?limit=1`, { headers: bearer(admin) }));
  if (all.next_cursor) {
    const next = await json(
      await request.get(`/api/v1/orgs/${org}/ledger?limit=1&cursor=${encodeURIComponent(all.next_cursor)}`, {
        headers: bearer(admin),
      }),
    );
    expect(next.entries[0].id).toBeLessThan(all.entries[0].id);
  }
  const csv = await request.get(`/api/v1/orgs/${org}/ledger.csv?kind=topup`, { headers: bearer(admin) });
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  const lines = (await csv.text()).trim().split(/\r?\n/);
  expect(lines[0]).toBe(
    "time,hour,last_updated,kind,amount,amount_exact,balance_after,balance_after_exact,actor,member,job,project,cluster,note",
  );
  expect(lines).toHaveLength(2);
  const csv2 = await request.get(`/api/v1/orgs/${org}/ledger?format=csv&kind=topup`, { headers: bearer(admin) });
  expect((await csv2.text()).trim().split(/\r?\n/)).toHaveLength(2);

  // A job: started once per Idempotency-Key, listed, stopped.
  const jobHeaders = bearer(admin, { "idempotency-key": `job-${org}` });
  const jobBody = { name: "api-job", cluster: CLUSTER, preset: "cpu-small" };
  const started = await request.post(`/api/v1/orgs/${org}/jobs`, { headers: jobHeaders, data: jobBody });
  expect(started.status()).toBe(201);
  const job = await json(started);
  expect(job).toMatchObject({ name: "api-job", cluster: CLUSTER, preset: "cpu-small", status: "running" });
  expect(job.credits_per_hour).toBe("1.00000000");
  const again = await request.post(`/api/v1/orgs/${org}/jobs`, { headers: jobHeaders, data: jobBody });
  expect((await json(again)).id).toBe(job.id);
  const jobs = await json(await request.get(`/api/v1/orgs/${org}/jobs?status=running`, { headers: bearer(admin) }));
  expect(jobs.jobs).toHaveLength(1);
  expect(jobs.next_cursor).toBeNull();
  expect(jobs.jobs[0]).toMatchObject({ id: job.id, owner: API_PEOPLE.admin, mine: true, status: "running" });
  const stop = await request.post(`/api/v1/orgs/${org}/jobs/${job.id}/stop`, { headers: bearer(admin) });
  expect(await json(stop)).toEqual({ id: job.id, name: "api-job", stopped: true });
  const stopped = await json(await request.get(`/api/v1/orgs/${org}/jobs?status=stopped`, { headers: bearer(admin) }));
  expect(stopped.jobs[0]).toMatchObject({ id: job.id, status: "stopped", stop_reason: "UserStopped" });

  // Artifacts in a project made in the browser.
  await createProject(page, org, "api-lab");
  const base = `/api/v1/orgs/${org}/projects/${CLUSTER}/api-lab`;
  const disk = await request.post(`${base}/disks`, { headers: bearer(admin), data: { name: "data", size: "2G" } });
  expect(disk.status()).toBe(201);
  const diskJson = await json(disk);
  expect(diskJson).toMatchObject({ kind: "disk", name: "data", uri: `disk://${CLUSTER}/${org}/api-lab/data` });
  const secret = await request.post(`${base}/secrets`, {
    headers: bearer(admin),
    data: { key: "TOKEN", value: "never-comes-back" },
  });
  expect(secret.status()).toBe(201);
  const listed = await request.get(`${base}/artifacts`, { headers: bearer(admin) });
  const listedText = await listed.text();
  expect(listedText).not.toContain("never-comes-back");
  const project = JSON.parse(listedText);
  expect(project).toMatchObject({ next_cursor: null, can_write: true });
  expect(project.artifacts.map((a: { kind: string }) => a.kind)).toEqual(["secret", "disk"]);
  const orgList = await json(await request.get(`/api/v1/orgs/${org}/artifacts?kind=disk`, { headers: bearer(admin) }));
  expect(orgList).toMatchObject({ next_cursor: null, scope: "all" });
  expect(orgList.artifacts).toHaveLength(1);
  expect(orgList.artifacts[0]).toMatchObject({ id: diskJson.id, size_bytes: 2 * 2 ** 30, project: "api-lab" });
  const deleted = await request.delete(`/api/v1/orgs/${org}/artifacts/${diskJson.id}`, { headers: bearer(admin) });
  expect(deleted.status()).toBe(200);
  expect(await json(deleted)).toMatchObject({ id: diskJson.id, kind: "disk", settled: expect.any(String) });

  // Refusals, as JSON in the console's shape.
  const anon = await request.get(`/api/v1/orgs/${org}/members`);
  expect(anon.status()).toBe(401);
  expect(anon.headers()["www-authenticate"]).toMatch(/^Bearer realm=/);
  expect((await json(anon)).error.code).toBe("unauthenticated");
  // The browser's session cookie is never accepted on the API.
  expect((await page.request.get(`/api/v1/orgs/${org}/members`)).status()).toBe(401);
  const outsider = await request.get(`/api/v1/orgs/${org}/members`, {
    headers: bearer(API_TOKENS.outsider.token),
  });
  expect(outsider.status()).toBe(404);
  expect((await json(outsider)).error).toMatchObject({ code: "not_found", message: expect.any(String) });
  const readOnly = await request.post(`/api/v1/orgs/${org}/jobs`, {
    headers: bearer(API_TOKENS.adminRead.token),
    data: { name: "nope", cluster: CLUSTER, preset: "cpu-small" },
  });
  expect(readOnly.status()).toBe(403);
  expect((await json(readOnly)).error.code).toBe("forbidden");
  expect(
    (await request.get(`/api/v1/orgs/${org}/ledger`, { headers: bearer(API_TOKENS.adminRead.token) })).status(),
  ).toBe(200);
  const bad = await request.post(`/api/v1/orgs/${org}/jobs`, {
    headers: bearer(admin),
    data: { name: "Bad Name", cluster: CLUSTER, preset: "cpu-small" },
  });
  expect(bad.status()).toBe(422);
  expect((await json(bad)).error.fields.name).toBeDefined();
  const malformed = await request.post(`/api/v1/orgs/${org}/top-ups`, {
    headers: bearer(admin, { "content-type": "application/json" }),
    data: Buffer.from("{not json"),
  });
  expect(malformed.status()).toBe(400);
  expect((await json(malformed)).error.code).toBe("malformed");
  const badCursor = await request.get(`/api/v1/orgs/${org}/ledger?cursor=garbage`, { headers: bearer(admin) });
  expect(badCursor.status()).toBe(422);
  expect((await json(badCursor)).error.fields.cursor).toBeDefined();
});
