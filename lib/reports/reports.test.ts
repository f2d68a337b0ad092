import { describe, expect, it } from "vitest";
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { creditLedger, jobs } from "@/db/schema";
import { NotFound, Unauthenticated } from "../core/errors";
import {
  exportMemberReportCsv,
  getOrgReport,
  listMemberReport,
  parseReportPeriod,
  periodBounds,
  OTHERS,
} from "./reports";
import {
  addMember,
  as,
  makeOrg,
  makePlatformAdmin,
  makeProject,
  makeUser,
  testServices,
  uniqueName,
  withTestDatabase,
} from "../test/fixtures";
import { REPORT_EXPECTED, REPORT_PERIOD_QUERY, seedReportHistory } from "../test/report-history";
import { postLedger } from "../billing/ledger";
import { grantCredits } from "../billing/grants";

const t = withTestDatabase();

describe("parseReportPeriod", () => {
  const now = new Date("2026-11-28T15:00:00Z");
  it("reads the presets relative to today (UTC days, today included)", () => {
    expect(parseReportPeriod({ period: "7d" }, now).period).toEqual({
      preset: "7d",
      from: "2026-11-22",
      to: "2026-11-28",
      days: 7,
    });
    expect(parseReportPeriod({ period: "90d" }, now).period.from).toBe("2026-08-31");
    expect(parseReportPeriod({}, now).period).toMatchObject({ preset: "30d", from: "2026-10-30", to: "2026-11-28" });
    expect(parseReportPeriod({ period: "nonsense" }, now).period.preset).toBe("30d");
  });

  it("takes a custom range and explains a bad one next to its field", () => {
    expect(parseReportPeriod({ period: "custom", from: "2026-02-27", to: "2026-03-02" }, now)).toMatchObject({
      period: { preset: "custom", from: "2026-02-27", to: "2026-03-02", days: 4 },
      errors: {},
    });
    expect(parseReportPeriod({ period: "custom", from: "", to: "2026-03-02" }, now).errors).toEqual({
      from: "Enter a start date.",
    });
    const backwards = parseReportPeriod({ period: "custom", from: "2026-03-05", to: "2026-03-01" }, now);
    expect(backwards.errors).toEqual({ to: "The end date must be on or after the start date." });
    expect(backwards.period.preset).toBe("30d");
    expect(backwards.input).toEqual({ from: "2026-03-05", to: "2026-03-01" });
    expect(parseReportPeriod({ period: "custom", from: "2024-01-01", to: "2026-01-01" }, now).errors.to).toMatch(
      /at most 366 days/,
    );
    expect(parseReportPeriod({ period: "custom", from: "2026-02-30", to: "2026-03-01" }, now).errors.from).toBe(
      "Enter a start date.",
    );
  });

  it("bounds a period by UTC midnights, the last day included", () => {
    expect(periodBounds({ from: "2026-03-01", to: "2026-03-05" })).toEqual({
      start: new Date("2026-03-01T00:00:00Z"),
      end: new Date("2026-03-06T00:00:00Z"),
    });
  });
});

