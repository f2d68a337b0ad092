import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { BIG_ORG, BIG_ORG_ADMIN, BIG_ORG_MEMBERS, HUGE_ORG, HUGE_ORG_ADMIN, HUGE_ORG_MEMBERS } from "./fixtures-data";
import { createOrg, newPeople, newPersonContext, orgName, signIn, signUp, snap } from "./helpers";
import { acceptFromInvites } from "./invite-helpers";

async function invite(page: Page, entries: string, role: "User" | "Manager" | "Admin" = "User") {
  await page.getByTestId("invite-open").click();
  await page.getByLabel("Usernames or emails").fill(entries);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: role });
  await page.getByRole("button", { name: "Send invites" }).click();
  await expect(page.getByTestId("invite-results")).toBeVisible();
}

function memberRow(page: Page, username: string) {
  return page.getByRole("row").filter({ has: page.getByText(username, { exact: true }) });
}

test("members: invite by username and email, accept, promote, manager limits, remove, leave, last admin, delete", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const [admin, existing, leaver, invitee] = newPeople("admin", "existing", "leaver", "invitee");
  const org = orgName("team");

  // People who already have accounts.
  const existingSession = await newPersonContext(browser);
  await signUp(existingSession.page, existing);
  const leaverSession = await newPersonContext(browser);
  await signUp(leaverSession.page, leaver);

  await signUp(page, admin);
  await createOrg(page, org);
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org}/settings/users$`));

  // Username → an invitation they accept in the console; email → pending invitation with a link; the rest say
  // why per entry.
  await invite(
    page,
    `${existing.username}, ${leaver.username}, ${invitee.email}, no-such-user-x, ${existing.username}`,
  );
  const results = page.getByTestId("invite-results");
  await expect(results).toContainText(`Invited ${existing.username} (waiting for them to accept).`);
  await expect(results).toContainText(`Invited ${leaver.username} (waiting for them to accept).`);
  await expect(results).toContainText(`Invitation sent to ${invitee.email}.`);
  await expect(results).toContainText("No account with the username 'no-such-user-x'.");
  const link = (await page.getByTestId("invite-link").first().innerText()).trim();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await snap(page, "invite-dialog");
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId(`invitation-actions-${existing.username}`)).toBeVisible();
  await expect(page.getByTestId(`invitation-actions-${invitee.email}`)).toBeVisible();
  await expect(page.getByRole("table", { name: "Members" })).not.toContainText(existing.username);

  // The two accounts accept in their console and become members.
  await acceptFromInvites(existingSession.page, org);
  await acceptFromInvites(leaverSession.page, org);
  await page.reload();
  await expect(memberRow(page, existing.username)).toBeVisible();
  await expect(memberRow(page, leaver.username)).toBeVisible();
  await expect(page.getByTestId(`invitation-actions-${existing.username}`)).toHaveCount(0);

  // Inviting the same address again says so.
  await invite(page, invitee.email);
  await expect(page.getByTestId("invite-results")).toContainText(`${invitee.email} already has a pending invitation.`);
  await page.getByRole("button", { name: "Done" }).click();

  // The invitee opens the link signed out, signs up with the prefilled email and accepts.
  const inviteeSession = await newPersonContext(browser);
  const ip = inviteeSession.page;
  await ip.goto(new URL(link).pathname);
  await expect(ip.getByTestId("invite-org")).toHaveText(org);
  await snap(ip, "invite-page-signed-out");
  await ip.getByRole("link", { name: "Create an account" }).click();
  await expect(ip.getByLabel("Email")).toHaveValue(invitee.email);
  await ip.getByLabel("Username").fill(invitee.username);
  await ip.getByLabel("Password", { exact: true }).fill(invitee.password);
  await ip.getByRole("button", { name: "Create account" }).click();
  await expect(ip.getByTestId("invite-join")).toHaveText(`Join ${org} as user?`);
  await snap(ip, "invite-page");
  await ip.getByRole("button", { name: `Accept invitation to ${org}` }).click();
  await expect(ip).toHaveURL(new RegExp(`/orgs/${org}$`));
  await expect(ip.getByTestId("overview-role")).toHaveText("User");

  // A used link says so.
  await ip.goto(new URL(link).pathname);
  await expect(ip.getByTestId("invite-state")).toHaveText("This invitation was already used");

  // The admin promotes the invitee to manager.
  await page.reload();
  await expect(page.getByTestId(`invitation-actions-${invitee.email}`)).toHaveCount(0);
  await page.getByTestId(`member-actions-${invitee.username}`).click();
  await page.getByRole("menuitem", { name: "Edit role" }).click();
  await expect(page.getByLabel("Role", { exact: true }).locator("option")).toHaveText(["User", "Manager", "Admin"]);
  await page.getByLabel("Role", { exact: true }).selectOption("manager");
  await page.getByRole("button", { name: "Save role" }).click();
  await expect(page.getByTestId("toast").last()).toContainText(`${invitee.username} is now manager.`);
  await expect(memberRow(page, invitee.username)).toContainText("Manager");

  // The manager: no admin choice, no actions on the admin, removes a user.
  await ip.goto(`/orgs/${org}/settings/users`);
  await expect(ip.getByRole("link", { name: "Audit log" })).toBeVisible();
  await expect(ip.getByTestId(`member-actions-${admin.username}`)).toHaveCount(0);
  await ip.getByTestId("invite-open").click();
  await expect(ip.getByLabel("Role", { exact: true }).locator("option")).toHaveText(["User", "Manager"]);
  await ip.keyboard.press("Escape");
  await ip.getByTestId(`member-actions-${existing.username}`).click();
  await ip.getByRole("menuitem", { name: "Edit role" }).click();
  await expect(ip.getByLabel("Role", { exact: true }).locator("option")).toHaveText(["User", "Manager"]);
  await ip.getByRole("button", { name: "Cancel" }).click();
  await ip.getByTestId(`member-actions-${existing.username}`).click();
  await ip.getByRole("menuitem", { name: "Remove from organization" }).click();
  await ip.getByRole("button", { name: "Remove member" }).click();
  await expect(ip.getByTestId("toast").last()).toContainText(`${existing.username} was removed from ${org}.`);
  await expect(memberRow(ip, existing.username)).toHaveCount(0);

  // The removed person's very next request to the org is a 404.
  const removed = await existingSession.page.goto(`/orgs/${org}`);
  expect(removed?.status()).toBe(404);

  // A member leaves from the org picker.
  const lp = leaverSession.page;
  await lp.goto(`/orgs/${org}`);
  await lp.getByTestId("org-picker").click();
  await lp.getByRole("menuitem", { name: `Leave ${org}…` }).click();
  await lp.getByRole("button", { name: "Leave organization" }).click();
  await expect(lp).toHaveURL(/\/onboarding$/);
  await expect(lp.getByTestId("toast").last()).toContainText(`You left ${org}.`);

  // The last admin can't leave.
  await page.goto(`/orgs/${org}/settings/general`);
  await page.getByRole("button", { name: "Leave organization" }).click();
  await page.getByTestId("leave-org-dialog").getByRole("button", { name: "Leave organization" }).click();
  await expect(page.getByTestId("leave-org-dialog").getByTestId("form-message")).toContainText(
    "You are the last admin of",
  );
  await expect(page.getByTestId("leave-org-dialog").getByTestId("form-message")).toContainText(
    "Promote another member to admin first",
  );
  await page.getByRole("button", { name: "Cancel" }).click();

  // The audit log has it all.
  await page.goto(`/orgs/${org}/settings/audit`);
  for (const action of [
    "Created the organization",
    /^Invited/,
    "Accepted invitation",
    "Changed role",
    "Removed member",
    "Left the organization",
  ]) {
    await expect(page.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  }
  await page.getByLabel("Action").selectOption("member.role_changed");
  await expect(page).toHaveURL(/action=member\.role_changed/);
  await expect(page.getByRole("row")).toHaveCount(2);
  await expect(page.getByRole("row").nth(1)).toContainText("role: user → manager");
  await page.getByLabel("Action").selectOption("");
  await snap(page, "audit-log");

  // Delete the org after typing its name; the manager lands elsewhere.
  await page.goto(`/orgs/${org}/settings/general`);
  await page.getByRole("button", { name: "Delete organization" }).click();
  const dialog = page.getByTestId("delete-org-dialog");
  await expect(dialog.getByRole("button", { name: "Delete this organization" })).toBeDisabled();
  await dialog.getByLabel(`Type ${org} to confirm`).fill(org);
  await dialog.getByRole("button", { name: "Delete this organization" }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
  await expect(page.getByTestId("toast").last()).toContainText(`Organization ${org} was deleted.`);
  const gone = await ip.goto(`/orgs/${org}`);
  expect(gone?.status()).toBe(404);
  await ip.goto("/");
  await expect(ip).toHaveURL(/\/onboarding$/);

  for (const s of [existingSession, leaverSession, inviteeSession]) await s.context.close();
});

test("users tab of a large org: paging, search and sort live in the URL", async ({ page }) => {
  await signIn(page, BIG_ORG_ADMIN);
  await expect(page).toHaveURL(new RegExp(`/orgs/${BIG_ORG}$`));
  await expect(page.getByTestId("overview-members")).toHaveText(String(BIG_ORG_MEMBERS + 1));
  await page.goto(`/orgs/${BIG_ORG}/settings/users`);
  const pagination = page.getByTestId("pagination");
  await expect(pagination).toContainText(`1–25 of ${BIG_ORG_MEMBERS + 1}`);
  await expect(page.getByRole("table", { name: "Members" }).getByRole("row")).toHaveCount(26);
  await snap(page, "users-tab");

  await pagination.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(pagination).toContainText(`26–50 of ${BIG_ORG_MEMBERS + 1}`);
  await page.goBack();
  await expect(pagination).toContainText(`1–25 of ${BIG_ORG_MEMBERS + 1}`);

  // A chosen page size stays when paging.
  await pagination.getByLabel("Rows per page").selectOption("50");
  await pagination.getByRole("button", { name: "Next" }).click();
  await expect(pagination).toContainText(`51–${BIG_ORG_MEMBERS + 1} of ${BIG_ORG_MEMBERS + 1}`);
  await expect(page).toHaveURL(/pageSize=50/);
  await pagination.getByLabel("Rows per page").selectOption("100");
  await expect(pagination).toContainText(`1–${BIG_ORG_MEMBERS + 1} of ${BIG_ORG_MEMBERS + 1}`);

  await page.getByRole("button", { name: "Joined" }).click();
  await expect(page).toHaveURL(/sort=joined&dir=desc|dir=desc.*sort=joined/);
  // The admin joined when the org was seeded, after every member (their join dates are in the past).
  await expect(page.getByRole("table", { name: "Members" }).getByRole("row").nth(1)).toContainText(BIG_ORG_ADMIN);
  await expect(page.getByRole("table", { name: "Members" }).getByRole("row").nth(2)).toContainText(
    `member-0${BIG_ORG_MEMBERS}`,
  );

  await page.getByLabel("Search members").fill("member-04");
  await expect(page).toHaveURL(/q=member-04/);
  await expect(pagination).toContainText("1–10 of 10");
  await page.reload();
  await expect(page.getByLabel("Search members")).toHaveValue("member-04");
  await expect(pagination).toContainText("1–10 of 10");
  await page.getByLabel("Search members").fill("nobody-matches-this");
  await expect(page.getByText("No members match “nobody-matches-this”.")).toBeVisible();
  // One message for an empty search: no "0 matching members" above the table, no "No results" pager below it.
  await expect(page.getByTestId("members-empty")).toHaveCount(1);
  await expect(pagination).toHaveCount(0);
  await expect(page.getByText(/0 matching members/)).toHaveCount(0);
  await expect(page.getByText("No results")).toHaveCount(0);
  await page.getByRole("button", { name: "Clear search" }).click();
  await expect(page.getByLabel("Search members")).toHaveValue("");
  await expect(pagination).toContainText(`of ${BIG_ORG_MEMBERS + 1}`);

  // The role filter lives in the URL and combines with the search. Every tenth seeded member is a manager.
  const managers = Math.ceil(BIG_ORG_MEMBERS / 10);
  await page.getByLabel("Filter by role").selectOption("manager");
  await expect(page).toHaveURL(/role=manager/);
  await expect(pagination).toContainText(`1–${managers} of ${managers}`);
  const table = page.getByRole("table", { name: "Members" });
  await expect(table.getByRole("row")).toHaveCount(managers + 1);
  await expect(table.getByRole("row").filter({ hasText: "Manager" })).toHaveCount(managers);
  await page.reload();
  await expect(page.getByLabel("Filter by role")).toHaveValue("manager");
  await page.getByLabel("Search members").fill("member-00");
  await expect(pagination).toContainText("1–1 of 1");
  await expect(memberRow(page, "member-001")).toBeVisible();
  await page.getByLabel("Search members").fill("nobody-matches-this");
  await expect(page.getByTestId("members-empty")).toHaveText(/No managers match “nobody-matches-this”\./);
  await expect(pagination).toHaveCount(0);
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page.getByLabel("Filter by role")).toHaveValue("");
  await expect(pagination).toContainText(`of ${BIG_ORG_MEMBERS + 1}`);
  await page.getByLabel("Filter by role").selectOption("admin");
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(table).toContainText(BIG_ORG_ADMIN);
  await page.getByLabel("Filter by role").selectOption("");
  await expect(page).not.toHaveURL(/role=/);

  // Sorting by role keeps names A→Z within a role, whichever way the roles go.
  await page.goto(`/orgs/${BIG_ORG}/settings/users?sort=role&dir=desc`);
  await expect(table.getByRole("row").nth(1)).toContainText(BIG_ORG_ADMIN);
  await expect(table.getByRole("row").nth(2)).toContainText("member-001");
  await expect(table.getByRole("row").nth(3)).toContainText("member-011");
  await page.goto(`/orgs/${BIG_ORG}/settings/users?sort=role&dir=asc`);
  await expect(table.getByRole("row").nth(1)).toContainText("member-002");
  await expect(table.getByRole("row").nth(2)).toContainText("member-003");
});

test("users tab of an org past the count's cap: '1,000+' matches, and the pager goes on", async ({ page }) => {
  await signIn(page, HUGE_ORG_ADMIN);
  await expect(page).toHaveURL(new RegExp(`/orgs/${HUGE_ORG}$`));
  await page.goto(`/orgs/${HUGE_ORG}/settings/users`);
  const pagination = page.getByTestId("pagination");
  const table = page.getByRole("table", { name: "Members" });
  // Without a filter the member count is exact.
  await expect(pagination).toContainText(`1–25 of ${(HUGE_ORG_MEMBERS + 1).toLocaleString("en")}`);

  await page.getByLabel("Search members").fill(`${HUGE_ORG}-m`);
  await expect(page).toHaveURL(new RegExp(`q=${HUGE_ORG}-m`));
  await expect(pagination).toContainText("1–25 of 1,000+");
  await expect(pagination).toContainText("1 / 40+");
  await expect(page.getByText(`1,000+ matching members of ${HUGE_ORG}`)).toBeVisible();
  await expect(table.getByRole("row").nth(1)).toContainText(`${HUGE_ORG}-m0001`);
  await snap(page, "users-tab-capped");

  // The last page the count vouches for still offers Next, and the page after it says how far the count got.
  await page.goto(`/orgs/${HUGE_ORG}/settings/users?q=${HUGE_ORG}-m&page=40`);
  await expect(pagination).toContainText("976–1,000 of 1,000+");
  await expect(table.getByRole("row").nth(1)).toContainText(`${HUGE_ORG}-m0976`);
  await pagination.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=41/);
  await expect(pagination).toContainText("1,001–1,025 of 1,025+");
  await expect(table.getByRole("row").nth(1)).toContainText(`${HUGE_ORG}-m1001`);
  // Near the end the count is exact again, and Next stops.
  await page.goto(`/orgs/${HUGE_ORG}/settings/users?q=${HUGE_ORG}-m&page=12&pageSize=100`);
  await expect(pagination).toContainText(`1,101–1,200 of 1,200`);
  await expect(pagination).not.toContainText("+");
  await expect(pagination.getByRole("button", { name: "Next" })).toBeDisabled();

  // A role filter under the cap counts exactly; every tenth member is a manager.
  await page.goto(`/orgs/${HUGE_ORG}/settings/users?role=manager`);
  await expect(pagination).toContainText(`1–25 of ${HUGE_ORG_MEMBERS / 10}`);
});

test("a plain user sees the members list without settings, and settings URLs answer 404", async ({ page, browser }) => {
  const owner = await newPersonContext(browser);
  const [admin, member] = newPeople("owner", "member");
  const org = orgName("plain");
  await signUp(page, member);
  await signUp(owner.page, admin);
  await createOrg(owner.page, org);
  await owner.page.goto(`/orgs/${org}/settings/users`);
  await invite(owner.page, member.username);
  await acceptFromInvites(page, org);

  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("table", { name: "Members" })).toContainText(admin.username);
  // Usernames and names only: no addresses, and no finding people by them.
  const members = page.getByRole("table", { name: "Members" });
  await expect(members.getByRole("columnheader", { name: "Email" })).toHaveCount(0);
  await expect(members).not.toContainText("@example.com");
  await expect(page.getByLabel("Search members")).toHaveAttribute("placeholder", "Search by username or name");
  await page.getByLabel("Search members").fill(admin.email);
  await expect(page.getByText(`No members match “${admin.email}”.`)).toBeVisible();
  await page.getByLabel("Search members").fill(admin.username);
  await expect(memberRow(page, admin.username)).toBeVisible();
  await page.getByLabel("Search members").fill("");
  await expect(page.getByTestId("invite-open")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  await expect(page.getByTestId(`member-actions-${admin.username}`)).toHaveCount(0);
  await snap(page, "members-as-user");
  for (const path of ["settings/audit", "settings/general"]) {
    const res = await page.goto(`/orgs/${org}/${path}`);
    expect(res?.status()).toBe(404);
  }
  await owner.context.close();
});
