/**
 * The authorization matrix: every operation of the domain modules × every kind of caller. An exported
 * function of these modules without a row fails the first test, so no operation can ship unchecked.
 * A call that is refused must change nothing: for every refused cell the org's rows (org, memberships,
 * invitations, audit, ledger, payments, jobs), the clusters, the people's accounts and the mail sent are
 * compared before and after. Operator-only operations also run for a platform admin (see PLATFORM_ADMIN).
 */
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  auditEvents,
  clusters as clustersTable,
  clusterTokens,
  creditLedger,
  emailVerifications,
  invitations as invitationsTable,
  jobs as jobsTable,
  orgClusters,
  orgMembers,
  oauthAccounts,
  orgs as orgsTable,
  outboxEmails,
  payments as paymentsTable,
  passwordResets,
  presets,
  sessions as sessionsTable,
  users,
} from "@/db/schema";
import * as accounts from "./accounts/accounts";
import * as accountSettings from "./accounts/account-settings";
import * as audit from "./orgs/audit";
import {
  ORG_PERMISSIONS,
  ORG_ROLES,
  POLICY,
  allowed,
  authorize,
  can,
  requireOrgAccess,
  roleAtLeast,
  type OrgPermission,
  type PolicyRule,
  type OrgRole,
} from "./core/authz";
import { clusterCaller, systemCaller, tokenCaller, userCaller, type Caller } from "./core/caller";
import * as billingInternal from "./billing/internal";
import * as clusterTokensModule from "./compute/cluster-tokens";
import * as clusters from "./compute/clusters";
import * as clusterUrls from "./compute/cluster-urls";
import * as clusterAccess from "./compute/cluster-access";
import * as checklist from "./orgs/checklist";
import * as orgClustersModule from "./compute/org-clusters";
import * as tokensModule from "./accounts/tokens";
import * as cliConfigModule from "./compute/cli-config";
import * as clusterUsers from "./orgs/cluster-users";
import * as computeInternal from "./compute/internal";
import * as creditsView from "./billing/credits-view";
import * as projectionView from "./billing/projection-view";
import * as projection from "./billing/projection";
import * as balanceProjection from "./reports/balance-projection";
import * as grants from "./billing/grants";
import * as memberCredits from "./billing/member-credits";
import * as addOrgUserModule from "./orgs/add-org-user";
import * as orgDetails from "./orgs/org-details";
import * as orgCreditSettings from "./billing/org-credit-settings";
import * as autoTopUp from "./billing/auto-topup";
import * as quotas from "./billing/quotas";
import * as topUps from "./billing/top-ups";
import { isDomainError } from "./core/errors";
import * as grafana from "./reports/grafana";
import * as invitations from "./orgs/invitations";
import * as reports from "./reports/reports";
import * as sessions from "./accounts/sessions";
import * as passwordReset from "./accounts/password-reset";
import * as jobsModule from "./compute/jobs";
import * as jobDetail from "./compute/job-detail";
import * as runnerAuth from "./compute/runner-auth";
import * as usageApi from "./compute/usage-api";
import * as members from "./orgs/members";
import * as orgs from "./orgs/orgs";
import * as orgNames from "./orgs/org-names";
import * as orgsInternal from "./orgs/internal";
import * as platform from "./orgs/platform";
import {
  addMember,
  addOrgToCluster,
  as,
  fundOrg,
  makeAccountInvitation,
  makeCluster,
  makeInvitation,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  paymentServices,
  secondsAgo,
  testContext,
  testServices,
  TEST_PASSWORD,
  tokenFromLink,
  uniqueName,
  verifyUser,
  withTestDatabase,
  type RecordingMailer,
} from "./test/fixtures";
import type { Services } from "./core/services";
import { settle, type Outcome } from "./test/project-matrix";
import { newToken } from "./core/tokens";
import type { Db } from "@/db";

const t = withTestDatabase();

/**
 * signedOut: no session. outsider: an account in no org at all. adminOfOther: the admin of a different org,
 * not a member of this one. user / manager / admin: members of the org with that role. self: the org's admin
 * acting on themself — operations that take a target member (changeMemberRole, removeMember) aim at the
 * caller's own username; operations without a target behave exactly as for `admin`.
 */
const SEATS = ["signedOut", "outsider", "adminOfOther", "user", "manager", "admin", "self"] as const;
type Seat = (typeof SEATS)[number];
/**
 * An operator: an account with users.is_platform_admin, member of no org. Runs only the rows that declare a
 * `platformAdmin` outcome (the operator-only operations), in a test of its own.
 */
const PLATFORM_ADMIN = "platformAdmin" as const;
type AnySeat = Seat | typeof PLATFORM_ADMIN;

type Person = Awaited<ReturnType<typeof makeUser>>;

interface World {
  db: Db;
  caller: AnySeat;
  actor: Caller;
  /** The calling account (the admin for `self`), null when signed out. */
  me: Person | null;
  org: { id: string; name: string };
  otherOrg: { id: string; name: string };
  /** admin2 is a second admin, so that acting on an admin (and an admin leaving) is possible at all. */
  people: {
    admin: Person;
    admin2: Person;
    manager: Person;
    user: Person;
    outsider: Person;
    otherAdmin: Person;
    operator: Person;
  };
  svc: Services & { mailer: RecordingMailer };
  /** The member a target-taking operation acts on: `member` by default, the caller themself for `self`. */
  target(member: Person): string;
  /** An invitation made by `prepare`. */
  inv?: { id: string; token: string };
  /** Credits set-up made by `prepare`: the org's cluster, a job, a payment, a cluster token, a spare account. */
  cluster?: Awaited<ReturnType<typeof makeCluster>>;
  job?: { id: string };
  /** A personal access token the row acts on (tokens.revokeToken). */
  tokenId?: string;
  paymentId?: string;
  clusterToken?: { id: string; token: string };
  spare?: Person;
  /** A session row made by `prepare`. */
  sessionId?: string;
  /** A pending cluster access request made by `prepare` (by the org's admin). */
  accessRequestId?: string;
}

interface Row {
  /** Set-up that is not part of the call under test (runs before the "nothing changed" snapshot). */
  prepare?: (w: World) => Promise<void>;
  run: (w: World) => Promise<unknown>;
  expect: Record<Seat, Outcome>;
  /** Operator-only operations: the outcome for a platform admin (who is in no org). */
  platformAdmin?: Outcome;
  /** An allowed call must change what the snapshot covers (not only return something). */
  writes?: boolean;
}

const everyone = (o: Outcome) => Object.fromEntries(SEATS.map((c) => [c, o])) as Record<Seat, Outcome>;
const signedIn: Record<Seat, Outcome> = { ...everyone("ok"), signedOut: "unauthenticated" };

/** Org operations: outsiders (and admins of other orgs) get NotFound; `self` is the admin unless overridden. */
function orgOp(p: { user: Outcome; manager: Outcome; admin: Outcome; self?: Outcome }): Record<Seat, Outcome> {
  return { signedOut: "unauthenticated", outsider: "not_found", adminOfOther: "not_found", self: p.admin, ...p };
}
const forMembers = orgOp({ user: "ok", manager: "ok", admin: "ok" });
const forManagers = orgOp({ user: "forbidden", manager: "ok", admin: "ok" });
const forAdmins = orgOp({ user: "forbidden", manager: "forbidden", admin: "ok" });
/** Operator-only: everyone in the org matrix is told the thing doesn't exist (or to sign in). */
const forOperators: Record<Seat, Outcome> = { ...everyone("not_found"), signedOut: "unauthenticated" };
/** A person's own thing (payment, job) that another member can't see either. */
const nobodyElse = orgOp({ user: "not_found", manager: "not_found", admin: "not_found" });
/** The Reports tab: managers and admins; to users it does not exist. */
const forReportViewers = orgOp({ user: "not_found", manager: "ok", admin: "ok" });

const newAccount = () => {
  const u = uniqueName();
  return { username: u, email: `${u}@example.com`, password: "12345678" };
};
const freshEmail = () => `${uniqueName("inv")}@example.net`;

/** An open invitation to this org, addressed to the caller's own email (a fresh address when signed out). */
async function invitationToCaller(w: World, role: OrgRole = "user") {
  w.inv = await makeInvitation(w.db, w.org, {
    email: w.me?.email ?? freshEmail(),
    role,
    invitedById: w.people.admin.id,
  });
}
/** An open invitation to this org for someone else's address. */
async function invitationToSomeoneElse(w: World, role: OrgRole = "user") {
  w.inv = await makeInvitation(w.db, w.org, { email: freshEmail(), role, invitedById: w.people.admin.id });
}

/** An open invitation to this org bound to the caller's account (by username), or to a spare account's. */
async function accountInvitationToCaller(w: World, role: OrgRole = "user") {
  w.spare = await makeUser(w.db);
  w.inv = { ...(await makeAccountInvitation(w.db, w.org, { inviteeId: (w.me ?? w.spare).id, role })), token: "" };
}
/** An open invitation to this org bound to an account that is not the caller's. */
async function accountInvitationToSomeoneElse(w: World, role: OrgRole = "user") {
  w.spare = await makeUser(w.db);
  w.inv = {
    ...(await makeAccountInvitation(w.db, w.org, { inviteeId: w.spare.id, role, invitedById: w.people.admin.id })),
    token: "",
  };
}

/** The org on an (external) cluster with a 1 credit/hour preset "small", and 100 credits. */
async function onCluster(w: World) {
  w.cluster = await makeCluster(w.db, { presets: { small: "1" } });
  await addOrgToCluster(w.db, w.org, w.cluster);
  await fundOrg(w.db, w.org, "100");
}
/** A running job of `owner` on the org's cluster, started a minute ago. */
async function jobOf(w: World, owner: Person) {
  if (!w.cluster) await onCluster(w);
  w.job = await makeJob(w.db, {
    org: w.org,
    user: owner,
    cluster: w.cluster!,
    preset: w.cluster!.presets.small!,
    startedAt: secondsAgo(60),
  });
}
const isMember = (w: World) => ["user", "manager", "admin", "self"].includes(w.caller);
/** A pending sandbox top-up of 10 credits by `payer` (by the caller when a member; else by the user). */
async function pendingPayment(w: World, payer?: Person) {
  const who = payer ?? (isMember(w) ? w.me! : w.people.user);
  const r = await credits.createTopUp(w.db, as(who), w.org.name, { credits: "10" }, paymentServices());
  w.paymentId = r.paymentId;
}
/** A cluster token of the org's cluster, inserted as createClusterToken would store it. */
async function clusterTokenOf(w: World) {
  if (!w.cluster) await onCluster(w);
  const { token, hash } = newToken();
  const [row] = await w.db
    .insert(clusterTokens)
    .values({ clusterId: w.cluster!.id, label: "matrix", tokenHash: hash, createdById: w.people.operator.id })
    .returning({ id: clusterTokens.id });
  w.clusterToken = { id: row!.id, token: `apc_${token}` };
}

