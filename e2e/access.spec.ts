import { expect, test } from "./axe";
import { createOrg, newPerson, orgName, signUp, snap } from "./helpers";

test("an outsider gets 404 on another person's org, exactly as for a missing org", async ({ browser }) => {
  const ownerCtx = await browser.newContext();
  const owner = await ownerCtx.newPage();
  const org = orgName("private");
  await signUp(owner, newPerson("owner"));
  await createOrg(owner, org, "Private Org");

  const outsiderCtx = await browser.newContext();
  const outsider = await outsiderCtx.newPage();
  await signUp(outsider, newPerson("outsider"));

  const theirs = await outsider.goto(`/orgs/${org}`);
  expect(theirs?.status()).toBe(404);
  await expect(outsider.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(outsider.getByText("Private Org")).toHaveCount(0);
  const theirsBody = await outsider.locator("main").last().innerText();
  await snap(outsider, "not-found");

  const missing = await outsider.goto(`/orgs/${orgName("missing")}`);
  expect(missing?.status()).toBe(404);
  expect(await outsider.locator("main").last().innerText()).toBe(theirsBody);

  // The outsider's own menu doesn't list it either.
  await outsider.getByTestId("org-picker").click();
  await expect(outsider.getByRole("menuitem", { name: /Private Org/ })).toHaveCount(0);
  await ownerCtx.close();
  await outsiderCtx.close();
});

test("the console sends security headers", async ({ request }) => {
  const res = await request.get("/signin");
  const headers = res.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
});
