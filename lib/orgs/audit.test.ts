import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { and, desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { randomUUID } from "node:crypto";
import {
  AUDIT_ACTION_LABELS,
  AUDIT_ACTIONS,
  auditActionLabel,
  auditBatchLabel,
  exportAuditCsv,
  listAuditEvents,
  recordAudit,
} from "./audit";
import { createClusterToken, createPreset, deletePreset, revokeClusterToken } from "../compute/clusters";
import { Forbidden, NotFound, Unauthenticated } from "../core/errors";
import { acceptInvitation, renewInvitation, revokeInvitation } from "./invitations";
import { changeMemberRole, leaveOrg, removeMember } from "./members";
import { createOrg } from "./orgs";
import { grantPlatformAdmin } from "./internal";
import {
  as,
  invite,
  joinByUsername,
  makeCluster,
  makeOrg,
  makePlatformAdmin,
  makeUser,
  testServices,
  tokenFromLink,
  uniqueName,
  withTestDatabase,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();

/** An org created through createOrg, then a history of changes by several people. */
async function orgWithHistory() {
  const [admin, manager, user, leaver, outsider] = [
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
    await makeUser(t.db),
  ];
  const svc = testServices();
  const org = await createOrg(t.db, as(admin), { name: uniqueName("org-") });
  const [row] = await t.db
    .select({ orgId: auditEvents.orgId })
    .from(auditEvents)
    .where(eq(auditEvents.orgName, org.name));
  const orgId = row!.orgId!;
  // Invited by username, each joins by accepting.
  await joinByUsername(t.db, org, admin, manager, "user", svc);
  await joinByUsername(t.db, org, admin, user, "user", svc);
  await changeMemberRole(t.db, as(admin), org.name, { username: manager.username, role: "manager" });
  await joinByUsername(t.db, org, manager, leaver, "user", svc);
  const invited = await invite(t.db, manager, org.name, `${uniqueName("p")}@x.com`, "user", svc);
  await leaveOrg(t.db, as(leaver), org.name);
  await removeMember(t.db, as(manager), org.name, { username: user.username });
  await makeOrg(t.db, { admin: outsider });
  // The order in which they happened.
  const actions = [
    ["org.created", admin.username],
    ["invitation.created", admin.username],
    ["invitation.accepted", manager.username],
    ["invitation.created", admin.username],
    ["invitation.accepted", user.username],
    ["member.role_changed", admin.username],
    ["invitation.created", manager.username],
    ["invitation.accepted", leaver.username],
    ["invitation.created", manager.username],
    ["member.left", leaver.username],
    ["member.removed", manager.username],
  ];
  return { org, orgId, admin, manager, user, leaver, outsider, svc, actions, invited };
}

describe("listAuditEvents", () => {
  it("lists the org's changes newest first, with actor, action, target and before → after", async () => {
    const w = await orgWithHistory();
    const r = await listAuditEvents(t.db, as(w.manager), w.org.name, {});
    expect(r.total).toBe(w.actions.length);
    expect(r.rows.map((e) => [e.action, e.actorUsername])).toEqual([...w.actions].reverse());
    expect(r.rows.find((e) => e.action === "member.role_changed")).toMatchObject({
      targetType: "user",
      targetLabel: w.manager.username,
      before: { role: "user" },
      after: { role: "manager" },
    });
    for (let i = 1; i < r.rows.length; i++)
      expect(r.rows[i - 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(r.rows[i]!.createdAt.getTime());
    // Admins see the same log.
    expect((await listAuditEvents(t.db, as(w.admin), w.org.name, undefined)).total).toBe(w.actions.length);
  });

  it("filters by action and by actor username (any case), and by both", async () => {
    const w = await orgWithHistory();
    const byAction = await listAuditEvents(t.db, as(w.admin), w.org.name, { action: "invitation.accepted" });
    expect(byAction.total).toBe(3);
    expect(byAction.rows.every((e) => e.action === "invitation.accepted")).toBe(true);
    const byActor = await listAuditEvents(t.db, as(w.admin), w.org.name, { actor: w.manager.username.toUpperCase() });
    expect(byActor.rows.map((e) => e.action)).toEqual([
      "member.removed",
      "invitation.created",
      "invitation.created",
      "invitation.accepted",
    ]);
    const both = await listAuditEvents(t.db, as(w.admin), w.org.name, {
      action: "invitation.created",
      actor: w.manager.username,
    });
    // An email invitation is labelled with its address, an invitation by username with the username.
    expect(both.rows.map((e) => e.targetLabel)).toEqual([w.invited.results[0]!.entry, w.leaver.username]);
    expect((await listAuditEvents(t.db, as(w.admin), w.org.name, { actor: "nobody-at-all" })).rows).toEqual([]);
    // An unknown action is ignored rather than an error (the filter comes from the URL).
    expect((await listAuditEvents(t.db, as(w.admin), w.org.name, { action: "drop table" })).total).toBe(
      w.actions.length,
    );
  });

  it("pages in the database, 25/50/100 a page (50 by default)", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    for (let i = 0; i < 60; i++) {
      await t.db.transaction((tx) =>
        recordAudit(tx, {
          org,
          actor: { id: admin.id, username: admin.username },
          action: "member.added",
          target: { type: "user", label: `n-${i}` },
        }),
      );
    }
    const newestFirst = Array.from({ length: 60 }, (_, i) => `n-${59 - i}`);
    const page = async (q: object) =>
      (await listAuditEvents(t.db, as(admin), org.name, q)).rows.map((e) => e.targetLabel);
    expect(await page({ pageSize: 25, page: 1 })).toEqual(newestFirst.slice(0, 25));
    expect(await page({ pageSize: 25, page: 2 })).toEqual(newestFirst.slice(25, 50));
    expect(await page({ pageSize: 25, page: "3" })).toEqual(newestFirst.slice(50));
    expect(await page({ pageSize: 25, page: 4 })).toEqual([]);
    expect(await page({})).toEqual(newestFirst.slice(0, 50));
    expect(await page({ pageSize: 7 })).toEqual(newestFirst.slice(0, 50));
    expect(await page({ pageSize: 100 })).toEqual(newestFirst);
    expect(await page({ page: 0 })).toEqual(newestFirst.slice(0, 50));
    const r = await listAuditEvents(t.db, as(admin), org.name, { pageSize: 25, page: 3 });
    expect(r.total).toBe(60);
    expect(r.query).toMatchObject({ page: 3, pageSize: 25 });
  });

  it("is for managers and admins: users get Forbidden, outsiders NotFound, signed-out callers Unauthenticated", async () => {
    const w = await orgWithHistory();
    const user = await makeUser(t.db);
    await joinByUsername(t.db, w.org, w.admin, user, "user", w.svc);
    await expect(listAuditEvents(t.db, as(user), w.org.name, {})).rejects.toBeInstanceOf(Forbidden);
    await expect(listAuditEvents(t.db, as(w.outsider), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(listAuditEvents(t.db, as(w.user), w.org.name, {})).rejects.toBeInstanceOf(NotFound); // removed
    await expect(listAuditEvents(t.db, null, w.org.name, {})).rejects.toBeInstanceOf(Unauthenticated);
  });

  it("shows only this org's events", async () => {
    const a = await orgWithHistory();
    const b = await orgWithHistory();
    const rows = (await listAuditEvents(t.db, as(a.admin), a.org.name, { pageSize: 100 })).rows;
    expect(rows.every((e) => e.orgId === a.orgId && e.orgName === a.org.name)).toBe(true);
    expect(rows.some((e) => e.actorUsername === b.admin.username)).toBe(false);
  });
});

describe("audit rows", () => {
  it("record every invitation change, and never a token", async () => {
    const w = await orgWithHistory();
    const invitee = await makeUser(t.db);
    const first = await invite(t.db, w.admin, w.org.name, invitee.email, "manager", w.svc);
    const tokens = [tokenFromLink(first.results[0]!.link!), tokenFromLink(w.invited.results[0]!.link!)];
    const [inv] = (await listAuditEvents(t.db, as(w.admin), w.org.name, { action: "invitation.created" })).rows;
    const id = inv!.targetId!;
    const resent = await renewInvitation(t.db, as(w.admin), w.org.name, { id }, { ...w.svc, send: true });
    const copied = await renewInvitation(t.db, as(w.admin), w.org.name, { id }, { ...w.svc, send: false });
    tokens.push(tokenFromLink(resent.link!), tokenFromLink(copied.link!));
    await acceptInvitation(t.db, as(invitee), { token: tokens[3]! });
    const other = (await listAuditEvents(t.db, as(w.admin), w.org.name, { action: "invitation.created" })).rows[1]!;
    await revokeInvitation(t.db, as(w.manager), w.org.name, { id: other.targetId! });

    const r = await listAuditEvents(t.db, as(w.admin), w.org.name, { pageSize: 100 });
    expect(r.rows.slice(0, 6).map((e) => [e.action, e.actorUsername])).toEqual([
      ["invitation.revoked", w.manager.username],
      ["invitation.accepted", invitee.username],
      ["invitation.link_renewed", w.admin.username],
      ["invitation.resent", w.admin.username],
      ["invitation.created", w.admin.username],
      ["member.removed", w.manager.username],
    ]);
    expect(r.rows[1]).toMatchObject({
      targetId: id,
      targetLabel: invitee.email,
      after: { role: "manager", member: invitee.username },
    });

    // The via_token column (a personal access token's name, null here) aside, no field mentions a token.
    const rows = await t.db.select().from(auditEvents);
    expect(rows.every((r) => r.viaToken === null)).toBe(true);
    const everything = JSON.stringify(rows.map((r) => ({ ...r, viaToken: undefined })));
    for (const token of tokens) expect(everything).not.toContain(token);
    expect(everything).not.toMatch(/token/i);
  });

  it("recordAudit stores what it is given, and allows events without an org or actor", async () => {
    await t.db.transaction((tx) =>
      recordAudit(tx, { org: null, actor: null, action: "account.deleted", target: { type: "system" } }),
    );
    const [row] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "account.deleted"), eq(auditEvents.targetType, "system")));
    expect(row).toMatchObject({
      orgId: null,
      orgName: null,
      actorId: null,
      actorUsername: null,
      targetType: "system",
      targetId: null,
      before: null,
      after: null,
    });
    expect(row!.createdAt).toBeInstanceOf(Date);
  });
});

/**
 * Every action literal passed to recordAudit in lib/ (outside tests): the `action:` value of each call, up to the
 * next property (a conditional action may span lines).
 */
function writtenActions(): Set<string> {
  // lib/<domain>/<file>.ts (the domain folders of lib/).
  const lib = path.join(process.cwd(), "lib");
  const found = new Set<string>();
  const files = readdirSync(lib, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(lib, d.name)).map((f) => path.join(d.name, f)));
  for (const file of files) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts") || file.endsWith(path.join("orgs", "audit.ts"))) continue;
    const text = readFileSync(path.join(lib, file), "utf8");
    for (const call of text.split("recordAudit(").slice(1)) {
      const line = /\baction:([\s\S]*?)\n\s*[A-Za-z]+[:,]/.exec(call)?.[1] ?? "";
      const literals = [...line.matchAll(/"([a-z_]+\.[a-z_]+)"/g)].map((m) => m[1]!);
      expect(literals.length, `${file}: recordAudit without a literal action`).toBeGreaterThan(0);
      for (const a of literals) found.add(a);
    }
  }
  return found;
}

