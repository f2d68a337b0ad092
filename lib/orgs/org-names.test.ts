import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, orgNameRedirects, orgs } from "@/db/schema";
import { userCaller } from "../core/caller";
import { Conflict, Forbidden, Invalid, NotFound, RateLimited } from "../core/errors";
import { MemoryRateLimitStore } from "../core/rate-limit";
import { createOrg, deleteOrg, enterOrg } from "./orgs";
import {
  isOrgNameAvailable,
  lastUsedOrgName,
  ORG_NAME_REDIRECT_DAYS,
  renameOrg,
  resolveOrgRedirect,
  suggestOrgName,
} from "./org-names";
import { makeOrg, makeUser, uniqueName, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();
const as = (u: { id: string }) => userCaller(u.id);
const svc = () => ({ limiter: new MemoryRateLimitStore() });

describe("suggestOrgName", () => {
  it("turns a display name into a URL name by the org-name rule", () => {
    expect(suggestOrgName("Acme Research!")).toBe("acme-research");
    expect(suggestOrgName("  Café  Zürich -- Lab ")).toBe("cafe-zurich-lab");
    expect(suggestOrgName("___")).toBe("");
    expect(suggestOrgName("A".repeat(70) + " b")).toHaveLength(63);
    expect(suggestOrgName("ab-" + "c".repeat(59) + "-d")).not.toMatch(/-$/);
  });
});

describe("isOrgNameAvailable", () => {
  it("answers available, taken, reserved and invalid with the rule", async () => {
    const me = await makeUser(t.db);
    const other = await makeUser(t.db);
    const taken = await makeOrg(t.db, { admin: other });
    const free = uniqueName("org-");
    const s = svc();
    expect((await isOrgNameAvailable(t.db, as(me), { name: free }, s)).status).toBe("available");
    expect(await isOrgNameAvailable(t.db, as(me), { name: taken.name }, s)).toMatchObject({ status: "taken" });
    expect((await isOrgNameAvailable(t.db, as(me), { name: "admin" }, s)).status).toBe("reserved");
    expect(await isOrgNameAvailable(t.db, as(me), { name: "Bad_Name" }, s)).toEqual({
      name: "Bad_Name",
      status: "invalid",
      message: "Use only lowercase letters, digits and hyphens.",
    });
    expect((await isOrgNameAvailable(t.db, as(me), { name: "ab" }, s)).status).toBe("invalid");
    // A closed org's name is reserved.
    const closing = await createOrg(t.db, as(me), { name: uniqueName("org-") });
    await deleteOrg(t.db, as(me), closing.name, { confirmName: closing.name });
    expect((await isOrgNameAvailable(t.db, as(me), { name: closing.name }, s)).status).toBe("reserved");
  });

  it("for a rename: admins only, its own current and old names are fine", async () => {
    const [admin, manager] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, manager });
    const s = svc();
    expect((await isOrgNameAvailable(t.db, as(admin), { name: org.name, org: org.name }, s)).status).toBe("current");
    await expect(isOrgNameAvailable(t.db, as(manager), { name: "x-y-z", org: org.name }, s)).rejects.toBeInstanceOf(
      Forbidden,
    );
    const next = uniqueName("org-");
    await renameOrg(t.db, as(admin), org.name, { name: next, confirmName: org.name });
    expect((await isOrgNameAvailable(t.db, as(admin), { name: org.name, org: next }, s)).status).toBe("available");
    expect((await isOrgNameAvailable(t.db, as(admin), { name: org.name }, s)).status).toBe("taken");
  });

  it("is rate-limited per account and needs a signed-in caller", async () => {
    const me = await makeUser(t.db);
    const s = svc();
    for (let i = 0; i < 120; i++) await isOrgNameAvailable(t.db, as(me), { name: "ab" }, s);
    await expect(isOrgNameAvailable(t.db, as(me), { name: "ab" }, s)).rejects.toBeInstanceOf(RateLimited);
    await expect(isOrgNameAvailable(t.db, null, { name: "abc" }, s)).rejects.toThrow();
  });
});

