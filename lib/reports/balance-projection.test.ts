/** The balance chart's projection: exact decimals per UTC day, clipped at zero and at the period's length. */
import { describe, expect, it } from "vitest";
import { NotFound } from "../core/errors";
import {
  addOrgToCluster,
  as,
  fundOrg,
  makeCluster,
  makeJob,
  makeOrg,
  makeUser,
  withTestDatabase,
} from "../test/fixtures";
import { getBalanceProjection } from "./balance-projection";

const t = withTestDatabase();
const NOW = new Date("2026-11-30T14:00:00Z");

async function world(funds: string, running = true) {
  const admin = await makeUser(t.db);
  const manager = await makeUser(t.db);
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  const cluster = await makeCluster(t.db, { presets: { small: "2" } });
  await addOrgToCluster(t.db, org, cluster);
  await fundOrg(t.db, org, funds);
  if (running) await makeJob(t.db, { org, user, cluster, preset: cluster.presets.small! });
  return { admin, manager, user, org };
}

describe("getBalanceProjection", () => {
  it("falls at the current rate from the balance now to the day it reaches zero", async () => {
    const w = await world("100");
    // 2 credits/hour from 14:00: 34 hours to the end of Dec 1, 58 to the end of Dec 2 (below zero: 0).
    expect(await getBalanceProjection(t.db, as(w.manager), w.org.name, { period: "7d" }, NOW)).toEqual({
      today: "2026-11-30",
      points: [
        { day: "2026-11-30", balance: "100.00000000" },
        { day: "2026-12-01", balance: "32.00000000" },
        { day: "2026-12-02", balance: "0" },
      ],
      zeroDay: "2026-12-02",
    });
  });

  it("stops after as many days as the period is long", async () => {
    const w = await world("100000.5");
    const p = await getBalanceProjection(t.db, as(w.admin), w.org.name, { period: "7d" }, NOW);
    // 100000.5 − 2 × (7 × 24 + 10) hours to the end of Dec 7.
    expect(p!.points).toHaveLength(8);
    expect(p!.points.at(-1)).toEqual({ day: "2026-12-07", balance: "99644.50000000" });
    expect(p!.zeroDay).toBeNull();
  });

  it("is absent when the org isn't spending or the period is over", async () => {
    const idle = await world("100", false);
    expect(await getBalanceProjection(t.db, as(idle.admin), idle.org.name, {}, NOW)).toBeNull();
    const w = await world("100");
    const past = { period: "custom", from: "2026-11-01", to: "2026-11-29" };
    expect(await getBalanceProjection(t.db, as(w.admin), w.org.name, past, NOW)).toBeNull();
    const ahead = { period: "custom", from: "2026-11-30", to: "2026-12-03" };
    expect((await getBalanceProjection(t.db, as(w.admin), w.org.name, ahead, NOW))!.points).toHaveLength(3);
  });

  it("is for managers and admins only, as the Reports tab (404 to users and outsiders)", async () => {
    const w = await world("100");
    await expect(getBalanceProjection(t.db, as(w.user), w.org.name, {}, NOW)).rejects.toBeInstanceOf(NotFound);
    const outsider = await makeUser(t.db);
    await expect(getBalanceProjection(t.db, as(outsider), w.org.name, {}, NOW)).rejects.toBeInstanceOf(NotFound);
  });
});
