import { expect, test } from "./axe";
import { encode } from "next-auth/jwt";
import { E2E_AUTH_SECRET, newPerson, signUp } from "./helpers";

/**
 * No live GitHub/Google here: this starts where the OAuth callback leaves a first-time person, with a signed
 * session that carries the provider identity but no account, and checks that they must choose a username.
 */
async function pendingOAuthSession(providerAccountId: string, email: string | null) {
  return encode({
    salt: "authjs.session-token",
    secret: E2E_AUTH_SECRET,
    token: { pending: { provider: "github", providerAccountId, email, name: "Octo Cat" } },
  });
}

test("a first OAuth sign-in asks for a username, then continues to onboarding", async ({ page, baseURL }) => {
  const person = newPerson("octo");
  const token = await pendingOAuthSession(`gh-${person.username}`, person.email);
  await page.context().addCookies([{ name: "authjs.session-token", value: token, url: baseURL! }]);

  await page.goto("/orgs/new");
  await expect(page).toHaveURL(/\/signup\/username$/);
  await expect(page.getByText("You signed in with GitHub as Octo Cat")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(person.email);

  await page.getByLabel("Username").fill("Octo Cat");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("error-username")).toContainText("Use only lowercase letters, digits and hyphens.");

  await page.getByLabel("Username").fill(person.username);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
  await expect(page.getByTestId("my-username")).toHaveText(person.username);
  await page.goto("/account");
  await expect(page.getByTestId("account-email")).toContainText(person.email);
  await expect(page.getByTestId("account-email")).toContainText("Verified");
});

test("an OAuth username that is taken is refused", async ({ page, baseURL, browser }) => {
  const existing = newPerson("taken");
  const other = await (await browser.newContext()).newPage();
  await signUp(other, existing);

  const token = await pendingOAuthSession(`gh-${existing.username}-2`, null);
  await page.context().addCookies([{ name: "authjs.session-token", value: token, url: baseURL! }]);
  await page.goto("/signup/username");
  await page.getByLabel("Username").fill(existing.username);
  await page.getByLabel("Email").fill(existing.email);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("error-username")).toHaveText("That username is taken.");
  await expect(page.getByTestId("error-email")).toContainText("An account with this email already exists.");
});
