import { and, eq, isNull, sql } from "drizzle-orm";
import { userCaller } from "../core/caller";
import { describe, expect, it } from "vitest";
import { auditEvents, emailVerifications, invitations, orgMembers, orgs, users } from "@/db/schema";
import { requestEmailVerification, signUp, verifyEmail } from "../accounts/accounts";
import { Conflict, DomainError, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated } from "../core/errors";
import {
  acceptInvitation,
  countMyInvitations,
  declineInvitation,
  getInvitationByToken,
  INVITATION_TTL_MS,
  inviteMembers,
  listMyInvitations,
  listOrgInvitations,
  renewInvitation,
  revokeInvitation,
} from "./invitations";
import { homePath } from "./orgs";
import { addMemberAsPlatformAdmin } from "./platform";
import { addMemberAsSystem } from "./internal";
import { hashToken, newToken } from "../core/tokens";
import {
  as,
  makeAccountInvitation,
  makeInvitation,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  testContext,
  testServices,
  tokenFromLink,
  uniqueName,
  verifyUser,
  withTestDatabase,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();

async function world() {
  const [admin, manager, user] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  const org = await makeOrg(t.db, { admin, manager, user });
  return { org, admin, manager, user, svc: testServices() };
}

const newEmail = (domain = "x.com") => `${uniqueName("p")}@${domain}`;

async function membership(orgId: string, userId: string) {
  const [m] = await t.db
    .select()
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)));
  return m ?? null;
}

async function invitationRows(orgId: string, email?: string) {
  return t.db
    .select()
    .from(invitations)
    .where(and(eq(invitations.orgId, orgId), email ? sql`lower(${invitations.email}) = lower(${email})` : sql`true`));
}

async function counts(orgId: string) {
  const q = async (
    table: typeof orgMembers | typeof invitations | typeof auditEvents,
    col: typeof orgMembers.orgId | typeof invitations.orgId | typeof auditEvents.orgId,
  ) => {
    const [r] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(table)
      .where(eq(col, orgId));
    return r!.n;
  };
  return {
    members: await q(orgMembers, orgMembers.orgId),
    invitations: await q(invitations, invitations.orgId),
    audit: await q(auditEvents, auditEvents.orgId),
  };
}

/** Every audit row of the whole database, as text: a token must never appear in it. */
async function allAuditText() {
  return JSON.stringify(await t.db.select().from(auditEvents));
}

