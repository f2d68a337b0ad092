import { describe, expect, it } from "vitest";
import { Invalid, NotFound } from "../core/errors";
import { tokenCaller } from "../core/caller";
import { postLedger } from "./ledger";
import { listLedger, listLedgerByCursor } from "./credits-view";
import { as, fundOrg, makeOrg, makeUser, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();

async function walk(caller: Parameters<typeof listLedgerByCursor>[1], org: string, query: Record<string, unknown>) {
  const seen: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await listLedgerByCursor(t.db, caller, org, { ...query, cursor });
    seen.push(...page.rows.map((r) => r.id));
    if (!page.nextCursor) return { seen, pages: i + 1 };
    cursor = page.nextCursor;
  }
  throw new Error("the cursor never ended");
}

describe("listLedgerByCursor", () => {
  it("walks every entry once, newest first, in listLedger's order, across entries with the same timestamp", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    // Seven entries in one transaction share created_at (now() is the transaction's start): the id breaks ties.
    await t.db.transaction(async (tx) => {
      for (let i = 1; i <= 7; i++) await postLedger(tx, { orgId: org.id, kind: "grant", amount: String(i) });
    });
    for (let i = 0; i < 4; i++) await fundOrg(t.db, org, "1.5");
    const all = await listLedger(t.db, as(admin), org.name, { pageSize: 100 });
    expect(all.total).toBe(11);
    const walked = await walk(as(admin), org.name, { limit: 3 });
    expect(walked.pages).toBe(4);
    expect(walked.seen).toEqual(all.rows.map((r) => r.id));

    const first = await listLedgerByCursor(t.db, as(admin), org.name, { limit: 11 });
    expect(first.rows).toHaveLength(11);
    expect(first.nextCursor).toBeNull();
    expect(first.rows[0]).toMatchObject({ kind: "grant", amount: "1.50000000" });
  });

  it("entries posted while paging don't shift or repeat rows", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    for (let i = 0; i < 5; i++) await fundOrg(t.db, org, "1");
    const p1 = await listLedgerByCursor(t.db, as(admin), org.name, { limit: 2 });
    await fundOrg(t.db, org, "9");
    const p2 = await listLedgerByCursor(t.db, as(admin), org.name, { limit: 2, cursor: p1.nextCursor });
    expect(p2.rows.map((r) => r.id).some((id) => p1.rows.some((r) => r.id === id))).toBe(false);
    expect(p2.rows.every((r) => r.id < p1.rows.at(-1)!.id)).toBe(true);
  });

  it("applies the filters and the visibility listLedger applies", async () => {
    const admin = await makeUser(t.db);
    const user = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin, user });
    await fundOrg(t.db, org, "10");
    await t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "charge", amount: "-1", memberId: admin.id }));
    await t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "charge", amount: "-2", memberId: user.id }));
    const charges = await listLedgerByCursor(t.db, as(admin), org.name, { kind: "charge" });
    expect(charges.rows.map((r) => r.amount)).toEqual(["-2.00000000", "-1.00000000"]);
    // A user sees what was added and their own usage only.
    const mine = await listLedgerByCursor(t.db, as(user), org.name, {});
    expect(mine.rows.map((r) => r.amount)).toEqual(["-2.00000000", "10.00000000"]);
  });

  it("refuses a cursor it didn't make, and a limit out of range; outsiders get NotFound", async () => {
    const admin = await makeUser(t.db);
    const outsider = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    for (const cursor of ["nope", Buffer.from('["x", 1]').toString("base64url"), "W10"]) {
      await expect(listLedgerByCursor(t.db, as(admin), org.name, { cursor })).rejects.toBeInstanceOf(Invalid);
    }
    await expect(listLedgerByCursor(t.db, as(admin), org.name, { limit: 0 })).rejects.toBeInstanceOf(Invalid);
    await expect(listLedgerByCursor(t.db, as(admin), org.name, { limit: 201 })).rejects.toBeInstanceOf(Invalid);
    await expect(listLedgerByCursor(t.db, as(outsider), org.name, {})).rejects.toBeInstanceOf(NotFound);
  });

  it("a token restricted to another org gets NotFound", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const other = await makeOrg(t.db, { admin });
    const restricted = tokenCaller({
      userId: admin.id,
      tokenId: "00000000-0000-0000-0000-000000000001",
      tokenName: "ci",
      scopes: ["read"],
      orgId: other.id,
    });
    await expect(listLedgerByCursor(t.db, restricted, org.name, {})).rejects.toBeInstanceOf(NotFound);
    await expect(listLedgerByCursor(t.db, restricted, other.name, {})).resolves.toMatchObject({ rows: [] });
  });
});