describe("getOrgReport on a known history", () => {
  it("gives every panel's exact figures, and they agree with the ledger", async () => {
    const h = await seedReportHistory(t.db);
    const report = await getOrgReport(t.db, as(h.bob), h.org.name, REPORT_PERIOD_QUERY);
    expect(report.period).toEqual({ preset: "custom", from: "2026-03-01", to: "2026-03-05", days: 5 });
    expect(report.totals).toEqual(REPORT_EXPECTED.totals);
    expect(report.balance).toEqual(REPORT_EXPECTED.balance);
    expect(report.runningJobs).toEqual(REPORT_EXPECTED.runningJobs);

    // 2. Spent per day by member: alice 3.5, bob 0.1 + 0.2 = exactly 0.3, dave (left since) 0.2.
    expect(report.spendByMember.series).toEqual([h.alice.username, h.bob.username, h.dave.username]);
    const day = (d: string) => report.spendByMember.days.find((x) => x.day === d)!.values;
    expect(report.spendByMember.days.map((d) => d.day)).toEqual(REPORT_EXPECTED.balance.map((b) => b.day));
    expect(day("2026-03-01")).toEqual({
      [h.alice.username]: "2.50000000",
      [h.bob.username]: "0",
      [h.dave.username]: "0",
    });
    expect(day("2026-03-02")[h.bob.username]).toBe("0.30000000");
    expect(day("2026-03-03")[h.dave.username]).toBe("0.20000000");
    expect(day("2026-03-04")[h.alice.username]).toBe("1.00000000"); // 23:59:59 UTC is still the 4th
    expect(Object.values(day("2026-03-05")).every((v) => v === "0")).toBe(true);

    // 3. Per cluster and preset, largest first.
    expect(report.spendByPreset).toEqual([
      { cluster: h.c1.name, preset: "small", spent: "2.70000000" },
      { cluster: h.c2.name, preset: "small", spent: "1.00000000" },
      { cluster: h.c1.name, preset: "big", spent: "0.30000000" },
    ]);

    // 5. Top-ups and grants, newest first, with who did them.
    expect(report.additions.count).toBe(2);
    expect(report.additions.rows.map((r) => [r.kind, r.amount, r.actor, r.at.toISOString()])).toEqual([
      ["grant", "10.00000000", h.operator.username, "2026-03-05T08:00:00.000Z"],
      ["topup", "100.00000000", h.alice.username, "2026-03-01T10:00:00.000Z"],
    ]);

    // The same period's ledger, summed directly: the report agrees with it.
    const { start, end } = periodBounds(report.period);
    const [sums] = await t.db
      .select({
        spent: sql<string>`(-sum(${creditLedger.amount}) filter (where ${creditLedger.kind} = 'charge'))::text`,
        added: sql<string>`(sum(${creditLedger.amount}) filter (where ${creditLedger.kind} in ('topup', 'grant')))::text`,
        net: sql<string>`sum(${creditLedger.amount})::text`,
      })
      .from(creditLedger)
      .where(
        and(eq(creditLedger.orgId, h.org.id), gte(creditLedger.createdAt, start), lt(creditLedger.createdAt, end)),
      );
    expect(sums!.spent).toBe(report.totals.spent);
    expect(sums!.added).toBe("110.00000000");
    const [check] = await t.db
      .execute<{ ok: boolean }>(
        sql`select ${report.totals.openingBalance}::numeric + ${sums!.net}::numeric = ${report.totals.closingBalance}::numeric as ok`,
      )
      .then((r) => (r as unknown as { rows: { ok: boolean }[] }).rows);
    expect(check!.ok).toBe(true);
  });

  it("shows the top ten spenders and sums the rest as Others", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const people = [];
    for (let i = 1; i <= 12; i++) {
      const u = await makeUser(t.db, `s${String(i).padStart(2, "0")}${uniqueName("")}`);
      await addMember(t.db, org, u, "user");
      people.push(u);
      await t.db.transaction((tx) =>
        postLedger(tx, { orgId: org.id, kind: "charge", amount: `-${i}`, memberId: u.id }),
      );
    }
    const report = await getOrgReport(t.db, as(admin), org.name, { period: "7d" });
    expect(report.spendByMember.series).toEqual([
      ...people
        .slice(2)
        .reverse()
        .map((u) => u.username),
      OTHERS,
    ]);
    const today = report.spendByMember.days.at(-1)!.values;
    expect(today[people[11]!.username]).toBe("12.00000000");
    expect(today[OTHERS]).toBe("3.00000000"); // 1 + 2
    expect(report.totals.spent).toBe("78.00000000");
  });

  it("has empty panels for a new org", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const report = await getOrgReport(t.db, as(admin), org.name, { period: "7d" });
    expect(report.totals).toEqual({
      spent: "0",
      topups: "0",
      grants: "0",
      adjustments: "0",
      openingBalance: "0",
      closingBalance: "0",
      jobsRun: 0,
    });
    expect(report.balance).toHaveLength(7);
    expect(report.spendByMember).toEqual({
      series: [],
      days: report.balance.map((b) => ({ day: b.day, values: {} })),
    });
    expect(report.spendByPreset).toEqual([]);
    expect(report.additions).toEqual({ rows: [], count: 0 });
    expect(report.adjustments).toEqual({ rows: [], count: 0 });
  });

  it("lists a platform admin's set balance as an adjustment, apart from the additions and outside their total", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    const op = await makePlatformAdmin(t.db);
    await grantCredits(t.db, as(op), { org: org.name, amount: "1000" }, testServices());
    await t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "topup", amount: "50", actorId: admin.id }));
    await grantCredits(t.db, as(op), { org: org.name, mode: "set", amount: "76.45" }, testServices());
    const report = await getOrgReport(t.db, as(admin), org.name, { period: "7d" });
    expect(report.totals).toMatchObject({
      topups: "50.00000000",
      grants: "1000.00000000",
      adjustments: "-973.55000000",
    });
    expect(report.additions.rows.map((r) => [r.kind, r.amount])).toEqual([
      ["topup", "50.00000000"],
      ["grant", "1000.00000000"],
    ]);
    expect(report.adjustments.count).toBe(1);
    expect(report.adjustments.rows.map((r) => [r.amount, r.actor, r.note])).toEqual([
      ["-973.55000000", op.username, "balance set to 76.45"],
    ]);
    expect(report.totals.closingBalance).toBe("76.45000000");
  });
});

