import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, emailVerifications, invitations, orgMembers, users } from "@/db/schema";
import { requestEmailVerification, signUp, verifyEmail } from "./accounts";
import { DomainError, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated } from "./errors";
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
import { hashToken, newToken } from "./tokens";
import {
  as,
  makeInvitation,
  makeOrg,
  makeUser,
  testContext,
  testServices,
  tokenFromLink,
  uniqueName,
  verifyUser,
  withTestDatabase,
} from "./test/fixtures";

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
      [alice.username, "added"],
      [bob, "invited"],
      [nobody, "not_found"],
      ["bad@", "invalid"],
    ]);
    expect(results[0]!.link).toBeUndefined();
    expect(results[1]!.link).toMatch(/^http:\/\/console\.test\/invite\/[A-Za-z0-9_-]{43}$/);
    expect((await membership(w.org.id, alice.id))!.role).toBe("manager");
    const [inv] = await invitationRows(w.org.id, bob);
    expect(inv).toMatchObject({
      email: bob,
      role: "manager",
      invitedById: w.admin.id,
      acceptedAt: null,
      revokedAt: null,
    });
    // The valid entries went through; the invalid ones wrote nothing.
    expect(await invitationRows(w.org.id)).toHaveLength(1);
    const audit = await t.db.select().from(auditEvents).where(eq(auditEvents.orgId, w.org.id));
    expect(audit.map((a) => a.action).sort()).toEqual(["invitation.created", "member.added"]);
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

  it("mails a notice to a person added by username, with a link to the org", async () => {
    const w = await world();
    const carol = await makeUser(t.db);
    await inviteMembers(t.db, as(w.manager), w.org.name, { entries: carol.username, role: "user" }, w.svc);
    const [mail] = w.svc.mailer.to(carol.email);
    expect(w.svc.mailer.sent).toHaveLength(1);
    expect(mail!.subject).toBe(`You were added to ${w.org.name} on Apolo`);
    expect(mail!.text).toContain(`http://console.test/orgs/${w.org.name}`);
    expect(mail!.text).toContain(`as user`);
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
    expect(err.fieldErrors.entries).toEqual(["Invite at most 50 people at a time."]);
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
    expect(ok.results[0]!.outcome).toBe("added");
    const dave = await makeUser(t.db);
    await inviteMembers(t.db, as(w.admin), w.org.name, { entries: dave.username, role: "admin" }, w.svc);
    expect((await membership(w.org.id, dave.id))!.role).toBe("admin");
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
    const token = tokenFromLink(r.link);
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
    expect((await getInvitationByToken(t.db, null, tokenFromLink(r.link))).state).toBe("valid");

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
    expect(await revokeInvitation(t.db, as(w.manager), w.org.name, { id: inv.id })).toEqual({ email: invitee.email });
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
    expect(await countMyInvitations(t.db, { userId: invitee.id })).toBe(1);

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
