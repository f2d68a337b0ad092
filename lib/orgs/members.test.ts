import { and, asc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, orgMembers, users } from "@/db/schema";
import { requireOrgAccess, type OrgRole } from "../core/authz";
import { Conflict, DomainError, Forbidden, Invalid, NotFound, Unauthenticated } from "../core/errors";
import { acceptInvitation, inviteMembers, listMyInvitations } from "./invitations";
import { changeMemberRole, leaveOrg, listMembers, removeMember, SEARCH_COUNT_CAP } from "./members";
import { getOrgOverview } from "./orgs";
import {
  addMember,
  as,
  makeInvitation,
  makeOrg,
  makeUser,
  testServices,
  uniqueName,
  withTestDatabase,
} from "../test/fixtures";
import type { Db } from "@/db";

const t = withTestDatabase();

async function roleOf(orgId: string, userId: string): Promise<OrgRole | null> {
  const [m] = await t.db
    .select({ role: orgMembers.role })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)));
  return m?.role ?? null;
}

async function adminsOf(orgId: string): Promise<number> {
  const [r] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, "admin")));
  return r!.n;
}

async function auditOf(orgId: string, action?: string) {
  return t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), action ? eq(auditEvents.action, action) : sql`true`))
    .orderBy(asc(auditEvents.id));
}

/** Inserts many members at once (no password hashing): usernames `${tag}-NNN`, joined one minute apart. */
async function bulkMembers(db: Db, org: { id: string }, tag: string, n: number) {
  const rows = await db
    .insert(users)
    .values(
      Array.from({ length: n }, (_, i) => ({
        username: `${tag}-${String(i).padStart(3, "0")}`,
        email: `${tag}-${i}@example.com`,
      })),
    )
    .returning();
  const base = Date.UTC(2024, 0, 1);
  await db.insert(orgMembers).values(
    rows.map((u, i) => ({
      orgId: org.id,
      userId: u.id,
      role: (["user", "manager", "admin"] as const)[i % 3]!,
      createdAt: new Date(base + i * 60_000),
    })),
  );
  return rows;
}

describe("listMembers: search", () => {
  async function searchWorld() {
    const admin = await makeUser(t.db, uniqueName("adm"));
    const org = await makeOrg(t.db, { admin });
    const ada = await makeUser(t.db, uniqueName("alpha"), { name: "Ada Lovelace" });
    const under = await makeUser(t.db, uniqueName("bravo"), { email: `Under_Score.${uniqueName()}@Example.COM` });
    const pct = await makeUser(t.db, uniqueName("charlie"), { name: "Half 50% Off" });
    for (const u of [ada, under, pct]) await addMember(t.db, org, u, "user");
    // Someone matching every search, in another org: never listed here.
    const stranger = await makeUser(t.db, uniqueName("alpha"), { name: "Ada 50% Under_Score" });
    await makeOrg(t.db, { admin: stranger });
    const search = async (q: string) => {
      const r = await listMembers(t.db, as(admin), org.name, { q });
      return { names: r.rows.map((m) => m.username).sort(), total: r.total };
    };
    return { admin, org, ada, under, pct, search };
  }

  it("matches username, email and name, case-insensitively", async () => {
    const w = await searchWorld();
    expect(await w.search(w.ada.username.toUpperCase())).toEqual({ names: [w.ada.username], total: 1 });
    expect(await w.search("LOVELACE")).toEqual({ names: [w.ada.username], total: 1 });
    expect(await w.search("under_score.")).toEqual({ names: [w.under.username], total: 1 });
    expect(await w.search("EXAMPLE.COM")).toEqual({
      names: [w.admin.username, w.ada.username, w.under.username, w.pct.username].sort(),
      total: 4,
    });
    expect(await w.search("half 50")).toEqual({ names: [w.pct.username], total: 1 });
    expect(await w.search("  lovelace  ")).toEqual({ names: [w.ada.username], total: 1 }); // trimmed
  });

  it("treats % and _ (and backslash) in the term literally", async () => {
    const w = await searchWorld();
    expect(await w.search("%")).toEqual({ names: [w.pct.username], total: 1 });
    expect(await w.search("50%")).toEqual({ names: [w.pct.username], total: 1 });
    expect(await w.search("_")).toEqual({ names: [w.under.username], total: 1 });
    expect(await w.search("under_")).toEqual({ names: [w.under.username], total: 1 });
    expect(await w.search("a%e")).toEqual({ names: [], total: 0 }); // would match "Ada Lovelace" as a wildcard
    expect(await w.search("d_ l")).toEqual({ names: [], total: 0 }); // would match "ada lovelace" as a wildcard
    expect(await w.search("\\")).toEqual({ names: [], total: 0 });
  });

  it("returns everyone for an empty term and nobody for a term that matches nothing", async () => {
    const w = await searchWorld();
    expect((await w.search("")).total).toBe(4);
    expect(await w.search("no-such-person-zzz")).toEqual({ names: [], total: 0 });
  });
});

