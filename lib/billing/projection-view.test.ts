/**
 * The projection as the pages show it: the words and tones of describeProjection (pure), and the views with the
 * authorization in their queries (a person's own orgs only; outsiders get NotFound). Real database, no mocks.
 */
import { describe, expect, it } from "vitest";
import { NotFound } from "../core/errors";
import { tokenCaller } from "../core/caller";
import {
  addMember,
  addOrgToCluster,
  as,
  fundOrg,
  makeCluster,
  makeJob,
  makeOrg,
  makeUser,
  withTestDatabase,
} from "../test/fixtures";
import type { Projection } from "./projection";
import {
  describeDuration,
  describeInterval,
  describeProjection,
  formatRate,
  getMyOrgProjections,
  getOrgProjection,
} from "./projection-view";

const t = withTestDatabase();

const NOW = new Date("2026-11-30T14:00:00Z");
const HOUR = 3600;
const DAY = 86_400;

function spending(
  secondsLeft: number,
  at = NOW,
): Pick<Projection, "balance" | "state" | "secondsLeft" | "runsOutAt" | "runningJobs"> {
  const runsOutAt = new Date(at.getTime() + secondsLeft * 1000);
  return { balance: "100.00000000", state: "spending", secondsLeft, runsOutAt, runningJobs: 1 };
}

describe("describeProjection", () => {
  it("says how long the credits last and until when, in UTC", () => {
    const d = describeProjection(spending(4 * DAY), NOW);
    expect(d.text).toBe("At the current rate, credits last about 4 days (until Dec 4, 14:00 UTC).");
    expect(d).toMatchObject({ duration: "about 4 days", until: "Dec 4, 14:00 UTC", day: "Dec 4" });
  });

  it("counts hours under two days and minutes under an hour", () => {
    expect(describeProjection(spending(9 * HOUR + 10 * 60), NOW).text).toBe(
      "At the current rate, credits last about 9 hours (until Nov 30, 23:10 UTC).",
    );
    expect(describeProjection(spending(HOUR), NOW).duration).toBe("about 1 hour");
    expect(describeProjection(spending(40 * 60), NOW).duration).toBe("about 40 minutes");
    expect(describeProjection(spending(59), NOW).duration).toBe("less than a minute");
    expect(describeProjection(spending(47 * HOUR), NOW).duration).toBe("about 47 hours");
    expect(describeProjection(spending(50 * HOUR), NOW).duration).toBe("about 2 days");
  });

  it("counts months beyond 60 days, names the year when it differs, and gives no date beyond two years", () => {
    const far = describeProjection(spending(90 * DAY), NOW);
    expect(far.duration).toBe("about 3 months");
    expect(far.until).toBe("Feb 28, 2027, 14:00 UTC");
    const never = describeProjection(spending(3 * 365 * DAY), NOW);
    expect(never).toMatchObject({
      text: "At the current rate, credits last more than 2 years.",
      until: null,
      day: null,
      tone: "ok",
    });
  });

  it("takes its tone from the org's warning intervals", () => {
    expect(describeProjection(spending(8 * DAY), NOW).tone).toBe("ok");
    expect(describeProjection(spending(7 * DAY), NOW).tone).toBe("warn");
    expect(describeProjection(spending(2 * DAY), NOW).tone).toBe("warn");
    expect(describeProjection(spending(DAY), NOW).tone).toBe("danger");
    expect(describeProjection(spending(9 * HOUR), NOW).tone).toBe("danger");
    // The org's own intervals: 12 hours and 2 days.
    expect(describeProjection(spending(3 * DAY), NOW, [2 * DAY, 12 * HOUR]).tone).toBe("ok");
    expect(describeProjection(spending(DAY), NOW, [2 * DAY, 12 * HOUR]).tone).toBe("warn");
    expect(describeProjection(spending(12 * HOUR), NOW, [2 * DAY, 12 * HOUR]).tone).toBe("danger");
    // No intervals: never a warning colour while credits remain.
    expect(describeProjection(spending(HOUR), NOW, []).tone).toBe("ok");
  });

  it("says when nothing is spent, and when the credits have run out", () => {
    const base = { balance: "12.50000000", secondsLeft: null, runsOutAt: null } as const;
    expect(describeProjection({ ...base, state: "not_spending", runningJobs: 0 }, NOW)).toMatchObject({
      text: "Not spending: no jobs are running.",
      tone: "ok",
      duration: null,
    });
    expect(describeProjection({ ...base, state: "not_spending", runningJobs: 2 }, NOW).text).toBe(
      "Not spending: the running jobs cost nothing.",
    );
    const depleted = { ...base, state: "depleted", runningJobs: 0 } as const;
    expect(describeProjection({ ...depleted, balance: "-0.25000000" }, NOW)).toMatchObject({
      text: "Credits have run out.",
      tone: "danger",
    });
    expect(describeProjection({ ...depleted, balance: "0.00000000" }, NOW)).toMatchObject({
      text: "No credits left: top up to run jobs.",
      tone: "danger",
    });
  });

  it("formats durations, intervals and rates exactly", () => {
    expect(describeDuration(0)).toBe("less than a minute");
    expect(describeDuration(90 * 60)).toBe("about 2 hours");
    expect(describeInterval(7 * DAY)).toBe("7 days");
    expect(describeInterval(DAY + 12 * HOUR)).toBe("1 day 12 hours");
    expect(describeInterval(6 * HOUR)).toBe("6 hours");
    expect(describeInterval(90)).toBe("1 minute");
    expect(formatRate("2.50000000")).toBe("2.50");
    expect(formatRate("1234.56700000")).toBe("1,234.57");
    expect(formatRate("0.00416667")).toBe("0.0042");
    expect(formatRate("0.00000000")).toBe("0.00");
  });
});