describe("audit actions", () => {
  it("one list: every action written in lib/ is in AUDIT_ACTIONS, and every listed action is written", () => {
    const written = writtenActions();
    expect(written.size).toBeGreaterThanOrEqual(24);
    expect([...written].filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
    expect(AUDIT_ACTIONS.filter((a) => !written.has(a))).toEqual([]);
  });

  it("the Audit log filter accepts every action (and ignores an unknown one)", async () => {
    const admin = await makeUser(t.db);
    const org = await createOrg(t.db, as(admin), { name: uniqueName("org-") });
    for (const action of AUDIT_ACTIONS) {
      const r = await listAuditEvents(t.db, as(admin), org.name, { action });
      expect(r.query.action).toBe(action);
      expect(r.rows.every((row) => row.action === action)).toBe(true);
    }
    const created = await listAuditEvents(t.db, as(admin), org.name, { action: "org.created" });
    expect(created.total).toBe(1);
    const unknown = await listAuditEvents(t.db, as(admin), org.name, { action: "no.such" });
    expect(unknown.query.action).toBeUndefined();
  });

  it("platform operations are audited without an org: presets, cluster tokens, platform-admin grants", async () => {
    const op = await makePlatformAdmin(t.db);
    const cluster = await makeCluster(t.db, { presets: {} });
    const last = async (action: string) =>
      (
        await t.db
          .select()
          .from(auditEvents)
          .where(eq(auditEvents.action, action))
          .orderBy(desc(auditEvents.id))
          .limit(1)
      )[0];
    const byOp = { orgId: null, orgName: null, actorId: op.id, actorUsername: op.username };

    const preset = await createPreset(t.db, as(op), {
      cluster: cluster.name,
      name: "cpu-x",
      cpu: "2",
      memoryMb: "4096",
      gpu: "0",
      creditsPerHour: "1.5",
    });
    expect(await last("preset.created")).toMatchObject({
      ...byOp,
      targetType: "preset",
      targetId: preset.id,
      targetLabel: `${cluster.name}/cpu-x`,
      after: { cpu: "2.00", memoryMb: 4096, gpu: 0 },
    });
    await deletePreset(t.db, as(op), { id: preset.id });
    expect(await last("preset.deleted")).toMatchObject({
      ...byOp,
      targetType: "preset",
      targetId: preset.id,
      targetLabel: `${cluster.name}/cpu-x`,
    });

    const token = await createClusterToken(t.db, as(op), { cluster: cluster.name, label: "runner-a" });
    expect(await last("cluster_token.created")).toMatchObject({
      ...byOp,
      targetType: "cluster_token",
      targetId: token.id,
      targetLabel: "runner-a",
      after: { cluster: cluster.name },
    });
    await revokeClusterToken(t.db, as(op), { id: token.id });
    expect(await last("cluster_token.revoked")).toMatchObject({
      ...byOp,
      targetType: "cluster_token",
      targetId: token.id,
      targetLabel: "runner-a",
    });
    // The token itself is never logged.
    const logged = JSON.stringify(await t.db.select().from(auditEvents));
    expect(logged).not.toContain(token.token);
    expect(logged).not.toContain(token.token.slice(4));

    const grantee = await makeUser(t.db);
    await grantPlatformAdmin(t.db, SYSTEM, grantee.username);
    expect(await last("platform_admin.granted")).toMatchObject({
      orgId: null,
      actorId: null,
      actorUsername: null,
      targetType: "user",
      targetId: grantee.id,
      targetLabel: grantee.username,
      before: { isPlatformAdmin: false },
      after: { isPlatformAdmin: true, by: "system" },
    });
    // A failed operation writes nothing.
    const rows = (await t.db.select().from(auditEvents)).length;
    await expect(grantPlatformAdmin(t.db, SYSTEM, "no-such-user")).rejects.toMatchObject({ kind: "not_found" });
    await expect(deletePreset(t.db, as(op), { id: preset.id })).rejects.toMatchObject({ kind: "not_found" });
    expect((await t.db.select().from(auditEvents)).length).toBe(rows);
  });
});

describe("audit log readability", () => {
  it("every action has a readable label, and no label is a code", () => {
    expect(Object.keys(AUDIT_ACTION_LABELS).sort()).toEqual([...AUDIT_ACTIONS].sort());
    for (const a of AUDIT_ACTIONS) {
      expect(AUDIT_ACTION_LABELS[a].trim().length).toBeGreaterThan(0);
      expect(AUDIT_ACTION_LABELS[a]).not.toMatch(/[._]/);
    }
    expect(new Set(Object.values(AUDIT_ACTION_LABELS)).size).toBe(AUDIT_ACTIONS.length);
    expect(auditActionLabel("member.role_changed")).toBe("Changed role");
    expect(auditActionLabel("gone.action")).toBe("gone.action");
    expect(auditBatchLabel("invitation.created", 45)).toBe("Invited 45 people");
  });
});

describe("audit log batches", () => {
  /** One row per single change, `n` rows sharing a batch id in one transaction. */
  async function single(org: { id: string; name: string }, actor: { id: string; username: string }, label: string) {
    await t.db.transaction((tx) =>
      recordAudit(tx, { org, actor, action: "member.added", target: { type: "user", label } }),
    );
  }

  it("a bulk invite of 45 is one row with count 45 and its invitees; a single invite is no batch", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const emails = Array.from({ length: 45 }, (_, i) => `${uniqueName("bulk")}-${i}@x.com`);
    const res = await invite(t.db, admin, org.name, emails.join("\n"), "user");
    expect(res.results.filter((r) => r.outcome === "invited")).toHaveLength(45);
    await invite(t.db, admin, org.name, `${uniqueName("one")}@x.com`, "user");
    const stored = await t.db.select().from(auditEvents).where(eq(auditEvents.orgName, org.name));
    const batchIds = new Set(stored.filter((r) => r.action === "invitation.created").map((r) => r.batchId));
    expect(batchIds.size).toBe(2); // the bulk batch's id and null for the single invite
    expect(batchIds.has(null)).toBe(true);

    const r = await listAuditEvents(t.db, as(admin), org.name, { action: "invitation.created" });
    expect(r.total).toBe(2);
    expect(r.rows.map((e) => e.count)).toEqual([1, 45]);
    expect(r.rows[1]!.batchTargets).toEqual(emails);
    expect(r.rows[0]!.batchTargets).toEqual([]);
    const all = await listAuditEvents(t.db, as(admin), org.name, {});
    expect(all.rows.filter((e) => e.action === "invitation.created")).toHaveLength(2);
    expect(all.total).toBe(all.rows.length);
  });

  it("pages by groups: a batch is never split, counted once, and nothing is skipped or repeated", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const actor = { id: admin.id, username: admin.username };
    const before = (await listAuditEvents(t.db, as(admin), org.name, {})).total;
    for (let i = 0; i < 30; i++) await single(org, actor, `old-${i}`);
    const batchId = randomUUID();
    await t.db.transaction(async (tx) => {
      for (let i = 0; i < 45; i++)
        await recordAudit(tx, {
          org,
          actor,
          action: "invitation.created",
          target: { type: "invitation", label: `b-${i}` },
          batchId,
        });
    });
    for (let i = 0; i < 30; i++) await single(org, actor, `new-${i}`);
    const pages = [];
    for (let p = 1; p <= 4; p++)
      pages.push(await listAuditEvents(t.db, as(admin), org.name, { pageSize: 25, page: p }));
    expect(pages[0]!.total).toBe(before + 61);
    const seen = pages.flatMap((p) => p.rows);
    expect(seen).toHaveLength(before + 61);
    expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length);
    const labels = seen.map((r) => r.targetLabel);
    expect(labels.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => `new-${29 - i}`));
    expect(labels[30]).toBe("b-44"); // the batch's newest row stands for it
    expect(seen[30]).toMatchObject({ count: 45, batchId });
    expect(seen[30]!.batchTargets).toHaveLength(45);
    expect(labels.slice(31, 61)).toEqual(Array.from({ length: 30 }, (_, i) => `old-${29 - i}`));
    // The batch sits on page 2 (rows 26..50), whole.
    expect(pages[1]!.rows.filter((r) => r.batchId === batchId)).toHaveLength(1);
  });
});