describe("listMembers: sort and paging", () => {
  it("sorts by username, role and joined date, both ways, with username as the tie-breaker", async () => {
    const tag = uniqueName("s");
    const admin = await makeUser(t.db, `${tag}-admin`);
    const org = await makeOrg(t.db, { admin });
    await t.db
      .update(orgMembers)
      .set({ createdAt: new Date(Date.UTC(2023, 0, 1)) })
      .where(eq(orgMembers.orgId, org.id));
    const people = await bulkMembers(t.db, org, tag, 9); // roles user, manager, admin, user, …; joined in index order
    const all = [{ username: admin.username, role: "admin", joined: Date.UTC(2023, 0, 1) }].concat(
      people.map((p, i) => ({
        username: p.username,
        role: ["user", "manager", "admin"][i % 3]!,
        joined: Date.UTC(2024, 0, 1) + i * 60_000,
      })),
    );
    const list = async (sort: string, dir: string) =>
      (await listMembers(t.db, as(admin), org.name, { sort, dir })).rows.map((r) => r.username);
    const byName = all.map((p) => p.username).sort();
    expect(await list("username", "asc")).toEqual(byName);
    expect(await list("username", "desc")).toEqual([...byName].reverse());

    // Role order is the enum's (user < manager < admin); within a role, names are always ascending, whichever
    // way the roles are sorted (pages are stable and read A→Z).
    const rank = { user: 0, manager: 1, admin: 2 } as Record<string, number>;
    const byRole = (dir: 1 | -1) =>
      [...all]
        .sort((a, b) => dir * (rank[a.role]! - rank[b.role]!) || (a.username < b.username ? -1 : 1))
        .map((p) => p.username);
    expect(await list("role", "asc")).toEqual(byRole(1));
    expect(await list("role", "desc")).toEqual(byRole(-1));
    expect((await listMembers(t.db, as(admin), org.name, { sort: "role", dir: "desc" })).rows[0]!.role).toBe("admin");

    const byJoined = [...all].sort((a, b) => a.joined - b.joined).map((p) => p.username);
    expect(await list("joined", "asc")).toEqual(byJoined);
    expect(await list("joined", "desc")).toEqual([...byJoined].reverse());

    // Unknown sort or direction: username ascending.
    expect(await list("email; drop table users", "sideways")).toEqual(byName);
  });

  it("filters by role (validated: anything but user, manager or admin lists every role), with the filtered total", async () => {
    const tag = uniqueName("r");
    const admin = await makeUser(t.db, `${tag}-admin`);
    const org = await makeOrg(t.db, { admin });
    const people = await bulkMembers(t.db, org, tag, 7); // roles user, manager, admin, user, …
    const roleOf = (i: number) => ["user", "manager", "admin"][i % 3]!;
    const named = (role: string) =>
      [
        ...people.filter((_, i) => roleOf(i) === role).map((p) => p.username),
        ...(role === "admin" ? [admin.username] : []),
      ].sort();
    for (const role of ["user", "manager", "admin"] as const) {
      const r = await listMembers(t.db, as(admin), org.name, { role });
      expect(
        r.rows.map((m) => m.username),
        role,
      ).toEqual(named(role));
      expect(r.rows.every((m) => m.role === role)).toBe(true);
      expect(r.total).toBe(named(role).length);
      expect(r.query.role).toBe(role);
    }
    // Combined with a search and a sort.
    const managers = await listMembers(t.db, as(admin), org.name, { role: "manager", q: `${tag}-00`, dir: "desc" });
    expect(managers.rows.map((m) => m.username)).toEqual(
      named("manager")
        .filter((n) => n.includes(`${tag}-00`))
        .reverse(),
    );
    // Anything else: every role, nothing refused.
    for (const role of [undefined, "", "all", "owner", "ADMIN", "admin; drop table users", 3, ["admin"]]) {
      const r = await listMembers(t.db, as(admin), org.name, { role });
      expect(r.total, String(role)).toBe(8);
      expect(r.query.role).toBeUndefined();
    }
  });

  it("pages 25, 50 or 100 at a time (anything else is 25), with the total of all matches", async () => {
    const tag = uniqueName("p");
    const admin = await makeUser(t.db, `${tag}-admin`);
    const org = await makeOrg(t.db, { admin });
    await bulkMembers(t.db, org, tag, 120);
    const all = (await listMembers(t.db, as(admin), org.name, { pageSize: 100 })).total;
    expect(all).toBe(121);
    const names = [
      ...Array.from({ length: 120 }, (_, i) => `${tag}-${String(i).padStart(3, "0")}`),
      `${tag}-admin`,
    ].sort();

    for (const [pageSize, expected] of [
      [25, 25],
      [50, 50],
      [100, 100],
      ["50", 50],
      [30, 25],
      [10, 25],
      [0, 25],
      [1000, 25],
      ["lots", 25],
      [undefined, 25],
    ] as const) {
      const r = await listMembers(t.db, as(admin), org.name, { pageSize });
      expect(r.rows, `pageSize ${String(pageSize)}`).toHaveLength(expected);
      expect(r.query.pageSize).toBe(expected);
      expect(r.total).toBe(121);
    }

    const page = async (p: unknown, pageSize: number) =>
      (await listMembers(t.db, as(admin), org.name, { page: p, pageSize })).rows.map((r) => r.username);
    expect(await page(1, 25)).toEqual(names.slice(0, 25));
    expect(await page(2, 25)).toEqual(names.slice(25, 50));
    expect(await page("3", 50)).toEqual(names.slice(100, 121));
    expect(await page(2, 100)).toEqual(names.slice(100, 121));
    expect(await page(6, 25)).toEqual([]);
    expect(await page(-1, 25)).toEqual(names.slice(0, 25)); // bad page → 1
    expect(await page("x", 25)).toEqual(names.slice(0, 25));

    // Search and paging together: the total counts every match, the page holds at most pageSize.
    const r = await listMembers(t.db, as(admin), org.name, { q: `${tag}-0`, pageSize: 25, page: 2 });
    expect(r.total).toBe(100); // -000 … -099
    expect(r.rows.map((m) => m.username)).toEqual(names.filter((n) => n.startsWith(`${tag}-0`)).slice(25, 50));
  });
});