const MATRIX: Record<string, Row> = {
  // Pre-auth operations: open to anyone by nature; their own limits are tested in accounts.test.ts.
  "accounts.signUp": { run: (w) => accounts.signUp(w.db, newAccount(), testContext()), expect: everyone("ok") },
  "accounts.authenticate": {
    run: (w) => accounts.authenticate(w.db, { identifier: "nobody", password: "x" }, testContext()),
    expect: everyone("ok"),
  },
  "accounts.completeOAuthSignUp": {
    run: (w) => {
      const a = newAccount();
      return accounts.completeOAuthSignUp(
        w.db,
        { provider: "github", providerAccountId: uniqueName(), email: null, name: null },
        a,
        testContext(),
      );
    },
    expect: everyone("ok"),
  },
  // Called by the session layer with ids it verified, never with a person's input.
  "accounts.findOAuthUser": { run: (w) => accounts.findOAuthUser(w.db, "github", "1"), expect: everyone("ok") },
  // Called by the session layer with an id from a sign-up ticket it verified (app/_server/signup-ticket.ts).
  "accounts.signUpSessionUser": {
    run: (w) => accounts.signUpSessionUser(w.db, (w.me ?? w.people.outsider).id),
    expect: everyone("ok"),
  },

  // The session layer: called by the sign-in callback, each request and sign-out with ids it read from the
  // signed cookie, never with a person's input.
  "sessions.createSession": {
    run: (w) => sessions.createSession(w.db, (w.me ?? w.people.outsider).id, { userAgent: "matrix" }),
    expect: everyone("ok"),
  },
  "sessions.findSessionUser": {
    run: (w) => sessions.findSessionUser(w.db, w.me?.id ?? "none", crypto.randomUUID()),
    expect: everyone("ok"),
  },
  "sessions.endSession": {
    prepare: async (w) => {
      w.sessionId = await sessions.createSession(w.db, (w.me ?? w.people.outsider).id);
    },
    run: (w) => sessions.endSession(w.db, (w.me ?? w.people.outsider).id, w.sessionId!),
    expect: everyone("ok"),
    writes: true,
  },
  "sessions.endOtherSessions": {
    run: (w) => sessions.endOtherSessions(w.db, (w.me ?? w.people.outsider).id),
    expect: everyone("ok"),
  },
  // Forgot password: the address (or the link's token) is the credential; anyone, signed in or not, may ask.
  "password-reset.requestPasswordReset": {
    run: (w) =>
      passwordReset.requestPasswordReset(
        w.db,
        { email: (w.me ?? w.people.outsider).email },
        { ...testContext(), svc: w.svc },
      ),
    expect: everyone("ok"),
  },
  "password-reset.isPasswordResetUsable": {
    run: (w) => passwordReset.isPasswordResetUsable(w.db, newToken().token),
    expect: everyone("ok"),
  },
  // Internal to every password change, inside its transaction.
  "password-reset.invalidatePasswordResets": {
    prepare: async (w) => {
      const who = w.me ?? w.people.outsider;
      await passwordReset.requestPasswordReset(w.db, { email: who.email }, { ...testContext(), svc: w.svc });
    },
    writes: true,
    run: (w) => passwordReset.invalidatePasswordResets(w.db, (w.me ?? w.people.outsider).id),
    expect: everyone("ok"),
  },
  "password-reset.resetPassword": {
    prepare: async (w) => {
      const who = w.me ?? w.people.outsider;
      await passwordReset.requestPasswordReset(w.db, { email: who.email }, { ...testContext(), svc: w.svc });
    },
    run: async (w) => {
      const token = tokenFromLink(w.svc.mailer.sent.at(-1)!.text, "/reset-password?token=");
      const r = await passwordReset.resetPassword(w.db, { token, password: "a new password here" });
      expect(r.username).toBe((w.me ?? w.people.outsider).username);
    },
    expect: everyone("ok"),
  },
  "sessions.listMySessions": { run: (w) => sessions.listMySessions(w.db, w.actor), expect: signedIn },
  // A person's own sessions only: someone else's session id is NotFound for everyone.
  "sessions.revokeMySession": {
    prepare: async (w) => {
      w.sessionId = await sessions.createSession(w.db, (w.me ?? w.people.outsider).id);
    },
    run: async (w) => {
      await sessions.revokeMySession(w.db, w.actor, { id: w.sessionId });
      const left = await w.db.select().from(sessionsTable).where(eq(sessionsTable.id, w.sessionId!));
      expect(left).toEqual([]);
    },
    expect: signedIn,
  },
  "sessions.revokeMySession of someone else's session": {
    prepare: async (w) => {
      w.sessionId = await sessions.createSession(w.db, w.people.admin2.id);
    },
    run: (w) => sessions.revokeMySession(w.db, w.actor, { id: w.sessionId }),
    expect: { ...everyone("not_found"), signedOut: "unauthenticated" },
    platformAdmin: "not_found",
  },
  "sessions.revokeMyOtherSessions": {
    prepare: async (w) => {
      await sessions.createSession(w.db, (w.me ?? w.people.outsider).id);
    },
    run: async (w) => {
      const r = await sessions.revokeMyOtherSessions(w.db, w.actor);
      expect(r.ended).toBeGreaterThan(0);
    },
    expect: signedIn,
  },
  "accounts.getAccount": { run: (w) => accounts.getAccount(w.db, w.actor), expect: signedIn },
  // Mails the caller's own address; anyone signed in may ask for their own.
  "accounts.requestEmailVerification": {
    run: (w) => accounts.requestEmailVerification(w.db, w.actor, w.svc),
    expect: signedIn,
  },
  // The token is the credential (no session): it works for whoever holds it, signed in or not.
  "accounts.verifyEmail": {
    prepare: async (w) => {
      await accounts.requestEmailVerification(w.db, as(w.me ?? w.people.outsider), w.svc);
    },
    run: async (w) => {
      const r = await accounts.verifyEmail(w.db, tokenFromLink(w.svc.mailer.sent[0]!.text, "/verify-email?token="));
      if (!r.ok) throw new Error("a fresh verification link did not verify");
      return r;
    },
    expect: everyone("ok"),
  },
  // An email-change link (the caller's own change; the outsider's when signed out): whoever holds it.
  "accounts.verifyEmail of an email-change link": {
    prepare: async (w) => {
      const email = freshEmail();
      await accountSettings.requestEmailChange(
        w.db,
        as(w.me ?? w.people.outsider),
        { email, currentPassword: TEST_PASSWORD },
        w.svc,
      );
    },
    run: async (w) => {
      const r = await accounts.verifyEmail(
        w.db,
        tokenFromLink(w.svc.mailer.sent[0]!.text, "/verify-email?token="),
        w.svc,
      );
      if (!r.ok || !r.changed) throw new Error(`the change link did not apply: ${JSON.stringify(r)}`);
      return r;
    },
    expect: everyone("ok"),
  },

  "orgs.createOrg": { run: (w) => orgs.createOrg(w.db, w.actor, { name: uniqueName("org-") }), expect: signedIn },
  "orgs.listMyOrgs": { run: (w) => orgs.listMyOrgs(w.db, w.actor), expect: signedIn },
  "orgs.homePath": { run: (w) => orgs.homePath(w.db, w.actor), expect: signedIn },
  "orgs.enterOrg": { run: (w) => orgs.enterOrg(w.db, w.actor, w.org.name), expect: forMembers },
  "orgs.getOrgOverview": { run: (w) => orgs.getOrgOverview(w.db, w.actor, w.org.name), expect: forMembers },
  "orgs.deleteOrg": {
    run: (w) => orgs.deleteOrg(w.db, w.actor, w.org.name, { confirmName: w.org.name }),
    expect: forAdmins,
    // Apolo's `remove-org`: a platform admin closes any org.
    platformAdmin: "ok",
  },
  // The role is checked before the typed name: a non-admin learns nothing from a wrong name.
  "orgs.deleteOrg with a wrong confirmation": {
    run: (w) => orgs.deleteOrg(w.db, w.actor, w.org.name, { confirmName: "not-the-name" }),
    expect: orgOp({ user: "forbidden", manager: "forbidden", admin: "invalid" }),
  },

  // Org URL names (issue 14): the availability hint as someone types, the rename, the old-name redirect.
  "org-names.isOrgNameAvailable": {
    run: (w) => orgNames.isOrgNameAvailable(w.db, w.actor, { name: uniqueName("org-") }, w.svc),
    expect: signedIn,
  },
  "org-names.isOrgNameAvailable for a rename": {
    run: (w) => orgNames.isOrgNameAvailable(w.db, w.actor, { name: uniqueName("org-"), org: w.org.name }, w.svc),
    expect: forAdmins,
  },
  "org-names.renameOrg": {
    run: (w) => orgNames.renameOrg(w.db, w.actor, w.org.name, { displayName: "Renamed Org" }),
    expect: forAdmins,
    writes: true,
  },
  "org-names.renameOrg changing the URL name": {
    run: (w) => orgNames.renameOrg(w.db, w.actor, w.org.name, { name: uniqueName("org-"), confirmName: w.org.name }),
    expect: forAdmins,
    writes: true,
  },
  // Members are sent on to the new name; everyone else gets null, as for a name never used.
  "org-names.resolveOrgRedirect": {
    prepare: async (w) => {
      await orgNames.renameOrg(w.db, as(w.people.admin), w.org.name, {
        name: uniqueName("org-"),
        confirmName: w.org.name,
      });
    },
    run: (w) => orgNames.resolveOrgRedirect(w.db, w.actor, w.org.name),
    expect: signedIn,
  },
  "org-names.lastUsedOrgName": { run: (w) => orgNames.lastUsedOrgName(w.db, w.actor), expect: signedIn },

  "members.listMembers": {
    run: (w) => members.listMembers(w.db, w.actor, w.org.name, { q: "", sort: "role" }),
    expect: forMembers,
  },
  // Members' addresses: managers and admins see them (and find people by them); users neither.
  "members.listMembers searching by an address": {
    run: async (w) => {
      const r = await members.listMembers(w.db, w.actor, w.org.name, { q: w.people.admin2.email });
      const seen = r.rows.map((m) => [m.username, m.email]);
      const expected = r.seesEmail ? [[w.people.admin2.username, w.people.admin2.email]] : [];
      if (r.seesEmail !== (w.caller !== "user") || JSON.stringify(seen) !== JSON.stringify(expected))
        throw new Error(`${w.caller} saw ${JSON.stringify(seen)}`);
      return r;
    },
    expect: forMembers,
  },
  // Target: a user-role member (self: the admin's own username — nobody changes their own role).
  "members.changeMemberRole": {
    run: (w) =>
      members.changeMemberRole(w.db, w.actor, w.org.name, { username: w.target(w.people.user), role: "manager" }),
    expect: orgOp({ user: "forbidden", manager: "ok", admin: "ok", self: "forbidden" }),
  },
  // Target: the second admin. A manager may never touch an admin.
  "members.changeMemberRole → admin target": {
    run: (w) =>
      members.changeMemberRole(w.db, w.actor, w.org.name, { username: w.target(w.people.admin2), role: "user" }),
    expect: orgOp({ user: "forbidden", manager: "forbidden", admin: "ok", self: "forbidden" }),
  },
  // Granting admin: what a forged manager request would ask for.
  "members.changeMemberRole to admin": {
    run: (w) =>
      members.changeMemberRole(w.db, w.actor, w.org.name, { username: w.target(w.people.user), role: "admin" }),
    expect: orgOp({ user: "forbidden", manager: "forbidden", admin: "ok", self: "forbidden" }),
  },
  // Target: a user-role member (self: the admin's own username — leave instead).
  "members.removeMember": {
    run: (w) => members.removeMember(w.db, w.actor, w.org.name, { username: w.target(w.people.user) }),
    expect: orgOp({ user: "forbidden", manager: "ok", admin: "ok", self: "forbidden" }),
  },
  "members.removeMember → admin target": {
    run: (w) => members.removeMember(w.db, w.actor, w.org.name, { username: w.target(w.people.admin2) }),
    expect: orgOp({ user: "forbidden", manager: "forbidden", admin: "ok", self: "forbidden" }),
  },
  // With two admins, any member may leave.
  "members.leaveOrg": { run: (w) => members.leaveOrg(w.db, w.actor, w.org.name), expect: forMembers },
  "members.leaveOrg as the last admin": {
    prepare: async (w) => {
      await w.db
        .delete(orgMembers)
        .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.people.admin2.id)));
    },
    run: (w) => members.leaveOrg(w.db, w.actor, w.org.name),
    expect: orgOp({ user: "ok", manager: "ok", admin: "conflict" }),
  },

  // A pure helper that builds a URL: no data, no caller.
  "invitations.invitationLink": {
    run: async () => invitations.invitationLink("http://console.test", "t"),
    expect: everyone("ok"),
  },
  "invitations.inviteMembers": {
    run: (w) =>
      invitations.inviteMembers(
        w.db,
        w.actor,
        w.org.name,
        { entries: `${freshEmail()}, ${w.people.outsider.username}`, role: "user" },
        w.svc,
      ),
    expect: forManagers,
  },
  "invitations.inviteMembers granting admin": {
    run: (w) => invitations.inviteMembers(w.db, w.actor, w.org.name, { entries: freshEmail(), role: "admin" }, w.svc),
    expect: forAdmins,
  },
  // By username: an invitation bound to the account, never a membership (whoever asks).
  "invitations.inviteMembers granting admin by username": {
    run: async (w) => {
      const r = await invitations.inviteMembers(
        w.db,
        w.actor,
        w.org.name,
        { entries: w.people.outsider.username, role: "admin" },
        w.svc,
      );
      if (r.results[0]!.outcome !== "invited") throw new Error(JSON.stringify(r.results));
      const joined = await w.db
        .select()
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, w.org.id), eq(orgMembers.userId, w.people.outsider.id)));
      if (joined.length) throw new Error("an invitation by username made a membership");
      return r;
    },
    expect: forAdmins,
  },
  "invitations.listOrgInvitations": {
    run: (w) => invitations.listOrgInvitations(w.db, w.actor, w.org.name),
    expect: forManagers,
  },
  "invitations.renewInvitation": {
    prepare: (w) => invitationToSomeoneElse(w, "user"),
    run: (w) => invitations.renewInvitation(w.db, w.actor, w.org.name, { id: w.inv!.id }, { ...w.svc, send: true }),
    expect: forManagers,
  },
  "invitations.renewInvitation of an admin invitation": {
    prepare: (w) => invitationToSomeoneElse(w, "admin"),
    run: (w) => invitations.renewInvitation(w.db, w.actor, w.org.name, { id: w.inv!.id }, { ...w.svc, send: false }),
    expect: forAdmins,
  },
  "invitations.revokeInvitation": {
    prepare: (w) => invitationToSomeoneElse(w, "manager"),
    run: (w) => invitations.revokeInvitation(w.db, w.actor, w.org.name, { id: w.inv!.id }),
    expect: forManagers,
  },
  // An invitation to an account: Resend reminds them by mail; it has no link to copy (Conflict).
  "invitations.renewInvitation of an account invitation": {
    prepare: (w) => accountInvitationToSomeoneElse(w, "manager"),
    run: (w) => invitations.renewInvitation(w.db, w.actor, w.org.name, { id: w.inv!.id }, { ...w.svc, send: true }),
    expect: forManagers,
  },
  "invitations.renewInvitation link of an account invitation": {
    prepare: (w) => accountInvitationToSomeoneElse(w, "user"),
    run: (w) => invitations.renewInvitation(w.db, w.actor, w.org.name, { id: w.inv!.id }, { ...w.svc, send: false }),
    expect: orgOp({ user: "forbidden", manager: "conflict", admin: "conflict" }),
  },
  "invitations.revokeInvitation of an account invitation": {
    prepare: (w) => accountInvitationToSomeoneElse(w, "user"),
    run: (w) => invitations.revokeInvitation(w.db, w.actor, w.org.name, { id: w.inv!.id }),
    expect: forManagers,
  },
  "invitations.revokeInvitation of an admin invitation": {
    prepare: (w) => invitationToSomeoneElse(w, "admin"),
    run: (w) => invitations.revokeInvitation(w.db, w.actor, w.org.name, { id: w.inv!.id }),
    expect: forAdmins,
  },
  // The token is the credential: anyone holding it sees the invitation. The invitation is addressed to the
  // caller, so the viewer is: signed_out when signed out, invitee for people outside the org, member for
  // members (self included).
  "invitations.getInvitationByToken": {
    prepare: (w) => invitationToCaller(w),
    run: async (w) => {
      const r = await invitations.getInvitationByToken(w.db, w.actor, w.inv!.token);
      const viewer =
        { signedOut: "signed_out", outsider: "invitee", adminOfOther: "invitee" }[w.caller as string] ?? "member";
      if (r.state !== "valid" || !("viewer" in r) || r.viewer !== viewer)
        throw new Error(`unexpected view ${JSON.stringify(r)}`);
      return r;
    },
    expect: everyone("ok"),
  },
  // The link addressed to the caller's email: any signed-in holder of that address may accept (a member
  // accepting again joins nothing new and keeps their role); signed out, they must sign in first.
  "invitations.acceptInvitation": {
    prepare: (w) => invitationToCaller(w, "user"),
    run: (w) => invitations.acceptInvitation(w.db, w.actor, { token: w.inv!.token }),
    expect: signedIn,
  },
  // Someone else's link: refused for every account (the link is bound to its address).
  "invitations.acceptInvitation of another address's link": {
    prepare: (w) => invitationToSomeoneElse(w, "admin"),
    run: (w) => invitations.acceptInvitation(w.db, w.actor, { token: w.inv!.token }),
    expect: { ...everyone("forbidden"), signedOut: "unauthenticated" },
  },
  // From /invites, by id: only for a verified address (nobody in the world is verified yet).
  "invitations.acceptInvitation by id, unverified address": {
    prepare: (w) => invitationToCaller(w, "user"),
    run: (w) => invitations.acceptInvitation(w.db, w.actor, { id: w.inv!.id }),
    expect: { ...everyone("forbidden"), signedOut: "unauthenticated" },
  },
  "invitations.acceptInvitation by id, verified address": {
    prepare: async (w) => {
      await invitationToCaller(w, "user");
      if (w.me) await verifyUser(w.db, w.me);
    },
    run: (w) => invitations.acceptInvitation(w.db, w.actor, { id: w.inv!.id }),
    expect: signedIn,
  },
  // An invitation bound to the caller's account (by username): answered from /invites by id, verified address
  // or not (nobody in the world is verified). A member accepting one keeps their role.
  "invitations.acceptInvitation by id, invitation to the caller's account": {
    prepare: (w) => accountInvitationToCaller(w, "user"),
    run: (w) => invitations.acceptInvitation(w.db, w.actor, { id: w.inv!.id }),
    expect: signedIn,
  },
  "invitations.declineInvitation by id, invitation to the caller's account": {
    prepare: (w) => accountInvitationToCaller(w, "manager"),
    run: (w) => invitations.declineInvitation(w.db, w.actor, { id: w.inv!.id }),
    expect: signedIn,
  },
  // Another account's invitation: it doesn't exist for anyone else, verified or not, org admin or not.
  "invitations.acceptInvitation by id of another account's invitation": {
    prepare: async (w) => {
      await accountInvitationToSomeoneElse(w, "admin");
      if (w.me) await verifyUser(w.db, w.me);
    },
    run: (w) => invitations.acceptInvitation(w.db, w.actor, { id: w.inv!.id }),
    expect: { ...everyone("not_found"), signedOut: "unauthenticated" },
    // A platform admin is no exception.
    platformAdmin: "not_found",
  },
  "invitations.declineInvitation by id of another account's invitation": {
    prepare: (w) => accountInvitationToSomeoneElse(w, "user"),
    run: (w) => invitations.declineInvitation(w.db, w.actor, { id: w.inv!.id }),
    expect: { ...everyone("not_found"), signedOut: "unauthenticated" },
    // A platform admin is no exception.
    platformAdmin: "not_found",
  },
  "invitations.declineInvitation": {
    prepare: (w) => invitationToCaller(w, "manager"),
    run: (w) => invitations.declineInvitation(w.db, w.actor, { token: w.inv!.token }),
    expect: signedIn,
  },
  "invitations.declineInvitation of another address's link": {
    prepare: (w) => invitationToSomeoneElse(w, "user"),
    run: (w) => invitations.declineInvitation(w.db, w.actor, { token: w.inv!.token }),
    expect: { ...everyone("forbidden"), signedOut: "unauthenticated" },
  },
  "invitations.listMyInvitations": { run: (w) => invitations.listMyInvitations(w.db, w.actor), expect: signedIn },
  "invitations.countMyInvitations": { run: (w) => invitations.countMyInvitations(w.db, w.actor), expect: signedIn },

  "audit.listAuditEvents": {
    run: (w) => audit.listAuditEvents(w.db, w.actor, w.org.name, { page: 1 }),
    expect: forManagers,
  },
  "audit.exportAuditCsv": {
    run: (w) => audit.exportAuditCsv(w.db, w.actor, w.org.name, {}),
    expect: forManagers,
  },

  // ------------------------------------------------------------------------------------------ credits
  "credits-view.getCreditsSummary": {
    run: (w) => credits.getCreditsSummary(w.db, w.actor, w.org.name),
    expect: forMembers,
  },
  // The balance banner of every org page: members only.
  "projection-view.getBalanceBanner": {
    run: (w) => projectionView.getBalanceBanner(w.db, w.actor, w.org.name),
    expect: forMembers,
  },
  // Users see a filtered ledger, managers all of it (credits.test.ts checks which rows): all may ask.
  "credits-view.listLedger": {
    prepare: onCluster,
    run: (w) => credits.listLedger(w.db, w.actor, w.org.name, {}),
    expect: forMembers,
  },
  "credits-view.listLedgerByCursor": {
    prepare: onCluster,
    run: (w) => credits.listLedgerByCursor(w.db, w.actor, w.org.name, { limit: 10 }),
    expect: forMembers,
  },
  "credits-view.exportLedgerCsv": {
    prepare: onCluster,
    run: (w) => credits.exportLedgerCsv(w.db, w.actor, w.org.name, {}),
    expect: forMembers,
  },
  // The header's balance tooltip: the caller's own orgs only (the membership is the query's join).
  "projection-view.getMyOrgProjections": {
    run: (w) => projectionView.getMyOrgProjections(w.db, w.actor),
    expect: signedIn,
  },
  "projection-view.getOrgProjection": {
    prepare: onCluster,
    run: (w) => projectionView.getOrgProjection(w.db, w.actor, w.org.name),
    expect: forMembers,
  },
  "projection.getCreditProjection": {
    prepare: onCluster,
    run: (w) => projection.getCreditProjection(w.db, w.actor, w.org.name),
    expect: forMembers,
  },
  "balance-projection.getBalanceProjection": {
    prepare: onCluster,
    run: (w) => balanceProjection.getBalanceProjection(w.db, w.actor, w.org.name, { period: "7d" }),
    expect: forReportViewers,
  },
  "reports.requireReportsAccess": {
    run: (w) => reports.requireReportsAccess(w.db, w.actor, w.org.name),
    expect: forReportViewers,
  },
  "reports.getOrgReport": {
    prepare: onCluster,
    run: (w) => reports.getOrgReport(w.db, w.actor, w.org.name, { period: "7d" }),
    expect: forReportViewers,
  },
  "reports.listMemberReport": {
    run: (w) => reports.listMemberReport(w.db, w.actor, w.org.name, {}),
    expect: forReportViewers,
  },
  "reports.exportMemberReportCsv": {
    run: (w) => reports.exportMemberReportCsv(w.db, w.actor, w.org.name, {}),
    expect: forReportViewers,
  },
  // The Grafana proxy checks the viewer on every request (lib/reports/grafana.test.ts covers what it lets through).
  "grafana.proxyGrafanaRequest": {
    run: (w) =>
      grafana.proxyGrafanaRequest(
        w.db,
        w.actor,
        w.org.name,
        { method: "GET", path: "api/user", search: "", headers: new Headers(), body: null },
        { url: "http://grafana.test", token: "t", orgId: 1 },
        async () => new Response("{}", { headers: { "content-type": "application/json" } }),
      ),
    expect: forReportViewers,
  },
  // Every member may top up by default.
  "top-ups.createTopUp": {
    run: (w) => credits.createTopUp(w.db, w.actor, w.org.name, { credits: "10" }, paymentServices()),
    expect: forMembers,
  },
  // After an admin restricted top-ups to managers and above.
  "top-ups.createTopUp restricted to managers": {
    prepare: async (w) => {
      await w.db.update(orgsTable).set({ topUpMinRole: "manager" }).where(eq(orgsTable.id, w.org.id));
    },
    run: (w) => credits.createTopUp(w.db, w.actor, w.org.name, { credits: "10" }, paymentServices()),
    expect: orgOp({ user: "forbidden", manager: "ok", admin: "ok" }),
  },
  // A payment is its payer's: the caller's own (made by the user for non-members).
  "top-ups.getPayment": {
    prepare: (w) => pendingPayment(w),
    run: (w) => credits.getPayment(w.db, w.actor, w.org.name, w.paymentId!),
    expect: forMembers,
  },
  "top-ups.getPayment of another member's payment": {
    prepare: (w) => pendingPayment(w, w.people.admin2),
    run: (w) => credits.getPayment(w.db, w.actor, w.org.name, w.paymentId!),
    expect: nobodyElse,
  },
  "top-ups.paySandboxPayment": {
    prepare: (w) => pendingPayment(w),
    run: async (w) => {
      const r = await credits.paySandboxPayment(w.db, w.actor, w.org.name, w.paymentId!, w.svc);
      if (r.outcome !== "paid") throw new Error(`not paid: ${JSON.stringify(r)}`);
      return r;
    },
    expect: forMembers,
  },
  "top-ups.paySandboxPayment of another member's payment": {
    prepare: (w) => pendingPayment(w, w.people.admin2),
    run: (w) => credits.paySandboxPayment(w.db, w.actor, w.org.name, w.paymentId!, w.svc),
    expect: nobodyElse,
  },
  "top-ups.cancelPayment": {
    prepare: (w) => pendingPayment(w),
    run: (w) => credits.cancelPayment(w.db, w.actor, w.org.name, w.paymentId!),
    expect: forMembers,
  },
  "top-ups.cancelPayment of another member's payment": {
    prepare: (w) => pendingPayment(w, w.people.admin2),
    run: (w) => credits.cancelPayment(w.db, w.actor, w.org.name, w.paymentId!),
    expect: nobodyElse,
  },
  // Operators only: org admins can't mint credits.
  "grants.grantCredits": {
    run: (w) => credits.grantCredits(w.db, w.actor, { org: w.org.name, amount: "5" }, w.svc),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "grants.grantCredits setting the balance": {
    run: (w) => credits.grantCredits(w.db, w.actor, { org: w.org.name, mode: "set", amount: "0" }, w.svc),
    expect: forOperators,
    platformAdmin: "ok",
  },
  // Target: a user-role member (self: the admin's own quotas — admins may set admins' quotas).
  "quotas.setMemberQuota": {
    run: (w) =>
      credits.setMemberQuota(w.db, w.actor, w.org.name, {
        username: w.target(w.people.user),
        creditLimit: "10",
        maxRunningJobs: "2",
      }),
    expect: forManagers,
  },
  // Target: the second admin. A manager may never touch an admin.
  "quotas.setMemberQuota → admin target": {
    run: (w) =>
      credits.setMemberQuota(w.db, w.actor, w.org.name, {
        username: w.target(w.people.admin2),
        creditLimit: "10",
        maxRunningJobs: "",
      }),
    expect: forAdmins,
  },
  // Apolo's admin API (app/_server/api/endpoints/admin-orgs.ts): org and member read models, the org-user
  // balance on the member credit limit, spending, and add-org-user (platform admin at once, else invitation).
  "org-details.listOrgDetails": { run: (w) => orgDetails.listOrgDetails(w.db, w.actor), expect: signedIn },
  "org-details.getOrgDetails": {
    run: (w) => orgDetails.getOrgDetails(w.db, w.actor, w.org.name),
    expect: forMembers,
    platformAdmin: "ok",
  },
  "org-details.listOrgUsers": {
    run: (w) => orgDetails.listOrgUsers(w.db, w.actor, w.org.name, { roles: ["user", "admin"] }),
    expect: forMembers,
    platformAdmin: "ok",
  },
  "org-details.getOrgUser": {
    run: (w) => orgDetails.getOrgUser(w.db, w.actor, w.org.name, w.target(w.people.user)),
    expect: forMembers,
    platformAdmin: "ok",
  },
  "member-credits.setMemberCredits": {
    run: (w) =>
      memberCredits.setMemberCredits(w.db, w.actor, w.org.name, { username: w.target(w.people.user), credits: "10" }),
    expect: forManagers,
    writes: true,
  },
  "member-credits.setMemberCredits → admin target": {
    run: (w) =>
      memberCredits.setMemberCredits(w.db, w.actor, w.org.name, {
        username: w.target(w.people.admin2),
        additionalCredits: "5",
      }),
    expect: forAdmins,
  },
  "member-credits.chargeSpending": {
    run: (w) => memberCredits.chargeSpending(w.db, w.actor, { org: w.org.name, amount: "1" }, w.svc),
    expect: forOperators,
    platformAdmin: "ok",
    writes: true,
  },
  "add-org-user.addOrgUser": {
    prepare: async (w) => {
      w.spare = await makeUser(w.db);
    },
    run: (w) => addOrgUserModule.addOrgUser(w.db, w.actor, w.org.name, { username: w.spare!.username }, w.svc),
    expect: forManagers,
    platformAdmin: "ok",
    writes: true,
  },
  // The target's own role sent back (no role change), with other credits: the quota dialog's permission.
  "add-org-user.updateOrgUser": {
    run: (w) =>
      addOrgUserModule.updateOrgUser(w.db, w.actor, w.org.name, {
        username: w.target(w.people.user),
        role: w.caller === "self" ? "admin" : "user",
        credits: "10",
      }),
    expect: forManagers,
    writes: true,
  },
  "org-credit-settings.setOrgCreditSettings": {
    run: (w) => credits.setOrgCreditSettings(w.db, w.actor, w.org.name, { defaultUserCreditLimit: "5" }),
    expect: forManagers,
  },
  // A forged manager save with both fields: refused as a whole, the default limit unchanged (the snapshot).
  "org-credit-settings.setOrgCreditSettings of both fields": {
    run: async (w) => {
      await credits.setOrgCreditSettings(w.db, w.actor, w.org.name, {
        defaultUserCreditLimit: "7",
        topUpMinRole: "manager",
      });
      const [o] = await w.db.select().from(orgsTable).where(eq(orgsTable.id, w.org.id));
      if (o?.topUpMinRole !== "manager" || Number(o.defaultUserCreditLimit) !== 7) throw new Error(JSON.stringify(o));
    },
    expect: forAdmins,
    writes: true,
  },
  // Who may top up is an org setting: admins only.
  "org-credit-settings.setOrgCreditSettings topUpMinRole": {
    run: (w) => credits.setOrgCreditSettings(w.db, w.actor, w.org.name, { topUpMinRole: "manager" }),
    expect: forAdmins,
  },
  // The warnings by projection (Settings → General, Apolo's balance_projection_seconds): admins.
  "org-credit-settings.setOrgCreditSettings balanceProjectionSeconds": {
    run: (w) => credits.setOrgCreditSettings(w.db, w.actor, w.org.name, { balanceProjectionSeconds: [86_400] }),
    expect: forAdmins,
  },

  // Automatic top-up: managers read it, admins change it and save a card (Stripe); the worker pass is system-only.
  "auto-topup.getAutoTopUp": {
    run: (w) => autoTopUp.getAutoTopUp(w.db, w.actor, w.org.name, paymentServices()),
    expect: forManagers,
  },
  "auto-topup.setAutoTopUp": {
    run: (w) =>
      autoTopUp.setAutoTopUp(
        w.db,
        w.actor,
        w.org.name,
        { enabled: true, threshold: "10", amount: "50", monthlyCap: "500" },
        paymentServices(),
      ),
    expect: forAdmins,
    writes: true,
  },
  "auto-topup.startCardSetup": {
    run: (w) =>
      autoTopUp.startCardSetup(w.db, w.actor, w.org.name, {
        ...paymentServices(),
        provider: {
          kind: "stripe",
          createCheckout: async () => ({ url: "https://checkout.stripe.test/c", ref: null }),
          createCardSetup: async () => ({ url: "https://checkout.stripe.test/setup", customerId: "cus_matrix" }),
        },
      }),
    expect: forAdmins,
  },
  "auto-topup.runAutoTopUps": {
    run: (w) => autoTopUp.runAutoTopUps(w.db, w.actor, new Date(), paymentServices()),
    expect: { ...everyone("forbidden"), signedOut: "unauthenticated" },
  },

  // --------------------------------------------------------------------------------------------- jobs
  "jobs.startJob": {
    prepare: onCluster,
    run: (w) =>
      jobs.startJob(
        w.db,
        w.actor,
        w.org.name,
        { name: "matrix-job", cluster: w.cluster!.name, preset: "small" },
        w.svc,
      ),
    expect: forMembers,
  },
  // The user's job: its owner may stop it, as may managers and admins.
  "jobs.stopJob": {
    prepare: (w) => jobOf(w, w.people.user),
    run: async (w) => {
      const r = await jobs.stopJob(w.db, w.actor, w.org.name, { id: w.job!.id });
      if (!r.stopped) throw new Error("not stopped");
      return r;
    },
    expect: forMembers,
  },
  // Someone else's job: a user doesn't even learn it exists.
  "jobs.stopJob of another member's job": {
    prepare: (w) => jobOf(w, w.people.admin2),
    run: (w) => jobs.stopJob(w.db, w.actor, w.org.name, { id: w.job!.id }),
    expect: orgOp({ user: "not_found", manager: "ok", admin: "ok" }),
  },
  "jobs.listJobs": { run: (w) => jobs.listJobs(w.db, w.actor, w.org.name, { scope: "all" }), expect: forMembers },
  // A job's detail page: its owner, managers and admins (like the jobs list); a user never sees another's job.
  "job-detail.getJob": {
    prepare: (w) => jobOf(w, w.people.user),
    run: (w) => jobs.getJob(w.db, w.actor, { org: w.org.name, job: w.job!.id }),
    expect: forMembers,
  },
  "job-detail.getJob of another member's job": {
    prepare: (w) => jobOf(w, w.people.admin2),
    run: (w) => jobs.getJob(w.db, w.actor, { org: w.org.name, job: w.job!.id }),
    expect: orgOp({ user: "not_found", manager: "ok", admin: "ok" }),
  },
  "jobs.listJobsByCursor": {
    run: (w) => jobs.listJobsByCursor(w.db, w.actor, w.org.name, { scope: "all", limit: 10 }),
    expect: forMembers,
  },
  // System: the usage endpoint's bearer check; the token is the credential, whoever holds it.
  "runner-auth.authenticateClusterToken": {
    prepare: clusterTokenOf,
    run: async (w) => {
      const r = await jobs.authenticateClusterToken(w.db, w.clusterToken!.token);
      if (r?.clusterId !== w.cluster!.id) throw new Error("the token did not authenticate its cluster");
      return r;
    },
    expect: everyone("ok"),
  },
  // The runners' door: the bearer (a cluster token) is the credential, whoever holds it; jobs of its cluster only.
  "usage-api.handleUsageRequest": {
    prepare: async (w) => {
      await jobOf(w, w.people.user);
      await clusterTokenOf(w);
    },
    run: async (w) => {
      const r = await usageApi.handleUsageRequest(
        w.db,
        `Bearer ${w.clusterToken!.token}`,
        { records: [{ job_id: w.job!.id, until: new Date().toISOString(), idempotency_key: uniqueName("k") }] },
        w.svc,
      );
      if (r.charged !== 1) throw new Error(JSON.stringify(r));
      return r;
    },
    expect: everyone("ok"),
    writes: true,
  },
  "usage-api.handleUsageRequest with a revoked token": {
    prepare: async (w) => {
      await jobOf(w, w.people.user);
      await clusterTokenOf(w);
      await w.db.update(clusterTokens).set({ revokedAt: new Date() }).where(eq(clusterTokens.id, w.clusterToken!.id));
    },
    run: async (w) => {
      // Refused as Unauthenticated (the route answers 401 with WWW-Authenticate).
      const err = await usageApi
        .handleUsageRequest(
          w.db,
          `Bearer ${w.clusterToken!.token}`,
          { records: [{ job_id: w.job!.id, until: new Date().toISOString(), idempotency_key: uniqueName("k") }] },
          w.svc,
        )
        .then(
          (r) => new Error(`accepted: ${JSON.stringify(r)}`),
          (e: unknown) => e,
        );
      if (!isDomainError(err) || err.kind !== "unauthenticated") throw err;
      return err;
    },
    expect: everyone("ok"),
  },
  "runner-auth.authenticateClusterTokens": {
    prepare: clusterTokenOf,
    run: async (w) => {
      const r = await jobs.authenticateClusterTokens(w.db, [w.clusterToken!.token, "apc_unknown"]);
      if (r.get(w.clusterToken!.token)?.clusterId !== w.cluster!.id || r.size !== 1) {
        throw new Error("the token did not authenticate its cluster alone");
      }
      return r;
    },
    expect: everyone("ok"),
  },

  // ----------------------------------------------------------------------------------------- clusters
  "clusters.listClusters": {
    run: (w) => clusters.listClusters(w.db, w.actor),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "clusters.createCluster": {
    run: (w) => clusters.createCluster(w.db, w.actor, { name: uniqueName("cl-") }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "clusters.createPreset": {
    prepare: onCluster,
    run: (w) =>
      clusters.createPreset(w.db, w.actor, {
        cluster: w.cluster!.name,
        name: "large",
        cpu: "8",
        memoryMb: 32768,
        creditsPerHour: "8",
      }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "clusters.deletePreset": {
    prepare: onCluster,
    run: (w) => clusters.deletePreset(w.db, w.actor, { id: w.cluster!.presets.small!.id }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "clusters.setOrgCluster": {
    prepare: async (w) => {
      w.cluster = await makeCluster(w.db);
    },
    run: (w) =>
      clusters.setOrgCluster(w.db, w.actor, { cluster: w.cluster!.name, org: w.org.name, maxRunningJobs: "3" }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  // Cluster access requests (issue 14): org managers and admins ask; platform admins list and decide.
  "cluster-access.requestClusterAccess": {
    run: (w) => clusterAccess.requestClusterAccess(w.db, w.actor, { org: w.org.name, message: "matrix" }, w.svc),
    expect: forManagers,
    writes: true,
  },
  "cluster-access.listClusterAccessRequests": {
    run: (w) => clusterAccess.listClusterAccessRequests(w.db, w.actor),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "cluster-access.approveClusterAccessRequest": {
    prepare: async (w) => {
      w.cluster = await makeCluster(w.db);
      w.accessRequestId = (
        await clusterAccess.requestClusterAccess(w.db, as(w.people.admin), { org: w.org.name }, w.svc)
      ).id;
    },
    run: (w) =>
      clusterAccess.approveClusterAccessRequest(
        w.db,
        w.actor,
        { id: w.accessRequestId!, cluster: w.cluster!.name },
        w.svc,
      ),
    expect: forOperators,
    platformAdmin: "ok",
    writes: true,
  },
  "cluster-access.declineClusterAccessRequest": {
    prepare: async (w) => {
      w.accessRequestId = (
        await clusterAccess.requestClusterAccess(w.db, as(w.people.admin), { org: w.org.name }, w.svc)
      ).id;
    },
    run: (w) => clusterAccess.declineClusterAccessRequest(w.db, w.actor, { id: w.accessRequestId! }, w.svc),
    expect: forOperators,
    platformAdmin: "ok",
    writes: true,
  },
  // The overview's getting-started checklist: every member reads it.
  "checklist.getOrgChecklist": {
    run: (w) => checklist.getOrgChecklist(w.db, w.actor, { org: w.org.name }),
    expect: forMembers,
  },
  // With a running job there, which the removal stops.
  "clusters.removeOrgCluster": {
    prepare: (w) => jobOf(w, w.people.user),
    run: async (w) => {
      const r = await clusters.removeOrgCluster(w.db, w.actor, { cluster: w.cluster!.name, org: w.org.name });
      if (r.stoppedJobs !== 1) throw new Error(`stopped ${r.stoppedJobs} jobs`);
      return r;
    },
    expect: forOperators,
    platformAdmin: "ok",
  },
  "clusters.createClusterToken": {
    prepare: onCluster,
    run: (w) => clusters.createClusterToken(w.db, w.actor, { cluster: w.cluster!.name, label: "runner" }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "clusters.revokeClusterToken": {
    prepare: clusterTokenOf,
    run: (w) => clusters.revokeClusterToken(w.db, w.actor, { id: w.clusterToken!.id }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  // Artifacts (issue 12): a cluster's disk storage price (its disks are settled at the old price first).
  "clusters.setClusterStorageRate": {
    prepare: onCluster,
    run: (w) => clusters.setClusterStorageRate(w.db, w.actor, { cluster: w.cluster!.name, rate: "0.0005" }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  // The runner tokens (described, never their hashes), for the Admin area.
  "cluster-tokens.listClusterTokens": {
    prepare: clusterTokenOf,
    run: (w) => clusterTokensModule.listClusterTokens(w.db, w.actor, w.cluster!.name),
    expect: forOperators,
    platformAdmin: "ok",
  },
  // The API (issue 13): a cluster's service URLs for the apolo CLI (operators only).
  "cluster-urls.setClusterUrls": {
    prepare: onCluster,
    run: (w) =>
      clusterUrls.setClusterUrls(w.db, w.actor, { cluster: w.cluster!.name, registryUrl: "https://r.example" }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  // The CLI's config document: about the caller themself (their orgs, clusters, projects); any person.
  "cli-config.cliConfig": {
    prepare: onCluster,
    run: (w) => cliConfigModule.cliConfig(w.db, w.actor, "http://console.test"),
    expect: signedIn,
  },
  // Personal access tokens (Account → Tokens): each person's own, from a browser session (a token caller is refused:
  // the token column of the API matrix, app/_server/api/token-matrix.test.ts, and lib/accounts/tokens.test.ts).
  "tokens.createToken": {
    run: (w) => tokensModule.createToken(w.db, w.actor, { name: "ci", expiresIn: "30", scope: "read" }),
    expect: signedIn,
  },
  "tokens.listTokens": { run: (w) => tokensModule.listTokens(w.db, w.actor), expect: signedIn },
  // Someone's own token: revoked (the org's user's token is not the caller's, so others get NotFound).
  "tokens.revokeToken": {
    prepare: async (w) => {
      const owner = w.me ?? w.people.user;
      const { view } = await tokensModule.createToken(w.db, userCaller(owner.id), {
        name: "mine",
        expiresIn: "30",
        scope: "write",
      });
      w.tokenId = view.id;
    },
    run: (w) => tokensModule.revokeToken(w.db, w.actor, { id: w.tokenId! }),
    expect: signedIn,
  },
  "tokens.revokeToken of someone else's token": {
    prepare: async (w) => {
      const { view } = await tokensModule.createToken(w.db, userCaller(w.people.admin2.id), {
        name: "theirs",
        expiresIn: "30",
        scope: "write",
      });
      w.tokenId = view.id;
    },
    run: (w) => tokensModule.revokeToken(w.db, w.actor, { id: w.tokenId! }),
    expect: { ...everyone("not_found"), signedOut: "unauthenticated" },
    // Not even a platform admin revokes someone else's token.
    platformAdmin: "not_found",
  },
  // Apolo's org clusters: members read their org's; platform admins manage them.
  "org-clusters.getOrgCluster": {
    prepare: onCluster,
    run: (w) => orgClustersModule.getOrgCluster(w.db, w.actor, w.cluster!.name, w.org.name),
    expect: forMembers,
    platformAdmin: "ok",
  },
  // Lists only the caller's own orgs on the cluster (none for outsiders: an empty list, not an error).
  "org-clusters.listOrgClustersOf": {
    prepare: onCluster,
    run: (w) => orgClustersModule.listOrgClustersOf(w.db, w.actor, w.cluster!.name),
    expect: signedIn,
    platformAdmin: "ok",
  },
  "org-clusters.createOrgCluster": {
    prepare: async (w) => {
      w.cluster = await makeCluster(w.db);
    },
    run: (w) =>
      orgClustersModule.createOrgCluster(
        w.db,
        w.actor,
        { cluster: w.cluster!.name, org: w.org.name },
        { maxRunningJobs: 2 },
      ),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "org-clusters.updateOrgCluster": {
    prepare: onCluster,
    run: (w) =>
      orgClustersModule.updateOrgCluster(
        w.db,
        w.actor,
        { cluster: w.cluster!.name, org: w.org.name },
        { maxRunningJobs: 4 },
      ),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "org-clusters.setOrgClusterDefaults": {
    prepare: onCluster,
    run: (w) =>
      orgClustersModule.setOrgClusterDefaults(
        w.db,
        w.actor,
        { cluster: w.cluster!.name, org: w.org.name },
        { defaultCredits: "5", defaultRole: "member" },
      ),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "org-clusters.setOrgClusterQuota": {
    prepare: onCluster,
    run: (w) =>
      orgClustersModule.setOrgClusterQuota(w.db, w.actor, { cluster: w.cluster!.name, org: w.org.name }, { set: 3 }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "org-clusters.deleteOrgCluster": {
    prepare: onCluster,
    run: (w) => orgClustersModule.deleteOrgCluster(w.db, w.actor, { cluster: w.cluster!.name, org: w.org.name }),
    expect: forOperators,
    platformAdmin: "ok",
  },
  // Apolo's cluster users: the org's members on one of its clusters, as the Users tab lists them.
  "cluster-users.listClusterUsers": {
    prepare: onCluster,
    run: (w) => clusterUsers.listClusterUsers(w.db, w.actor, { cluster: w.cluster!.name, org: w.org.name }),
    expect: forMembers,
  },
  "cluster-users.getClusterUser": {
    prepare: onCluster,
    run: (w) =>
      clusterUsers.getClusterUser(w.db, w.actor, {
        cluster: w.cluster!.name,
        org: w.org.name,
        user: w.target(w.people.user),
      }),
    expect: forMembers,
  },
  // `apolo admin set-user-quota`: the member's running-jobs limit, the Users tab's quota rule.
  "cluster-users.setClusterUserJobsQuota": {
    prepare: onCluster,
    run: (w) =>
      clusterUsers.setClusterUserJobsQuota(w.db, w.actor, {
        cluster: w.cluster!.name,
        org: w.org.name,
        user: w.target(w.people.user),
        totalRunningJobs: 4,
      }),
    expect: forManagers,
    writes: true,
  },
  "cluster-users.setClusterUserJobsQuota → admin target": {
    prepare: onCluster,
    run: (w) =>
      clusterUsers.setClusterUserJobsQuota(w.db, w.actor, {
        cluster: w.cluster!.name,
        org: w.org.name,
        user: w.target(w.people.admin2),
        totalRunningJobs: 4,
      }),
    expect: forAdmins,
    writes: true,
  },
  // Apolo's users/{name}: a member seen through the orgs the caller shares with them.
  "cluster-users.getUserProfile": {
    run: (w) => clusterUsers.getUserProfile(w.db, w.actor, w.target(w.people.user)),
    expect: forMembers,
  },
  // The clusters the org is on: every member may see them (and use them).
  "clusters.listOrgClusters": {
    prepare: onCluster,
    run: (w) => clusters.listOrgClusters(w.db, w.actor, w.org.name),
    expect: forMembers,
  },

  // ----------------------------------------------------------------------------------------- platform
  // A question about the caller; true only for an operator.
  "platform.isPlatformAdmin": {
    run: async (w) => {
      const r = await platform.isPlatformAdmin(w.db, w.actor);
      if (r !== (w.caller === PLATFORM_ADMIN)) throw new Error(`isPlatformAdmin said ${r} for ${w.caller}`);
      return r;
    },
    expect: everyone("ok"),
    platformAdmin: "ok",
  },
  "platform.listAllOrgs": {
    run: (w) => platform.listAllOrgs(w.db, w.actor, {}),
    expect: forOperators,
    platformAdmin: "ok",
  },
  "platform.requirePlatformAdmin": {
    run: (w) => platform.requirePlatformAdmin(w.db, w.actor),
    expect: forOperators,
    platformAdmin: "ok",
  },
  // Adds an account to an org at once (no invitation): platform admins only; the org's own admin included,
  // everyone else is told the Admin area doesn't exist.
  "platform.addMemberAsPlatformAdmin": {
    prepare: async (w) => {
      w.spare = await makeUser(w.db);
    },
    run: (w) =>
      platform.addMemberAsPlatformAdmin(
        w.db,
        w.actor,
        { org: w.org.name, username: w.spare!.username, role: "admin" },
        w.svc,
      ),
    expect: forOperators,
    platformAdmin: "ok",
  },

  // ---------------------------------------------------------------------------------- account settings
  // Every one of these acts on the caller's own account (there is no target to choose): signed in → ok.
  "account-settings.getAccountSettings": {
    run: async (w) => {
      const r = await accountSettings.getAccountSettings(w.db, w.actor);
      if (r.username !== w.me!.username) throw new Error(`read ${r.username}, not the caller's account`);
      return r;
    },
    expect: signedIn,
  },
  "account-settings.getAccountNotice": {
    run: (w) => accountSettings.getAccountNotice(w.db, w.actor),
    expect: signedIn,
  },
  "account-settings.updateDisplayName": {
    run: async (w) => {
      await accountSettings.updateDisplayName(w.db, w.actor, { name: "Matrix Name" });
      const [me] = await w.db.select({ name: users.name }).from(users).where(eq(users.id, w.me!.id));
      if (me?.name !== "Matrix Name") throw new Error("the caller's name did not change");
    },
    expect: signedIn,
  },
  "account-settings.changePassword": {
    run: async (w) => {
      const r = await accountSettings.changePassword(
        w.db,
        w.actor,
        { currentPassword: TEST_PASSWORD, newPassword: "matrix new password" },
        w.svc,
      );
      const ok = await accounts.authenticate(
        w.db,
        { identifier: w.me!.username, password: "matrix new password" },
        testContext(),
      );
      if (ok?.id !== w.me!.id) throw new Error("the new password does not sign the caller in");
      return r;
    },
    expect: signedIn,
  },
  "account-settings.requestEmailChange": {
    run: async (w) => {
      const email = freshEmail();
      await accountSettings.requestEmailChange(w.db, w.actor, { email, currentPassword: TEST_PASSWORD }, w.svc);
      if (w.svc.mailer.to(email).length !== 1) throw new Error("no link was mailed to the new address");
    },
    expect: signedIn,
  },
  // An address another account has verified: refused for everyone (as a conflict on the field).
  "account-settings.requestEmailChange to a verified address of another account": {
    prepare: async (w) => {
      await verifyUser(w.db, w.people.admin2);
    },
    run: (w) =>
      accountSettings.requestEmailChange(
        w.db,
        w.actor,
        { email: w.people.admin2.email, currentPassword: TEST_PASSWORD },
        w.svc,
      ),
    expect: { ...everyone("conflict"), signedOut: "unauthenticated" },
  },
  // The caller's own pending change (none can be made when signed out).
  "account-settings.resendEmailChange": {
    prepare: async (w) => {
      if (w.me) {
        await accountSettings.requestEmailChange(
          w.db,
          as(w.me),
          { email: freshEmail(), currentPassword: TEST_PASSWORD },
          testServices(),
        );
      }
    },
    run: (w) => accountSettings.resendEmailChange(w.db, w.actor, w.svc),
    expect: signedIn,
  },
  "account-settings.cancelEmailChange": {
    prepare: async (w) => {
      if (w.me) {
        await accountSettings.requestEmailChange(
          w.db,
          as(w.me),
          { email: freshEmail(), currentPassword: TEST_PASSWORD },
          testServices(),
        );
      }
    },
    run: async (w) => {
      const r = await accountSettings.cancelEmailChange(w.db, w.actor);
      if (r.cancelled !== 1) throw new Error(`cancelled ${r.cancelled} changes`);
      return r;
    },
    expect: signedIn,
  },
  // Deletes the caller's own account. The org has a second admin, so its admin may go; adminOfOther is the
  // only admin of the other org and is refused (naming it).
  "account-settings.deleteAccount": {
    run: async (w) => {
      await accountSettings.deleteAccount(w.db, w.actor, { confirmUsername: w.me?.username ?? "nobody" });
      const [left] = await w.db.select().from(users).where(eq(users.id, w.me!.id));
      if (!left?.deletedAt || left.email !== null) throw new Error("the caller's account was not deleted");
    },
    expect: { ...everyone("ok"), signedOut: "unauthenticated", adminOfOther: "conflict" },
  },
  "account-settings.deleteAccount with a wrong confirmation": {
    run: (w) => accountSettings.deleteAccount(w.db, w.actor, { confirmUsername: w.people.user.username + "x" }),
    expect: { ...everyone("invalid"), signedOut: "unauthenticated" },
  },
};

const credits = { ...creditsView, ...topUps, ...grants, ...quotas, ...orgCreditSettings };
const jobs = { ...jobsModule, ...runnerAuth, ...jobDetail };

/**
 * The domain modules, found on disk (not listed by hand): every lib/<domain>/<file>.ts but the tests, the
 * folder indexes, the internal modules (their own section below) and lib/core (the framework itself: caller,
 * policy, errors, validation — the policy section below and their own tests cover it). A new module, or a new
 * exported function, without a row fails the first test.
 */
const DISCOVERED = import.meta.glob<Record<string, unknown>>(
  // Projects and artifacts have their own matrix, with project roles as seats (lib/projects.matrix.test.ts).
  ["./*/*.ts", "!./*/*.test.ts", "!./test/*", "!./core/*", "!./projects/*", "!./artifacts/*"],
  { eager: true },
);
const isInternalModule = (path: string) => path.endsWith("/internal.ts");
/** "top-ups" for ./billing/top-ups.ts (file names are unique across the domains); "billing/internal" for internals. */
const moduleName = (path: string) =>
  (isInternalModule(path) ? path.replace(/^\.\//, "") : path.replace(/^\.\/[^/]+\//, "")).replace(/\.ts$/, "");
const isClass = (v: unknown) => typeof v === "function" && /^class[\s{]/.test(Function.prototype.toString.call(v));
/** The exported functions of the discovered modules, as `<file>.<function>` (classes are not operations). */
function exportedFunctions(filter: (path: string) => boolean): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [path, mod] of Object.entries(DISCOVERED)) {
    if (path.endsWith("/index.ts") || !filter(path)) continue;
    for (const [name, v] of Object.entries(mod)) {
      if (typeof v === "function" && !isClass(v)) out.set(`${moduleName(path)}.${name}`, v);
    }
  }
  return out;
}
/** Modules of pure functions only (no data, no caller): the mail templates, the ledger's kind labels. */
const PURE_MODULES = new Set(["mail-templates", "ledger-kinds"]);

/** Functions an internal module exports (also when another module defines them): not public operations. */
const INTERNAL_FUNCTIONS = new Set(exportedFunctions(isInternalModule).values());

/**
 * Exported functions that are not operations: helpers that the operations above call inside their own,
 * already-authorized transaction, and pure functions of their arguments (no data, no caller). No door (page,
 * action, API) reaches a helper but through an operation that has a row.
 */
const NOT_OPERATIONS = new Set([
  // A pure function: a job's status in words (lib/compute/job-status.ts).
  "job-status.jobStatusText",
  // Inside createOrg's and renameOrg's transactions (after the name is written), and a pure function.
  "orgs.refuseReservedName",
  // The SQL condition both of those and the availability check use.
  "orgs.closedOrgHolding",
  "org-names.refuseRedirectedName",
  "org-names.suggestOrgName",
  "audit.recordAudit",
  // Pure: an action's readable name (the Audit log and its CSV).
  "audit.auditActionLabel",
  "audit.auditBatchLabel",
  // Internal to accounts.verifyEmail (an email-change link, inside its transaction; the token is the
  // credential) and a pure message helper.
  "account-settings.confirmEmailChange",
  "account-settings.lostEmailMessage",
  // Inside sign-up and email changes' transactions (the verified claim of an address).
  "email-claims.releaseForVerifiedClaim",
  "email-claims.claimVerifiedEmail",
  // Pure: argon2id hashing and checking.
  "passwords.hashPassword",
  "passwords.verifyPassword",
  "platform.platformAdminNames",
  // Pure functions of the query string: no data, no caller.
  "reports.parseReportPeriod",
  // The projection in words: pure functions of a projection already read through an operation.
  "projection-view.describeProjection",
  "projection-view.describeDuration",
  "projection-view.describeInterval",
  "projection-view.formatRate",
  // The projection of many orgs at once, inside operations that authorized the caller (the views above, the
  // credits worker's notifyProjections), and which interval a projection is within (pure).
  "projection.projectOrgs",
  "projection-notices.crossedInterval",
  "reports.periodBounds",
  // Grafana configuration, embed URLs and text rewriting: pure, no data.
  "grafana.grafanaConfigFromEnv",
  "grafana.grafanaEmbeds",
  "grafana.grafanaProxyBase",
  "grafana.dashboardSlug",
  "grafana.sqlStringLiteral",
  "grafana.panelSqlForOrg",
  "grafana.rewriteGrafanaHtml",
  // The ledger and charging, inside the transactions of the operations (and internals) that post them.
  "ledger.postLedger",
  "ledger.stopExhaustedJobs",
  "ledger.chargesSql",
  "ledger.finishCharges",
  "metering.chargeUsage",
  // chargeUsage inside a caller's transaction (closing an org settles its jobs with it): takes a Tx, no caller.
  "metering.chargeUsageIn",
  "settlement.settlePayment",
  // Automatic top-up inside the signed Stripe webhook and the worker pass (no caller: the signature or the
  // system caller of the operation that calls them was checked).
  "auto-topup.saveAutoTopUpCard",
  "auto-topup.failAutoTopUpPayment",
  // The one failure path of an automatic top-up, inside the transactions of those and of settlePayment.
  "auto-topup-off.turnAutoTopUpOff",
  "auto-topup-off.failAutoPaymentInTx",
  "auto-topup-off.orgAdminEmails",
  // Payment helpers: pure amounts and the sandbox provider's pieces.
  "payments.formatMinor",
  "stripe.stripeFromConfig",
  // The membership insert of an accepted invitation or a direct add, inside their transactions.
  "membership.insertMembership",
  "membership.addMemberDirectly",
  // Pure: a cluster's URLs from its row and the console's URL.
  "cluster-urls.defaultClusterUrls",
  "cluster-urls.clusterServiceUrls",
  // The API door's token check and its helpers (the door and lib/accounts/tokens.test.ts test them), the CLI form
  // (pure), and the revocation inside a password reset's and an account deletion's transaction.
  "tokens.authenticatePat",
  "tokens.isPatShaped",
  "tokens.cliTokenOf",
  "tokens.revokeAllTokens",
  // Pure: the refusal a balance change on an org cluster gets (balance is kept per org).
  "org-clusters.balanceMoved",
  // The usage API's pieces: the door itself authenticates the bearer (runner-auth rows) before charging.
  "usage-api.readBodyText",
  "usage-batcher.directMeter",
  // The outbox: queued inside operations' transactions; delivered by the mail worker to the addresses the
  // operations chose (no caller input); the templates and settings are pure.
  "mail.enqueueMail",
  "mail.mailCommitted",
  "mail.deliverOutbox",
  "mail.retryDelayMs",
]);

/** A row's operation: its key up to the first space ("members.changeMemberRole → admin target" → "members.changeMemberRole"). */
const operationOf = (key: string) => key.split(" ")[0]!;

async function outcomeOf(p: Promise<unknown>): Promise<Outcome> {
  return (await settle(p)).outcome;
}

async function world(caller: AnySeat): Promise<World> {
  const people = {
    admin: await makeUser(t.db),
    admin2: await makeUser(t.db),
    manager: await makeUser(t.db),
    user: await makeUser(t.db),
    outsider: await makeUser(t.db), // in no org
    otherAdmin: await makeUser(t.db),
    operator: await makePlatformAdmin(t.db), // in no org
  };
  const org = await makeOrg(t.db, { admin: people.admin, manager: people.manager, user: people.user });
  await addMember(t.db, org, people.admin2, "admin");
  const otherOrg = await makeOrg(t.db, { admin: people.otherAdmin }); // adminOfOther is an admin, elsewhere
  const me = {
    signedOut: null,
    outsider: people.outsider,
    adminOfOther: people.otherAdmin,
    user: people.user,
    manager: people.manager,
    admin: people.admin,
    self: people.admin,
    platformAdmin: people.operator,
  }[caller];
  return {
    db: t.db,
    caller,
    actor: me ? as(me) : null,
    me,
    org,
    otherOrg,
    people,
    svc: testServices(),
    target: (member) => (caller === "self" ? people.admin.username : member.username),
  };
}

/** Everything a refused call could have changed: the two orgs' rows, the clusters and the people's accounts. */
async function snapshot(w: World) {
  const orgIds = [w.org.id, w.otherOrg.id];
  const userIds = Object.values(w.people).map((p) => p.id);
  return JSON.stringify({
    orgs: await t.db.select().from(orgsTable).where(inArray(orgsTable.id, orgIds)).orderBy(asc(orgsTable.id)),
    members: await t.db
      .select()
      .from(orgMembers)
      .where(inArray(orgMembers.orgId, orgIds))
      .orderBy(asc(orgMembers.orgId), asc(orgMembers.userId)),
    invitations: await t.db
      .select()
      .from(invitationsTable)
      .where(inArray(invitationsTable.orgId, orgIds))
      .orderBy(asc(invitationsTable.id)),
    audit: await t.db.select().from(auditEvents).where(inArray(auditEvents.orgId, orgIds)).orderBy(asc(auditEvents.id)),
    // Platform-level audit rows (clusters, platform admins, deleted accounts) have no org.
    platformAudit: await t.db.select().from(auditEvents).where(isNull(auditEvents.orgId)).orderBy(asc(auditEvents.id)),
    oauthAccounts: await t.db
      .select()
      .from(oauthAccounts)
      .orderBy(asc(oauthAccounts.provider), asc(oauthAccounts.providerAccountId)),
    users: await t.db.select().from(users).where(inArray(users.id, userIds)).orderBy(asc(users.id)),
    sessions: await t.db
      .select()
      .from(sessionsTable)
      .where(inArray(sessionsTable.userId, userIds))
      .orderBy(asc(sessionsTable.id)),
    passwordResets: await t.db
      .select()
      .from(passwordResets)
      .where(inArray(passwordResets.userId, userIds))
      .orderBy(asc(passwordResets.id)),
    verifications: await t.db
      .select()
      .from(emailVerifications)
      .where(inArray(emailVerifications.userId, userIds))
      .orderBy(asc(emailVerifications.id)),
    ledger: await t.db
      .select()
      .from(creditLedger)
      .where(inArray(creditLedger.orgId, orgIds))
      .orderBy(asc(creditLedger.id)),
    payments: await t.db
      .select()
      .from(paymentsTable)
      .where(inArray(paymentsTable.orgId, orgIds))
      .orderBy(asc(paymentsTable.id)),
    jobs: await t.db.select().from(jobsTable).where(inArray(jobsTable.orgId, orgIds)).orderBy(asc(jobsTable.id)),
    // Clusters are the platform's, not an org's: all of them.
    clusters: await t.db.select().from(clustersTable).orderBy(asc(clustersTable.id)),
    presets: await t.db.select().from(presets).orderBy(asc(presets.id)),
    orgClusters: await t.db.select().from(orgClusters).orderBy(asc(orgClusters.orgId), asc(orgClusters.clusterId)),
    clusterTokens: await t.db.select().from(clusterTokens).orderBy(asc(clusterTokens.id)),
    mail: w.svc.mailer.sent.length,
    // Mail queued (and its delivery state): a refused call queues nothing.
    outbox: await t.db.select().from(outboxEmails).orderBy(asc(outboxEmails.id)),
  });
}

/**
 * Runs one cell: prepare, the call, then the check. A refused call must change nothing (the snapshot); an
 * allowed one must have an effect: it returns something, or it changed what the snapshot covers (rows
 * marked `writes` must change it either way).
 */
async function runCell(row: Row, seat: AnySeat, expected: Outcome) {
  const w = await world(seat);
  await row.prepare?.(w);
  const before = await snapshot(w);
  const { outcome, value } = await settle(row.run(w));
  expect(outcome).toBe(expected);
  const after = await snapshot(w);
  if (expected !== "ok") expect(after, "a refused call changed something").toBe(before);
  else if (row.writes) expect(after, "an allowed write changed nothing").not.toBe(before);
  else if (value === undefined) expect(after, "an allowed call returned nothing and changed nothing").not.toBe(before);
}

describe("authorization matrix", () => {
  it("has a row for every exported operation of the domain modules", () => {
    const all = exportedFunctions((path) => !isInternalModule(path));
    const exported = [...all]
      .filter(([op, fn]) => !NOT_OPERATIONS.has(op) && !INTERNAL_FUNCTIONS.has(fn))
      .filter(([op]) => !PURE_MODULES.has(op.split(".")[0]!))
      .map(([op]) => op);
    // The discovery found the modules (a glob that matched nothing would pass everything).
    expect(exported.length).toBeGreaterThan(50);
    expect(exported.filter((op) => !(op in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((key) => !exported.includes(operationOf(key)))).toEqual([]);
    // Operator-only rows say what a platform admin gets; nobody else gets more than a platform admin.
    for (const [key, row] of Object.entries(MATRIX)) {
      if (JSON.stringify(row.expect) === JSON.stringify(forOperators)) expect(row.platformAdmin, key).toBeDefined();
    }
    // The exclusion list holds only functions that exist, so it can't silently grow stale.
    for (const op of NOT_OPERATIONS) expect(all.has(op), op).toBe(true);
  });

  for (const [op, row] of Object.entries(MATRIX)) {
    for (const seat of SEATS) {
      const expected = row.expect[seat];
      it(`${op} × ${seat} → ${expected}`, () => runCell(row, seat, expected));
    }
  }
});

describe("authorization matrix: platform admin (users.is_platform_admin, in no org)", () => {
  for (const [op, row] of Object.entries(MATRIX)) {
    const expected = row.platformAdmin;
    if (!expected) continue;
    it(`${op} × ${PLATFORM_ADMIN} → ${expected}`, () => runCell(row, PLATFORM_ADMIN, expected));
  }
});

/**
 * The internal modules (lib/<domain>/internal.ts): system-only operations. Every caller that is not the
 * system is refused — signed out, every person (even a platform admin, even through a token), a cluster
 * runner (except where a runner reports its own usage) — and changes nothing; the system's call has its effect.
 */
const INTERNAL_CALLERS = ["signedOut", "user", "admin", "platformAdmin", "token", "cluster", "system"] as const;
type InternalCaller = (typeof INTERNAL_CALLERS)[number];

interface InternalRow {
  prepare?: (w: World) => Promise<void>;
  run: (w: World, caller: Caller) => Promise<unknown>;
  /** Callers allowed besides the system (a runner for its own usage). */
  alsoAllowed?: InternalCaller[];
}

const INTERNAL: Record<string, InternalRow> = {
  // The sandbox's Pay and the Stripe webhook complete payments through the same settlement.
  "billing/internal.completePayment": {
    prepare: (w) => pendingPayment(w, w.people.user),
    run: async (w, caller) => {
      const r = await billingInternal.completePayment(
        w.db,
        caller,
        { provider: "sandbox", paymentId: w.paymentId! },
        w.svc,
      );
      if (r.outcome !== "paid") throw new Error(`not paid: ${JSON.stringify(r)}`);
      return r;
    },
  },
  // The credits worker's tick (automatic top-ups; warnings by projection are left out of this row).
  "billing/internal.creditsWorkerTick": {
    run: async (w, caller) =>
      billingInternal.creditsWorkerTick(
        w.db,
        caller,
        new Date(),
        { ...w.svc, provider: paymentServices().provider, pricing: paymentServices().pricing },
        { projections: false },
      ),
  },
  // The Stripe webhook route, authenticated by the signature (a bad one answers 400, changing nothing).
  "billing/internal.handleStripeWebhook": {
    run: async (w, caller) => {
      // Without a signature the delivery is Malformed (the route answers 400), after the caller check.
      const err = await billingInternal
        .handleStripeWebhook(w.db, caller, "{}", null, { webhookSecret: "whsec_matrix", svc: w.svc })
        .then(
          (r) => new Error(`accepted: ${JSON.stringify(r)}`),
          (e: unknown) => e,
        );
      if (!isDomainError(err) || err.kind !== "malformed") throw err;
      return err;
    },
  },
  // The credits worker's warnings by projection: the org (100 credits, a job at 1 credit/hour) is within 7 days.
  "billing/internal.notifyProjections": {
    prepare: (w) => jobOf(w, w.people.user),
    run: async (w, caller) => {
      const r = await billingInternal.notifyProjections(w.db, caller, new Date(), w.svc);
      if (r.notified < 1) throw new Error(`notified nobody: ${JSON.stringify(r)}`);
      return r;
    },
  },
  // The one charging entry for runners: the system (embedded runner) or a cluster for jobs on its cluster.
  "compute/internal.meterUsage": {
    prepare: (w) => jobOf(w, w.people.user),
    run: async (w, caller) => {
      const r = await computeInternal.meterUsage(
        w.db,
        caller,
        [{ jobId: w.job!.id, until: new Date(), idempotencyKey: uniqueName("k") }],
        w.svc,
      );
      if (r.outcomes[0]!.outcome !== "charged") throw new Error(`not charged: ${JSON.stringify(r)}`);
      return r;
    },
    alsoAllowed: ["cluster"],
  },
  "compute/internal.runEmbeddedTick": {
    prepare: async (w) => {
      w.cluster = await makeCluster(w.db, { presets: { small: "1" }, runner: "embedded" });
      await addOrgToCluster(w.db, w.org, w.cluster);
      await fundOrg(w.db, w.org, "100");
      await jobOf(w, w.people.user);
    },
    run: async (w, caller) => {
      const r = await computeInternal.runEmbeddedTick(w.db, caller, new Date(), 5000, w.svc);
      if (r.charged < 1) throw new Error(`charged nothing: ${JSON.stringify(r)}`);
      return r;
    },
  },
  // At server start; a database with clusters already is left alone, so the matrix starts from none.
  "compute/internal.seedDefaultCluster": {
    prepare: async (w) => {
      await w.db.delete(clustersTable);
    },
    run: async (w, caller) => {
      if (!(await computeInternal.seedDefaultCluster(w.db, caller))) throw new Error("seeded nothing");
      return true;
    },
  },
  // `npm run admin -- grant-platform-admin NAME`.
  "orgs/internal.grantPlatformAdmin": {
    prepare: async (w) => {
      w.spare = await makeUser(w.db);
    },
    run: async (w, caller) => {
      await orgsInternal.grantPlatformAdmin(w.db, caller, w.spare!.username);
      const [u] = await w.db.select({ flag: users.isPlatformAdmin }).from(users).where(eq(users.id, w.spare!.id));
      if (!u?.flag) throw new Error("not granted");
    },
  },
  // `npm run admin -- add-member ORG NAME [ROLE]`: a member at once, without an invitation.
  "orgs/internal.addMemberAsSystem": {
    prepare: async (w) => {
      w.spare = await makeUser(w.db);
    },
    run: async (w, caller) => {
      const r = await orgsInternal.addMemberAsSystem(w.db, caller, { org: w.org.name, username: w.spare!.username });
      if (r.username !== w.spare!.username) throw new Error(JSON.stringify(r));
      return r;
    },
  },
};

describe("authorization matrix: internal modules (system only)", () => {
  it("has a row for every function of the internal modules", () => {
    const internal = [...exportedFunctions(isInternalModule).keys()];
    expect(internal.length).toBeGreaterThan(0);
    expect(internal.filter((op) => !(op in INTERNAL))).toEqual([]);
    expect(Object.keys(INTERNAL).filter((op) => !internal.includes(op))).toEqual([]);
  });

  for (const [op, row] of Object.entries(INTERNAL)) {
    for (const who of INTERNAL_CALLERS) {
      const expected: Outcome =
        who === "system" || row.alsoAllowed?.includes(who)
          ? "ok"
          : who === "signedOut"
            ? "unauthenticated"
            : "forbidden";
      it(`${op} × ${who} → ${expected}`, async () => {
        const w = await world(who === "platformAdmin" ? PLATFORM_ADMIN : "admin");
        await row.prepare?.(w);
        const caller: Caller = {
          signedOut: null,
          user: as(w.people.user),
          admin: as(w.people.admin),
          platformAdmin: as(w.people.operator),
          token: tokenCaller({
            userId: w.people.admin.id,
            tokenId: crypto.randomUUID(),
            tokenName: "matrix",
            scopes: ["read", "write"],
          }),
          cluster: clusterCaller(w.cluster?.id ?? crypto.randomUUID()),
          system: systemCaller("matrix"),
        }[who];
        const before = await snapshot(w);
        const { outcome, value } = await settle(row.run(w, caller));
        expect(outcome).toBe(expected);
        const after = await snapshot(w);
        if (expected !== "ok") expect(after, "a refused call changed something").toBe(before);
        else if (value === undefined)
          expect(after, "an allowed call returned nothing and changed nothing").not.toBe(before);
      });
    }
  }
});

/**
 * The permission table of docs/architecture.md ("Policy"), written out by hand: the code's table must say exactly
 * this. ("jobs.stop" is the job owner's or a manager's; project roles have their own table, lib/projects.matrix.test.ts.)
 */
const DESIGN_TABLE: Record<OrgPermission, OrgRole> = {
  "org.view": "user",
  "members.list": "user",
  "members.viewEmail": "manager",
  "jobs.run": "user",
  "jobs.manageAll": "manager",
  "jobs.stop": "manager",
  "projects.create": "user",
  "projects.viewAll": "manager",
  "artifacts.viewAll": "manager",
  "credits.topup": "user",
  "org.leave": "user",
  "settings.open": "manager",
  "members.invite": "manager",
  "members.changeRole": "manager",
  "members.remove": "manager",
  "ledger.viewAll": "manager",
  "reports.view": "manager",
  "quotas.set": "manager",
  "org.updateSettings": "admin",
  "org.delete": "admin",
};

describe("permission table", () => {
  it("matches docs/architecture.md", () => {
    expect(ORG_PERMISSIONS).toEqual(DESIGN_TABLE);
  });

  it("is enforced by requireOrgAccess against the role in the database, for every permission and caller", async () => {
    const w = await world("admin");
    const callers: Record<Seat, Caller> = {
      signedOut: null,
      outsider: as(w.people.outsider),
      adminOfOther: as(w.people.otherAdmin),
      user: as(w.people.user),
      manager: as(w.people.manager),
      admin: as(w.people.admin),
      self: as(w.people.admin),
    };
    const roleOf: Partial<Record<Seat, OrgRole>> = {
      user: "user",
      manager: "manager",
      admin: "admin",
      self: "admin",
    };
    for (const permission of Object.keys(DESIGN_TABLE) as OrgPermission[]) {
      for (const caller of SEATS) {
        const role = roleOf[caller];
        // Without a resource, an ownership rule lets through the owner's role (the resource is checked after).
        const rule: PolicyRule = POLICY[permission];
        const floor = rule.owner ?? rule.role;
        const expected: Outcome =
          caller === "signedOut"
            ? "unauthenticated"
            : !role
              ? "not_found"
              : roleAtLeast(role, floor)
                ? "ok"
                : "forbidden";
        expect(
          await outcomeOf(requireOrgAccess(t.db, callers[caller], w.org.name, permission)),
          `${permission} × ${caller}`,
        ).toBe(expected);
      }
    }
    // The role order itself: each role may do all that the roles before it may.
    for (const [i, role] of ORG_ROLES.entries()) {
      for (const lower of ORG_ROLES.slice(0, i)) {
        for (const p of Object.keys(DESIGN_TABLE) as OrgPermission[])
          if (can(lower, p)) expect(can(role, p)).toBe(true);
      }
    }
  });
});

describe("policy: ownership, org settings, callers that aren't people", () => {
  it("lets a job's owner or a manager stop it; others don't learn it exists", async () => {
    const w = await world("admin");
    const access = (who: Person) => requireOrgAccess(t.db, as(who), w.org.name, "jobs.stop");
    const userAccess = await access(w.people.user);
    expect(() => authorize(userAccess, "jobs.stop", { ownerId: w.people.user.id })).not.toThrow();
    expect(() => authorize(userAccess, "jobs.stop", { ownerId: w.people.admin.id })).toThrow(
      expect.objectContaining({ kind: "not_found", message: "Job not found" }),
    );
    expect(allowed(await access(w.people.manager), "jobs.stop", { ownerId: w.people.admin.id })).toBe(true);
  });

  it("raises credits.topup by the org's topUpMinRole, with the org's message", async () => {
    const w = await world("admin");
    await t.db.update(orgsTable).set({ topUpMinRole: "admin" }).where(eq(orgsTable.id, w.org.id));
    const manager = await requireOrgAccess(t.db, as(w.people.manager), w.org.name);
    expect(allowed(manager, "credits.topup")).toBe(false);
    expect(() => authorize(manager, "credits.topup")).toThrow(`In ${w.org.name}, only admins and above can top up.`);
    expect(allowed(await requireOrgAccess(t.db, as(w.people.admin), w.org.name), "credits.topup")).toBe(true);
  });

  it("loads the caller's username with the access (audit rows need no other lookup)", async () => {
    const w = await world("admin");
    const access = await requireOrgAccess(t.db, as(w.people.manager), w.org.name);
    expect(access.caller).toEqual({ id: w.people.manager.id, username: w.people.manager.username, kind: "user" });
    expect(access.role).toBe("manager");
  });

  it("treats a token as its user, within its scopes and its org", async () => {
    const w = await world("admin");
    const token = (scopes: ("read" | "write")[], orgId?: string) =>
      tokenCaller({ userId: w.people.manager.id, tokenId: crypto.randomUUID(), tokenName: "t", scopes, orgId });
    const readOnly = token(["read"]);
    expect((await requireOrgAccess(t.db, readOnly, w.org.name, "members.list")).caller).toMatchObject({
      kind: "token",
      username: w.people.manager.username,
    });
    // A write with a read-only token is refused, and changes nothing.
    const before = await snapshot(w);
    await expect(
      quotas.setMemberQuota(t.db, readOnly, w.org.name, {
        username: w.people.user.username,
        creditLimit: "1",
        maxRunningJobs: "",
      }),
    ).rejects.toMatchObject({
      kind: "forbidden",
      message: "This token is read-only: create a read and write token to make changes.",
    });
    expect(await snapshot(w)).toBe(before);
    // A write token may what its user may, no more.
    await quotas.setMemberQuota(t.db, token(["read", "write"]), w.org.name, {
      username: w.people.user.username,
      creditLimit: "1",
      maxRunningJobs: "",
    });
    await expect(
      orgs.deleteOrg(t.db, token(["read", "write"]), w.org.name, { confirmName: w.org.name }),
    ).rejects.toMatchObject({ kind: "forbidden" });
    // Restricted to another org: this one doesn't exist for it.
    await expect(requireOrgAccess(t.db, token(["read", "write"], w.otherOrg.id), w.org.name)).rejects.toMatchObject({
      kind: "not_found",
    });
    expect(await requireOrgAccess(t.db, token(["read"], w.org.id), w.org.name)).toBeTruthy();
    // Outside orgs too: a read-only token reads its account and writes nothing.
    expect((await accounts.getAccount(t.db, readOnly)).username).toBe(w.people.manager.username);
    await expect(orgs.createOrg(t.db, readOnly, { name: uniqueName("org-") })).rejects.toMatchObject({
      kind: "forbidden",
    });
  });

  it("refuses clusters and the system on people's operations", async () => {
    const w = await world("admin");
    for (const caller of [clusterCaller(crypto.randomUUID()), systemCaller("matrix")]) {
      await expect(requireOrgAccess(t.db, caller, w.org.name)).rejects.toMatchObject({ kind: "forbidden" });
      await expect(orgs.listMyOrgs(t.db, caller)).rejects.toMatchObject({ kind: "forbidden" });
      expect(await platform.isPlatformAdmin(t.db, caller)).toBe(false);
    }
  });
});
