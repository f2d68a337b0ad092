import { expect, test } from "./axe";
import { createOrg, newPerson, orgName, signIn, signUp, snap } from "./helpers";

test("sign-up shows each broken rule next to its field, keeps what was typed and creates nothing", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Username").fill("Bad--Name");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page.getByTestId("error-username")).toContainText("Use only lowercase letters, digits and hyphens.");
  await expect(page.getByTestId("error-username")).toContainText("Hyphens must be single");
  await expect(page.getByTestId("error-username")).toContainText("must start with a lowercase letter");
  await expect(page.getByTestId("error-email")).toHaveText("Enter a valid email address.");
  await expect(page.getByTestId("error-password")).toHaveText("Password must be at least 8 characters.");
  await expect(page.getByLabel("Username")).toHaveValue("Bad--Name");
  await expect(page.getByLabel("Email")).toHaveValue("not-an-email");
  await expect(page.getByLabel("Username")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/signup$/);
  await snap(page, "signup-errors");

  // Nothing was written: the valid parts can't sign in.
  await signIn(page, "not-an-email");
  await expect(page.getByTestId("form-message")).toHaveText("Wrong username, email or password.");
});

test("sign-up refuses a short username, a taken username and a taken email (any case)", async ({ page, browser }) => {
  const taken = newPerson();
  await signUp(page, taken);

  const other = await (await browser.newContext()).newPage();
  await other.goto("/signup");
  await other.getByLabel("Username").fill("ab");
  await other.getByLabel("Email").fill(taken.email.toUpperCase());
  await other.getByLabel("Password", { exact: true }).fill("long enough password");
  await other.getByRole("button", { name: "Create account" }).click();
  await expect(other.getByTestId("error-username")).toHaveText("Username must be 3 to 32 characters long.");
  await expect(other.getByLabel("Username")).toHaveValue("ab");
  // Rules first: the email's uniqueness is checked once the whole form is valid.
  await other.getByLabel("Username").fill(taken.username);
  await expect(other.getByLabel("Password", { exact: true })).toHaveValue(""); // a password is never sent back to the page
  await other.getByLabel("Password", { exact: true }).fill("long enough password");
  await other.getByRole("button", { name: "Create account" }).click();
  await expect(other.getByTestId("error-username")).toHaveText("That username is taken.");
  await expect(other.getByTestId("error-email")).toHaveText("An account with this email already exists.");
  await expect(other.getByLabel("Email")).toHaveValue(taken.email.toUpperCase());
});

test("sign-in: wrong credentials don't say which part was wrong; too many attempts say when to retry", async ({
  page,
}) => {
  const person = newPerson();
  await signUp(page, person);
  await page.context().clearCookies();

  await signIn(page, person.username, "wrong password!");
  await expect(page.getByTestId("form-message")).toHaveText("Wrong username, email or password.");
  await expect(page.getByLabel("Username or email")).toHaveValue(person.username);
  await snap(page, "signin-error");
  await signIn(page, "nobody-by-this-name", "wrong password!");
  await expect(page.getByTestId("form-message")).toHaveText("Wrong username, email or password.");

  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("error-password")).toHaveText("Enter your password.");

  // Sign-up's own sign-in doesn't count (it uses a ticket, not the password): one wrong attempt above, nine more
  // make ten for this account.
  for (let i = 0; i < 9; i++) await signIn(page, person.email, "wrong password!");
  await expect(page.getByTestId("form-message")).toHaveText("Wrong username, email or password.");
  // The 11th attempt on this account in a minute is refused, even with the right password.
  await signIn(page, person.username);
  await expect(page.getByTestId("form-message")).toHaveText(/^Too many sign-in attempts\. Try again in \d+ s\.$/);
  await expect(page).toHaveURL(/\/signin/);
});

test("create org: bad names show the rule, a taken name says so, and nothing is created", async ({ page }) => {
  const person = newPerson();
  await signUp(page, person);
  await page.getByLabel("URL name").fill("-Bad");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("error-name")).toContainText("Use only lowercase letters, digits and hyphens.");
  await expect(page.getByTestId("error-name")).toContainText("Hyphens must be single and between letters or digits.");
  await expect(page.getByLabel("URL name")).toHaveValue("-Bad");
  await snap(page, "onboarding-errors");

  await page.getByLabel("URL name").fill("ab");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("error-name")).toHaveText("Name must be 3 to 63 characters long.");

  const name = orgName();
  await createOrg(page, name);
  await page.goto("/orgs/new");
  await page.getByLabel("URL name").fill(name);
  await page.getByLabel("Display name").fill("Copycat");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("error-name")).toHaveText(`An organization named '${name}' already exists.`);
  await expect(page.getByLabel("Display name")).toHaveValue("Copycat");
  await page.getByTestId("org-picker").click();
  await expect(page.getByRole("menuitem", { name: /Copycat/ })).toHaveCount(0);
});

test("create org: a reserved name ('new') says so next to the field and creates nothing", async ({ page }) => {
  const person = newPerson();
  await signUp(page, person);
  await expect(page.getByLabel("URL name")).toHaveAttribute("maxlength", "63");
  await expect(page.getByLabel("Display name")).toHaveAttribute("maxlength", "100");
  await page.getByLabel("URL name").fill("new");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("error-name")).toHaveText("'new' is reserved. Choose another name.");
  await expect(page.getByLabel("URL name")).toHaveValue("new");
  await expect(page).toHaveURL(/\/onboarding$/);
  await snap(page, "onboarding-reserved-name");

  // Nothing was created: /orgs/new is still the create form, and the person still has no org.
  await page.goto("/orgs/new");
  await expect(page.getByTestId("create-org-form")).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/onboarding$/);
});

test("an oversized form (a 1 MB password) gets a 413 and a clear page, never a 500; a long one gets the rule", async ({
  page,
  request,
}) => {
  const person = newPerson();
  const statuses: number[] = [];
  page.on("response", (r) => statuses.push(r.status()));
  await page.goto("/signup");
  await page.getByLabel("Username").fill(person.username);
  await page.getByLabel("Email").fill(person.email);

  // Longer than the rule but a small request: the form's own message.
  await page.getByLabel("Password", { exact: true }).evaluate((el: HTMLInputElement) => (el.value = "p".repeat(300)));
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("error-password")).toHaveText("Password must be at most 256 characters.");

  // 1 MB (set from script, past any maxLength): refused before the action runs.
  await page
    .getByLabel("Password", { exact: true })
    .evaluate((el: HTMLInputElement) => (el.value = "p".repeat(1024 * 1024)));
  const refused = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/signup"));
  await page.getByRole("button", { name: "Create account" }).click();
  expect((await refused).status()).toBe(413);
  await expect(page.getByRole("heading", { name: "That was too much to send" })).toBeVisible();
  await expect(page.getByTestId("too-large")).toContainText("Nothing was saved");
  await snap(page, "form-too-large");
  await page.getByRole("button", { name: "Back to the form" }).click();
  await expect(page.getByLabel("Username")).toBeVisible();
  expect(statuses.filter((s) => s >= 500)).toEqual([]);

  // The same without JavaScript (a plain form post): a 413 page.
  const plain = await request.post("/signup", {
    multipart: { username: person.username, email: person.email, password: "p".repeat(1024 * 1024) },
  });
  expect(plain.status()).toBe(413);
  expect(await plain.text()).toContain("Request too large");

  // Nothing was created.
  await page.context().clearCookies();
  await signIn(page, person.username, "p".repeat(256));
  await expect(page.getByTestId("form-message")).toHaveText("Wrong username, email or password.");
});