describe("listMembers: an org with more members than SEARCH_COUNT_CAP", () => {
  const SIZE = SEARCH_COUNT_CAP + 200; // 1,080 users, 120 managers
  const pad = (i: number) => String(i).padStart(4, "0");

  /**
   * SIZE members `${tag}-m0000`…, every tenth a manager (the rest users), named "Grace N" or "Alan N" by parity,
   * with addresses at `${tag}-corp.example`; members 5, 500 and 1000 are also "Zephyr". Around them, 150
   * accounts of another org named "Zephyr", whose usernames (`${tag}-a…`) sort before every member's.
   */
  async function bigWorld() {
    const tag = uniqueName("big");
    const admin = await makeUser(t.db, `${tag}-admin`);
    const org = await makeOrg(t.db, { admin });
    await t.db.execute(sql`
      insert into users (username, email, name)
      select ${tag} || '-m' || lpad(i::text, 4, '0'), 'person' || i || '@' || ${tag} || '-corp.example',
             (case when i % 2 = 0 then 'Grace ' else 'Alan ' end) || i || (case when i in (5, 500, 1000) then ' Zephyr' else '' end)
      from generate_series(0, ${SIZE - 1}) as i`);
    await t.db.execute(sql`
      insert into org_members (org_id, user_id, role, created_at)
      select ${org.id}, id, (case when substr(username, length(username) - 3)::int % 10 = 0 then 'manager' else 'user' end)::org_role,
             timestamptz '2024-01-01' + substr(username, length(username) - 3)::int * interval '1 minute'
      from users where username like ${`${tag}-m%`}`);
    const other = await makeOrg(t.db, { admin: await makeUser(t.db, `${tag}-other`) });
    await t.db.execute(sql`
      insert into users (username, email, name)
      select ${tag} || '-a' || lpad(i::text, 4, '0'), 'outsider' || i || '@' || ${tag} || '-elsewhere.example', 'Outsider Zephyr'
      from generate_series(0, 149) as i`);
    await t.db.execute(sql`
      insert into org_members (org_id, user_id, role) select ${other.id}, id, 'user' from users where username like ${`${tag}-a%`}`);
    const members = Array.from({ length: SIZE }, (_, i) => ({
      username: `${tag}-m${pad(i)}`,
      role: i % 10 === 0 ? "manager" : "user",
      joined: Date.UTC(2024, 0, 1) + i * 60_000,
    }));
    const [user] = await t.db
      .select()
      .from(users)
      .where(eq(users.username, `${tag}-m0001`));
    const list = async (viewer: { id: string }, query: Record<string, unknown>) => {
      const r = await listMembers(t.db, as(viewer), org.name, query);
      return { names: r.rows.map((m) => m.username), total: r.total, capped: r.totalCapped, rows: r.rows };
    };
    return { tag, admin, user: user!, org, members, list };
  }

  it("pages a broad search by username both ways, and counts up to the cap ('1,000+'), the pager going on past it", async () => {
    const w = await bigWorld();
    const all = w.members.map((m) => m.username); // every member matches the tag, in username order
    expect((await listMembers(t.db, as(w.admin), w.org.name, {})).total).toBe(SIZE + 1); // the member count: exact

    const first = await w.list(w.admin, { q: `${w.tag}-m` });
    expect(first).toMatchObject({ names: all.slice(0, 25), total: SEARCH_COUNT_CAP, capped: true });
    expect((await w.list(w.admin, { q: `${w.tag}-m`, dir: "desc", pageSize: 50 })).names).toEqual(
      [...all].reverse().slice(0, 50),
    );
    expect((await w.list(w.admin, { q: `${w.tag}-m`, page: 3 })).names).toEqual(all.slice(50, 75));
    // Past the cap the count reaches one past the page: "1,025+" on page 41, and the last page is exact.
    expect(await w.list(w.admin, { q: `${w.tag}-m`, page: 41 })).toMatchObject({
      names: all.slice(1000, 1025),
      total: 1025,
      capped: true,
    });
    expect(await w.list(w.admin, { q: `${w.tag}-m`, page: 12, pageSize: 100 })).toMatchObject({
      names: all.slice(1100, 1200),
      total: SIZE,
      capped: false,
    });
    expect(await w.list(w.admin, { q: `${w.tag}-m`, page: 13, pageSize: 100 })).toMatchObject({
      names: [],
      total: SIZE,
      capped: false,
    });
    // Under the cap the count is exact: half are named Grace.
    expect(await w.list(w.admin, { q: `grace`, role: "manager" })).toMatchObject({
      names: w.members
        .filter((m, i) => i % 2 === 0 && m.role === "manager")
        .map((m) => m.username)
        .slice(0, 25),
      total: SIZE / 10,
      capped: false,
    });
  });

  it("finds the few members among many matching outsiders (the first candidates hold none of them)", async () => {
    const w = await bigWorld();
    const zephyrs = [5, 500, 1000].map((i) => `${w.tag}-m${pad(i)}`);
    expect(await w.list(w.admin, { q: "zephyr" })).toMatchObject({ names: zephyrs, total: 3, capped: false });
    expect(await w.list(w.admin, { q: "ZEPHYR", dir: "desc" })).toMatchObject({ names: [...zephyrs].reverse() });
    expect(await w.list(w.admin, { q: "zephyr", role: "manager" })).toMatchObject({
      names: [zephyrs[1], zephyrs[2]],
      total: 2,
    });
    expect(await w.list(w.admin, { q: "zephyr", page: 2 })).toMatchObject({ names: [], total: 3 });
    expect(await w.list(w.admin, { q: "no-such-person-zzz" })).toMatchObject({ names: [], total: 0, capped: false });
  });

  it("shows the same row, field for field, whichever way the page was found", async () => {
    const w = await bigWorld();
    const plain = (await w.list(w.admin, { role: "manager", pageSize: 100 })).rows.find(
      (r) => r.username === `${w.tag}-m0500`,
    );
    const searched = (await w.list(w.admin, { q: "zephyr" })).rows.find((r) => r.username === `${w.tag}-m0500`);
    expect(plain).toBeDefined();
    expect(searched).toEqual(plain);
    expect(searched!.joinedAt).toBeInstanceOf(Date);
    expect(searched!.email).toBe(`person500@${w.tag}-corp.example`);
  });

  it("sorts a broad search by role and by joined date, names A→Z within a role", async () => {
    const w = await bigWorld();
    const byRole = [...w.members].sort(
      (a, b) => (a.role === b.role ? 0 : a.role === "manager" ? -1 : 1) || a.username.localeCompare(b.username),
    );
    expect(await w.list(w.admin, { q: `${w.tag}-m`, sort: "role", dir: "desc" })).toMatchObject({
      names: byRole.slice(0, 25).map((m) => m.username),
      total: SEARCH_COUNT_CAP,
      capped: true,
    });
    const newest = [...w.members].sort((a, b) => b.joined - a.joined).slice(25, 50);
    expect((await w.list(w.admin, { q: `${w.tag}-m`, sort: "joined", dir: "desc", page: 2 })).names).toEqual(
      newest.map((m) => m.username),
    );
  });

  it("counts a role filter up to the cap, and lets a user search names but never addresses", async () => {
    const w = await bigWorld();
    expect(await w.list(w.admin, { role: "user" })).toMatchObject({ total: SEARCH_COUNT_CAP, capped: true });
    expect(await w.list(w.admin, { role: "manager" })).toMatchObject({ total: SIZE / 10, capped: false });
    expect(await w.list(w.admin, { q: `person7@${w.tag}` })).toMatchObject({ names: [`${w.tag}-m0007`], total: 1 });
    // The same searches as a user: the address is neither matched nor shown.
    expect(await w.list(w.user, { q: `person7@${w.tag}` })).toMatchObject({ names: [], total: 0 });
    expect(await w.list(w.user, { q: "corp.example" })).toMatchObject({ names: [], total: 0, capped: false });
    const zephyrs = await w.list(w.user, { q: "zephyr" });
    expect(zephyrs.names).toEqual([5, 500, 1000].map((i) => `${w.tag}-m${pad(i)}`));
    expect(zephyrs.rows.every((r) => !("email" in r))).toBe(true);
  });
});

