import type { Page } from "@playwright/test";
import { expect, test } from "./axe";
import { createOrg, newPeople, newPersonContext, OPERATOR, orgName, signInOperator, signUp, snap } from "./helpers";
import { inviteFromUsersTab } from "./invite-helpers";

/**
 * Adding someone by username needs their yes: the invitation shows in their console (badge, /invites), and
 * only Accept makes them a member. A platform admin still adds people at once, from the Admin area.
 */

function memberRow(page: Page, username: string) {
  return page.getByRole("table", { name: "Members" }).getByRole("row").filter({ hasText: username });
}

/** Full-page screenshots from the top, so the sticky header sits where it belongs. */
async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, name);
}

test("an admin invites usernames: one accepts and joins, one declines, one is reminded and revoked", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const [admin, joiner, decliner, pending] = newPeople("owner", "joiner", "decliner", "pending");
  const org = orgName("crew");

  const j = await newPersonContext(browser, { viewport: { width: 1280, height: 800 } });
  const d = await newPersonContext(browser, { viewport: { width: 390, height: 844 } });
  const p = await newPersonContext(browser);
  await signUp(j.page, joiner);
  await signUp(d.page, decliner);
  await signUp(p.page, pending);
  await signUp(page, admin);
  await createOrg(page, org);

  // One request, a result per entry: invited (waiting), unknown username.
  await inviteFromUsersTab(
    page,
    org,
    `${joiner.username}, ${decliner.username}, ${pending.username}, no-such-person-x`,
    "Manager",
  );
  const results = page.getByTestId("invite-results");
  for (const who of [joiner, decliner, pending])
    await expect(results).toContainText(`Invited ${who.username} (waiting for them to accept).`);
  await expect(results).toContainText("No account with the username 'no-such-person-x'.");
  // Nobody's address is shown to the inviter.
  await expect(results).not.toContainText("@example.com");
  await expect(page.getByTestId("invite-link")).toHaveCount(0);
  await shot(page, "username-invite-results");

  // Inviting again says so per entry, without an error page.
  await page.getByLabel("Usernames or emails").fill(`${joiner.username}, ${admin.username}`);
  await page.getByRole("button", { name: "Send invites" }).click();
  await expect(results).toContainText(`${joiner.username} already has a pending invitation.`);
  await expect(results).toContainText(`${admin.username} is already a member.`);
  await page.getByRole("button", { name: "Done" }).click();

  // Pending by username: Resend and Revoke, no Copy link; nobody joined yet.
  const pendingTable = page.getByRole("table", { name: "Pending invitations" });
  for (const who of [joiner, decliner, pending]) {
    const actions = page.getByTestId(`invitation-actions-${who.username}`);
    await expect(actions).toBeVisible();
    await expect(actions.getByRole("button", { name: /^Copy link/ })).toHaveCount(0);
  }
  await expect(pendingTable).not.toContainText("@example.com");
  await expect(memberRow(page, joiner.username)).toHaveCount(0);
  await shot(page, "username-invites-pending");

  // The joiner: the badge appears at once (no email verification needed), /invites lists it; Accept joins.
  const jp = j.page;
  await jp.goto("/onboarding");
  await expect(jp.getByTestId("my-invitation-" + org)).toContainText(`Invited by ${admin.username} to your account`);
  await expect(jp.getByTestId("invitations-badge")).toHaveText(/1 invitation$/);
  await jp.getByTestId("invitations-badge").click();
  await expect(jp).toHaveURL(/\/invites$/);
  const item = jp.getByTestId(`my-invitation-${org}`);
  await expect(item).toContainText("Manager");
  await expect(item).toContainText(`Invited by ${admin.username} to your account`);
  await shot(jp, "invites-page");
  await jp.getByRole("button", { name: `Accept invitation to ${org}` }).click();
  await expect(jp).toHaveURL(new RegExp(`/orgs/${org}$`));
  await expect(jp.getByTestId("toast").last()).toContainText(`Welcome to ${org}: you joined as manager.`);
  await expect(jp.getByTestId("overview-role")).toHaveText("Manager");
  await expect(jp.getByTestId("invitations-badge")).toHaveCount(0);

  // The decliner (on a phone): Decline, and the org stays closed to them.
  const dp = d.page;
  await dp.goto("/invites");
  await expect(dp.getByTestId(`my-invitation-${org}`)).toBeVisible();
  await shot(dp, "invites-page-phone");
  await dp.getByRole("button", { name: `Decline invitation to ${org}` }).click();
  await expect(dp.getByTestId("toast").last()).toContainText(`Invitation to ${org} declined.`);
  await expect(dp.getByTestId("no-invitations")).toBeVisible();
  await expect(dp.getByTestId("invitations-badge")).toHaveCount(0);
  expect((await dp.goto(`/orgs/${org}`))?.status()).toBe(404);

  // The admin sees the joiner as a member, the decliner nowhere, the third one still pending.
  await page.reload();
  await expect(memberRow(page, joiner.username)).toContainText("Manager");
  await expect(memberRow(page, decliner.username)).toHaveCount(0);
  await expect(page.getByTestId(`invitation-actions-${joiner.username}`)).toHaveCount(0);
  await expect(page.getByTestId(`invitation-actions-${decliner.username}`)).toHaveCount(0);

  // Resend reminds the third one; Revoke asks first, then takes it away from their list.
  await page.getByRole("button", { name: `Resend the invitation to ${pending.username}` }).click();
  await expect(page.getByTestId("toast").last()).toContainText(
    `Reminded ${pending.username}: the invitation is valid for 7 more days.`,
  );
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId(`invitation-actions-${pending.username}`)).toBeVisible();
  await shot(page, "username-invites-pending-phone");
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByRole("button", { name: `Revoke the invitation to ${pending.username}` }).click();
  const revoke = page.getByTestId("revoke-invitation-dialog");
  await expect(page.getByRole("dialog")).toContainText(`Revoke the invitation to ${pending.username}?`);
  await shot(page, "username-invite-revoke");
  await revoke.getByRole("button", { name: "Revoke invitation" }).click();
  await expect(page.getByTestId("toast").last()).toContainText(`Invitation to ${pending.username} revoked.`);
  await expect(page.getByTestId(`invitation-actions-${pending.username}`)).toHaveCount(0);
  await p.page.goto("/invites");
  await expect(p.page.getByTestId("no-invitations")).toBeVisible();
  await expect(p.page.getByTestId("invitations-badge")).toHaveCount(0);

  // The audit log tells the story.
  await page.goto(`/orgs/${org}/settings/audit`);
  for (const action of [/^Invited/, "Accepted invitation", "Declined invitation", "Resent invitation"]) {
    await expect(page.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  }
  await expect(page.getByRole("cell", { name: "Revoked invitation", exact: true })).toBeVisible();

  for (const s of [j, d, p]) await s.context.close();
});

