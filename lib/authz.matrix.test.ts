/**
 * The authorization matrix: every operation of the domain modules × every kind of caller. An exported
 * function of these modules without a row fails the first test, so no operation can ship unchecked.
 */
import { describe, expect, it } from "vitest";
import * as accounts from "./accounts";
import { ORG_PERMISSIONS, ORG_ROLES, can, requireOrgAccess, type Actor, type OrgPermission, type OrgRole } from "./authz";
import { isDomainError } from "./errors";
import * as orgs from "./orgs";
import { makeOrg, makeUser, testContext, uniqueName, withTestDatabase } from "./test/fixtures";
import type { Db } from "@/db";

const t = withTestDatabase();

const CALLERS = ["signedOut", "outsider", "user", "manager", "admin"] as const;
type Caller = (typeof CALLERS)[number];
type Outcome = "ok" | "unauthenticated" | "not_found" | "forbidden";

interface World {
  db: Db;
  actor: Actor;
  org: { name: string };
}

interface Row {
  run: (w: World) => Promise<unknown>;
  expect: Record<Caller, Outcome>;
}

const everyone = (o: Outcome) => Object.fromEntries(CALLERS.map((c) => [c, o])) as Record<Caller, Outcome>;
const signedIn: Record<Caller, Outcome> = { ...everyone("ok"), signedOut: "unauthenticated" };
const members: Record<Caller, Outcome> = { signedOut: "unauthenticated", outsider: "not_found", user: "ok", manager: "ok", admin: "ok" };

const newAccount = () => {
  const u = uniqueName();
  return { username: u, email: `${u}@example.com`, password: "12345678" };
};

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
      return accounts.completeOAuthSignUp(w.db, { provider: "github", providerAccountId: uniqueName(), email: null, name: null }, a, testContext());
    },
    expect: everyone("ok"),
  },
  // Called by the session layer with ids it verified, never with a person's input.
  "accounts.findOAuthUser": { run: (w) => accounts.findOAuthUser(w.db, "github", "1"), expect: everyone("ok") },
  "accounts.findSessionUser": { run: (w) => accounts.findSessionUser(w.db, w.actor?.userId ?? "none"), expect: everyone("ok") },
  "accounts.getAccount": { run: (w) => accounts.getAccount(w.db, w.actor), expect: signedIn },
  "orgs.createOrg": { run: (w) => orgs.createOrg(w.db, w.actor, { name: uniqueName("org-") }), expect: signedIn },
  "orgs.listMyOrgs": { run: (w) => orgs.listMyOrgs(w.db, w.actor), expect: signedIn },
  "orgs.homePath": { run: (w) => orgs.homePath(w.db, w.actor), expect: signedIn },
  "orgs.enterOrg": { run: (w) => orgs.enterOrg(w.db, w.actor, w.org.name), expect: members },
  "orgs.getOrgOverview": { run: (w) => orgs.getOrgOverview(w.db, w.actor, w.org.name), expect: members },
};

const MODULES = { accounts, orgs };

async function outcomeOf(p: Promise<unknown>): Promise<Outcome> {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (isDomainError(err) && ["unauthenticated", "not_found", "forbidden"].includes(err.kind)) return err.kind as Outcome;
    throw err;
  }
}

async function world(caller: Caller): Promise<World> {
  const [admin, manager, user, outsider] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  const org = await makeOrg(t.db, { admin, manager, user });
  await makeOrg(t.db, { admin: outsider }); // the outsider is an admin elsewhere
  const who = { signedOut: null, outsider, user, manager, admin }[caller];
  return { db: t.db, actor: who ? { userId: who.id } : null, org };
}

describe("authorization matrix", () => {
  it("has a row for every exported operation of the domain modules", () => {
    const exported = Object.entries(MODULES).flatMap(([mod, m]) =>
      Object.entries(m)
        .filter(([, v]) => typeof v === "function")
        .map(([name]) => `${mod}.${name}`),
    );
    expect(exported.filter((op) => !(op in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((op) => !exported.includes(op))).toEqual([]);
  });

  for (const [op, row] of Object.entries(MATRIX)) {
    for (const caller of CALLERS) {
      it(`${op} × ${caller} → ${row.expect[caller]}`, async () => {
        expect(await outcomeOf(row.run(await world(caller)))).toBe(row.expect[caller]);
      });
    }
  }
});

/** DESIGN.md's permission table, written out by hand: the code's table must say exactly this. */
const DESIGN_TABLE: Record<OrgPermission, OrgRole> = {
  "org.view": "user",
  "members.list": "user",
  "projects.create": "user",
  "jobs.run": "user",
  "credits.topup": "user",
  "org.leave": "user",
  "settings.open": "manager",
  "members.invite": "manager",
  "members.changeRole": "manager",
  "members.remove": "manager",
  "projects.viewAll": "manager",
  "artifacts.viewAll": "manager",
  "ledger.viewAll": "manager",
  "quotas.set": "manager",
  "members.promoteAdmin": "admin",
  "org.updateSettings": "admin",
  "org.delete": "admin",
};

describe("permission table", () => {
  it("matches DESIGN.md", () => {
    expect(ORG_PERMISSIONS).toEqual(DESIGN_TABLE);
  });

  it("is enforced by requireOrgAccess against the role in the database, for every permission and caller", async () => {
    const [admin, manager, user, outsider] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, manager, user });
    const callers: Record<Caller, Actor> = {
      signedOut: null,
      outsider: { userId: outsider.id },
      user: { userId: user.id },
      manager: { userId: manager.id },
      admin: { userId: admin.id },
    };
    for (const permission of Object.keys(DESIGN_TABLE) as OrgPermission[]) {
      for (const caller of CALLERS) {
        const expected: Outcome =
          caller === "signedOut"
            ? "unauthenticated"
            : caller === "outsider"
              ? "not_found"
              : can(caller as OrgRole, permission)
                ? "ok"
                : "forbidden";
        expect(await outcomeOf(requireOrgAccess(t.db, callers[caller], org.name, permission)), `${permission} × ${caller}`).toBe(expected);
      }
    }
    // The role order itself: each role may do all that the roles before it may.
    for (const [i, role] of ORG_ROLES.entries()) {
      for (const lower of ORG_ROLES.slice(0, i)) {
        for (const p of Object.keys(DESIGN_TABLE) as OrgPermission[]) if (can(lower, p)) expect(can(role, p)).toBe(true);
      }
    }
  });
});
