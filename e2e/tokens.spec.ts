import { expect, test } from "./axe";
import { createOrg, newPerson, orgName, signUp, snap } from "./helpers";

const TOKEN_SHAPE = /^apolo_pat_[A-Za-z0-9_-]{43}$/;

test("Account → Tokens: create a token, copy it once, use it on the API, revoke it", async ({
  page,
  context,
  playwright,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const person = newPerson("tokens");
  await signUp(page, person);
  const org = orgName("tok");
  await createOrg(page, org);

  // The user menu leads here; nothing yet.
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "API tokens" }).click();
  await expect(page).toHaveURL(/\/account\/tokens$/);
  await expect(page.getByRole("link", { name: "Tokens", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("tokens-empty")).toContainText("No tokens yet");
  await expect(page.getByTestId("tokens-count")).toContainText("0 of 50 active tokens");

  // A nameless token is refused next to its field; what was chosen stays.
  await page.getByTestId("create-token-open").click();
  const form = page.getByTestId("create-token-form");
  await form.getByLabel("Expires after").selectOption({ label: "90 days" });
  await form.getByLabel("Organization").selectOption(org);
  await form.getByText("Read and write").click();
  await form.getByRole("button", { name: "Create token" }).click();
  await expect(form.getByTestId("error-name")).toHaveText(
    "Give the token a name, e.g. the machine or script that will use it.",
  );
  await expect(form.getByLabel("Expires after")).toHaveValue("90");
  await expect(form.getByLabel("Organization")).toHaveValue(org);
  await form.getByLabel("Name").fill("laptop-cli");
  await snap(page, "account-tokens-create");
  await form.getByRole("button", { name: "Create token" }).click();

  // Shown once, with a copy button and the warning.
  const created = page.getByTestId("token-created");
  await expect(created).toContainText("You won't see it again");
  const token = (await created.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(TOKEN_SHAPE);
  // The CLI line carries the same token in the form the apolo CLI reads the username from (a JWT's claims).
  const login = (await created.getByTestId("cli-login-command").textContent())!.trim();
  const [, , cliToken, apiUrl] = login.split(" ").slice(1);
  expect(login.startsWith("apolo config login-with-token ")).toBe(true);
  expect(apiUrl).toBe(`${baseURL}/api/v1`);
  expect(cliToken!.split(".")[2]).toBe(token.slice("apolo_pat_".length));
  const claims = JSON.parse(Buffer.from(cliToken!.split(".")[1]!, "base64url").toString());
  expect(claims["https://platform.neuromation.io/user"]).toBe(person.username);
  await expect(page.getByTestId("toast").filter({ hasText: "Token laptop-cli created." })).toBeVisible();
  await created.getByRole("button", { name: /^Copy token/ }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Copied to clipboard" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  await snap(page, "account-tokens-shown-once");
  // A stray click outside doesn't throw the token away: only Done (or Escape) closes the dialog.
  await page.mouse.click(8, 450);
  await expect(created).toBeVisible();
  await created.getByRole("button", { name: "Done" }).click();
  await expect(created).toBeHidden();

  // The list shows its facts, never the token again (not even after a reload).
  const row = page.getByTestId("token-row").filter({ hasText: "laptop-cli" });
  await expect(row).toHaveAttribute("data-state", "active");
  await expect(row.getByTestId("token-hint")).toHaveText(`${token.slice(0, "apolo_pat_".length + 4)}…`);
  await expect(row).toContainText(org);
  await expect(row).toContainText("Read and write");
  await expect(row).toContainText("Last usedNever");
  await page.reload();
  expect(await page.content()).not.toContain(token);
  await expect(page.getByTestId("tokens-count")).toContainText("1 of 50 active tokens");

  // The API takes it as a bearer token (and never the browser's cookie).
  const api = await playwright.request.newContext({ baseURL });
  const me = await api.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  const viaCli = await api.get("/api/v1/me", { headers: { authorization: `Bearer ${cliToken}` } });
  expect(viaCli.status()).toBe(200);
  expect(await me.json()).toEqual({
    username: person.username,
    email: person.email,
    name: null,
    token: { name: "laptop-cli", scope: "write", org },
  });
  const withCookie = await page.request.get("/api/v1/me");
  expect(withCookie.status()).toBe(401);
  await page.reload();
  await expect(row).not.toContainText("Last usedNever");

  // A second, read-only token for all orgs.
  await page.getByTestId("create-token-open").click();
  await form.getByLabel("Name").fill("ci reader");
  await form.getByLabel("Expires after").selectOption({ label: "Never" });
  await form.getByRole("button", { name: "Create token" }).click();
  const reader = (await created.getByTestId("new-token").textContent())!.trim();
  expect(reader).toMatch(TOKEN_SHAPE);
  await created.getByRole("button", { name: "Done" }).click();
  const readerMe = await api.get("/api/v1/me", { headers: { authorization: `Bearer ${reader}` } });
  expect((await readerMe.json()).token).toEqual({ name: "ci reader", scope: "read", org: null });
  const readerRow = page.getByTestId("token-row").filter({ hasText: "ci reader" });
  await expect(readerRow).toContainText("All your orgs");
  await expect(readerRow).toContainText("Read only");
  // Newest active first.
  await expect(page.getByTestId("token-row").first()).toContainText("ci reader");
  await snap(page, "account-tokens");

  // Revoke, with a confirmation: the API refuses the token from then on.
  await row.getByRole("button", { name: "Revoke token laptop-cli" }).click();
  const confirm = page.getByTestId("revoke-token-dialog");
  await expect(page.getByRole("dialog")).toContainText("Revoke token laptop-cli?");
  await confirm.getByRole("button", { name: "Revoke token" }).click();
  await expect(
    page
      .getByTestId("toast")
      .filter({ hasText: "Token laptop-cli revoked. Requests made with it are refused from now on." }),
  ).toBeVisible();
  await expect(row).toHaveAttribute("data-state", "revoked");
  await expect(row.getByRole("button", { name: /Revoke/ })).toHaveCount(0);
  // Revoked tokens go below the active ones.
  await expect(page.getByTestId("token-row").last()).toContainText("laptop-cli");
  const refused = await api.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()["www-authenticate"]).toMatch(/^Bearer/);
  const body = (await refused.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("unauthenticated");
  expect(typeof body.error.message).toBe("string");
  // The other token still works.
  expect((await api.get("/api/v1/me", { headers: { authorization: `Bearer ${reader}` } })).status()).toBe(200);

  // Phone width: nothing overflows sideways; the dialogs fit.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByTestId("token-row")).toHaveCount(2);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await snap(page, "account-tokens-phone");
  await page.getByTestId("create-token-open").click();
  await expect(form).toBeVisible();
  await snap(page, "account-tokens-create-phone");
  await api.dispose();
});

test("the API reference (/docs/api) lists both families from the OpenAPI document, at laptop and phone widths", async ({
  page,
  baseURL,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signUp(page, newPerson("apidocs"));
  await page.goto("/docs/api");
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Console API" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Apolo admin API" })).toBeVisible();
  await expect(page.getByTestId("cli-login")).toContainText(`apolo config login-with-token <token> ${baseURL}/api/v1`);
  // Every operation of the served document is on the page.
  const doc = (await (await page.request.get("/api/openapi.json")).json()) as { paths: Record<string, object> };
  const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
  await expect(page.getByTestId("api-operation")).toHaveCount(operations);
  const orgUsers = page.locator("details", { hasText: "/apis/admin/v1/orgs/{org}/users" }).first();
  await orgUsers.locator("summary").click();
  await expect(orgUsers).toContainText("with_user_info");
  await snap(page, "api-docs");
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await snap(page, "api-docs-phone");
});