describe("inviteMembers", () => {
  it("gives each entry of a mixed list its own outcome, dropping duplicates", async () => {
    const w = await world();
    const alice = await makeUser(t.db, uniqueName("alice"));
    const bob = newEmail();
    const nobody = uniqueName("nosuchuser");
    const { results, mailFailed } = await inviteMembers(
      t.db,
      as(w.admin),
      w.org.name,
      { entries: `${alice.username}, ${bob}, ${nobody}, bad@, ${alice.username.toUpperCase()}`, role: "manager" },
      w.svc,
    );
    expect(mailFailed).toBe(0);
    expect(results.map((r) => [r.entry, r.outcome])).toEqual([
      [alice.username, "invited"],
      [bob, "invited"],
      [nobody, "not_found"],
      ["bad@", "invalid"],
    ]);
    expect(results[0]!.message).toBe(`Invited ${alice.username} (waiting for them to accept).`);
    expect(results[2]!.message).toBe(`No account with the username '${nobody}'.`);
    expect(results[0]!.link).toBeUndefined();
    expect(results[1]!.link).toMatch(/^http:\/\/console\.test\/invite\/[A-Za-z0-9_-]{43}$/);
    // A username gets an invitation, not a membership; and the inviter never sees the account's address.
    expect(await membership(w.org.id, alice.id)).toBeNull();
    expect(JSON.stringify(results)).not.toContain(alice.email);
    const [inv] = await invitationRows(w.org.id, bob);
    expect(inv).toMatchObject({
      email: bob,
      role: "manager",
      invitedById: w.admin.id,
      acceptedAt: null,
      revokedAt: null,
    });
    // The valid entries went through; the invalid ones wrote nothing.
    expect(await invitationRows(w.org.id)).toHaveLength(2);
    const audit = await t.db.select().from(auditEvents).where(eq(auditEvents.orgId, w.org.id));
    expect(audit.map((a) => a.action).sort()).toEqual(["invitation.created", "invitation.created"]);
  });

  it("accepts newline and semicolon separators too", async () => {
    const w = await world();
    const [a, b, c] = [newEmail(), newEmail(), newEmail()];
    const { results } = await inviteMembers(
      t.db,
      as(w.admin),
      w.org.name,
      { entries: `${a}\n${b};${c}\n\n`, role: "user" },
      w.svc,
    );
    expect(results.map((r) => r.outcome)).toEqual(["invited", "invited", "invited"]);
  });

  it("mails a person invited by username a notice pointing to their Invitations page, with no token", async () => {
    const w = await world();
    const carol = await makeUser(t.db);
    await inviteMembers(t.db, as(w.manager), w.org.name, { entries: carol.username, role: "user" }, w.svc);
    const [mail] = w.svc.mailer.to(carol.email);
    expect(w.svc.mailer.sent).toHaveLength(1);
    expect(mail!.subject).toBe(`${w.manager.username} invited you to ${w.org.name} on Apolo`);
    expect(mail!.text).toContain(`http://console.test/invites`);
    expect(mail!.text).toContain(`your Apolo account '${carol.username}'`);
    expect(mail!.text).toContain(`as user`);
    expect(mail!.text).not.toContain("/invite/");
    expect(await membership(w.org.id, carol.id)).toBeNull();
  });

  it("mails an invitee a working link, valid 7 days, whose token is stored only as a hash", async () => {
    const w = await world();
    const email = newEmail();
    const before = Date.now();
    const { results } = await inviteMembers(t.db, as(w.admin), w.org.name, { entries: email, role: "user" }, w.svc);
    const after = Date.now();
    const [mail] = w.svc.mailer.to(email);
    expect(w.svc.mailer.sent).toHaveLength(1);
    expect(mail!.subject).toBe(`${w.admin.username} invited you to ${w.org.name} on Apolo`);
    const token = tokenFromLink(mail!.text);
    expect(mail!.text).toContain(`http://console.test/invite/${token}`);
    expect(results[0]!.link).toBe(`http://console.test/invite/${token}`);
    expect(token.length).toBeGreaterThanOrEqual(22); // ≥ 128 bits in base64url

    const view = await getInvitationByToken(t.db, null, token);
    expect(view).toMatchObject({
      state: "valid",
      orgName: w.org.name,
      role: "user",
      email,
      invitedBy: w.admin.username,
      viewer: "signed_out",
    });

    const [inv] = await invitationRows(w.org.id, email);
    expect(inv!.tokenHash).not.toBe(token);
    expect(inv!.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(inv)).not.toContain(token);
    expect(await allAuditText()).not.toContain(token);
    expect(inv!.expiresAt.getTime()).toBeGreaterThanOrEqual(before + INVITATION_TTL_MS);
    expect(inv!.expiresAt.getTime()).toBeLessThanOrEqual(after + INVITATION_TTL_MS);
    expect(INVITATION_TTL_MS).toBe(7 * 24 * 3600 * 1000);
  });

  it("says so for someone already a member (by username or email, any case) or already invited", async () => {
    const w = await world();
    const email = newEmail();
    const first = await inviteMembers(t.db, as(w.admin), w.org.name, { entries: email, role: "user" }, w.svc);
    const firstToken = tokenFromLink(first.results[0]!.link!);
    const sentBefore = w.svc.mailer.sent.length;
    const { results } = await inviteMembers(
      t.db,
      as(w.admin),
      w.org.name,
      { entries: [w.user.username, w.manager.email.toUpperCase(), email.toUpperCase()].join(","), role: "user" },
      w.svc,
    );
    expect(results.map((r) => r.outcome)).toEqual(["already_member", "already_member", "already_invited"]);
    expect(w.svc.mailer.sent).toHaveLength(sentBefore);
    // The pending invitation was left alone: its link still works.
    expect((await getInvitationByToken(t.db, null, firstToken)).state).toBe("valid");
    expect(await invitationRows(w.org.id, email)).toHaveLength(1);
    expect((await membership(w.org.id, w.user.id))!.role).toBe("user");
  });

  it("renews an expired pending invitation to the same address instead of duplicating it", async () => {
    const w = await world();
    const email = newEmail();
    const old = await makeInvitation(t.db, w.org, { email, role: "user", expiresAt: new Date(Date.now() - 1000) });
    expect((await getInvitationByToken(t.db, null, old.token)).state).toBe("expired");
    const { results } = await inviteMembers(
      t.db,
      as(w.manager),
      w.org.name,
      { entries: email, role: "manager" },
      w.svc,
    );
    expect(results[0]!.outcome).toBe("invited");
    const rows = await invitationRows(w.org.id, email);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(old.id);
    expect(rows[0]!).toMatchObject({ role: "manager", invitedById: w.manager.id });
    expect(rows[0]!.expiresAt.getTime()).toBeGreaterThan(Date.now() + INVITATION_TTL_MS - 60_000);
    expect((await getInvitationByToken(t.db, null, old.token)).state).toBe("unknown");
    expect((await getInvitationByToken(t.db, null, tokenFromLink(results[0]!.link!))).state).toBe("valid");
  });

  it("takes at most 50 entries (after removing duplicates)", async () => {
    const w = await world();
    const names = Array.from({ length: 51 }, () => uniqueName("nobody"));
    const err = await inviteMembers(
      t.db,
      as(w.admin),
      w.org.name,
      { entries: names.join(","), role: "user" },
      w.svc,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(Invalid);
    expect(err.fieldErrors.entries).toEqual(["You can invite at most 50 — you entered 51."]);
    const fifty = [...names.slice(0, 50), names[0]!].join("\n");
    const { results } = await inviteMembers(t.db, as(w.admin), w.org.name, { entries: fifty, role: "user" }, w.svc);
    expect(results).toHaveLength(50);
    expect(new Set(results.map((r) => r.outcome))).toEqual(new Set(["not_found"]));
    const empty = await inviteMembers(t.db, as(w.admin), w.org.name, { entries: " , \n", role: "user" }, w.svc).catch(
      (e) => e,
    );
    expect(empty).toBeInstanceOf(Invalid);
    expect(empty.fieldErrors.entries).toEqual(["Enter at least one username or email address."]);
    const badRole = await inviteMembers(
      t.db,
      as(w.admin),
      w.org.name,
      { entries: "x@y.com", role: "owner" },
      w.svc,
    ).catch((e) => e);
    expect(badRole).toBeInstanceOf(Invalid);
    expect(badRole.fieldErrors.role).toBeDefined();
  });

  it("refuses a manager granting admin, and users and outsiders inviting at all, writing and sending nothing", async () => {
    const w = await world();
    const carol = await makeUser(t.db);
    const outsider = await makeUser(t.db);
    await makeOrg(t.db, { admin: outsider });
    const before = await counts(w.org.id);
    const entries = `${carol.username}, ${newEmail()}`;
    const err = await inviteMembers(t.db, as(w.manager), w.org.name, { entries, role: "admin" }, w.svc).catch((e) => e);
    expect(err).toBeInstanceOf(Forbidden);
    expect(err.message).toBe("As manager you can't grant the admin role.");
    await expect(inviteMembers(t.db, as(w.user), w.org.name, { entries, role: "user" }, w.svc)).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(
      inviteMembers(t.db, as(outsider), w.org.name, { entries, role: "user" }, w.svc),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(inviteMembers(t.db, null, w.org.name, { entries, role: "user" }, w.svc)).rejects.toBeInstanceOf(
      Unauthenticated,
    );
    expect(await counts(w.org.id)).toEqual(before);
    expect(await membership(w.org.id, carol.id)).toBeNull();
    expect(w.svc.mailer.sent).toEqual([]);
    // A manager may grant manager; an admin may grant admin.
    const ok = await inviteMembers(
      t.db,
      as(w.manager),
      w.org.name,
      { entries: carol.username, role: "manager" },
      w.svc,
    );
    expect(ok.results[0]!.outcome).toBe("invited");
    const dave = await makeUser(t.db);
    await inviteMembers(t.db, as(w.admin), w.org.name, { entries: dave.username, role: "admin" }, w.svc);
    const [forDave] = (await listMyInvitations(t.db, as(dave))).invitations;
    expect(forDave).toMatchObject({ orgName: w.org.name, role: "admin", via: "username" });
  });

  it("is rate-limited per inviter", async () => {
    const w = await world();
    for (let i = 0; i < 30; i++)
      await inviteMembers(t.db, as(w.admin), w.org.name, { entries: uniqueName("nobody"), role: "user" }, w.svc);
    await expect(
      inviteMembers(t.db, as(w.admin), w.org.name, { entries: newEmail(), role: "user" }, w.svc),
    ).rejects.toBeInstanceOf(RateLimited);
    // Another inviter has their own budget.
    await inviteMembers(t.db, as(w.manager), w.org.name, { entries: newEmail(), role: "user" }, w.svc);
  });
});

describe("listOrgInvitations", () => {
  it("lists open invitations (pending and expired) for managers and admins, newest first", async () => {
    const w = await world();
    const [e1, e2, e3] = [newEmail(), newEmail(), newEmail()];
    await makeInvitation(t.db, w.org, { email: e1, invitedById: w.admin.id, expiresAt: new Date(Date.now() - 1000) });
    await inviteMembers(t.db, as(w.manager), w.org.name, { entries: e2, role: "manager" }, w.svc);
    const revoked = await makeInvitation(t.db, w.org, { email: e3 });
    await revokeInvitation(t.db, as(w.admin), w.org.name, { id: revoked.id });
    const list = await listOrgInvitations(t.db, as(w.manager), w.org.name);
    expect(list.map((i) => [i.email, i.role, i.invitedBy, i.expired])).toEqual([
      [e2, "manager", w.manager.username, false],
      [e1, "user", w.admin.username, true],
    ]);
    expect(JSON.stringify(list)).not.toMatch(/token/i);
    await expect(listOrgInvitations(t.db, as(w.user), w.org.name)).rejects.toBeInstanceOf(Forbidden);
    await expect(listOrgInvitations(t.db, as(await makeUser(t.db)), w.org.name)).rejects.toBeInstanceOf(NotFound);
  });
});

describe("renewInvitation and revokeInvitation", () => {
  it("resend: a new token and 7 new days, mailed; the old link is dead", async () => {
    const w = await world();
    const email = newEmail();
    const old = await makeInvitation(t.db, w.org, { email, expiresAt: new Date(Date.now() + 3600_000) });
    const r = await renewInvitation(t.db, as(w.manager), w.org.name, { id: old.id }, { ...w.svc, send: true });
    expect(r.mailFailed).toBe(0);
    expect(r.email).toBe(email);
    expect(r.expiresAt.getTime()).toBeGreaterThan(Date.now() + INVITATION_TTL_MS - 60_000);
    const [mail] = w.svc.mailer.to(email);
    const token = tokenFromLink(mail!.text);
    expect(r.link).toBe(`http://console.test/invite/${token}`);
    expect(token).not.toBe(old.token);
    expect((await getInvitationByToken(t.db, null, token)).state).toBe("valid");
    expect((await getInvitationByToken(t.db, null, old.token)).state).toBe("unknown");
    const [row] = await invitationRows(w.org.id, email);
    expect(row!.tokenHash).toBe(hashToken(token));
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.resent")));
    expect(audit).toMatchObject({ actorUsername: w.manager.username, targetId: old.id, targetLabel: email });
    const text = await allAuditText();
    expect(text).not.toContain(token);
    expect(text).not.toContain(old.token);
  });

  it("copy link: a new working link returned, nothing mailed", async () => {
    const w = await world();
    const email = newEmail();
    const old = await makeInvitation(t.db, w.org, { email });
    const r = await renewInvitation(t.db, as(w.admin), w.org.name, { id: old.id }, { ...w.svc, send: false });
    expect(w.svc.mailer.sent).toEqual([]);
    const token = tokenFromLink(r.link!);
    expect((await getInvitationByToken(t.db, null, token)).state).toBe("valid");
    expect((await getInvitationByToken(t.db, null, old.token)).state).toBe("unknown");
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.link_renewed")));
    expect(audit).toBeDefined();
    expect(await allAuditText()).not.toContain(token);
  });

  it("works on an expired invitation, but not on a closed one, nor on one a manager couldn't grant", async () => {
    const w = await world();
    const expired = await makeInvitation(t.db, w.org, { email: newEmail(), expiresAt: new Date(Date.now() - 1000) });
    const r = await renewInvitation(t.db, as(w.admin), w.org.name, { id: expired.id }, { ...w.svc, send: false });
    expect((await getInvitationByToken(t.db, null, tokenFromLink(r.link!))).state).toBe("valid");

    const forAdmin = await makeInvitation(t.db, w.org, { email: newEmail(), role: "admin" });
    await expect(
      renewInvitation(t.db, as(w.manager), w.org.name, { id: forAdmin.id }, { ...w.svc, send: true }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(revokeInvitation(t.db, as(w.manager), w.org.name, { id: forAdmin.id })).rejects.toBeInstanceOf(
      Forbidden,
    );
    expect((await getInvitationByToken(t.db, null, forAdmin.token)).state).toBe("valid");

    const closed = await makeInvitation(t.db, w.org, { email: newEmail() });
    await revokeInvitation(t.db, as(w.admin), w.org.name, { id: closed.id });
    await expect(
      renewInvitation(t.db, as(w.admin), w.org.name, { id: closed.id }, { ...w.svc, send: true }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(revokeInvitation(t.db, as(w.admin), w.org.name, { id: closed.id })).rejects.toBeInstanceOf(NotFound);

    // An invitation of another org can't be reached through this one.
    const other = await makeOrg(t.db, { admin: await makeUser(t.db) });
    const foreign = await makeInvitation(t.db, other, { email: newEmail() });
    await expect(revokeInvitation(t.db, as(w.admin), w.org.name, { id: foreign.id })).rejects.toBeInstanceOf(NotFound);
    expect((await getInvitationByToken(t.db, null, foreign.token)).state).toBe("valid");

    await expect(revokeInvitation(t.db, as(w.admin), w.org.name, { id: "not-a-uuid" })).rejects.toBeInstanceOf(Invalid);
    await expect(revokeInvitation(t.db, as(w.user), w.org.name, { id: expired.id })).rejects.toBeInstanceOf(Forbidden);
  });

  it("revoke: the link says revoked, and accepting it fails with no membership created", async () => {
    const w = await world();
    const invitee = await makeUser(t.db);
    const inv = await makeInvitation(t.db, w.org, { email: invitee.email, invitedById: w.admin.id });
    expect(await revokeInvitation(t.db, as(w.manager), w.org.name, { id: inv.id })).toEqual({
      email: invitee.email,
      label: invitee.email,
    });
    expect((await getInvitationByToken(t.db, as(invitee), inv.token)).state).toBe("revoked");
    const err = await acceptInvitation(t.db, as(invitee), { token: inv.token }).catch((e) => e);
    expect(err).toBeInstanceOf(Forbidden);
    expect(err.message).toContain("revoked");
    expect(await membership(w.org.id, invitee.id)).toBeNull();
    await verifyUser(t.db, invitee);
    await expect(acceptInvitation(t.db, as(invitee), { id: inv.id })).rejects.toBeInstanceOf(Forbidden);
    expect(await membership(w.org.id, invitee.id)).toBeNull();
    expect(await countMyInvitations(t.db, as(invitee))).toBe(0);
  });
});

describe("getInvitationByToken", () => {
  it("says how the viewer relates to the invitation", async () => {
    const w = await world();
    const invitee = await makeUser(t.db);
    const other = await makeUser(t.db);
    const inv = await makeInvitation(t.db, w.org, {
      email: invitee.email.toUpperCase(),
      role: "manager",
      invitedById: w.admin.id,
    });
    expect(await getInvitationByToken(t.db, null, inv.token)).toMatchObject({
      state: "valid",
      id: inv.id,
      orgName: w.org.name,
      role: "manager",
      invitedBy: w.admin.username,
      viewer: "signed_out",
    });
    expect((await getInvitationByToken(t.db, as(invitee), inv.token)).viewer).toBe("invitee");
    expect((await getInvitationByToken(t.db, as(other), inv.token)).viewer).toBe("other_email");
    expect((await getInvitationByToken(t.db, as(w.user), inv.token)).viewer).toBe("member");
  });

  it("tells expired, accepted, declined, revoked and unknown links apart", async () => {
    const w = await world();
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    const expired = await makeInvitation(t.db, w.org, { email: newEmail() });
    await t.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(invitations.id, expired.id));
    expect((await getInvitationByToken(t.db, null, expired.token)).state).toBe("expired");

    const accepted = await makeInvitation(t.db, w.org, { email: a.email });
    await acceptInvitation(t.db, as(a), { token: accepted.token });
    expect(await getInvitationByToken(t.db, as(a), accepted.token)).toMatchObject({
      state: "accepted",
      viewer: "member",
    });

    const declined = await makeInvitation(t.db, w.org, { email: b.email });
    await declineInvitation(t.db, as(b), { token: declined.token });
    expect(await getInvitationByToken(t.db, as(b), declined.token)).toMatchObject({
      state: "declined",
      viewer: "invitee",
    });

    for (const garbage of [
      "",
      "nope",
      "../../etc/passwd",
      "x".repeat(500),
      newToken().token,
      `${accepted.token.slice(0, -1)}!`,
    ]) {
      expect(await getInvitationByToken(t.db, as(a), garbage)).toEqual({ state: "unknown" });
    }
  });
});

describe("acceptInvitation and declineInvitation", () => {
  it("by link with the matching email: joins with the invited role, proves the address, remembers the org", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    const inv = await makeInvitation(t.db, w.org, {
      email: pat.email.toUpperCase(),
      role: "manager",
      invitedById: w.admin.id,
    });
    expect(await acceptInvitation(t.db, as(pat), { token: inv.token })).toEqual({
      orgName: w.org.name,
      role: "manager",
    });
    expect((await membership(w.org.id, pat.id))!.role).toBe("manager");
    const [me] = await t.db.select().from(users).where(eq(users.id, pat.id));
    expect(me!.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await homePath(t.db, as(pat))).toBe(`/orgs/${w.org.name}`);
    const [row] = await invitationRows(w.org.id, pat.email);
    expect(row!.acceptedById).toBe(pat.id);
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.accepted")));
    expect(audit).toMatchObject({
      actorUsername: pat.username,
      targetId: inv.id,
      after: { role: "manager", member: pat.username, alreadyMember: false },
    });
    expect(await allAuditText()).not.toContain(inv.token);
    // Single use.
    const again = await acceptInvitation(t.db, as(pat), { token: inv.token }).catch((e) => e);
    expect(again).toBeInstanceOf(Forbidden);
    expect(again.message).toContain("accepted");
  });

  it("by link with another email: Forbidden, nothing changes", async () => {
    const w = await world();
    const [pat, mallory] = [await makeUser(t.db), await makeUser(t.db)];
    const inv = await makeInvitation(t.db, w.org, { email: pat.email });
    for (const respond of [acceptInvitation, declineInvitation]) {
      const err = await respond(t.db, as(mallory), { token: inv.token }).catch((e) => e);
      expect(err).toBeInstanceOf(Forbidden);
      expect(err.message).toBe("This invitation is for another email address.");
    }
    expect(await membership(w.org.id, mallory.id)).toBeNull();
    const [me] = await t.db.select().from(users).where(eq(users.id, mallory.id));
    expect(me!.emailVerifiedAt).toBeNull();
    expect((await getInvitationByToken(t.db, null, inv.token)).state).toBe("valid");
  });

  it("by id (from /invites) only with a verified address, and only one's own", async () => {
    const w = await world();
    const [pat, mallory] = [await makeUser(t.db), await makeUser(t.db, uniqueName(), { verified: true })];
    const inv = await makeInvitation(t.db, w.org, { email: pat.email });
    const err = await acceptInvitation(t.db, as(pat), { id: inv.id }).catch((e) => e);
    expect(err).toBeInstanceOf(Forbidden);
    expect(err.message).toMatch(/Verify your email address/);
    expect(await membership(w.org.id, pat.id)).toBeNull();
    await expect(acceptInvitation(t.db, as(mallory), { id: inv.id })).rejects.toBeInstanceOf(NotFound);
    await expect(declineInvitation(t.db, as(mallory), { id: inv.id })).rejects.toBeInstanceOf(NotFound);
    await verifyUser(t.db, pat);
    expect(await acceptInvitation(t.db, as(pat), { id: inv.id })).toEqual({ orgName: w.org.name, role: "user" });
    expect((await membership(w.org.id, pat.id))!.role).toBe("user");
  });

  it("decline: no membership, the link is used up, the address is proven", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    const inv = await makeInvitation(t.db, w.org, { email: pat.email });
    expect(await declineInvitation(t.db, as(pat), { token: inv.token })).toEqual({ orgName: w.org.name, role: "user" });
    expect(await membership(w.org.id, pat.id)).toBeNull();
    const [me] = await t.db.select().from(users).where(eq(users.id, pat.id));
    expect(me!.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await homePath(t.db, as(pat))).toBe("/onboarding");
    await expect(acceptInvitation(t.db, as(pat), { token: inv.token })).rejects.toBeInstanceOf(Forbidden);
    expect(await membership(w.org.id, pat.id)).toBeNull();
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.declined")));
    expect(audit).toMatchObject({ actorUsername: pat.username, targetId: inv.id });
  });

  it("fails after the invitation expired", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    const inv = await makeInvitation(t.db, w.org, { email: pat.email });
    await t.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.id, inv.id));
    const err = await acceptInvitation(t.db, as(pat), { token: inv.token }).catch((e) => e);
    expect(err).toBeInstanceOf(Forbidden);
    expect(err.message).toMatch(/valid until/);
    expect(await membership(w.org.id, pat.id)).toBeNull();
    await expect(declineInvitation(t.db, as(pat), { token: inv.token })).rejects.toBeInstanceOf(Forbidden);
    const [me] = await t.db.select().from(users).where(eq(users.id, pat.id));
    expect(me!.emailVerifiedAt).toBeNull(); // nothing was claimed, nothing proven
  });

  it("rejects malformed and unknown tokens, and signed-out callers", async () => {
    const pat = await makeUser(t.db);
    await expect(acceptInvitation(t.db, as(pat), { token: "nope" })).rejects.toBeInstanceOf(NotFound);
    await expect(acceptInvitation(t.db, as(pat), { token: newToken().token })).rejects.toBeInstanceOf(NotFound);
    await expect(acceptInvitation(t.db, as(pat), {})).rejects.toBeInstanceOf(Invalid);
    await expect(acceptInvitation(t.db, null, { token: newToken().token })).rejects.toBeInstanceOf(Unauthenticated);
  });

  it("two accepts of one invitation at once give exactly one membership (repeated)", async () => {
    for (let i = 0; i < 5; i++) {
      const w = await world();
      const pat = await makeUser(t.db);
      const inv = await makeInvitation(t.db, w.org, { email: pat.email, role: "manager" });
      const results = await Promise.allSettled([
        acceptInvitation(t.db, as(pat), { token: inv.token }),
        acceptInvitation(t.db, as(pat), { token: inv.token }),
      ]);
      expect(
        results.filter((r) => r.status === "fulfilled"),
        `iteration ${i}`,
      ).toHaveLength(1);
      const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(loser.reason).toBeInstanceOf(Forbidden);
      expect(loser.reason.message).toContain("accepted");
      const [n] = await t.db
        .select({ n: sql<number>`count(*)::int` })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, pat.id)));
      expect(n!.n).toBe(1);
      const accepted = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.accepted")));
      expect(accepted).toHaveLength(1);
    }
  });

  it("an accept racing a revoke: either the member joined before the revoke, or nothing was created", async () => {
    for (let i = 0; i < 5; i++) {
      const w = await world();
      const pat = await makeUser(t.db);
      const inv = await makeInvitation(t.db, w.org, { email: pat.email });
      const [accept, revoke] = await Promise.allSettled([
        acceptInvitation(t.db, as(pat), { token: inv.token }),
        revokeInvitation(t.db, as(w.admin), w.org.name, { id: inv.id }),
      ]);
      expect(
        [accept.status, revoke.status].filter((s) => s === "fulfilled"),
        `iteration ${i}`,
      ).toHaveLength(1);
      // The loser gets a clear domain error (revoked / already accepted), never a database error such as a deadlock.
      for (const r of [accept, revoke])
        if (r.status === "rejected") expect(r.reason, `iteration ${i}`).toBeInstanceOf(DomainError);
      expect(Boolean(await membership(w.org.id, pat.id))).toBe(accept.status === "fulfilled");
    }
  });
});