describe("member report", () => {
  it("lists members with spending, jobs, limit and share; sorts and pages in the database", async () => {
    const h = await seedReportHistory(t.db);
    const q = { ...REPORT_PERIOD_QUERY };
    const r = await listMemberReport(t.db, as(h.carol), h.org.name, q);
    expect(r.total).toBe(4);
    expect(r.rows).toEqual([
      {
        username: h.alice.username,
        name: "alice name",
        role: "user",
        creditLimit: "20.00000000",
        spent: "3.50000000",
        jobs: 2,
        share: "87.50",
      },
      {
        username: h.bob.username,
        name: "bob name",
        role: "manager",
        creditLimit: null,
        spent: "0.30000000",
        jobs: 2,
        share: "7.50",
      },
      {
        username: h.dave.username,
        name: "dave name",
        role: null,
        creditLimit: null,
        spent: "0.20000000",
        jobs: 1,
        share: "5.00",
      },
      {
        username: h.carol.username,
        name: "carol name",
        role: "admin",
        creditLimit: null,
        spent: "0",
        jobs: 0,
        share: "0.00",
      },
    ]);
    const byName = await listMemberReport(t.db, as(h.carol), h.org.name, { ...q, sort: "username", dir: "asc" });
    expect(byName.rows.map((x) => x.username)).toEqual([h.alice, h.bob, h.carol, h.dave].map((u) => u.username).sort());
    const byRole = await listMemberReport(t.db, as(h.carol), h.org.name, { ...q, sort: "role", dir: "desc" });
    expect(byRole.rows.map((x) => x.role)).toEqual(["admin", "manager", "user", null]);
    const byLimit = await listMemberReport(t.db, as(h.carol), h.org.name, { ...q, sort: "limit", dir: "asc" });
    expect(byLimit.rows[0]!.username).toBe(h.alice.username);
    const page2 = await listMemberReport(t.db, as(h.carol), h.org.name, { ...q, pageSize: "25", page: "2" });
    expect(page2.rows).toEqual([]);
    expect(page2.total).toBe(4);
    // Nonsense parameters fall back to defaults instead of failing.
    const odd = await listMemberReport(t.db, as(h.carol), h.org.name, {
      ...q,
      sort: "drop table",
      dir: "x",
      page: "-1",
    });
    expect(odd.query).toEqual({ sort: "spent", dir: "desc", zero: "show", page: 1, pageSize: 25 });
    // "Hide members who spent nothing": carol (0 spent) leaves the rows and the count; a bad value shows all.
    const spenders = await listMemberReport(t.db, as(h.carol), h.org.name, { ...q, zero: "hide" });
    expect(spenders.rows.map((x) => x.username)).toEqual([h.alice, h.bob, h.dave].map((u) => u.username));
    expect(spenders.total).toBe(3);
    expect((await listMemberReport(t.db, as(h.carol), h.org.name, { ...q, zero: "x" })).total).toBe(4);
    const csv = await exportMemberReportCsv(t.db, as(h.carol), h.org.name, { ...q, zero: "hide" });
    expect(csv.trimEnd().split("\r\n")).toHaveLength(4); // the header and three spenders
  });

  it("exports the whole table as CSV in the chosen order", async () => {
    const h = await seedReportHistory(t.db);
    const csv = await exportMemberReportCsv(t.db, as(h.bob), h.org.name, { ...REPORT_PERIOD_QUERY, sort: "spent" });
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("username,name,role,credits_spent,jobs_run,credit_limit,share_percent,from,to");
    expect(lines.slice(1)).toEqual([
      `"${h.alice.username}","alice name","user","3.50000000","2","20.00000000","87.50","2026-03-01","2026-03-05"`,
      `"${h.bob.username}","bob name","manager","0.30000000","2","unlimited","7.50","2026-03-01","2026-03-05"`,
      `"${h.dave.username}","dave name","former member","0.20000000","1","","5.00","2026-03-01","2026-03-05"`,
      `"${h.carol.username}","carol name","admin","0","0","unlimited","0.00","2026-03-01","2026-03-05"`,
    ]);
  });
});