describe("listMembers: the total", () => {
  it("follows every membership change (adds, accepts, removals, leaving, deletion of a person)", async () => {
    const [admin, manager, carol, dave] = [
      await makeUser(t.db),
      await makeUser(t.db),
      await makeUser(t.db),
      await makeUser(t.db),
    ];
    const org = await makeOrg(t.db, { admin, manager });
    const svc = testServices();
    const check = async () => {
      const [n] = await t.db
        .select({ n: sql<number>`count(*)::int` })
        .from(orgMembers)
        .where(eq(orgMembers.orgId, org.id));
      const listed = await listMembers(t.db, as(admin), org.name, { pageSize: 100 });
      expect(listed.total).toBe(n!.n);
      expect(listed.rows).toHaveLength(n!.n);
      expect((await getOrgOverview(t.db, as(admin), org.name)).memberCount).toBe(n!.n);
      return n!.n;
    };
    expect(await check()).toBe(2);
    await inviteMembers(t.db, as(admin), org.name, { entries: carol.username, role: "user" }, svc);
    expect(await check()).toBe(2); // invited, not a member until she accepts
    const [carolsInvitation] = (await listMyInvitations(t.db, as(carol))).invitations;
    await acceptInvitation(t.db, as(carol), { id: carolsInvitation!.id });
    expect(await check()).toBe(3);
    const inv = await makeInvitation(t.db, org, { email: dave.email });
    await acceptInvitation(t.db, as(dave), { token: inv.token });
    expect(await check()).toBe(4);
    await inviteMembers(t.db, as(admin), org.name, { entries: carol.username, role: "user" }, svc); // already a member
    expect(await check()).toBe(4);
    await changeMemberRole(t.db, as(admin), org.name, { username: carol.username, role: "manager" });
    expect(await check()).toBe(4);
    await removeMember(t.db, as(manager), org.name, { username: carol.username });
    expect(await check()).toBe(3);
    await leaveOrg(t.db, as(manager), org.name);
    expect(await check()).toBe(2);
    await t.db.delete(users).where(eq(users.id, dave.id)); // an account deleted: its memberships go with it
    expect(await check()).toBe(1);
    const search = await listMembers(t.db, as(admin), org.name, { q: admin.username });
    expect(search.total).toBe(1);
  });
});

