/**
 * Automatic top-ups where ledger kinds show (issue 16): every member sees them like top-ups, the kind filter and
 * the CSV name them, and the Reports tab counts them as top-ups. Real database, no mocks.
 */
import { describe, expect, it } from "vitest";
import { getOrgReport } from "../reports/reports";
import { as, fundOrg, makeOrg, makeUser, withTestDatabase } from "../test/fixtures";
import { exportLedgerCsv, listLedger } from "./credits-view";
import { postLedger } from "./ledger";

const t = withTestDatabase();

/** An org with a grant, a manual top-up, an automatic top-up (note: its payment reference) and a charge. */
async function world() {
  const admin = await makeUser(t.db);
  const manager = await makeUser(t.db);
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  await fundOrg(t.db, org, "30");
  await t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "topup", amount: "20", actorId: user.id }));
  await t.db.transaction((tx) =>
    postLedger(tx, { orgId: org.id, kind: "charge", amount: "-45.5", memberId: manager.id, note: "usage" }),
  );
  await t.db.transaction((tx) =>
    postLedger(tx, { orgId: org.id, kind: "auto_topup", amount: "50", note: "Automatic top-up · pi_3AutoRef42" }),
  );
  return { org, admin, manager, user };
}

describe("automatic top-ups in the ledger view", () => {
  it("users see them with the other additions (not others' charges); managers see everything", async () => {
    const w = await world();
    const mine = await listLedger(t.db, as(w.user), w.org.name, {});
    expect(mine.rows.map((r) => [r.kind, r.amount, r.note])).toEqual([
      ["auto_topup", "50.00000000", "Automatic top-up · pi_3AutoRef42"],
      ["topup", "20.00000000", null],
      ["grant", "30.00000000", "test funding"],
    ]);
    expect(mine.rows[0]!.balanceAfter).toBe("54.50000000");
    expect((await listLedger(t.db, as(w.manager), w.org.name, {})).total).toBe(4);
  });

  it("filters by the kind and exports it in the CSV with its reference", async () => {
    const w = await world();
    for (const viewer of [w.user, w.admin]) {
      const only = await listLedger(t.db, as(viewer), w.org.name, { kind: "auto_topup" });
      expect(only.rows.map((r) => r.amount)).toEqual(["50.00000000"]);
      const csv = (await exportLedgerCsv(t.db, as(viewer), w.org.name, { kind: "auto_topup" })).split("\r\n");
      expect(csv).toHaveLength(3);
      expect(csv[1]).toContain(
        `"Automatic top-up","50.00","50.00000000","54.50","54.50000000","","","","","","Automatic top-up · pi_3AutoRef42"`,
      );
    }
  });

  it("counts them as top-ups in the Reports tab and lists them among the additions", async () => {
    const w = await world();
    const report = await getOrgReport(t.db, as(w.admin), w.org.name, { period: "7d" });
    expect(report.totals).toMatchObject({ topups: "70.00000000", grants: "30.00000000", spent: "45.50000000" });
    expect(report.additions.count).toBe(3);
    expect(report.additions.rows.map((r) => [r.kind, r.amount])).toEqual([
      ["auto_topup", "50.00000000"],
      ["topup", "20.00000000"],
      ["grant", "30.00000000"],
    ]);
  });
});