describe("who may see reports", () => {
  it("answers 404 to users, outsiders and another org's admin; asks the signed-out to sign in", async () => {
    const h = await seedReportHistory(t.db);
    const outsider = await makeUser(t.db);
    for (const who of [h.alice, outsider]) {
      await expect(getOrgReport(t.db, as(who), h.org.name, {})).rejects.toBeInstanceOf(NotFound);
      await expect(listMemberReport(t.db, as(who), h.org.name, {})).rejects.toBeInstanceOf(NotFound);
      await expect(exportMemberReportCsv(t.db, as(who), h.org.name, {})).rejects.toBeInstanceOf(NotFound);
    }
    await expect(getOrgReport(t.db, null, h.org.name, {})).rejects.toBeInstanceOf(Unauthenticated);
    // Carol administers both orgs: each report shows only its own org's numbers.
    const other = await getOrgReport(t.db, as(h.carol), h.other.name, REPORT_PERIOD_QUERY);
    expect(other.totals.spent).toBe("77.77000000");
    expect(other.totals.topups).toBe("1000.00000000");
    expect(other.spendByPreset).toEqual([{ cluster: h.c1.name, preset: "big", spent: "77.77000000" }]);
  });
});

describe("reports by project", () => {
  /** The known history with alice's first job (2.5) and bob's big job (0.1 + 0.2) in project "research" on c1. */
  async function projectHistory() {
    const h = await seedReportHistory(t.db);
    const research = await makeProject(t.db, { org: h.org, cluster: h.c1, name: uniqueName("research-") });
    const otherProject = await makeProject(t.db, { org: h.other, cluster: h.c1, name: uniqueName("theirs-") });
    const picked = await t.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        and(
          eq(jobs.orgId, h.org.id),
          sql`(${jobs.userId} = ${h.alice.id} and ${jobs.startedAt} = '2026-02-28T22:00:00Z')
              or (${jobs.userId} = ${h.bob.id} and ${jobs.presetName} = 'big')`,
        ),
      );
    expect(picked).toHaveLength(2);
    for (const j of picked) {
      await t.db.update(jobs).set({ projectId: research.id }).where(eq(jobs.id, j.id));
      await t.db.update(creditLedger).set({ projectId: research.id }).where(eq(creditLedger.jobId, j.id));
    }
    const other = await t.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.orgId, h.other.id));
    await t.db.update(creditLedger).set({ projectId: otherProject.id }).where(eq(creditLedger.jobId, other[0]!.id));
    return { ...h, research, otherProject, key: `${h.c1.name}/${research.name}` };
  }

  it("breaks the period's spending down by project, no project included, largest first", async () => {
    const h = await projectHistory();
    const report = await getOrgReport(t.db, as(h.bob), h.org.name, REPORT_PERIOD_QUERY);
    expect(report.project).toEqual({ kind: "all" });
    expect(report.spendByProject).toEqual([
      { project: h.research.name, cluster: h.c1.name, spent: "2.80000000" },
      { project: null, cluster: null, spent: "1.20000000" },
    ]);
    // The org totals are those of the whole org still.
    expect(report.totals).toEqual(REPORT_EXPECTED.totals);
  });

  it("filters spending, jobs and the members table by a project or by no project; balance and additions stay the org's", async () => {
    const h = await projectHistory();
    const q = { ...REPORT_PERIOD_QUERY, project: h.key };
    const report = await getOrgReport(t.db, as(h.carol), h.org.name, q);
    expect(report.project).toMatchObject({ kind: "project", id: h.research.id });
    expect(report.totals).toEqual({ ...REPORT_EXPECTED.totals, spent: "2.80000000", jobsRun: 2 });
    expect(report.balance).toEqual(REPORT_EXPECTED.balance);
    expect(report.additions.count).toBe(2);
    expect(report.spendByPreset).toEqual([
      { cluster: h.c1.name, preset: "small", spent: "2.50000000" },
      { cluster: h.c1.name, preset: "big", spent: "0.30000000" },
    ]);
    expect(report.spendByProject).toEqual([{ project: h.research.name, cluster: h.c1.name, spent: "2.80000000" }]);
    expect(report.spendByMember.series).toEqual([h.alice.username, h.bob.username]);
    expect(report.runningJobs.map((d) => d.jobs)).toEqual([1, 1, 0, 0, 0]);
    const members = await listMemberReport(t.db, as(h.carol), h.org.name, q);
    const spent = Object.fromEntries(members.rows.map((r) => [r.username, [r.spent, r.jobs]]));
    expect(spent[h.alice.username]).toEqual(["2.50000000", 1]);
    expect(spent[h.bob.username]).toEqual(["0.30000000", 1]);
    const csv = await exportMemberReportCsv(t.db, as(h.carol), h.org.name, q);
    expect(csv).toContain(`"${h.alice.username}","alice name","user","2.50000000","1"`);

    const none = await getOrgReport(t.db, as(h.carol), h.org.name, { ...REPORT_PERIOD_QUERY, project: "none" });
    expect(none.totals.spent).toBe("1.20000000");
    expect(none.spendByProject).toEqual([{ project: null, cluster: null, spent: "1.20000000" }]);
  });

  it("finds nothing for another org's project named in this org (a forged filter)", async () => {
    const h = await projectHistory();
    const report = await getOrgReport(t.db, as(h.carol), h.org.name, {
      ...REPORT_PERIOD_QUERY,
      project: `${h.c1.name}/${h.otherProject.name}`,
    });
    expect(report.project).toEqual({ kind: "hidden" });
    expect(report.totals.spent).toBe("0");
    expect(report.spendByProject).toEqual([]);
    // The other org's own report does show it.
    const theirs = await getOrgReport(t.db, as(h.carol), h.other.name, REPORT_PERIOD_QUERY);
    expect(theirs.spendByProject).toEqual([{ project: h.otherProject.name, cluster: h.c1.name, spent: "77.77000000" }]);
  });
});