describe("projection views", () => {
  async function world() {
    const admin = await makeUser(t.db);
    const user = await makeUser(t.db);
    const outsider = await makeUser(t.db);
    const spender = await makeOrg(t.db, { admin, user });
    const idle = await makeOrg(t.db, { admin });
    const cluster = await makeCluster(t.db, { presets: { small: "2" } });
    await addOrgToCluster(t.db, spender, cluster);
    await fundOrg(t.db, spender, "100");
    await fundOrg(t.db, idle, "50");
    await makeJob(t.db, { org: spender, user, cluster, preset: cluster.presets.small! });
    return { admin, user, outsider, spender, idle };
  }

  it("gives a person the projection of each of their orgs, and only theirs", async () => {
    const w = await world();
    const mine = await getMyOrgProjections(t.db, as(w.admin), NOW);
    expect(mine.map((m) => m.org).sort()).toEqual([w.spender.name, w.idle.name].sort());
    const spender = mine.find((m) => m.org === w.spender.name)!;
    expect(spender.intervals).toEqual([604_800, 259_200, 86_400]);
    expect(spender.projection).toMatchObject({
      state: "spending",
      ratePerHour: "2.00000000",
      runningJobs: 1,
      secondsLeft: 50 * HOUR,
    });
    expect(describeProjection(spender.projection, NOW, spender.intervals).text).toBe(
      "At the current rate, credits last about 2 days (until Dec 2, 16:00 UTC).",
    );
    const idle = mine.find((m) => m.org === w.idle.name)!;
    expect(describeProjection(idle.projection, NOW, idle.intervals).text).toBe("Not spending: no jobs are running.");

    expect((await getMyOrgProjections(t.db, as(w.user), NOW)).map((m) => m.org)).toEqual([w.spender.name]);
    expect(await getMyOrgProjections(t.db, as(w.outsider), NOW)).toEqual([]);
    await expect(getMyOrgProjections(t.db, null, NOW)).rejects.toThrow();
  });

  it("a token limited to one org sees that org only", async () => {
    const w = await world();
    const caller = tokenCaller({
      userId: w.admin.id,
      tokenId: "00000000-0000-4000-8000-000000000000",
      tokenName: "t",
      scopes: ["read"],
      orgId: w.idle.id,
    });
    expect((await getMyOrgProjections(t.db, caller, NOW)).map((m) => m.org)).toEqual([w.idle.name]);
  });

  it("gives one org's projection and intervals to its members; outsiders get NotFound", async () => {
    const w = await world();
    const view = await getOrgProjection(t.db, as(w.user), w.spender.name, NOW);
    expect(view).toMatchObject({ org: w.spender.name, intervals: [604_800, 259_200, 86_400] });
    expect(view.projection.balance).toBe("100.00000000");
    await expect(getOrgProjection(t.db, as(w.outsider), w.spender.name, NOW)).rejects.toBeInstanceOf(NotFound);
    await expect(getOrgProjection(t.db, as(w.user), w.idle.name, NOW)).rejects.toBeInstanceOf(NotFound);
  });

  it("an org with no credits reads as run out", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    await addMember(t.db, org, await makeUser(t.db), "user");
    const view = await getOrgProjection(t.db, as(admin), org.name, NOW);
    expect(view.projection.state).toBe("depleted");
  });
});