describe("signUp through an invitation, and my invitations", () => {
  it("an open invitation's token to the same address proves it at sign-up; anything else does not", async () => {
    const w = await world();
    const email = newEmail("Example.org");
    const inv = await makeInvitation(t.db, w.org, { email });
    const signUpWith = (em: string, inviteToken?: string) =>
      signUp(t.db, { username: uniqueName(), email: em, password: "12345678" }, { ...testContext(), inviteToken });

    const other = await signUpWith(newEmail(), inv.token);
    expect(other.emailVerified).toBe(false);
    const plain = await signUpWith(newEmail());
    expect(plain.emailVerified).toBe(false);
    const garbage = await signUpWith(newEmail(), "not-a-token");
    expect(garbage.emailVerified).toBe(false);

    const invitee = await signUpWith(email.toLowerCase(), inv.token);
    expect(invitee.emailVerified).toBe(true);
    const rows = await t.db
      .select()
      .from(users)
      .where(sql`${users.id} in (${invitee.id}, ${plain.id}, ${other.id})`);
    expect(rows.find((r) => r.id === invitee.id)!.emailVerifiedAt).toBeInstanceOf(Date);
    expect(rows.find((r) => r.id === plain.id)!.emailVerifiedAt).toBeNull();
    expect(rows.find((r) => r.id === other.id)!.emailVerifiedAt).toBeNull();
    expect(await countMyInvitations(t.db, userCaller(invitee.id))).toBe(1);

    // A revoked invitation proves nothing.
    const email2 = newEmail();
    const revoked = await makeInvitation(t.db, w.org, { email: email2 });
    await revokeInvitation(t.db, as(w.admin), w.org.name, { id: revoked.id });
    expect((await signUpWith(email2, revoked.token)).emailVerified).toBe(false);
  });

  it("shows pending invitations only to a verified address, and only open, unexpired ones", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    const org2 = await makeOrg(t.db, { admin: await makeUser(t.db) });
    const org3 = await makeOrg(t.db, { admin: await makeUser(t.db) });
    const org4 = await makeOrg(t.db, { admin: await makeUser(t.db) });
    await makeInvitation(t.db, w.org, { email: pat.email, role: "manager", invitedById: w.admin.id });
    await makeInvitation(t.db, org2, { email: pat.email.toUpperCase() });
    await makeInvitation(t.db, org3, { email: pat.email, expiresAt: new Date(Date.now() - 1000) });
    const revoked = await makeInvitation(t.db, org4, { email: pat.email });
    await t.db.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, revoked.id));
    await makeInvitation(t.db, org4, { email: newEmail() }); // someone else's

    expect(await listMyInvitations(t.db, as(pat))).toEqual({ verified: false, invitations: [] });
    expect(await countMyInvitations(t.db, as(pat))).toBe(0);

    await verifyUser(t.db, pat);
    const mine = await listMyInvitations(t.db, as(pat));
    expect(mine.verified).toBe(true);
    expect(mine.invitations.map((i) => i.orgName).sort()).toEqual([w.org.name, org2.name].sort());
    expect(mine.invitations.find((i) => i.orgName === w.org.name)).toMatchObject({
      role: "manager",
      invitedBy: w.admin.username,
    });
    expect(JSON.stringify(mine)).not.toMatch(/token/i);
    expect(await countMyInvitations(t.db, as(pat))).toBe(2);

    await acceptInvitation(t.db, as(pat), { id: mine.invitations[0]!.id });
    expect(await countMyInvitations(t.db, as(pat))).toBe(1);
    await expect(listMyInvitations(t.db, null)).rejects.toBeInstanceOf(Unauthenticated);
  });
});

