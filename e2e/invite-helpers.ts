import { expect, type Page } from "@playwright/test";

type RoleLabel = "User" | "Manager" | "Admin";

/** From the Users tab: invites usernames (and/or emails) with one role and waits for the per-entry results. */
export async function inviteFromUsersTab(page: Page, org: string, entries: string, role: RoleLabel = "User") {
  if (!page.url().endsWith(`/orgs/${org}/settings/users`)) await page.goto(`/orgs/${org}/settings/users`);
  await page.getByTestId("invite-open").click();
  await page.getByLabel("Usernames or emails").fill(entries);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: role });
  await page.getByRole("button", { name: "Send invites" }).click();
  await expect(page.getByTestId("invite-results")).toBeVisible();
}

/** The invitee accepts an invitation to `org` from their Invitations page and lands in the org. */
export async function acceptFromInvites(page: Page, org: string) {
  await page.goto("/invites");
  await page.getByRole("button", { name: `Accept invitation to ${org}` }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}$`));
}

/**
 * How someone joins an org by username: the admin invites them in the Users tab, they accept on /invites.
 * `adminPage` is left on the Users tab with the dialog closed.
 */
export async function inviteAndAccept(
  adminPage: Page,
  inviteePage: Page,
  org: string,
  username: string,
  role: RoleLabel = "User",
) {
  await inviteFromUsersTab(adminPage, org, username, role);
  await expect(adminPage.getByTestId("invite-results")).toContainText(
    `Invited ${username} (waiting for them to accept).`,
  );
  await adminPage.keyboard.press("Escape");
  await acceptFromInvites(inviteePage, org);
}
