import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { createOrg, newPeople, newPerson, newPersonContext, orgName, signIn, signOut, signUp, snap } from "./helpers";
import { linkIn, mailsTo, waitForMail } from "./mailbox";

const SHOTS = "e2e/.artifacts/screenshots";

async function openAccount(page: Page) {
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "Account" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
}

/**
 * Opens a mailed verification link and returns where it redirects and the message it leaves for the toast,
 * then opens the Account page. The redirect goes to the server's own idea of its origin, which under
 * `next start` is localhost rather than the 127.0.0.1 the tests use (fixed separately in
 * app/verify-email/route.ts), so the redirect and flash are read from the response, not the browser.
 */
async function followLink(page: Page, link: URL) {
  const response = await page.request.get(link.pathname + link.search, { maxRedirects: 0 });
  expect(response.status()).toBe(307);
  const location = new URL(response.headers()["location"]!);
  const flash = /(?:^|\n|, )flash=([^;]+)/.exec(response.headers()["set-cookie"] ?? "");
  const message = flash ? (JSON.parse(decodeURIComponent(flash[1]!)) as { message: string }).message : "";
  await page.goto("/account");
  return { to: location.pathname + location.search, message };
}

/** Full-page shots from the top without toasts over them, so the sticky header sits where it belongs. */
async function shot(page: Page, name: string) {
  // One at a time: after a click the others move up (a list taken before the first click goes stale).
  const close = page.getByTestId("toast").getByRole("button", { name: "Dismiss" });
  while ((await close.count()) > 0) await close.first().click();
  await expect(page.getByTestId("toast")).toHaveCount(0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, name);
}