/** The open invitation of `org` bound to `user`, as the invitee's own list shows it (or undefined). */
async function myInvitationTo(user: { id: string }, org: { name: string }) {
  return (await listMyInvitations(t.db, as(user))).invitations.find((i) => i.orgName === org.name);
}

/** Invites `person` by username as `inviter`; returns the invitation's id. */
async function inviteByUsername(
  w: Awaited<ReturnType<typeof world>>,
  inviter: { id: string },
  person: { id: string; username: string },
  role: "user" | "manager" | "admin" = "user",
) {
  const { results } = await inviteMembers(t.db, as(inviter), w.org.name, { entries: person.username, role }, w.svc);
  expect(results[0]!.outcome).toBe("invited");
  const [row] = await t.db
    .select()
    .from(invitations)
    .where(and(eq(invitations.orgId, w.org.id), eq(invitations.inviteeId, person.id), isNull(invitations.revokedAt)));
  return row!.id;
}

describe("invitations by username (bound to an account)", () => {
  it("make an open invitation bound to the account (no address, no token), not a membership", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    const before = Date.now();
    const id = await inviteByUsername(w, w.manager, pat, "manager");
    expect(await membership(w.org.id, pat.id)).toBeNull();
    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, id));
    expect(row).toMatchObject({
      orgId: w.org.id,
      inviteeId: pat.id,
      email: null,
      tokenHash: null,
      role: "manager",
      invitedById: w.manager.id,
      acceptedAt: null,
      declinedAt: null,
      revokedAt: null,
    });
    expect(row!.expiresAt.getTime()).toBeGreaterThanOrEqual(before + INVITATION_TTL_MS);
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.created")));
    expect(audit).toMatchObject({
      actorUsername: w.manager.username,
      targetId: id,
      targetLabel: pat.username,
      after: { role: "manager", invitee: pat.username },
    });
    expect(JSON.stringify(audit)).not.toContain(pat.email);
  });

  it("show at once in the invitee's list and badge, unverified address or none, and to nobody else", async () => {
    const w = await world();
    const [pat, noMail] = [await makeUser(t.db), await makeUser(t.db)];
    // A verified bystander, the org's members and a stranger: none of them sees pat's invitation.
    const verifiedOther = await makeUser(t.db, uniqueName(), { verified: true });
    await t.db.update(users).set({ email: null }).where(eq(users.id, noMail.id));
    const other = await makeOrg(t.db, { admin: await makeUser(t.db) });

    await inviteByUsername(w, w.admin, pat, "manager");
    await inviteByUsername(w, w.admin, noMail);
    // Nobody mails an account without an address; pat (unverified) gets the notice.
    expect(w.svc.mailer.sent.map((m) => m.to)).toEqual([pat.email]);

    const mine = await listMyInvitations(t.db, as(pat));
    expect(mine.verified).toBe(false); // email invitations wait for a verified address; this one doesn't
    expect(mine.invitations).toEqual([
      {
        id: expect.any(String),
        orgName: w.org.name,
        orgDisplayName: null,
        role: "manager",
        expiresAt: expect.any(Date),
        invitedBy: w.admin.username,
        via: "username",
      },
    ]);
    expect(await countMyInvitations(t.db, as(pat))).toBe(1);
    expect((await listMyInvitations(t.db, as(noMail))).invitations.map((i) => i.orgName)).toEqual([w.org.name]);
    expect(await countMyInvitations(t.db, as(noMail))).toBe(1);

    for (const someone of [verifiedOther, w.admin, w.manager, w.user, await makeUser(t.db)]) {
      expect(await countMyInvitations(t.db, as(someone))).toBe(0);
      expect((await listMyInvitations(t.db, as(someone))).invitations).toEqual([]);
    }

    // With a verified address, email invitations join the account ones.
    await verifyUser(t.db, pat);
    await makeInvitation(t.db, other, { email: pat.email });
    const both = await listMyInvitations(t.db, as(pat));
    expect(both.verified).toBe(true);
    expect(both.invitations.map((i) => [i.orgName, i.via]).sort()).toEqual(
      [
        [w.org.name, "username"],
        [other.name, "email"],
      ].sort(),
    );
    expect(await countMyInvitations(t.db, as(pat))).toBe(2);
  });

  it("don't show for an org the person already belongs to (joined through another invitation)", async () => {
    const w = await world();
    const pat = await makeUser(t.db, uniqueName(), { verified: true });
    const byName = await inviteByUsername(w, w.admin, pat, "manager");
    const byMail = await makeInvitation(t.db, w.org, { email: pat.email, invitedById: w.admin.id });
    expect(await countMyInvitations(t.db, as(pat))).toBe(2);
    await acceptInvitation(t.db, as(pat), { token: byMail.token });
    expect(await countMyInvitations(t.db, as(pat))).toBe(0);
    expect((await listMyInvitations(t.db, as(pat))).invitations).toEqual([]);
    // Answering the leftover one changes nothing: the member keeps the role they joined with.
    expect(await acceptInvitation(t.db, as(pat), { id: byName })).toEqual({ orgName: w.org.name, role: "user" });
    expect((await membership(w.org.id, pat.id))!.role).toBe("user");
    // A member's own org never shows either.
    await makeAccountInvitation(t.db, w.org, { inviteeId: w.user.id });
    expect(await countMyInvitations(t.db, as(w.user))).toBe(0);
  });

  it("accept: joins with the invited role and the org's default limit, remembers the org, audits", async () => {
    const w = await world();
    await t.db.update(orgs).set({ defaultUserCreditLimit: "25" }).where(eq(orgs.id, w.org.id));
    const [pat, max] = [await makeUser(t.db), await makeUser(t.db)];
    await t.db.update(users).set({ email: null }).where(eq(users.id, max.id));
    const patInv = await inviteByUsername(w, w.admin, pat, "user");
    const maxInv = await inviteByUsername(w, w.admin, max, "manager");

    expect(await acceptInvitation(t.db, as(pat), { id: patInv })).toEqual({ orgName: w.org.name, role: "user" });
    expect(await membership(w.org.id, pat.id)).toMatchObject({ role: "user", creditLimit: "25.00000000" });
    expect(await homePath(t.db, as(pat))).toBe(`/orgs/${w.org.name}`);
    expect(await countMyInvitations(t.db, as(pat))).toBe(0);
    // An account without an address accepts just the same.
    expect(await acceptInvitation(t.db, as(max), { id: maxInv })).toEqual({ orgName: w.org.name, role: "manager" });
    expect(await membership(w.org.id, max.id)).toMatchObject({ role: "manager", creditLimit: null });

    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, patInv));
    expect(row!.acceptedById).toBe(pat.id);
    expect(row!.acceptedAt).toBeInstanceOf(Date);
    const [me] = await t.db.select().from(users).where(eq(users.id, pat.id));
    expect(me!.emailVerifiedAt).toBeNull(); // answering in the console proves nothing about an inbox
    const accepted = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.accepted")))
      .orderBy(auditEvents.id);
    expect(accepted.map((a) => [a.actorUsername, a.targetLabel])).toEqual([
      [pat.username, pat.username],
      [max.username, max.username],
    ]);
    expect(accepted[0]).toMatchObject({ after: { role: "user", member: pat.username, alreadyMember: false } });

    // Once used, it can't be answered again.
    const again = await acceptInvitation(t.db, as(pat), { id: patInv }).catch((e) => e);
    expect(again).toBeInstanceOf(Forbidden);
    expect(again.message).toContain("accepted");
    await expect(declineInvitation(t.db, as(pat), { id: patInv })).rejects.toBeInstanceOf(Forbidden);
  });

  it("decline: no membership; the invitation leaves the list, and the inviter may invite again", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    const id = await inviteByUsername(w, w.admin, pat, "manager");
    expect(await declineInvitation(t.db, as(pat), { id })).toEqual({ orgName: w.org.name, role: "manager" });
    expect(await membership(w.org.id, pat.id)).toBeNull();
    expect(await countMyInvitations(t.db, as(pat))).toBe(0);
    expect(await homePath(t.db, as(pat))).toBe("/onboarding");
    await expect(acceptInvitation(t.db, as(pat), { id })).rejects.toBeInstanceOf(Forbidden);
    expect(await membership(w.org.id, pat.id)).toBeNull();
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.declined")));
    expect(audit).toMatchObject({ actorUsername: pat.username, targetId: id, targetLabel: pat.username });
    expect(await listOrgInvitations(t.db, as(w.admin), w.org.name)).toEqual([]);
    // A declined invitation is closed: a new one may be sent.
    await inviteByUsername(w, w.admin, pat);
    expect(await countMyInvitations(t.db, as(pat))).toBe(1);
  });

  it("can't be accepted or declined once revoked or expired", async () => {
    const w = await world();
    const [pat, kim] = [await makeUser(t.db), await makeUser(t.db)];
    const revoked = await inviteByUsername(w, w.admin, pat);
    expect(await revokeInvitation(t.db, as(w.manager), w.org.name, { id: revoked })).toEqual({
      email: null,
      label: pat.username,
    });
    expect(await countMyInvitations(t.db, as(pat))).toBe(0);
    for (const respond of [acceptInvitation, declineInvitation]) {
      const err = await respond(t.db, as(pat), { id: revoked }).catch((e) => e);
      expect(err).toBeInstanceOf(Forbidden);
      expect(err.message).toContain("revoked");
    }
    expect(await membership(w.org.id, pat.id)).toBeNull();

    const expired = await makeAccountInvitation(t.db, w.org, {
      inviteeId: kim.id,
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await countMyInvitations(t.db, as(kim))).toBe(0);
    expect((await listMyInvitations(t.db, as(kim))).invitations).toEqual([]);
    const err = await acceptInvitation(t.db, as(kim), { id: expired.id }).catch((e) => e);
    expect(err).toBeInstanceOf(Forbidden);
    expect(err.message).toMatch(/valid until/);
    await expect(declineInvitation(t.db, as(kim), { id: expired.id })).rejects.toBeInstanceOf(Forbidden);
    expect(await membership(w.org.id, kim.id)).toBeNull();
    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, expired.id));
    expect(row).toMatchObject({ acceptedAt: null, declinedAt: null });
  });

  it("only the invited account may answer it: anyone else gets NotFound and nothing changes", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    // Someone whose verified address even equals pat's old one: the invitation is bound to the account.
    const mallory = await makeUser(t.db, uniqueName(), { verified: true });
    const id = await inviteByUsername(w, w.admin, pat);
    await t.db.update(users).set({ email: null }).where(eq(users.id, pat.id));
    await t.db.update(users).set({ email: pat.email }).where(eq(users.id, mallory.id));
    for (const someone of [mallory, w.admin, w.user, await makeUser(t.db)]) {
      for (const respond of [acceptInvitation, declineInvitation]) {
        await expect(respond(t.db, as(someone), { id })).rejects.toBeInstanceOf(NotFound);
      }
    }
    await expect(acceptInvitation(t.db, null, { id })).rejects.toBeInstanceOf(Unauthenticated);
    expect(await membership(w.org.id, mallory.id)).toBeNull();
    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, id));
    expect(row).toMatchObject({ acceptedAt: null, declinedAt: null, revokedAt: null });
    // It has no token: no link can reach it.
    expect(row!.tokenHash).toBeNull();
    expect(await acceptInvitation(t.db, as(pat), { id })).toEqual({ orgName: w.org.name, role: "user" });
  });

  it("two accepts at once give exactly one membership (repeated)", async () => {
    for (let i = 0; i < 5; i++) {
      const w = await world();
      const pat = await makeUser(t.db);
      const id = await inviteByUsername(w, w.admin, pat, "manager");
      const results = await Promise.allSettled([
        acceptInvitation(t.db, as(pat), { id }),
        acceptInvitation(t.db, as(pat), { id }),
      ]);
      expect(
        results.filter((r) => r.status === "fulfilled"),
        `iteration ${i}`,
      ).toHaveLength(1);
      const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(loser.reason).toBeInstanceOf(Forbidden);
      expect(loser.reason.message).toContain("accepted");
      const [n] = await t.db
        .select({ n: sql<number>`count(*)::int` })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, pat.id)));
      expect(n!.n).toBe(1);
      expect((await membership(w.org.id, pat.id))!.role).toBe("manager");
      const accepted = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.accepted")));
      expect(accepted).toHaveLength(1);
    }
  });

  it("an accept racing a revoke or a decline: one of them wins, and a member exists only if the accept did", async () => {
    for (let i = 0; i < 4; i++) {
      const w = await world();
      const pat = await makeUser(t.db);
      const id = await inviteByUsername(w, w.admin, pat);
      const [accept, other] = await Promise.allSettled([
        acceptInvitation(t.db, as(pat), { id }),
        i % 2 === 0
          ? revokeInvitation(t.db, as(w.admin), w.org.name, { id })
          : declineInvitation(t.db, as(pat), { id }),
      ]);
      expect(
        [accept.status, other.status].filter((s) => s === "fulfilled"),
        `iteration ${i}`,
      ).toHaveLength(1);
      for (const r of [accept, other])
        if (r.status === "rejected") expect(r.reason, `iteration ${i}`).toBeInstanceOf(DomainError);
      expect(Boolean(await membership(w.org.id, pat.id))).toBe(accept.status === "fulfilled");
    }
  });

  it("say so per entry for a member, an open invitation, a manager granting admin; renew an expired one", async () => {
    const w = await world();
    const [pat, kim] = [await makeUser(t.db), await makeUser(t.db)];
    await inviteByUsername(w, w.admin, pat);
    const sent = w.svc.mailer.sent.length;
    const { results } = await inviteMembers(
      t.db,
      as(w.manager),
      w.org.name,
      { entries: `${w.user.username}, ${pat.username}, ${w.manager.username}`, role: "manager" },
      w.svc,
    );
    expect(results.map((r) => [r.outcome, r.message])).toEqual([
      ["already_member", `${w.user.username} is already a member.`],
      ["already_invited", `${pat.username} already has a pending invitation.`],
      ["already_member", `${w.manager.username} is already a member.`],
    ]);
    expect(w.svc.mailer.sent).toHaveLength(sent);
    expect((await listMyInvitations(t.db, as(pat))).invitations).toHaveLength(1);
    expect((await membership(w.org.id, w.user.id))!.role).toBe("user");

    // A manager can't grant admin by username either: nothing is written or sent.
    const before = await counts(w.org.id);
    const err = await inviteMembers(
      t.db,
      as(w.manager),
      w.org.name,
      { entries: kim.username, role: "admin" },
      w.svc,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(Forbidden);
    expect(await counts(w.org.id)).toEqual(before);
    expect(await countMyInvitations(t.db, as(kim))).toBe(0);

    // An expired open invitation to the account is renewed, not duplicated.
    const old = await makeAccountInvitation(t.db, w.org, { inviteeId: kim.id, expiresAt: new Date(Date.now() - 1000) });
    const again = await inviteMembers(
      t.db,
      as(w.manager),
      w.org.name,
      { entries: kim.username, role: "manager" },
      w.svc,
    );
    expect(again.results[0]!.outcome).toBe("invited");
    const rows = await t.db.select().from(invitations).where(eq(invitations.inviteeId, kim.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: old.id, role: "manager", invitedById: w.manager.id });
    expect(await myInvitationTo(kim, w.org)).toMatchObject({ id: old.id, role: "manager" });
  });

  it("sit in the org's pending list by username (never the address); Resend reminds by mail, no link to copy", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    const noMail = await makeUser(t.db);
    await t.db.update(users).set({ email: null }).where(eq(users.id, noMail.id));
    const id = await inviteByUsername(w, w.manager, pat, "manager");
    const noMailId = await inviteByUsername(w, w.admin, noMail, "admin");
    await t.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() + 3600_000) })
      .where(eq(invitations.id, id));

    const list = await listOrgInvitations(t.db, as(w.manager), w.org.name);
    expect(list.map((i) => [i.email, i.username, i.role, i.invitedBy, i.expired])).toEqual([
      [null, noMail.username, "admin", w.admin.username, false],
      [null, pat.username, "manager", w.manager.username, false],
    ]);
    expect(JSON.stringify(list)).not.toContain(pat.email);

    w.svc.mailer.sent.length = 0;
    const r = await renewInvitation(t.db, as(w.manager), w.org.name, { id }, { ...w.svc, send: true });
    expect(r).toMatchObject({ email: null, username: pat.username, link: null, mailed: true, mailFailed: 0 });
    expect(r.expiresAt.getTime()).toBeGreaterThan(Date.now() + INVITATION_TTL_MS - 60_000);
    const [mail] = w.svc.mailer.to(pat.email);
    expect(w.svc.mailer.sent).toHaveLength(1);
    expect(mail!.text).toContain("http://console.test/invites");
    const [row] = await t.db.select().from(invitations).where(eq(invitations.id, id));
    expect(row!.tokenHash).toBeNull();
    expect(row!.expiresAt.getTime()).toBe(r.expiresAt.getTime());
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "invitation.resent")));
    expect(audit).toMatchObject({ actorUsername: w.manager.username, targetId: id, targetLabel: pat.username });

    // No link to copy for an invitation to an account.
    const noLink = await renewInvitation(t.db, as(w.manager), w.org.name, { id }, { ...w.svc, send: false }).catch(
      (e) => e,
    );
    expect(noLink).toBeInstanceOf(Conflict);
    // Without an address, nothing is mailed (it shows in their console); a manager can't touch an admin invitation.
    const quiet = await renewInvitation(t.db, as(w.admin), w.org.name, { id: noMailId }, { ...w.svc, send: true });
    expect(quiet).toMatchObject({ username: noMail.username, mailed: false });
    expect(w.svc.mailer.sent).toHaveLength(1);
    await expect(
      renewInvitation(t.db, as(w.manager), w.org.name, { id: noMailId }, { ...w.svc, send: true }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(revokeInvitation(t.db, as(w.manager), w.org.name, { id: noMailId })).rejects.toBeInstanceOf(Forbidden);
    await expect(listOrgInvitations(t.db, as(w.user), w.org.name)).rejects.toBeInstanceOf(Forbidden);
  });

  it("have no link: getInvitationByToken knows nothing of them", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    await inviteByUsername(w, w.admin, pat);
    for (const token of [newToken().token, ""])
      expect(await getInvitationByToken(t.db, as(pat), token)).toEqual({ state: "unknown" });
  });
});

