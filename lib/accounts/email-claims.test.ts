import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { orgMembers, users } from "@/db/schema";
import { getAccountNotice } from "./account-settings";
import { authenticate, completeOAuthSignUp, signUp } from "./accounts";
import { claimVerifiedEmail, EMAIL_TAKEN } from "./email-claims";
import { acceptInvitation } from "../orgs/invitations";
import {
  as,
  makeInvitation,
  makeOrg,
  makeUser,
  TEST_PASSWORD,
  testContext,
  uniqueName,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();

async function account(id: string) {
  const [u] = await t.db.select().from(users).where(eq(users.id, id));
  return u!;
}

describe("an unverified address reserves nothing against a verified claim", () => {
  it("the real owner signs up through the invitation link: the squatter loses the address, keeps the username", async () => {
    const victim = `${uniqueName("victim")}@example.com`;
    const squatter = await signUp(
      t.db,
      { username: uniqueName(), email: victim, password: TEST_PASSWORD },
      testContext(),
    );
    expect(squatter.emailVerified).toBe(false);
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const inv = await makeInvitation(t.db, org, { email: victim, invitedById: admin.id });

    // A plain sign-up with the address is still refused: it proves nothing.
    await expect(
      signUp(t.db, { username: uniqueName(), email: victim, password: TEST_PASSWORD }, testContext()),
    ).rejects.toMatchObject({ kind: "invalid", fieldErrors: { email: [EMAIL_TAKEN] } });

    const owner = await signUp(
      t.db,
      { username: uniqueName(), email: victim.toUpperCase(), password: TEST_PASSWORD },
      { ...testContext(), inviteToken: inv.token },
    );
    expect(owner.emailVerified).toBe(true);
    expect(await account(owner.id)).toMatchObject({ email: victim.toUpperCase(), lostEmail: null });
    expect((await account(owner.id)).emailVerifiedAt).not.toBeNull();
    const lost = await account(squatter.id);
    expect(lost).toMatchObject({ email: null, emailVerifiedAt: null, lostEmail: victim, username: squatter.username });
    // Told on every page until another address is added; the owner is told nothing.
    expect(await getAccountNotice(t.db, as(squatter))).toMatchObject({ kind: "lost_email", email: victim });
    expect(await getAccountNotice(t.db, as(owner))).toBeNull();

    // The owner accepts; the squatter still signs in by username, no longer by the address.
    await acceptInvitation(t.db, as(owner), { token: inv.token });
    const members = await t.db.select().from(orgMembers).where(eq(orgMembers.orgId, org.id));
    expect(members.map((m) => m.userId)).toContain(owner.id);
    expect(
      await authenticate(t.db, { identifier: squatter.username, password: TEST_PASSWORD }, testContext()),
    ).toMatchObject({ id: squatter.id });
    expect(await authenticate(t.db, { identifier: victim, password: TEST_PASSWORD }, testContext())).toMatchObject({
      id: owner.id,
    });
  });

  it("an address another account has verified is never taken, not even through an invitation link", async () => {
    const holder = await makeUser(t.db, uniqueName(), { verified: true });
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const inv = await makeInvitation(t.db, org, { email: holder.email, invitedById: admin.id });
    const username = uniqueName();
    await expect(
      signUp(
        t.db,
        { username, email: holder.email, password: TEST_PASSWORD },
        { ...testContext(), inviteToken: inv.token },
      ),
    ).rejects.toMatchObject({ kind: "invalid", fieldErrors: { email: [EMAIL_TAKEN] } });
    expect(await account(holder.id)).toMatchObject({ email: holder.email, lostEmail: null });
    expect((await t.db.select().from(users).where(eq(users.username, username))).length).toBe(0);
    const other = await makeUser(t.db);
    await expect(t.db.transaction((tx) => claimVerifiedEmail(tx, other.id, holder.email))).rejects.toMatchObject({
      kind: "conflict",
      field: "email",
    });
  });

  it("an OAuth provider's verified address displaces a squatter; an unvouched one doesn't", async () => {
    const victim = `${uniqueName("victim")}@example.com`;
    const squatter = await makeUser(t.db, uniqueName(), { email: victim });
    const unvouched = completeOAuthSignUp(
      t.db,
      { provider: "github", providerAccountId: uniqueName(), email: null, name: null },
      { username: uniqueName(), email: victim },
      testContext(),
    );
    await expect(unvouched).rejects.toMatchObject({ kind: "invalid" });
    expect((await account(squatter.id)).email).toBe(victim);

    const owner = await completeOAuthSignUp(
      t.db,
      { provider: "google", providerAccountId: uniqueName(), email: victim, name: "Owner" },
      { username: uniqueName(), email: victim },
      testContext(),
    );
    expect((await account(owner.id)).emailVerifiedAt).not.toBeNull();
    expect(await account(squatter.id)).toMatchObject({ email: null, lostEmail: victim });
  });

  it("claimVerifiedEmail moves the address and verifies it, and clears the claimant's own notice", async () => {
    const victim = `${uniqueName("victim")}@example.com`;
    const squatter = await makeUser(t.db, uniqueName(), { email: victim });
    const claimant = await makeUser(t.db);
    await t.db.update(users).set({ lostEmail: "old@example.com" }).where(eq(users.id, claimant.id));
    await t.db.transaction((tx) => claimVerifiedEmail(tx, claimant.id, victim));
    expect(await account(claimant.id)).toMatchObject({ email: victim, lostEmail: null });
    expect((await account(claimant.id)).emailVerifiedAt).not.toBeNull();
    expect(await account(squatter.id)).toMatchObject({ email: null, lostEmail: victim });
  });

  it("two concurrent verified claims of one address: one account gets it", async () => {
    const victim = `${uniqueName("victim")}@example.com`;
    await makeUser(t.db, uniqueName(), { email: victim });
    const a = await makeUser(t.db);
    const b = await makeUser(t.db);
    const results = await Promise.allSettled([
      t.db.transaction((tx) => claimVerifiedEmail(tx, a.id, victim)),
      t.db.transaction((tx) => claimVerifiedEmail(tx, b.id, victim)),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ kind: "conflict", field: "email" });
    const holders = [await account(a.id), await account(b.id)].filter((u) => u.email === victim);
    expect(holders).toHaveLength(1);
  });
});
