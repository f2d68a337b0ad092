import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { userCaller } from "../core/caller";
import { describe, expect, it } from "vitest";
import {
  auditEvents,
  creditLedger,
  emailVerifications,
  invitations,
  orgMembers,
  orgs,
  passwordResets,
  sessions,
  users,
} from "@/db/schema";
import { ACCOUNT_LIMITS } from "./account-limits";
import {
  accountNameSchema,
  cancelEmailChange,
  changePasswordSchema,
  deleteAccountSchema,
  emailChangeSchema,
  changePassword,
  deleteAccount,
  getAccountNotice,
  getAccountSettings,
  requestEmailChange,
  resendEmailChange,
  updateDisplayName,
} from "./account-settings";
import { authenticate, signUp, verifyEmail } from "./accounts";
import { grantPlatformAdmin } from "../orgs/internal";
import { claimVerifiedEmail } from "./email-claims";
import { Conflict, Invalid, NotFound, RateLimited, Unauthenticated } from "../core/errors";
import { postLedger } from "../billing/ledger";
import { hashToken, newToken } from "../core/tokens";
import { createSession } from "./sessions";
import {
  addMember,
  as,
  invite,
  makeCluster,
  makeInvitation,
  makeJob,
  makeOrg,
  makeUser,
  testContext,
  testServices,
  TEST_PASSWORD,
  tokenFromLink,
  uniqueName,
  withTestDatabase,
  fieldErrorsOf,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();

describe("ACCOUNT_LIMITS (the forms' maxLength)", () => {
  it("is exactly what the zod rules accept", () => {
    const at = (n: number) => "a".repeat(n);
    // a@bbb…b.bbb…b.com: labels of at most 63 characters, n characters in all.
    const email = (n: number) => {
      let domain = "com";
      while (domain.length + 2 < n) {
        const label = Math.min(63, n - 2 - domain.length - 1);
        domain = `${"b".repeat(label)}.${domain}`;
      }
      return `a@${domain}`;
    };
    expect(email(ACCOUNT_LIMITS.email)).toHaveLength(ACCOUNT_LIMITS.email);
    expect(accountNameSchema.safeParse({ name: at(ACCOUNT_LIMITS.name) }).success).toBe(true);
    expect(accountNameSchema.safeParse({ name: at(ACCOUNT_LIMITS.name + 1) }).success).toBe(false);
    expect(changePasswordSchema.safeParse({ newPassword: at(ACCOUNT_LIMITS.password) }).success).toBe(true);
    expect(changePasswordSchema.safeParse({ newPassword: at(ACCOUNT_LIMITS.password + 1) }).success).toBe(false);
    expect(
      changePasswordSchema.safeParse({ currentPassword: at(ACCOUNT_LIMITS.password + 1), newPassword: at(8) }).success,
    ).toBe(false);
    expect(emailChangeSchema.safeParse({ email: email(ACCOUNT_LIMITS.email) }).success).toBe(true);
    expect(emailChangeSchema.safeParse({ email: email(ACCOUNT_LIMITS.email + 1) }).success).toBe(false);
    expect(deleteAccountSchema.safeParse({ confirmUsername: at(ACCOUNT_LIMITS.confirmUsername) }).success).toBe(true);
    expect(deleteAccountSchema.safeParse({ confirmUsername: at(ACCOUNT_LIMITS.confirmUsername + 1) }).success).toBe(
      false,
    );
  });
});

async function userRow(id: string) {
  const [row] = await t.db.select().from(users).where(eq(users.id, id));
  return row;
}

const changeLink = (text: string) => tokenFromLink(text, "/verify-email?token=");
const newAddress = () => `${uniqueName("new")}@example.org`;

describe("updateDisplayName", () => {
  it("trims, stores and clears the name", async () => {
    const pat = await makeUser(t.db);
    expect(await updateDisplayName(t.db, as(pat), { name: "  Pat Smith  " })).toEqual({ name: "Pat Smith" });
    expect((await userRow(pat.id))!.name).toBe("Pat Smith");
    expect(await updateDisplayName(t.db, as(pat), { name: "   " })).toEqual({ name: null });
    expect((await userRow(pat.id))!.name).toBeNull();
  });

  it("refuses too long names, control characters and non-strings, writing nothing", async () => {
    const pat = await makeUser(t.db, uniqueName(), { name: "Kept" });
    expect(await fieldErrorsOf(updateDisplayName(t.db, as(pat), { name: "x".repeat(101) }))).toEqual({
      name: ["Display name must be at most 100 characters."],
    });
    expect(await fieldErrorsOf(updateDisplayName(t.db, as(pat), { name: "a\u0000b" }))).toEqual({
      name: ["Display name can't contain control characters."],
    });
    expect((await fieldErrorsOf(updateDisplayName(t.db, as(pat), { name: 42 }))).name).toHaveLength(1);
    expect((await fieldErrorsOf(updateDisplayName(t.db, as(pat), {}))).name).toHaveLength(1);
    // Exactly 100 characters is fine.
    expect((await updateDisplayName(t.db, as(pat), { name: "y".repeat(100) })).name).toHaveLength(100);
    await updateDisplayName(t.db, as(pat), { name: "Kept" });
    expect((await userRow(pat.id))!.name).toBe("Kept");
    await expect(updateDisplayName(t.db, null, { name: "x" })).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("changePassword", () => {
  it("needs the right current password and writes nothing otherwise", async () => {
    const pat = await makeUser(t.db);
    const before = (await userRow(pat.id))!.passwordHash;
    const svc = testServices();
    expect(
      await fieldErrorsOf(
        changePassword(t.db, as(pat), { currentPassword: "wrong password", newPassword: "a new password" }, svc),
      ),
    ).toEqual({ currentPassword: ["That is not your current password."] });
    expect(
      await fieldErrorsOf(changePassword(t.db, as(pat), { currentPassword: "", newPassword: "a new password" }, svc)),
    ).toEqual({ currentPassword: ["Enter your current password."] });
    expect(
      await fieldErrorsOf(changePassword(t.db, as(pat), { currentPassword: TEST_PASSWORD, newPassword: "short" }, svc)),
    ).toEqual({ newPassword: ["Password must be at least 8 characters."] });
    expect(
      await fieldErrorsOf(
        changePassword(t.db, as(pat), { currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD }, svc),
      ),
    ).toEqual({ newPassword: ["Choose a password different from your current one."] });
    expect((await userRow(pat.id))!.passwordHash).toBe(before);
    await expect(
      changePassword(t.db, null, { currentPassword: TEST_PASSWORD, newPassword: "a new password" }, svc),
    ).rejects.toBeInstanceOf(Unauthenticated);
  });

  it("sets the new password, ends every other session, kills reset links; the new password signs in", async () => {
    const pat = await makeUser(t.db);
    const other = await makeUser(t.db);
    const here = await createSession(t.db, pat.id, { userAgent: "this browser" });
    const elsewhere = [await createSession(t.db, pat.id), await createSession(t.db, pat.id)];
    const othersSession = await createSession(t.db, other.id);
    const reset = newToken();
    await t.db
      .insert(passwordResets)
      .values({ userId: pat.id, tokenHash: reset.hash, expiresAt: new Date(Date.now() + 3600_000) });

    const r = await changePassword(
      t.db,
      userCaller(pat.id, here),
      { currentPassword: TEST_PASSWORD, newPassword: "a brand new password" },
      testServices(),
    );
    expect(r).toEqual({ firstPassword: false, endedSessions: 2 });

    const left = await t.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(inArray(sessions.userId, [pat.id, other.id]));
    expect(left.map((s) => s.id).sort()).toEqual([here, othersSession].sort());
    expect(left.map((s) => s.id)).not.toContain(elsewhere[0]);
    const [resetRow] = await t.db.select().from(passwordResets).where(eq(passwordResets.userId, pat.id));
    expect(resetRow!.usedAt).toBeInstanceOf(Date);

    const ctx = testContext();
    expect(await authenticate(t.db, { identifier: pat.username, password: "a brand new password" }, ctx)).toEqual({
      id: pat.id,
      username: pat.username,
    });
    expect(await authenticate(t.db, { identifier: pat.username, password: TEST_PASSWORD }, ctx)).toBeNull();
  });

  it("lets an OAuth-only account set a first password without a current one", async () => {
    const oauth = await makeUser(t.db);
    await t.db.update(users).set({ passwordHash: null }).where(eq(users.id, oauth.id));
    expect((await getAccountSettings(t.db, as(oauth))).hasPassword).toBe(false);
    const r = await changePassword(t.db, as(oauth), { newPassword: "first password here" }, testServices());
    expect(r.firstPassword).toBe(true);
    expect((await getAccountSettings(t.db, as(oauth))).hasPassword).toBe(true);
    expect(
      await authenticate(t.db, { identifier: oauth.email, password: "first password here" }, testContext()),
    ).toEqual({ id: oauth.id, username: oauth.username });
    // From now on the current password is required.
    expect(
      await fieldErrorsOf(changePassword(t.db, as(oauth), { newPassword: "another password" }, testServices())),
    ).toEqual({ currentPassword: ["Enter your current password."] });
  });

  it("limits current-password guesses per account", async () => {
    const pat = await makeUser(t.db);
    const svc = testServices();
    for (let i = 0; i < 10; i++) {
      await expect(
        changePassword(t.db, as(pat), { currentPassword: `guess ${i}`, newPassword: "a new password" }, svc),
      ).rejects.toBeInstanceOf(Invalid);
    }
    await expect(
      changePassword(t.db, as(pat), { currentPassword: TEST_PASSWORD, newPassword: "a new password" }, svc),
    ).rejects.toBeInstanceOf(RateLimited);
  });
});

describe("email change", () => {
  it("mails a link to the NEW address; the old one stays until the link is followed, then is told", async () => {
    const pat = await makeUser(t.db, uniqueName(), { verified: true });
    const svc = testServices();
    const next = newAddress();
    const r = await requestEmailChange(t.db, as(pat), { email: next, currentPassword: TEST_PASSWORD }, svc);
    expect(r.email).toBe(next);

    expect(svc.mailer.sent).toHaveLength(1);
    const [mail] = svc.mailer.to(next);
    expect(mail!.subject).toBe("Confirm your new email address for Apolo");
    expect(mail!.text).toContain(pat.email);
    const token = changeLink(mail!.text);
    const [row] = await t.db.select().from(emailVerifications).where(eq(emailVerifications.userId, pat.id));
    expect(row).toMatchObject({ email: next, purpose: "change", tokenHash: hashToken(token), usedAt: null });
    expect(JSON.stringify(row)).not.toContain(token);

    // Nothing changed yet: same address, still verified; the page shows the pending address.
    expect(await userRow(pat.id)).toMatchObject({ email: pat.email });
    expect((await userRow(pat.id))!.emailVerifiedAt).toBeInstanceOf(Date);
    const settings = await getAccountSettings(t.db, as(pat));
    expect(settings.email).toBe(pat.email);
    expect(settings.pendingEmail).toMatchObject({ email: next, expired: false });

    // The link needs the services (it mails the old address).
    await expect(verifyEmail(t.db, token)).rejects.toThrow(/services/);
    expect(await verifyEmail(t.db, token, svc)).toEqual({
      ok: true,
      username: pat.username,
      changed: true,
      email: next,
    });
    const after = await userRow(pat.id);
    expect(after!.email).toBe(next);
    expect(after!.emailVerifiedAt).toBeInstanceOf(Date);
    const [notice] = svc.mailer.to(pat.email);
    expect(notice!.subject).toBe("Your Apolo email address was changed");
    expect(notice!.text).toContain(next);
    expect(notice!.text).not.toContain(token);
    expect((await getAccountSettings(t.db, as(pat))).pendingEmail).toBeNull();

    // One time only; the old address no longer signs in, the new one does.
    expect(await verifyEmail(t.db, token, svc)).toEqual({ ok: false });
    const ctx = testContext();
    expect(await authenticate(t.db, { identifier: pat.email, password: TEST_PASSWORD }, ctx)).toBeNull();
    expect((await authenticate(t.db, { identifier: next, password: TEST_PASSWORD }, ctx))?.id).toBe(pat.id);
  });

  it("refuses an address another account verified, at request time, writing and mailing nothing", async () => {
    const pat = await makeUser(t.db);
    const owner = await makeUser(t.db, uniqueName(), { verified: true });
    const svc = testServices();
    const errors = await fieldErrorsOfConflict(
      requestEmailChange(t.db, as(pat), { email: owner.email.toUpperCase(), currentPassword: TEST_PASSWORD }, svc),
    );
    expect(errors).toEqual({ email: ["An account with this email already exists."] });
    expect(svc.mailer.sent).toHaveLength(0);
    // Probing addresses this way counts against the account's email-change limit.
    for (let i = 0; i < 4; i++) {
      await expect(
        requestEmailChange(t.db, as(pat), { email: owner.email, currentPassword: TEST_PASSWORD }, svc),
      ).rejects.toBeInstanceOf(Conflict);
    }
    await expect(
      requestEmailChange(t.db, as(pat), { email: owner.email, currentPassword: TEST_PASSWORD }, svc),
    ).rejects.toBeInstanceOf(RateLimited);
    expect(await t.db.select().from(emailVerifications).where(eq(emailVerifications.userId, pat.id))).toHaveLength(0);
  });

  it("takes an address held unverified by someone else when the link is followed", async () => {
    const squatter = await makeUser(t.db);
    const owner = await makeUser(t.db);
    const svc = testServices();
    await requestEmailChange(t.db, as(owner), { email: squatter.email, currentPassword: TEST_PASSWORD }, svc);
    // Requesting takes nothing yet.
    expect((await userRow(squatter.id))!.email).toBe(squatter.email);
    const token = changeLink(svc.mailer.to(squatter.email)[0]!.text);

    expect((await verifyEmail(t.db, token, svc)).ok).toBe(true);
    expect(await userRow(owner.id)).toMatchObject({ email: squatter.email, lostEmail: null });
    const lost = await userRow(squatter.id);
    expect(lost).toMatchObject({ email: null, emailVerifiedAt: null, lostEmail: squatter.email });
    // The squatter is told on every page and on the account page.
    expect(await getAccountNotice(t.db, as(squatter))).toEqual({
      kind: "lost_email",
      email: squatter.email,
      message: `Your address ${squatter.email} was claimed by an account that proved it owns it. Add and verify another address.`,
      href: "/account#email",
    });
    expect(await getAccountNotice(t.db, as(owner))).toBeNull();
    // Old address of the owner was told.
    expect(svc.mailer.to(owner.email)).toHaveLength(1);

    // The way out: add and verify another address, which clears the notice.
    const svc2 = testServices();
    const fresh = newAddress();
    await requestEmailChange(t.db, as(squatter), { email: fresh, currentPassword: TEST_PASSWORD }, svc2);
    expect((await verifyEmail(t.db, changeLink(svc2.mailer.to(fresh)[0]!.text), svc2)).ok).toBe(true);
    expect(await userRow(squatter.id)).toMatchObject({ email: fresh, lostEmail: null });
    expect(await getAccountNotice(t.db, as(squatter))).toBeNull();
    // An account without an address gets no "changed" notice.
    expect(svc2.mailer.sent).toHaveLength(1);
  });

  it("fails for an expired, used, superseded or cancelled link, and when the address was verified elsewhere meanwhile", async () => {
    const pat = await makeUser(t.db);
    const svc = testServices();

    // Expired.
    const a = newAddress();
    await requestEmailChange(t.db, as(pat), { email: a, currentPassword: TEST_PASSWORD }, svc);
    const expired = changeLink(svc.mailer.to(a)[0]!.text);
    await t.db
      .update(emailVerifications)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(emailVerifications.userId, pat.id));
    expect(await verifyEmail(t.db, expired, svc)).toEqual({ ok: false });
    expect((await getAccountSettings(t.db, as(pat))).pendingEmail).toMatchObject({ email: a, expired: true });

    // Superseded by a newer request, and the newer one's link replaced by a resend.
    const b = newAddress();
    const c = newAddress();
    await requestEmailChange(t.db, as(pat), { email: b, currentPassword: TEST_PASSWORD }, svc);
    const first = changeLink(svc.mailer.to(b)[0]!.text);
    await requestEmailChange(t.db, as(pat), { email: c, currentPassword: TEST_PASSWORD }, svc);
    const second = changeLink(svc.mailer.to(c)[0]!.text);
    expect(await verifyEmail(t.db, first, svc)).toEqual({ ok: false });
    expect(await resendEmailChange(t.db, as(pat), svc)).toEqual({ email: c });
    const resent = changeLink(svc.mailer.to(c)[1]!.text);
    expect(await verifyEmail(t.db, second, svc)).toEqual({ ok: false });

    // Verified by another account meanwhile: the link can't apply, and nothing changes.
    const rival = await makeUser(t.db);
    await t.db.transaction((tx) => claimVerifiedEmail(tx, rival.id, c));
    expect(await verifyEmail(t.db, resent, svc)).toEqual({ ok: false });
    expect((await userRow(pat.id))!.email).toBe(pat.email);
    expect((await userRow(rival.id))!.email).toBe(c);
    // ...and a resend is refused on the field.
    await expect(resendEmailChange(t.db, as(pat), svc)).rejects.toBeInstanceOf(Conflict);

    // Cancelled (with a fresh limiter: this account used up its five email changes an hour above).
    await expect(
      requestEmailChange(t.db, as(pat), { email: newAddress(), currentPassword: TEST_PASSWORD }, svc),
    ).rejects.toBeInstanceOf(RateLimited);
    const d = newAddress();
    const svc2 = testServices();
    await requestEmailChange(t.db, as(pat), { email: d, currentPassword: TEST_PASSWORD }, svc2);
    const cancelled = changeLink(svc2.mailer.to(d)[0]!.text);
    expect(await cancelEmailChange(t.db, as(pat))).toEqual({ cancelled: 1 });
    expect(await cancelEmailChange(t.db, as(pat))).toEqual({ cancelled: 0 });
    expect(await verifyEmail(t.db, cancelled, svc2)).toEqual({ ok: false });
    expect((await getAccountSettings(t.db, as(pat))).pendingEmail).toBeNull();
    await expect(resendEmailChange(t.db, as(pat), svc2)).rejects.toBeInstanceOf(NotFound);

    expect((await userRow(pat.id))!.email).toBe(pat.email);
    expect(svc.mailer.to(pat.email)).toHaveLength(0);
  });

  it("validates input, needs the current password, and is rate-limited per account", async () => {
    const pat = await makeUser(t.db);
    const svc = testServices();
    expect(
      await fieldErrorsOf(requestEmailChange(t.db, as(pat), { email: "nope", currentPassword: TEST_PASSWORD }, svc)),
    ).toEqual({
      email: ["Enter a valid email address."],
    });
    expect(
      await fieldErrorsOf(
        requestEmailChange(t.db, as(pat), { email: `${"x".repeat(250)}@a.io`, currentPassword: TEST_PASSWORD }, svc),
      ),
    ).toEqual({ email: ["Email address is too long."] });
    expect(
      await fieldErrorsOf(
        requestEmailChange(t.db, as(pat), { email: pat.email.toUpperCase(), currentPassword: TEST_PASSWORD }, svc),
      ),
    ).toEqual({ email: ["That is already your address: send yourself a verification email instead."] });
    expect(
      await fieldErrorsOf(
        requestEmailChange(t.db, as(pat), { email: newAddress(), currentPassword: "wrong one" }, svc),
      ),
    ).toEqual({ currentPassword: ["That is not your current password."] });
    expect(svc.mailer.sent).toHaveLength(0);
    expect(await t.db.select().from(emailVerifications).where(eq(emailVerifications.userId, pat.id))).toHaveLength(0);

    for (let i = 0; i < 3; i++) {
      await requestEmailChange(t.db, as(pat), { email: newAddress(), currentPassword: TEST_PASSWORD }, svc);
    }
    await resendEmailChange(t.db, as(pat), svc);
    await resendEmailChange(t.db, as(pat), svc);
    await expect(
      requestEmailChange(t.db, as(pat), { email: newAddress(), currentPassword: TEST_PASSWORD }, svc),
    ).rejects.toBeInstanceOf(RateLimited);
    await expect(resendEmailChange(t.db, as(pat), svc)).rejects.toBeInstanceOf(RateLimited);
    expect(svc.mailer.sent).toHaveLength(5);
    await expect(requestEmailChange(t.db, null, { email: newAddress() }, svc)).rejects.toBeInstanceOf(Unauthenticated);
  });
});

async function fieldErrorsOfConflict(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(Conflict);
    return (e as Conflict).fieldErrors;
  }
  throw new Error("expected a Conflict");
}

describe("deleteAccount", () => {
  it("is refused for the last admin of an org, naming those orgs, and changes nothing", async () => {
    const pat = await makeUser(t.db);
    const partner = await makeUser(t.db);
    const solo = await makeOrg(t.db, { admin: pat });
    const alsoSolo = await makeOrg(t.db, { admin: pat, user: partner });
    const shared = await makeOrg(t.db, { admin: pat });
    await addMember(t.db, shared, partner, "admin");
    const err = await deleteAccount(t.db, as(pat), { confirmUsername: pat.username }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Conflict);
    const names = [solo.name, alsoSolo.name].sort();
    expect((err as Conflict).message).toBe(
      `You are the last admin of ${names.join(", ")}. Make another member an admin or delete those organizations first.`,
    );
    expect((err as Conflict).message).not.toContain(shared.name);
    // The page knows beforehand.
    expect((await getAccountSettings(t.db, as(pat))).soleAdminOf).toEqual(names);
    expect(await userRow(pat.id)).toBeDefined();
    expect(await t.db.select().from(orgMembers).where(eq(orgMembers.userId, pat.id))).toHaveLength(3);
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.actorId, pat.id))).toHaveLength(0);
  });

  it("refuses a wrong confirmation and running jobs", async () => {
    const pat = await makeUser(t.db);
    expect(await fieldErrorsOf(deleteAccount(t.db, as(pat), { confirmUsername: "someone-else" }))).toEqual({
      confirmUsername: [`Type your username, '${pat.username}', to confirm.`],
    });
    expect(await fieldErrorsOf(deleteAccount(t.db, as(pat), { confirmUsername: pat.username.toUpperCase() }))).toEqual({
      confirmUsername: [`Type your username, '${pat.username}', to confirm.`],
    });
    await expect(deleteAccount(t.db, null, { confirmUsername: "x" })).rejects.toBeInstanceOf(Unauthenticated);

    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin, user: pat });
    const cluster = await makeCluster(t.db);
    await makeJob(t.db, { org, user: pat, cluster, preset: cluster.presets.small! });
    const err = await deleteAccount(t.db, as(pat), { confirmUsername: pat.username }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Conflict).message).toBe(`Stop your running jobs first (in ${org.name}).`);
    expect(await userRow(pat.id)).toBeDefined();
  });

  it("removes the account, its memberships, sessions and invitations; keeps ledger rows; writes audit rows", async () => {
    const pat = await makeUser(t.db, uniqueName(), { verified: true });
    const admin = await makeUser(t.db);
    const team = await makeOrg(t.db, { admin, manager: pat });
    const coAdmin = await makeOrg(t.db, { admin: admin });
    await addMember(t.db, coAdmin, pat, "admin");
    const inviting = await makeOrg(t.db, { admin });
    const untouched = await makeOrg(t.db, { admin });
    await createSession(t.db, pat.id);
    await createSession(t.db, pat.id);
    const adminSession = await createSession(t.db, admin.id);

    // Invitations addressed to pat: by email (pat's verified address, any case) and in-app; one pat sent.
    const byEmail = await makeInvitation(t.db, inviting, { email: pat.email.toUpperCase(), invitedById: admin.id });
    const [inApp] = await t.db
      .insert(invitations)
      .values({ orgId: untouched.id, inviteeId: pat.id, role: "user", expiresAt: new Date(Date.now() + 3600_000) })
      .returning();
    const sentByPat = await makeInvitation(t.db, team, { email: newAddress(), invitedById: pat.id });
    const someoneElses = await makeInvitation(t.db, inviting, { email: newAddress(), invitedById: admin.id });

    // A ledger row pat made (a top-up) and one charging pat's usage.
    await t.db.transaction(async (tx) => {
      await postLedger(tx, { orgId: team.id, kind: "topup", amount: "10", actorId: pat.id, note: "top-up" });
      await postLedger(tx, { orgId: team.id, kind: "charge", amount: "-1", memberId: pat.id, note: "usage" });
    });

    expect(await deleteAccount(t.db, as(pat), { confirmUsername: ` ${pat.username} ` })).toEqual({
      username: pat.username,
      orgs: [team.name, coAdmin.name].sort(),
    });

    // The row stays, emptied and marked deleted, so the history keeps naming the username.
    expect(await userRow(pat.id)).toMatchObject({
      username: pat.username,
      email: null,
      passwordHash: null,
      name: null,
      emailVerifiedAt: null,
    });
    expect((await userRow(pat.id))!.deletedAt).not.toBeNull();
    expect(await t.db.select().from(orgMembers).where(eq(orgMembers.userId, pat.id))).toHaveLength(0);
    const [teamNow] = await t.db.select({ memberCount: orgs.memberCount }).from(orgs).where(eq(orgs.id, team.id));
    expect(teamNow!.memberCount).toBe(1);
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, pat.id))).toHaveLength(0);
    expect((await t.db.select().from(sessions).where(eq(sessions.id, adminSession))).length).toBe(1);
    const invs = await t.db
      .select({ id: invitations.id, invitedById: invitations.invitedById })
      .from(invitations)
      .where(inArray(invitations.id, [byEmail.id, inApp!.id, sentByPat.id, someoneElses.id]));
    // Pat's own invitations are gone; the one pat sent stays (still naming its sender), others are untouched.
    expect(invs.map((i) => i.id).sort()).toEqual([sentByPat.id, someoneElses.id].sort());
    expect(invs.find((i) => i.id === sentByPat.id)!.invitedById).toBe(pat.id);

    // The ledger keeps its rows, still pointing at pat's (emptied) account, so they keep the username.
    const ledger = await t.db
      .select({ kind: creditLedger.kind, amount: creditLedger.amount, member: users.username })
      .from(creditLedger)
      .leftJoin(users, eq(users.id, sql`coalesce(${creditLedger.memberId}, ${creditLedger.actorId})`))
      .where(eq(creditLedger.orgId, team.id))
      .orderBy(asc(creditLedger.id));
    expect(ledger.map((l) => [l.kind, l.amount, l.member])).toEqual([
      ["topup", "10.00000000", pat.username],
      ["charge", "-1.00000000", pat.username],
    ]);

    // Audit: one row in each org pat belonged to or was invited to, plus one account-level row; the username
    // stays as text though the account is gone.
    const audit = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "account.deleted"), eq(auditEvents.targetId, pat.id)));
    expect(audit.every((a) => a.actorId === pat.id && a.actorUsername === pat.username)).toBe(true);
    expect(audit.every((a) => a.targetLabel === pat.username)).toBe(true);
    const byOrg = Object.fromEntries(audit.map((a) => [a.orgName ?? "(account)", a.before]));
    expect(byOrg).toEqual({
      [team.name]: { role: "manager", openInvitations: 0 },
      [coAdmin.name]: { role: "admin", openInvitations: 0 },
      [inviting.name]: { role: null, openInvitations: 1 },
      [untouched.name]: { role: null, openInvitations: 1 },
      "(account)": { orgs: [team.name, coAdmin.name].sort() },
    });

    // Signing in fails; the address is free again, the username stays reserved (history names it).
    expect(await authenticate(t.db, { identifier: pat.username, password: TEST_PASSWORD }, testContext())).toBeNull();
    expect(
      await t.db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = lower(${pat.email})`),
    ).toHaveLength(0);
    await expect(
      signUp(t.db, { username: pat.username, email: pat.email, password: TEST_PASSWORD }, testContext()),
    ).rejects.toMatchObject({ fieldErrors: { username: ["That username is taken."] } });
    await signUp(t.db, { username: uniqueName(), email: pat.email, password: TEST_PASSWORD }, testContext());
    // Nobody can invite, add or promote the deleted account any more.
    const { results } = await invite(t.db, admin, team.name, pat.username, "user");
    expect(results.map((r) => r.outcome)).toEqual(["not_found"]);
    await expect(grantPlatformAdmin(t.db, SYSTEM, pat.username)).rejects.toMatchObject({ kind: "not_found" });
  });

  it("leaves email invitations to an unverified address alone (they may be someone else's)", async () => {
    const pat = await makeUser(t.db);
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const inv = await makeInvitation(t.db, org, { email: pat.email, invitedById: admin.id });
    await deleteAccount(t.db, as(pat), { confirmUsername: pat.username });
    expect(await t.db.select().from(invitations).where(eq(invitations.id, inv.id))).toHaveLength(1);
    expect((await userRow(pat.id))!.deletedAt).not.toBeNull();
  });
});
