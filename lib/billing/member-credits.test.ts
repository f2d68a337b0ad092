import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, jobs, orgMembers, orgs } from "@/db/schema";
import { tokenCaller, userCaller } from "../core/caller";
import { Forbidden, Invalid, NotFound } from "../core/errors";
import {
  addOrgToCluster,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeJob,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  testServices,
  withTestDatabase,
} from "../test/fixtures";
import { grantCredits } from "./grants";
import { chargeSpending, setMemberCredits } from "./member-credits";
import { setOrgCreditSettings } from "./org-credit-settings";

const t = withTestDatabase();
const as = (u: { id: string }) => userCaller(u.id);

async function limitOf(orgId: string, userId: string) {
  const [m] = await t.db
    .select({ limit: orgMembers.creditLimit, spent: orgMembers.spent })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)));
  return m!;
}

describe("setMemberCredits (Apolo's org-user balance on the member credit limit)", () => {
  it("set X makes the limit spent + X; a delta moves it; null is unlimited and a delta leaves it unlimited", async () => {
    const manager = await makeUser(t.db);
    const user = await makeUser(t.db);
    const org = await makeOrg(t.db, { manager, user });
    await t.db
      .update(orgMembers)
      .set({ spent: "7.25" })
      .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
    await setMemberCredits(t.db, as(manager), org.name, { username: user.username, credits: "10" });
    expect((await limitOf(org.id, user.id)).limit).toBe("17.25000000");
    await setMemberCredits(t.db, as(manager), org.name, { username: user.username, additionalCredits: "-0.25" });
    expect((await limitOf(org.id, user.id)).limit).toBe("17.00000000");
    await setMemberCredits(t.db, as(manager), org.name, { username: user.username, credits: null });
    expect((await limitOf(org.id, user.id)).limit).toBeNull();
    await setMemberCredits(t.db, as(manager), org.name, { username: user.username, additionalCredits: "5" });
    expect((await limitOf(org.id, user.id)).limit).toBeNull();
    const audits = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "member.quota_changed")));
    expect(audits).toHaveLength(4);
  });

  it("follows the quota dialog's permissions and stops the member's jobs when the credits run out", async () => {
    const admin = await makeUser(t.db);
    const manager = await makeUser(t.db);
    const user = await makeUser(t.db);
    const outsider = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin, manager, user });
    await expect(
      setMemberCredits(t.db, as(manager), org.name, { username: admin.username, credits: "1" }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      setMemberCredits(t.db, as(user), org.name, { username: user.username, credits: "1" }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      setMemberCredits(t.db, as(outsider), org.name, { username: user.username, credits: "1" }),
    ).rejects.toBeInstanceOf(NotFound);
    const ro = tokenCaller({ userId: admin.id, tokenId: "x", tokenName: "ro", scopes: ["read"] });
    await expect(
      setMemberCredits(t.db, ro, org.name, { username: user.username, credits: "1" }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      setMemberCredits(t.db, as(admin), org.name, { username: user.username, credits: "1.234" }),
    ).rejects.toBeInstanceOf(Invalid);
    await expect(
      setMemberCredits(t.db, as(admin), org.name, { username: user.username, credits: "-1" }),
    ).rejects.toBeInstanceOf(Invalid);

    const cluster = await makeCluster(t.db);
    await addOrgToCluster(t.db, org, cluster);
    await fundOrg(t.db, org, "100");
    await t.db
      .update(orgMembers)
      .set({ spent: "5" })
      .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id)));
    const job = await makeJob(t.db, { org, user, cluster, preset: cluster.presets.small! });
    await setMemberCredits(t.db, as(admin), org.name, { username: user.username, credits: "0" });
    const [j] = await t.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, job.id));
    expect(j!.status).toBe("stopped");
  });
});

describe("chargeSpending (platform admins)", () => {
  it("charges the org (and a member) through the ledger, once per idempotency key", async () => {
    const op = await makePlatformAdmin(t.db);
    const admin = await makeUser(t.db);
    const user = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin, user });
    await fundOrg(t.db, org, "20");
    const svc = testServices();
    await chargeSpending(t.db, as(op), { org: org.name, amount: "5", idempotencyKey: "k" }, svc);
    await chargeSpending(t.db, as(op), { org: org.name, amount: "5", idempotencyKey: "k" }, svc);
    await chargeSpending(t.db, as(op), { org: org.name, username: user.username, amount: "2.5" }, svc);
    expect(await ledgerTotals(t.db, org)).toMatchObject({ balance: "12.50000000", spent: "7.50000000", entries: 3 });
    expect((await limitOf(org.id, user.id)).spent).toBe("2.50000000");
    await expect(chargeSpending(t.db, as(admin), { org: org.name, amount: "1" }, svc)).rejects.toBeInstanceOf(NotFound);
    await expect(chargeSpending(t.db, as(op), { org: org.name, amount: "0" }, svc)).rejects.toBeInstanceOf(Invalid);
    await expect(
      chargeSpending(t.db, as(op), { org: org.name, username: "nobody-here", amount: "1" }, svc),
    ).rejects.toBeInstanceOf(NotFound);
    const other = await makeOrg(t.db, { admin: op });
    const restricted = tokenCaller({ userId: op.id, tokenId: "x", tokenName: "r", scopes: ["write"], orgId: other.id });
    await expect(chargeSpending(t.db, restricted, { org: org.name, amount: "1" }, svc)).rejects.toBeInstanceOf(
      NotFound,
    );
  });
});

describe("grantCredits with an idempotency key", () => {
  it("posts once per (org, mode, key); keys of two orgs never collide", async () => {
    const op = await makePlatformAdmin(t.db);
    const a = await makeOrg(t.db, {});
    const b = await makeOrg(t.db, {});
    const svc = testServices();
    const r1 = await grantCredits(
      t.db,
      as(op),
      { org: a.name, mode: "add", amount: "10", idempotencyKey: "same" },
      svc,
    );
    const r2 = await grantCredits(
      t.db,
      as(op),
      { org: a.name, mode: "add", amount: "10", idempotencyKey: "same" },
      svc,
    );
    await grantCredits(t.db, as(op), { org: b.name, mode: "add", amount: "10", idempotencyKey: "same" }, svc);
    await grantCredits(t.db, as(op), { org: a.name, mode: "set", amount: "50", idempotencyKey: "same" }, svc);
    expect(r1.delta).toBe("10");
    expect(r2.delta).toBe("0");
    expect(await ledgerTotals(t.db, a)).toMatchObject({ balance: "50.00000000", entries: 2 });
    expect(await ledgerTotals(t.db, b)).toMatchObject({ balance: "10.00000000", entries: 1 });
  });
});

describe("setOrgCreditSettings: low-balance thresholds", () => {
  it("admins set whole-credit thresholds (descending, deduplicated); managers may not", async () => {
    const admin = await makeUser(t.db);
    const manager = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin, manager });
    await setOrgCreditSettings(t.db, as(admin), org.name, { lowBalanceThresholds: [5, 500, 5, -10] });
    const [row] = await t.db.select().from(orgs).where(eq(orgs.id, org.id));
    expect(row!.lowBalanceThresholds.map(Number)).toEqual([500, 5, -10]);
    await expect(
      setOrgCreditSettings(t.db, as(manager), org.name, { lowBalanceThresholds: [1] }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      setOrgCreditSettings(t.db, as(admin), org.name, { lowBalanceThresholds: [1.5] }),
    ).rejects.toBeInstanceOf(Invalid);
  });
});