describe("listMembers: who may list", () => {
  it("lets every member list (users too) with role, name and joined date; emails only for managers and admins", async () => {
    const [admin, manager, user] = [
      await makeUser(t.db),
      await makeUser(t.db, uniqueName(), { name: "Mia Manager" }),
      await makeUser(t.db),
    ];
    const org = await makeOrg(t.db, { admin, manager, user });
    const r = await listMembers(t.db, as(user), org.name, {});
    expect(r.total).toBe(3);
    expect(r.viewer).toEqual({ userId: user.id, role: "user" });
    expect(r.seesEmail).toBe(false);
    const m = r.rows.find((x) => x.userId === manager.id)!;
    expect(m).toMatchObject({ username: manager.username, name: "Mia Manager", role: "manager" });
    expect(m.joinedAt).toBeInstanceOf(Date);
    // Not even their own address: nothing of any member's email reaches a user.
    for (const row of r.rows) expect(row).not.toHaveProperty("email");
    expect(JSON.stringify(r)).not.toContain("@example.com");

    for (const viewer of [manager, admin]) {
      const seen = await listMembers(t.db, as(viewer), org.name, undefined);
      expect(seen.total).toBe(3);
      expect(seen.seesEmail).toBe(true);
      expect(seen.rows.find((x) => x.userId === user.id)!.email).toBe(user.email);
    }
  });

  it("lets a user search by username and name only: an address finds nobody (managers and admins find it)", async () => {
    const [admin, manager, user] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
    const secret = await makeUser(t.db, uniqueName("zed"), {
      name: "Zoe Zed",
      email: `${uniqueName("hidden")}@private.example`,
    });
    const org = await makeOrg(t.db, { admin, manager, user });
    await addMember(t.db, org, secret, "user");
    const search = async (viewer: { id: string }, q: string) =>
      (await listMembers(t.db, as(viewer), org.name, { q })).rows.map((r) => r.username);

    for (const q of [
      secret.email,
      secret.email.split("@")[0]!,
      "private.example",
      "@private",
      secret.email.toUpperCase(),
    ]) {
      expect(await search(user, q), q).toEqual([]);
      expect((await listMembers(t.db, as(user), org.name, { q })).total, q).toBe(0);
      expect(await search(manager, q), q).toEqual([secret.username]);
      expect(await search(admin, q), q).toEqual([secret.username]);
    }
    // A term across the username and the address (the search text joins them) finds nobody for a user either.
    expect(await search(user, `${secret.username} ${secret.email.slice(0, 4)}`)).toEqual([]);
    // Usernames and names still work for a user.
    expect(await search(user, secret.username)).toEqual([secret.username]);
    expect(await search(user, "zoe z")).toEqual([secret.username]);
  });

  it("answers NotFound to an outsider (as for a missing org) and Unauthenticated when signed out", async () => {
    const [admin, outsider] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin });
    await makeOrg(t.db, { admin: outsider });
    await expect(listMembers(t.db, as(outsider), org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(listMembers(t.db, as(outsider), "no-such-org", {})).rejects.toBeInstanceOf(NotFound);
    await expect(listMembers(t.db, null, org.name, {})).rejects.toBeInstanceOf(Unauthenticated);
  });
});

/** An org with two admins, two managers and two users. */
async function bigOrg() {
  const p = {
    admin: await makeUser(t.db),
    admin2: await makeUser(t.db),
    manager: await makeUser(t.db),
    manager2: await makeUser(t.db),
    user: await makeUser(t.db),
    user2: await makeUser(t.db),
  };
  const org = await makeOrg(t.db, { admin: p.admin, manager: p.manager, user: p.user });
  await addMember(t.db, org, p.admin2, "admin");
  await addMember(t.db, org, p.manager2, "manager");
  await addMember(t.db, org, p.user2, "user");
  return { org, ...p };
}