test("a platform admin adds a member at once from the Admin area; the org's admin can't", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const [owner, person] = newPeople("owner", "added");
  const org = orgName("direct");
  const o = await newPersonContext(browser);
  const a = await newPersonContext(browser);
  await signUp(o.page, owner);
  await createOrg(o.page, org);
  await signUp(a.page, person);

  await signInOperator(page);
  await page.goto(`/admin/orgs?q=${org}`);
  await page.getByRole("button", { name: `Add member to ${org}` }).click();
  const form = page.getByTestId("admin-add-member-form");
  // An unknown username is told under the field, and the dialog stays open with what was typed.
  await form.getByLabel("Username").fill("no-such-person-x");
  await form.getByRole("button", { name: "Add member" }).click();
  await expect(form.getByTestId("error-username")).toHaveText("No account with the username 'no-such-person-x'.");
  await expect(form.getByLabel("Username")).toHaveValue("no-such-person-x");
  await shot(page, "admin-add-member");
  await form.getByLabel("Username").fill(person.username);
  await form.getByLabel("Role").selectOption("manager");
  await form.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByTestId("toast").last()).toContainText(`Added ${person.username} to ${org} as manager.`);
  await expect(form).toHaveCount(0);
  const orgRow = page.getByRole("table", { name: "Organizations" }).getByRole("row").filter({ hasText: org });
  await expect(orgRow.getByRole("cell").nth(1)).toHaveText("2");

  // Again: already a member, said in the form.
  await page.getByRole("button", { name: `Add member to ${org}` }).click();
  await form.getByLabel("Username").fill(person.username);
  await form.getByRole("button", { name: "Add member" }).click();
  await expect(form.getByTestId("error-username")).toHaveText(
    `${person.username} already is a member of ${org} (manager).`,
  );
  await page.keyboard.press("Escape");

  // The person is a member at once, without an invitation to answer.
  await a.page.goto(`/orgs/${org}`);
  await expect(a.page.getByTestId("overview-role")).toHaveText("Manager");
  await expect(a.page.getByTestId("invitations-badge")).toHaveCount(0);

  // The org's own admin has no Admin area.
  const res = await o.page.goto(`/admin/orgs?q=${org}`);
  expect(res?.status()).toBe(404);
  await o.page.goto(`/orgs/${org}/settings/audit`);
  await expect(o.page.getByRole("cell", { name: "Added member", exact: true })).toBeVisible();
  await expect(o.page.getByRole("row").filter({ hasText: "Added member" })).toContainText(OPERATOR);

  for (const s of [o, a]) await s.context.close();
});