describe("renameOrg", () => {
  it("renames the display name (admins only) and audits it", async () => {
    const [admin, manager] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, manager });
    await expect(renameOrg(t.db, as(manager), org.name, { displayName: "Nope" })).rejects.toBeInstanceOf(Forbidden);
    const r = await renameOrg(t.db, as(admin), org.name, { displayName: "  Acme Research " });
    expect(r).toEqual({ name: org.name, displayName: "Acme Research", changed: true });
    const [a] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "org.renamed")));
    expect(a).toMatchObject({ before: { displayName: null }, after: { displayName: "Acme Research" } });
    expect((await renameOrg(t.db, as(admin), org.name, { displayName: "Acme Research" })).changed).toBe(false);
    await expect(renameOrg(t.db, as(admin), org.name, { displayName: "a\u0000b" })).rejects.toBeInstanceOf(Invalid);
  });

  it("changes the URL name with confirmation, and the old name redirects members for 30 days", async () => {
    const [admin, outsider] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin });
    const next = uniqueName("org-");
    const refused = await renameOrg(t.db, as(admin), org.name, { name: next, confirmName: "wrong" }).catch((e) => e);
    expect(refused).toBeInstanceOf(Invalid);
    expect(refused.fieldErrors.confirmName).toEqual([`Type the current name, '${org.name}', to confirm.`]);
    const r = await renameOrg(t.db, as(admin), org.name, { name: next, confirmName: org.name });
    expect(r).toMatchObject({ name: next, changed: true });
    const [redirect] = await t.db.select().from(orgNameRedirects).where(eq(orgNameRedirects.oldName, org.name));
    expect(redirect!.orgId).toBe(org.id);
    expect(await resolveOrgRedirect(t.db, as(admin), org.name)).toBe(next);
    expect(await resolveOrgRedirect(t.db, as(outsider), org.name)).toBeNull();
    await expect(enterOrg(t.db, as(admin), org.name)).rejects.toBeInstanceOf(NotFound);
    expect((await enterOrg(t.db, as(admin), next)).org.id).toBe(org.id);
    const [a] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "org.renamed")));
    expect(a).toMatchObject({ orgName: next, before: { name: org.name }, after: { name: next } });
    // Older than ORG_NAME_REDIRECT_DAYS: no redirect.
    await t.db
      .update(orgNameRedirects)
      .set({ createdAt: sql`now() - make_interval(days => ${ORG_NAME_REDIRECT_DAYS + 1})` })
      .where(eq(orgNameRedirects.oldName, org.name));
    expect(await resolveOrgRedirect(t.db, as(admin), org.name)).toBeNull();
  });

  it("refuses a taken, reserved or still-redirecting name, and lets the org take its own old name back", async () => {
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    const orgA = await makeOrg(t.db, { admin: a });
    const orgB = await makeOrg(t.db, { admin: b });
    const taken = await renameOrg(t.db, as(a), orgA.name, { name: orgB.name, confirmName: orgA.name }).catch((e) => e);
    expect(taken).toBeInstanceOf(Conflict);
    expect(taken.field).toBe("name");
    const reserved = await renameOrg(t.db, as(a), orgA.name, { name: "admin", confirmName: orgA.name }).catch((e) => e);
    expect(reserved).toBeInstanceOf(Invalid);
    // B moves away: its old name redirects, so A can't take it (nor can a new org) …
    const bNext = uniqueName("org-");
    await renameOrg(t.db, as(b), orgB.name, { name: bNext, confirmName: orgB.name });
    const redirecting = await renameOrg(t.db, as(a), orgA.name, { name: orgB.name, confirmName: orgA.name }).catch(
      (e) => e,
    );
    expect(redirecting).toBeInstanceOf(Conflict);
    expect(redirecting.message).toMatch(/its old links lead there until/);
    await expect(createOrg(t.db, as(a), { name: orgB.name })).rejects.toBeInstanceOf(Conflict);
    // … but B may take it back, which drops the redirect.
    await renameOrg(t.db, as(b), bNext, { name: orgB.name, confirmName: bNext });
    const [back] = await t.db.select().from(orgs).where(eq(orgs.id, orgB.id));
    expect(back!.name).toBe(orgB.name);
    expect(await resolveOrgRedirect(t.db, as(b), orgB.name)).toBeNull();
    expect(await resolveOrgRedirect(t.db, as(b), bNext)).toBe(orgB.name);
    // A closed org's name stays reserved.
    const closing = await createOrg(t.db, as(a), { name: uniqueName("org-") });
    await deleteOrg(t.db, as(a), closing.name, { confirmName: closing.name });
    await expect(
      renameOrg(t.db, as(a), orgA.name, { name: closing.name, confirmName: orgA.name }),
    ).rejects.toBeInstanceOf(Conflict);
    const [still] = await t.db.select().from(orgs).where(eq(orgs.id, orgA.id));
    expect(still!.name).toBe(orgA.name);
  });

  it("lets one of two concurrent renames to the same name win", async () => {
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    const orgA = await makeOrg(t.db, { admin: a });
    const orgB = await makeOrg(t.db, { admin: b });
    const name = uniqueName("org-");
    const results = await Promise.allSettled([
      renameOrg(t.db, as(a), orgA.name, { name, confirmName: orgA.name }),
      renameOrg(t.db, as(b), orgB.name, { name, confirmName: orgB.name }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(Conflict);
    const rows = await t.db.select().from(orgs).where(eq(orgs.name, name));
    expect(rows).toHaveLength(1);
    const renamed = await t.db.select().from(auditEvents).where(eq(auditEvents.action, "org.renamed"));
    expect(renamed.filter((e) => e.orgName === name)).toHaveLength(1);
  });
});

describe("lastUsedOrgName", () => {
  it("is the last org entered while still a member", async () => {
    const me = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin: me });
    expect(await lastUsedOrgName(t.db, as(me))).toBeNull();
    await enterOrg(t.db, as(me), org.name);
    expect(await lastUsedOrgName(t.db, as(me))).toBe(org.name);
  });
});