/** What the viewport shows (a dialog), light and dark. */
async function viewportShot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250);
    await page.screenshot({ path: `${SHOTS}/${name}-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

const toast = (page: Page, text: string | RegExp) => page.getByTestId("toast").filter({ hasText: text });

test("account: display name, password (show toggle, wrong current password, sign in with the new one)", async ({
  page,
}) => {
  const person = newPerson("acct");
  await signUp(page, person);
  await openAccount(page);
  await expect(page.getByTestId("account-username")).toHaveText(person.username);

  // Display name: saved, kept after a reload, and its input is limited like its rule.
  const name = page.getByTestId("display-name-form").getByLabel("Display name");
  await expect(name).toHaveAttribute("maxlength", "100");
  await name.fill("Ada Lovelace");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(toast(page, "Display name saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("display-name-form").getByLabel("Display name")).toHaveValue("Ada Lovelace");

  // Password: the toggle shows what was typed and says so with aria-pressed.
  const form = page.getByTestId("password-form");
  const current = form.getByLabel("Current password");
  await current.fill("not my password");
  const toggle = form.getByRole("button", { name: "Show password" }).first();
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await expect(current).toHaveAttribute("type", "password");
  await toggle.focus();
  await page.keyboard.press("Enter");
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await expect(toggle).toHaveText("Hide");
  await expect(current).toHaveAttribute("type", "text");
  await page.keyboard.press("Space");
  await expect(current).toHaveAttribute("type", "password");

  const newPassword = "a much better password 42";
  await form.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByTestId("error-currentPassword")).toHaveText("That is not your current password.");
  // The new password that was typed stays.
  await expect(form.getByLabel("New password")).toHaveValue(newPassword);

  await current.fill(person.password);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(toast(page, "Password changed.")).toBeVisible();
  await expect(current).toHaveValue("");

  await signOut(page);
  await signIn(page, person.username, person.password);
  await expect(page.getByTestId("form-message")).toHaveText("Wrong username, email or password.");
  await signIn(page, person.username, newPassword);
  await expect(page).toHaveURL(/\/onboarding$/);
});

test("account: change email through the mailed link; the old address is told; a verified address is refused", async ({
  page,
  browser,
}) => {
  const person = newPerson("mail");
  const next = `${person.username}-new@example.org`;
  await signUp(page, person);
  await openAccount(page);
  await expect(page.getByTestId("account-email")).toContainText(person.email);
  await expect(page.getByTestId("account-email")).toContainText("Not verified");
  // Sign-up sent a verification link: the page says so, with resend, instead of offering to send one.
  const verify = page.getByTestId("account-verify");
  await expect(verify.getByTestId("verification-sent")).toContainText(`We sent a verification link to ${person.email}`);
  await expect(verify.getByRole("button", { name: "Send verification email" })).toHaveCount(0);
  await verify.getByRole("button", { name: "resend" }).click();
  await expect(toast(page, `We sent a new link to ${person.email}.`)).toBeVisible();

  const form = page.getByTestId("email-form");
  await expect(form.getByLabel("New email address")).toHaveAttribute("maxlength", "254");
  await form.getByLabel("New email address").fill(next);
  await form.getByLabel("Current password").fill(person.password);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(toast(page, `We sent a link to ${next}.`)).toBeVisible();

  // Pending: the old address stays until the link is followed.
  await expect(page.getByTestId("pending-email")).toContainText(next);
  await expect(page.getByTestId("account-email")).toContainText(person.email);
  await page.setViewportSize({ width: 1280, height: 900 });
  await shot(page, "account");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "account-phone");
  await page.setViewportSize({ width: 1280, height: 900 });

  // Resend: a fresh link; only the newest one works.
  const firstMail = await waitForMail(next, { subject: "Confirm your new email address for Apolo" });
  await page.getByRole("button", { name: "Resend link" }).click();
  await expect(toast(page, `A new link was sent to ${next}.`)).toBeVisible();
  const resent = await waitForMail(next, { subject: "Confirm your new email address for Apolo", after: 1 });
  expect(linkIn(resent, "/verify-email?token=")).not.toBe(linkIn(firstMail, "/verify-email?token="));

  const stale = new URL(linkIn(firstMail, "/verify-email?token="));
  expect(await followLink(page, stale)).toEqual({
    to: "/account?verify=failed",
    message: "That verification link is invalid or expired. Send a new one from your account page.",
  });
  await expect(page.getByTestId("account-email")).toContainText(person.email);
  await expect(page.getByTestId("pending-email")).toContainText(next);

  const link = new URL(linkIn(resent, "/verify-email?token="));
  expect(await followLink(page, link)).toEqual({ to: "/account", message: `Your email address is now ${next}.` });
  await expect(page.getByTestId("account-email")).toContainText(next);
  await expect(page.getByTestId("account-email")).toContainText("Verified");
  await expect(page.getByTestId("pending-email")).toHaveCount(0);
  const notice = await waitForMail(person.email, { subject: "Your Apolo email address was changed" });
  expect(notice.text).toContain(next);

  // Cancel: a pending change can be dropped.
  await form.getByLabel("New email address").fill(`${person.username}-other@example.org`);
  await form.getByLabel("Current password").fill(person.password);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(page.getByTestId("pending-email")).toBeVisible();
  await page.getByRole("button", { name: "Cancel change" }).click();
  await expect(toast(page, "Email change cancelled.")).toBeVisible();
  await expect(page.getByTestId("pending-email")).toHaveCount(0);

  // Someone else can't ask for the address this account verified: the message sits next to the field.
  const other = newPerson("mail2");
  const second = await newPersonContext(browser);
  await signUp(second.page, other);
  await openAccount(second.page);
  const otherForm = second.page.getByTestId("email-form");
  await otherForm.getByLabel("New email address").fill(next.toUpperCase());
  await otherForm.getByLabel("Current password").fill(other.password);
  await second.page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(otherForm.getByTestId("error-email")).toHaveText("An account with this email already exists.");
  await expect(otherForm.getByLabel("New email address")).toHaveValue(next.toUpperCase());
  expect(mailsTo(next).filter((m) => m.subject.startsWith("Confirm"))).toHaveLength(2);
  await second.context.close();

  // The new address signs in.
  await signOut(page);
  await signIn(page, next, person.password);
  await expect(page).toHaveURL(/\/onboarding$/);
});

test("account: delete — refused for the last admin (naming the org), then gone: signed out, can't sign in", async ({
  page,
  browser,
}) => {
  // The last admin of an org is refused, with the org named, and keeps the account.
  const admin = newPerson("lastadm");
  const org = orgName("solo");
  const adminSession = await newPersonContext(browser);
  await signUp(adminSession.page, admin);
  await createOrg(adminSession.page, org);
  await openAccount(adminSession.page);
  await expect(adminSession.page.getByTestId("sole-admin-note")).toContainText(`You are the last admin of ${org}.`);
  await adminSession.page.getByRole("button", { name: "Delete account" }).click();
  const refusedDialog = adminSession.page.getByTestId("delete-account-dialog");
  await refusedDialog.getByLabel(`Type ${admin.username} to confirm`).fill(admin.username);
  await refusedDialog.getByRole("button", { name: "Delete my account" }).click();
  await expect(refusedDialog.getByTestId("form-message")).toHaveText(
    `You are the last admin of ${org}. Make another member an admin or delete that organization first.`,
  );
  await adminSession.context.close();

  const person = newPerson("bye");
  await signUp(page, person);
  await openAccount(page);
  await page.getByRole("button", { name: "Delete account" }).click();
  const dialog = page.getByTestId("delete-account-dialog");
  const confirm = dialog.getByRole("button", { name: "Delete my account" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(`Type ${person.username} to confirm`).fill(person.username.slice(0, -1));
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(`Type ${person.username} to confirm`).fill(person.username);
  await viewportShot(page, "account-delete-dialog");
  await confirm.click();

  await expect(page).toHaveURL(/\/signin\?deleted=1$/);
  await expect(toast(page, `Account ${person.username} was deleted.`)).toBeVisible();
  // The old session is dead: the console sends to sign-in.
  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, person.username, person.password);
  await expect(page.getByTestId("form-message")).toHaveText("Wrong username, email or password.");
});

test("account: an unverified address is taken by the account that proves it; the other is told and adds another", async ({
  page,
  browser,
}) => {
  const [squatter, owner] = newPeople("squat", "owner");
  const contested = `${owner.username}-real@example.org`;
  // The squatter signed up first with an address that isn't theirs (and never verified it).
  await signUp(page, { ...squatter, email: contested });

  const ownerSession = await newPersonContext(browser);
  await signUp(ownerSession.page, owner);
  await openAccount(ownerSession.page);
  const form = ownerSession.page.getByTestId("email-form");
  await form.getByLabel("New email address").fill(contested);
  await form.getByLabel("Current password").fill(owner.password);
  await ownerSession.page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(ownerSession.page.getByTestId("pending-email")).toContainText(contested);
  const link = new URL(linkIn(await waitForMail(contested, { subject: /^Confirm/ }), "/verify-email?token="));
  expect(await followLink(ownerSession.page, link)).toEqual({
    to: "/account",
    message: `Your email address is now ${contested}.`,
  });
  await expect(ownerSession.page.getByTestId("account-email")).toContainText(contested);
  await ownerSession.context.close();

  // The squatter is told, and the change-email form is the way out.
  await openAccount(page);
  await expect(page.getByTestId("account-lost-email")).toHaveText(
    `Your address ${contested} was claimed by an account that proved it owns it. Add and verify another address.`,
  );
  await expect(page.getByTestId("account-email")).toContainText("No email address.");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "account-lost-email-phone");
  await page.setViewportSize({ width: 1280, height: 900 });
  const fresh = `${squatter.username}@example.net`;
  const squatterForm = page.getByTestId("email-form");
  await squatterForm.getByLabel("Email address").fill(fresh);
  await squatterForm.getByLabel("Current password").fill(squatter.password);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  const freshLink = new URL(linkIn(await waitForMail(fresh, { subject: /^Confirm/ }), "/verify-email?token="));
  await followLink(page, freshLink);
  await expect(page.getByTestId("account-email")).toContainText(fresh);
  await expect(page.getByTestId("account-lost-email")).toHaveCount(0);
});