describe("changeMemberRole", () => {
  it("lets an admin set any role on anyone else, and audits before → after", async () => {
    const w = await bigOrg();
    const steps: [{ id: string; username: string }, OrgRole, OrgRole][] = [
      [w.user, "manager", "user"],
      [w.manager, "admin", "manager"],
      [w.admin2, "user", "admin"],
      [w.user2, "admin", "user"],
      [w.manager, "user", "admin"],
    ];
    for (const [target, to, from] of steps) {
      const r = await changeMemberRole(t.db, as(w.admin), w.org.name, { username: target.username, role: to });
      expect(r).toEqual({ username: target.username, role: to, changed: true });
      expect(await roleOf(w.org.id, target.id)).toBe(to);
      const last = (await auditOf(w.org.id, "member.role_changed")).at(-1)!;
      expect(last).toMatchObject({
        actorId: w.admin.id,
        actorUsername: w.admin.username,
        orgName: w.org.name,
        targetType: "user",
        targetId: target.id,
        targetLabel: target.username,
        before: { role: from },
        after: { role: to },
      });
    }
    expect(await auditOf(w.org.id, "member.role_changed")).toHaveLength(steps.length);
  });

  it("lets a manager move others only between user and manager", async () => {
    const w = await bigOrg();
    await changeMemberRole(t.db, as(w.manager), w.org.name, { username: w.user.username, role: "manager" });
    expect(await roleOf(w.org.id, w.user.id)).toBe("manager");
    await changeMemberRole(t.db, as(w.manager), w.org.name, { username: w.manager2.username, role: "user" });
    expect(await roleOf(w.org.id, w.manager2.id)).toBe("user");
  });

  it("refuses a manager touching an admin or granting admin (a forged request), changing nothing", async () => {
    const w = await bigOrg();
    const auditBefore = (await auditOf(w.org.id)).length;
    const asManager = (username: string, role: "user" | "manager" | "admin") =>
      changeMemberRole(t.db, as(w.manager), w.org.name, { username, role });
    const demote = await asManager(w.admin.username, "user").catch((e) => e);
    expect(demote).toBeInstanceOf(Forbidden);
    expect(demote.message).toBe("Managers can't change an admin's role.");
    await expect(asManager(w.admin2.username, "manager")).rejects.toBeInstanceOf(Forbidden);
    // The UI never offers "admin" to a manager; a hand-made request asking for it is refused.
    const forged = await asManager(w.user.username, "admin").catch((e) => e);
    expect(forged).toBeInstanceOf(Forbidden);
    expect(forged.message).toBe("Only admins can grant the admin role.");
    await expect(asManager(w.manager2.username, "admin")).rejects.toBeInstanceOf(Forbidden);
    expect(await roleOf(w.org.id, w.admin.id)).toBe("admin");
    expect(await roleOf(w.org.id, w.admin2.id)).toBe("admin");
    expect(await roleOf(w.org.id, w.user.id)).toBe("user");
    expect(await roleOf(w.org.id, w.manager2.id)).toBe("manager");
    expect(await auditOf(w.org.id)).toHaveLength(auditBefore);
  });

  it("refuses users, outsiders and signed-out callers", async () => {
    const w = await bigOrg();
    const outsider = await makeUser(t.db);
    await makeOrg(t.db, { admin: outsider });
    await expect(
      changeMemberRole(t.db, as(w.user), w.org.name, { username: w.user2.username, role: "manager" }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      changeMemberRole(t.db, as(outsider), w.org.name, { username: w.user.username, role: "admin" }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      changeMemberRole(t.db, null, w.org.name, { username: w.user.username, role: "admin" }),
    ).rejects.toBeInstanceOf(Unauthenticated);
    expect(await roleOf(w.org.id, w.user.id)).toBe("user");
    expect(await roleOf(w.org.id, w.user2.id)).toBe("user");
  });

  it("lets nobody change their own role", async () => {
    const w = await bigOrg();
    for (const [who, to] of [
      [w.admin, "user"],
      [w.admin, "admin"],
      [w.manager, "user"],
      [w.manager, "admin"],
      [w.user, "manager"],
    ] as const) {
      const err = await changeMemberRole(t.db, as(who), w.org.name, { username: who.username, role: to }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(Forbidden);
    }
    const err = await changeMemberRole(t.db, as(w.admin), w.org.name, {
      username: w.admin.username,
      role: "user",
    }).catch((e) => e);
    expect(err.message).toBe("You can't change your own role.");
    expect(await roleOf(w.org.id, w.admin.id)).toBe("admin");
    expect(await roleOf(w.org.id, w.manager.id)).toBe("manager");
    expect(await roleOf(w.org.id, w.user.id)).toBe("user");
  });

  it("never demotes the last admin", async () => {
    // The only person who could demote an admin is another admin, so with one admin the attempt is the admin's
    // own (refused as a self-change); with two, the race tests below show one always remains.
    const [admin, manager] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, manager });
    await expect(
      changeMemberRole(t.db, as(admin), org.name, { username: admin.username, role: "manager" }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      changeMemberRole(t.db, as(manager), org.name, { username: admin.username, role: "manager" }),
    ).rejects.toBeInstanceOf(Forbidden);
    expect(await adminsOf(org.id)).toBe(1);
    // With a second admin, one may demote the other; then the remaining one is the last and stays.
    const admin2 = await makeUser(t.db);
    await addMember(t.db, org, admin2, "admin");
    await changeMemberRole(t.db, as(admin), org.name, { username: admin2.username, role: "manager" });
    await expect(
      changeMemberRole(t.db, as(admin2), org.name, { username: admin.username, role: "manager" }),
    ).rejects.toBeInstanceOf(Forbidden);
    expect(await adminsOf(org.id)).toBe(1);
  });

  it("reports an unchanged role without writing, and rejects unknown members and roles", async () => {
    const w = await bigOrg();
    const before = (await auditOf(w.org.id)).length;
    expect(await changeMemberRole(t.db, as(w.admin), w.org.name, { username: w.user.username, role: "user" })).toEqual({
      username: w.user.username,
      role: "user",
      changed: false,
    });
    expect(await auditOf(w.org.id)).toHaveLength(before);
    const outsider = await makeUser(t.db);
    await expect(
      changeMemberRole(t.db, as(w.admin), w.org.name, { username: outsider.username, role: "user" }),
    ).rejects.toBeInstanceOf(NotFound);
    const bad = await changeMemberRole(t.db, as(w.admin), w.org.name, {
      username: w.user.username,
      role: "owner",
    }).catch((e) => e);
    expect(bad).toBeInstanceOf(Invalid);
    expect(bad.fieldErrors.role).toEqual(["Choose a role: user, manager or admin."]);
    await expect(changeMemberRole(t.db, as(w.admin), w.org.name, { role: "user" })).rejects.toBeInstanceOf(Invalid);
  });

  it("takes effect on the member's very next call (roles are read from the database)", async () => {
    const w = await bigOrg();
    await expect(requireOrgAccess(t.db, as(w.user), w.org.name, "settings.open")).rejects.toBeInstanceOf(Forbidden);
    await changeMemberRole(t.db, as(w.admin), w.org.name, { username: w.user.username, role: "manager" });
    expect((await requireOrgAccess(t.db, as(w.user), w.org.name, "settings.open")).role).toBe("manager");
    await changeMemberRole(t.db, as(w.admin), w.org.name, { username: w.manager.username, role: "user" });
    await expect(
      changeMemberRole(t.db, as(w.manager), w.org.name, { username: w.user2.username, role: "manager" }),
    ).rejects.toBeInstanceOf(Forbidden);
  });
});

describe("removeMember", () => {
  it("lets a manager remove users and managers but not admins", async () => {
    const w = await bigOrg();
    expect(await removeMember(t.db, as(w.manager), w.org.name, { username: w.user.username })).toEqual({
      username: w.user.username,
    });
    expect(await roleOf(w.org.id, w.user.id)).toBeNull();
    await removeMember(t.db, as(w.manager), w.org.name, { username: w.manager2.username });
    expect(await roleOf(w.org.id, w.manager2.id)).toBeNull();
    const err = await removeMember(t.db, as(w.manager), w.org.name, { username: w.admin.username }).catch((e) => e);
    expect(err).toBeInstanceOf(Forbidden);
    expect(err.message).toBe("Only admins can remove an admin.");
    expect(await roleOf(w.org.id, w.admin.id)).toBe("admin");
  });

  it("lets an admin remove anyone else, and audits each removal with the role they had", async () => {
    const w = await bigOrg();
    for (const target of [w.user, w.manager, w.admin2]) {
      await removeMember(t.db, as(w.admin), w.org.name, { username: target.username });
      expect(await roleOf(w.org.id, target.id)).toBeNull();
    }
    const rows = await auditOf(w.org.id, "member.removed");
    expect(rows.map((r) => [r.targetLabel, r.before, r.after, r.actorUsername])).toEqual([
      [w.user.username, { role: "user" }, null, w.admin.username],
      [w.manager.username, { role: "manager" }, null, w.admin.username],
      [w.admin2.username, { role: "admin" }, null, w.admin.username],
    ]);
  });

  it("refuses removing oneself (leave instead), users removing anyone, and outsiders", async () => {
    const w = await bigOrg();
    const outsider = await makeUser(t.db);
    for (const who of [w.admin, w.manager]) {
      const err = await removeMember(t.db, as(who), w.org.name, { username: who.username }).catch((e) => e);
      expect(err).toBeInstanceOf(Forbidden);
      expect(err.message).toMatch(/leave the organization instead/);
    }
    await expect(removeMember(t.db, as(w.user), w.org.name, { username: w.user2.username })).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(removeMember(t.db, as(w.user), w.org.name, { username: w.user.username })).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(removeMember(t.db, as(outsider), w.org.name, { username: w.user.username })).rejects.toBeInstanceOf(
      NotFound,
    );
    await expect(removeMember(t.db, null, w.org.name, { username: w.user.username })).rejects.toBeInstanceOf(
      Unauthenticated,
    );
    await expect(removeMember(t.db, as(w.admin), w.org.name, { username: outsider.username })).rejects.toBeInstanceOf(
      NotFound,
    );
    const [n] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(orgMembers)
      .where(eq(orgMembers.orgId, w.org.id));
    expect(n!.n).toBe(6);
    expect(await auditOf(w.org.id, "member.removed")).toEqual([]);
  });

  it("never removes the last admin", async () => {
    const [admin, manager] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, manager });
    await expect(removeMember(t.db, as(admin), org.name, { username: admin.username })).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(removeMember(t.db, as(manager), org.name, { username: admin.username })).rejects.toBeInstanceOf(
      Forbidden,
    );
    expect(await adminsOf(org.id)).toBe(1);
  });

  it("shuts the removed member out on their very next request", async () => {
    const w = await bigOrg();
    expect((await requireOrgAccess(t.db, as(w.manager2), w.org.name)).role).toBe("manager");
    await removeMember(t.db, as(w.admin), w.org.name, { username: w.manager2.username });
    await expect(requireOrgAccess(t.db, as(w.manager2), w.org.name)).rejects.toBeInstanceOf(NotFound);
    await expect(listMembers(t.db, as(w.manager2), w.org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(removeMember(t.db, as(w.manager2), w.org.name, { username: w.user.username })).rejects.toBeInstanceOf(
      NotFound,
    );
    await expect(leaveOrg(t.db, as(w.manager2), w.org.name)).rejects.toBeInstanceOf(NotFound);
  });
});

describe("leaveOrg", () => {
  it("lets a member leave, and audits it", async () => {
    const w = await bigOrg();
    for (const who of [w.user, w.manager]) {
      expect(await leaveOrg(t.db, as(who), w.org.name)).toEqual({ org: w.org.name });
      expect(await roleOf(w.org.id, who.id)).toBeNull();
      await expect(requireOrgAccess(t.db, as(who), w.org.name)).rejects.toBeInstanceOf(NotFound);
    }
    const rows = await auditOf(w.org.id, "member.left");
    expect(rows.map((r) => [r.actorUsername, r.targetLabel, r.before])).toEqual([
      [w.user.username, w.user.username, { role: "user" }],
      [w.manager.username, w.manager.username, { role: "manager" }],
    ]);
  });

  it("refuses the last admin, telling them to promote someone first", async () => {
    const [admin, user] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin, user });
    const err = await leaveOrg(t.db, as(admin), org.name).catch((e) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect(err.message).toContain("Promote another member to admin first");
    expect(await roleOf(org.id, admin.id)).toBe("admin");
    expect(await auditOf(org.id, "member.left")).toEqual([]);
  });

  it("lets one of two admins leave, and then stops the other", async () => {
    const w = await bigOrg();
    await leaveOrg(t.db, as(w.admin2), w.org.name);
    expect(await adminsOf(w.org.id)).toBe(1);
    await expect(leaveOrg(t.db, as(w.admin), w.org.name)).rejects.toBeInstanceOf(Conflict);
    expect(await adminsOf(w.org.id)).toBe(1);
  });

  it("answers NotFound to outsiders and Unauthenticated when signed out", async () => {
    const w = await bigOrg();
    const outsider = await makeUser(t.db);
    await expect(leaveOrg(t.db, as(outsider), w.org.name)).rejects.toBeInstanceOf(NotFound);
    await expect(leaveOrg(t.db, null, w.org.name)).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("last-admin rules under concurrency (real parallel transactions)", () => {
  const ITERATIONS = 5;

  /** An org whose only admins are a and b, plus a user. */
  async function twoAdmins() {
    const [a, b, user] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin: a, user });
    await addMember(t.db, org, b, "admin");
    return { org, a, b };
  }

  function settle(results: PromiseSettledResult<unknown>[]) {
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason);
    // A loser fails with a domain error (it lost its role or its membership, or hit the last-admin rule), never a crash.
    for (const e of rejected) expect(e).toBeInstanceOf(DomainError);
    return { fulfilled: results.filter((r) => r.status === "fulfilled").length, rejected };
  }

  it("two admins demoting each other at once leave exactly one admin", async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const { org, a, b } = await twoAdmins();
      const r = settle(
        await Promise.allSettled([
          changeMemberRole(t.db, as(a), org.name, { username: b.username, role: "user" }),
          changeMemberRole(t.db, as(b), org.name, { username: a.username, role: "manager" }),
        ]),
      );
      expect(r.fulfilled, `iteration ${i}`).toBe(1);
      expect(await adminsOf(org.id), `iteration ${i}`).toBe(1);
      expect(await auditOf(org.id, "member.role_changed")).toHaveLength(1);
    }
  });

  it("two admins removing each other at once leave exactly one admin", async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const { org, a, b } = await twoAdmins();
      const r = settle(
        await Promise.allSettled([
          removeMember(t.db, as(a), org.name, { username: b.username }),
          removeMember(t.db, as(b), org.name, { username: a.username }),
        ]),
      );
      expect(r.fulfilled, `iteration ${i}`).toBe(1);
      expect(await adminsOf(org.id), `iteration ${i}`).toBe(1);
      const remaining = (await roleOf(org.id, a.id)) ? a : b;
      expect(await roleOf(org.id, remaining === a ? b.id : a.id)).toBeNull();
    }
  });

  it("two admins leaving at once: exactly one leaves, the other is told to promote someone", async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const { org, a, b } = await twoAdmins();
      const r = settle(await Promise.allSettled([leaveOrg(t.db, as(a), org.name), leaveOrg(t.db, as(b), org.name)]));
      expect(r.fulfilled, `iteration ${i}`).toBe(1);
      expect(r.rejected[0]).toBeInstanceOf(Conflict);
      expect(r.rejected[0].message).toContain("Promote another member to admin first");
      expect(await adminsOf(org.id), `iteration ${i}`).toBe(1);
    }
  });

  it("one admin leaving while the other demotes them leaves at least one admin", async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const { org, a, b } = await twoAdmins();
      settle(
        await Promise.allSettled([
          leaveOrg(t.db, as(a), org.name),
          changeMemberRole(t.db, as(a), org.name, { username: b.username, role: "user" }),
          removeMember(t.db, as(b), org.name, { username: a.username }),
        ]),
      );
      expect(await adminsOf(org.id), `iteration ${i}`).toBeGreaterThanOrEqual(1);
    }
  });
});
