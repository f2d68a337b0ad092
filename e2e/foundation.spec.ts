import { expect, test } from "./axe";
import { createOrg, newPerson, orgName, signIn, signOut, signUp, snap } from "./helpers";

test("sign up → onboarding → create org → second org → switch → sign out → sign in lands in the last org", async ({
  page,
}) => {
  const person = newPerson();
  const first = orgName("first");
  const second = orgName("second");

  await page.goto("/signin");
  await expect(page.getByTestId("oauth-providers")).toHaveCount(0); // no GitHub/Google without their keys
  await snap(page, "signin");
  await page.goto("/signup");
  await snap(page, "signup");
  await signUp(page, person);

  // Onboarding offers both paths of the seed.
  await expect(page.getByRole("heading", { name: "Create an organization" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Join an existing organization" })).toBeVisible();
  await expect(page.getByTestId("my-username")).toHaveText(person.username);
  await expect(page.getByRole("button", { name: `Copy username: ${person.username}` })).toBeVisible();
  await snap(page, "onboarding");

  await createOrg(page, first, "First Org");
  await expect(page.getByTestId("toast")).toContainText(`Organization '${first}' created`);
  await expect(page.getByTestId("org-title")).toHaveText("First Org");
  await expect(page.getByTestId("org-name")).toHaveText(first);
  await expect(page.getByTestId("overview-role")).toHaveText("Admin");
  await expect(page.getByTestId("overview-members")).toHaveText("1");
  const today = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" }).format(new Date());
  await expect(page.getByTestId("overview-created")).toHaveText(today);
  await snap(page, "org-overview");

  // A second org from the picker.
  await page.getByTestId("org-picker").click();
  await expect(page.getByRole("menuitem", { name: /First Org/ })).toContainText("Admin");
  await snap(page, "org-picker-open");
  await page.getByRole("menuitem", { name: "Create organization" }).click();
  await expect(page).toHaveURL(/\/orgs\/new$/);
  await snap(page, "org-new");
  await createOrg(page, second);
  await expect(page.getByTestId("org-picker")).toContainText(second);

  // Switch back with the picker.
  await page.getByTestId("org-picker").click();
  await expect(page.locator(`[role=menuitem][href="/orgs/${first}"]`)).toHaveCount(1);
  await expect(page.locator(`[role=menuitem][href="/orgs/${second}"]`)).toHaveCount(1);
  await expect(page.getByRole("menuitem", { name: `Leave ${second}…` })).toBeVisible(); // the current org
  await page.getByRole("menuitem", { name: /First Org/ }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${first}$`));
  await expect(page.getByTestId("org-picker")).toContainText("First Org");

  await page.goto("/account");
  await expect(page.getByTestId("account-email")).toContainText(person.email);
  await snap(page, "account");
  await page.goto(`/orgs/${first}`);

  await signOut(page);
  await page.goto(`/orgs/${first}`);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/); // signed-out visitors are sent to sign in

  // Sign in with the email this time: `/` takes them to the org they used last.
  await signIn(page, person.email);
  await expect(page).toHaveURL(new RegExp(`/orgs/${first}$`));
  await page.goto("/");
  await expect(page).toHaveURL(new RegExp(`/orgs/${first}$`));
});

test("two tabs can be in two different orgs at once", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const person = newPerson();
  const a = orgName("tab-a");
  const b = orgName("tab-b");
  await signUp(page, person);
  await createOrg(page, a);
  await page.goto("/orgs/new");
  await createOrg(page, b);

  const tab2 = await context.newPage();
  await page.goto(`/orgs/${a}`);
  await tab2.goto(`/orgs/${b}`);
  await page.reload();
  await expect(page.getByTestId("org-title")).toHaveText(a);
  await expect(page.getByTestId("org-picker")).toContainText(a);
  await expect(tab2.getByTestId("org-title")).toHaveText(b);
  await expect(tab2.getByTestId("org-picker")).toContainText(b);
  await context.close();
});

test("a phone-width layout keeps the header and the org readable", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const person = newPerson();
  const org = orgName("phone");
  await signUp(page, person);
  await snap(page, "onboarding-phone");
  await createOrg(page, org);
  await expect(page.getByTestId("org-picker")).toBeVisible();
  await expect(page.getByTestId("user-menu")).toBeVisible();
  await snap(page, "org-overview-phone");
  await context.close();
});

test("the icons and the web app manifest are served to a signed-out browser, and linked from every page", async ({
  page,
  request,
}) => {
  const files: [string, string][] = [
    ["/favicon.ico", "image/"],
    ["/icon.svg", "image/svg+xml"],
    ["/apple-touch-icon.png", "image/png"],
    ["/icon-192.png", "image/png"],
    ["/icon-512.png", "image/png"],
    ["/icon-maskable-512.png", "image/png"],
    ["/manifest.webmanifest", "application/manifest+json"],
  ];
  for (const [path, type] of files) {
    const res = await request.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(200);
    expect(res.headers()["content-type"], path).toContain(type);
  }
  const manifest = (await (await request.get("/manifest.webmanifest")).json()) as { icons: { src: string }[] };
  for (const icon of manifest.icons) expect((await request.get(icon.src, { maxRedirects: 0 })).status()).toBe(200);

  await page.goto("/signin");
  await expect(page.locator('link[rel="apple-touch-icon"]')).toHaveAttribute("href", "/apple-touch-icon.png");
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute("href", "/manifest.webmanifest");
  await expect(page.locator('link[rel="icon"][href^="/icon.svg"]')).toHaveCount(1);
});
