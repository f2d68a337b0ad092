import { expect, test } from "./axe";
import { createOrg, newPerson, newPersonContext, orgName, signIn, signOut, signUp, snap } from "./helpers";
import { linkIn, mailTo } from "./mailbox";

test("a session cookie copied before sign-out opens nothing afterwards", async ({ page, browser }) => {
  const person = newPerson("replay");
  await signUp(page, person);
  const org = orgName("replay");
  await createOrg(page, org);
  const stolen = await page.context().cookies();
  expect(stolen.some((c) => c.name === "authjs.session-token")).toBe(true);
  await signOut(page);

  // Another browser replays the cookie: the server-side session is gone, so it is signed out.
  const thief = await newPersonContext(browser);
  await thief.context.addCookies(stolen);
  await thief.page.goto(`/orgs/${org}`);
  await expect(thief.page).toHaveURL(/\/signin/);
  // The dead cookie was dropped on the way, so sign-in is offered instead of a redirect loop.
  const left = await thief.context.cookies();
  expect(left.some((c) => c.name === "authjs.session-token")).toBe(false);
  await expect(thief.page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await thief.context.close();
});

test("Account → Sessions lists each browser and signs them out, one or all the others", async ({ page, browser }) => {
  // Three browsers sign in and two are signed out: more than the default 60 s on a loaded machine.
  test.setTimeout(120_000);
  const person = newPerson("sessions");
  await signUp(page, person);
  const laptop = await newPersonContext(browser, {
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
  });
  await signIn(laptop.page, person.username);
  await expect(laptop.page).toHaveURL(/\/onboarding$/);
  const phone = await newPersonContext(browser, {
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  });
  await signIn(phone.page, person.email);
  await expect(phone.page).toHaveURL(/\/onboarding$/);

  await page.goto("/account");
  const rows = page.getByTestId("session-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText("This device");
  await expect(page.getByTestId("sessions-list")).toContainText("Firefox on Linux");
  await expect(page.getByTestId("sessions-list")).toContainText("Safari on iOS");
  await snap(page, "account-sessions");

  // One row: the laptop is signed out at its next request.
  await page.getByRole("button", { name: "Sign out Firefox on Linux" }).click();
  await expect(page.getByRole("dialog")).toContainText("Sign out this browser?");
  await page.getByTestId("confirm-sign-out").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "That browser was signed out." })).toBeVisible();
  await expect(rows).toHaveCount(2);
  await laptop.page.goto("/onboarding");
  await expect(laptop.page).toHaveURL(/\/signin/);

  // Everywhere else: the phone goes too; this browser stays.
  await page.getByTestId("sign-out-others").click();
  await page.getByTestId("confirm-sign-out").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "1 other browser was signed out." })).toBeVisible();
  await expect(rows).toHaveCount(1);
  await phone.page.goto("/onboarding");
  await expect(phone.page).toHaveURL(/\/signin/);
  await page.goto("/onboarding");
  await expect(page).toHaveURL(/\/onboarding$/);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/account");
  await snap(page, "account-sessions-phone");
  await laptop.context.close();
  await phone.context.close();
});