describe("addMemberAsPlatformAdmin", () => {
  it("adds at once, as the operator or the system, audited, with the org's default limit and a mail", async () => {
    const w = await world();
    await t.db.update(orgs).set({ defaultUserCreditLimit: "10" }).where(eq(orgs.id, w.org.id));
    const op = await makePlatformAdmin(t.db);
    const [pat, kim] = [await makeUser(t.db), await makeUser(t.db)];
    // pat had a pending invitation: the add answers it.
    await inviteByUsername(w, w.admin, pat, "manager");
    w.svc.mailer.sent.length = 0;

    const r = await addMemberAsPlatformAdmin(t.db, as(op), { org: w.org.name, username: pat.username }, w.svc);
    expect(r).toEqual({ org: w.org.name, username: pat.username, role: "user", mailFailed: 0 });
    expect(await membership(w.org.id, pat.id)).toMatchObject({ role: "user", creditLimit: "10.00000000" });
    expect(await countMyInvitations(t.db, as(pat))).toBe(0);
    expect(await listOrgInvitations(t.db, as(w.admin), w.org.name)).toEqual([]);
    const [mail] = w.svc.mailer.to(pat.email);
    expect(mail!.subject).toBe(`You were added to ${w.org.name} on Apolo`);
    expect(mail!.text).toContain(`http://console.test/orgs/${w.org.name}`);

    // The system (npm run admin -- add-member), with a role, no mail services.
    const s = await addMemberAsSystem(t.db, SYSTEM, {
      org: w.org.name,
      username: kim.username,
      role: "admin",
    });
    expect(s).toMatchObject({ username: kim.username, role: "admin" });
    expect(await membership(w.org.id, kim.id)).toMatchObject({ role: "admin", creditLimit: null });

    const added = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.action, "member.added")))
      .orderBy(auditEvents.id);
    expect(added.map((a) => [a.actorUsername, a.targetLabel, a.after])).toEqual([
      [op.username, pat.username, { role: "user", by: "platform admin", closedInvitations: 1 }],
      [null, kim.username, { role: "admin", by: "system" }],
    ]);
  });

  it("says clearly when the org or the account is unknown, or already a member, changing nothing", async () => {
    const w = await world();
    const op = await makePlatformAdmin(t.db);
    const pat = await makeUser(t.db);
    const before = await counts(w.org.id);
    const unknownOrg = await addMemberAsPlatformAdmin(t.db, as(op), {
      org: "no-such-org-x",
      username: pat.username,
    }).catch((e) => e);
    expect(unknownOrg).toBeInstanceOf(Invalid);
    expect(unknownOrg.fieldErrors.org).toEqual(["No organization named 'no-such-org-x'."]);
    const unknownUser = await addMemberAsSystem(t.db, SYSTEM, {
      org: w.org.name,
      username: "nobody-zz",
    }).catch((e) => e);
    expect(unknownUser.fieldErrors.username).toEqual(["No account with the username 'nobody-zz'."]);
    const member = await addMemberAsPlatformAdmin(t.db, as(op), { org: w.org.name, username: w.user.username }).catch(
      (e) => e,
    );
    expect(member).toBeInstanceOf(Conflict);
    expect(member.message).toBe(`${w.user.username} already is a member of ${w.org.name} (user).`);
    const badRole = await addMemberAsPlatformAdmin(t.db, as(op), {
      org: w.org.name,
      username: pat.username,
      role: "owner",
    }).catch((e) => e);
    expect(badRole).toBeInstanceOf(Invalid);
    expect(await counts(w.org.id)).toEqual(before);
    expect(await membership(w.org.id, pat.id)).toBeNull();
  });

  it("is refused (NotFound, as the Admin area) to everyone but platform admins, even the org's admin", async () => {
    const w = await world();
    const pat = await makeUser(t.db);
    const before = await counts(w.org.id);
    for (const someone of [w.admin, w.manager, w.user, pat]) {
      await expect(
        addMemberAsPlatformAdmin(t.db, as(someone), { org: w.org.name, username: pat.username, role: "admin" }, w.svc),
      ).rejects.toBeInstanceOf(NotFound);
    }
    await expect(
      addMemberAsPlatformAdmin(t.db, null, { org: w.org.name, username: pat.username }, w.svc),
    ).rejects.toBeInstanceOf(Unauthenticated);
    expect(await counts(w.org.id)).toEqual(before);
    expect(await membership(w.org.id, pat.id)).toBeNull();
    expect(w.svc.mailer.sent).toEqual([]);
  });
});