describe("audit log date filter", () => {
  it("keeps the days from..to (UTC, inclusive), and ignores a malformed day", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const orgId = org.id;
    const at = ["2026-03-01T00:00:00Z", "2026-03-01T23:59:59Z", "2026-03-02T12:00:00Z", "2026-03-04T00:00:00Z"];
    for (const [i, iso] of at.entries()) {
      await t.db.transaction((tx) =>
        recordAudit(tx, {
          org,
          actor: { id: admin.id, username: admin.username },
          action: "member.added",
          target: { type: "user", label: `d-${i}` },
        }),
      );
      const [last] = await t.db
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(eq(auditEvents.orgId, orgId))
        .orderBy(desc(auditEvents.id))
        .limit(1);
      await t.db
        .update(auditEvents)
        .set({ createdAt: new Date(iso) })
        .where(eq(auditEvents.id, last!.id));
    }
    const labels = async (q: object) =>
      (await listAuditEvents(t.db, as(admin), org.name, { action: "member.added", ...q })).rows.map(
        (r) => r.targetLabel,
      );
    expect(await labels({ from: "2026-03-01", to: "2026-03-01" })).toEqual(["d-1", "d-0"]);
    expect(await labels({ from: "2026-03-02" })).toEqual(["d-3", "d-2"]);
    expect(await labels({ to: "2026-03-03" })).toEqual(["d-2", "d-1", "d-0"]);
    expect(await labels({ from: "2026-03-05" })).toEqual([]);
    const q = (await listAuditEvents(t.db, as(admin), org.name, { from: "2026-02-30", to: "yesterday" })).query;
    expect(q.from).toBeUndefined();
    expect(q.to).toBeUndefined();
    expect(await labels({ from: "2026-13-01" })).toHaveLength(4);
  });
});

describe("audit CSV export", () => {
  it("has readable columns and the page's filters; same authorization as the page", async () => {
    const w = await orgWithHistory();
    const csv = await exportAuditCsv(t.db, as(w.manager), w.org.name, { action: "member.role_changed" });
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("Time (UTC),Actor,Via token,Action,Action code,Target type,Target,Before,After,Batch");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"Changed role","member.role_changed"');
    expect(lines[1]).toContain(`"${w.manager.username}"`);
    expect((await exportAuditCsv(t.db, as(w.admin), w.org.name, {})).trimEnd().split("\r\n")).toHaveLength(
      w.actions.length + 1,
    );
    await expect(exportAuditCsv(t.db, as(w.leaver), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(exportAuditCsv(t.db, as(w.outsider), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
  });
});