test("forgot password: the mailed link sets a new password once and signs every browser out", async ({
  page,
  browser,
}) => {
  const person = newPerson("forgot");
  const other = await newPersonContext(browser);
  await signUp(other.page, person);

  await page.goto("/signin");
  await page.getByLabel("Username or email").fill(person.username);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong username, email or password.")).toBeVisible();
  await expect(page.getByLabel("Username or email")).toHaveValue(person.username); // kept after a failure
  // The toggle shows what was typed, and hides it again.
  await page.getByLabel("Password", { exact: true }).fill("peek-a-boo");
  await page.getByTestId("toggle-password").click();
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("type", "text");
  await expect(page.getByTestId("toggle-password")).toHaveAttribute("aria-pressed", "true");
  await page.getByTestId("toggle-password").click();
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("type", "password");

  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(person.email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText(`If an account uses ${person.email}`)).toBeVisible();
  await snap(page, "forgot-password");
  // An unknown address gets the very same answer.
  await page.getByLabel("Email").fill(`nobody-${person.username}@example.org`);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText(`If an account uses nobody-${person.username}@example.org`)).toBeVisible();

  const mail = await mailTo(person.email, "Reset your Apolo password");
  const link = new URL(linkIn(mail, "/reset-password?token="));
  await page.goto(link.pathname + link.search);
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByTestId("error-password")).toContainText("at least 8 characters");
  await snap(page, "reset-password");
  await page.getByLabel("New password").fill("a fresh new passphrase");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(/\/signin\?reset=1$/);
  await expect(page.getByTestId("signin-notice")).toContainText("every browser was signed out");

  // The browser that was signed in before the reset is signed out.
  await other.page.goto("/onboarding");
  await expect(other.page).toHaveURL(/\/signin/);
  // The old password no longer works, the new one does; the link is dead.
  await signIn(page, person.username);
  await expect(page.getByText("Wrong username, email or password.")).toBeVisible();
  await signIn(page, person.username, "a fresh new passphrase");
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto(link.pathname + link.search);
  await expect(page.getByTestId("reset-link-dead")).toBeVisible();
  await other.context.close();
});

test("a squatter who registered someone's address first loses it when the owner arrives through an invitation", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const owner = newPerson("owner");
  // Its own password: with the owner's, signing in with the address would (rightly) open the owner's account.
  const squatter = { ...newPerson("squat"), email: owner.email, password: "the squatter's password" };
  const admin = newPerson("admin");
  const org = orgName("squat");

  const sq = await newPersonContext(browser);
  await signUp(sq.page, squatter);

  // An admin invites the owner's address.
  await signUp(page, admin);
  await createOrg(page, org);
  await page.goto(`/orgs/${org}/settings/users`);
  await page.getByTestId("invite-open").click();
  await page.getByLabel("Usernames or emails").fill(owner.email);
  await page.getByRole("button", { name: "Send invites" }).click();
  await expect(page.getByTestId("invite-results")).toContainText(`Invitation sent to ${owner.email}.`);

  // The owner follows the mailed link, signs up with the address and joins.
  const mail = await mailTo(owner.email, `invited you to ${org}`);
  const link = new URL(linkIn(mail, "/invite/"));
  const ow = await newPersonContext(browser);
  await ow.page.goto(link.pathname);
  await ow.page.getByRole("link", { name: "Create an account" }).click();
  await expect(ow.page.getByLabel("Email")).toHaveValue(owner.email);
  await ow.page.getByLabel("Username").fill(owner.username);
  await ow.page.getByLabel("Password", { exact: true }).fill(owner.password);
  await ow.page.getByRole("button", { name: "Create account" }).click();
  await expect(ow.page.getByTestId("invite-join")).toHaveText(`Join ${org} as user?`);
  await ow.page.getByRole("button", { name: `Accept invitation to ${org}` }).click();
  await expect(ow.page).toHaveURL(new RegExp(`/orgs/${org}$`));
  await ow.page.goto("/account");
  await expect(ow.page.getByTestId("account-email")).toContainText(owner.email);
  await expect(ow.page.getByTestId("account-email")).toContainText("Verified");

  // The squatter keeps the username, no longer has the address, and is told on the next page.
  await signOut(sq.page);
  await signIn(sq.page, squatter.email, squatter.password);
  await expect(sq.page.getByText("Wrong username, email or password.")).toBeVisible();
  await signIn(sq.page, squatter.username, squatter.password);
  await expect(sq.page).toHaveURL(/\/onboarding$/);
  await expect(sq.page.getByTestId("lost-email-notice")).toContainText(owner.email);
  await snap(sq.page, "lost-email-notice");
  await sq.context.close();
  await ow.context.close();
});