describe("email verification", () => {
  it("mails a link that verifies the address once", async () => {
    const pat = await makeUser(t.db);
    const svc = testServices();
    expect(await requestEmailVerification(t.db, as(pat), svc)).toEqual({ sent: true, alreadyVerified: false });
    const [mail] = svc.mailer.to(pat.email);
    expect(svc.mailer.sent).toHaveLength(1);
    const token = tokenFromLink(mail!.text, "/verify-email?token=");
    const [stored] = await t.db.select().from(emailVerifications).where(eq(emailVerifications.userId, pat.id));
    expect(stored!.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    expect(await verifyEmail(t.db, token)).toEqual({ ok: true, username: pat.username });
    const [me] = await t.db.select().from(users).where(eq(users.id, pat.id));
    expect(me!.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await verifyEmail(t.db, token)).toEqual({ ok: false });

    // Once verified, asking again sends nothing.
    expect(await requestEmailVerification(t.db, as(pat), svc)).toEqual({ sent: false, alreadyVerified: true });
    expect(svc.mailer.sent).toHaveLength(1);
  });

  it("does not verify an address the account no longer has", async () => {
    const pat = await makeUser(t.db);
    const svc = testServices();
    await requestEmailVerification(t.db, as(pat), svc);
    const token = tokenFromLink(svc.mailer.sent[0]!.text, "/verify-email?token=");
    await t.db.update(users).set({ email: newEmail() }).where(eq(users.id, pat.id));
    expect(await verifyEmail(t.db, token)).toEqual({ ok: false });
    const [me] = await t.db.select().from(users).where(eq(users.id, pat.id));
    expect(me!.emailVerifiedAt).toBeNull();
  });

  it("refuses expired and malformed tokens, signed-out requests, and too many mails", async () => {
    const pat = await makeUser(t.db);
    const svc = testServices();
    await requestEmailVerification(t.db, as(pat), svc);
    const token = tokenFromLink(svc.mailer.sent[0]!.text, "/verify-email?token=");
    await t.db
      .update(emailVerifications)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(emailVerifications.userId, pat.id));
    expect(await verifyEmail(t.db, token)).toEqual({ ok: false });
    expect(await verifyEmail(t.db, "garbage")).toEqual({ ok: false });
    expect(await verifyEmail(t.db, newToken().token)).toEqual({ ok: false });
    await expect(requestEmailVerification(t.db, null, svc)).rejects.toBeInstanceOf(Unauthenticated);
    for (let i = 0; i < 4; i++) await requestEmailVerification(t.db, as(pat), svc);
    await expect(requestEmailVerification(t.db, as(pat), svc)).rejects.toBeInstanceOf(RateLimited);
    expect(svc.mailer.sent).toHaveLength(5);
  });
});
