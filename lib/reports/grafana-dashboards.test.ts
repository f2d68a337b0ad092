import { describe, expect, it } from "vitest";
import { type UserCaller } from "../core/caller";
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { GRAFANA_DASHBOARDS, GRAFANA_DATASOURCE_UID, panelSqlForOrg, type DashboardTarget } from "./grafana";
import { postLedger } from "../billing/ledger";
import { getOrgReport, listMemberReport, parseReportPeriod, periodBounds, type OrgReport } from "./reports";
import { addMember, as, makeOrg, makeUser, uniqueName, withTestDatabase } from "../test/fixtures";
import { REPORT_PERIOD_QUERY, seedReportHistory } from "../test/report-history";

/**
 * Every panel query of grafana/dashboards/*.json, run on the test database (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL) as the read-only role `apolo_reports` Grafana uses, must give the figures of lib/reports/reports.ts
 * (the Reports tab's built-in charts) for the same org and period.
 */
const t = withTestDatabase();

class Rollback extends Error {}

/** Runs `fn` as `apolo_reports` in a transaction that is always rolled back; returns what fn returned or threw. */
async function asReportsRole<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const out: { value?: T; error?: unknown } = {};
  await db
    .transaction(async (tx) => {
      await tx.execute(sql.raw("set local role apolo_reports"));
      try {
        out.value = await fn(tx);
      } catch (e) {
        out.error = e;
      }
      throw new Rollback();
    })
    .catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return out;
}

function errorText(e: unknown): string {
  const parts: string[] = [];
  for (let x = e as { message?: string; cause?: unknown } | undefined; x; x = x.cause as typeof x)
    parts.push(String(x.message));
  return parts.join(" / ");
}

/** Grafana's rendering of a time macro: a quoted RFC 3339 UTC instant (Go's RFC3339Nano drops a zero fraction). */
const grafanaTime = (d: Date) => `'${d.toISOString().replace(".000Z", "Z")}'`;

/**
 * The SQL Grafana's PostgreSQL datasource runs for a target: `${org:sqlstring}` interpolated by the frontend
 * (done for real by the proxy's panelSqlForOrg), `$__timeFrom()` / `$__timeTo()` expanded by the backend.
 * The dashboards use no other macro or variable (asserted).
 */
function grafanaSql(target: DashboardTarget, org: string, start: Date, end: Date): string {
  const q = panelSqlForOrg(target.rawSql, org)
    .split("$__timeFrom()")
    .join(grafanaTime(start))
    .split("$__timeTo()")
    .join(grafanaTime(end));
  expect(q, "no macro or variable is left").not.toMatch(/\$/);
  return q;
}

/** Exact decimal text without insignificant zeros ("147.50000000" → "147.5", "0.00" → "0"). */
function dec(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  expect(s, "a decimal").toMatch(/^-?\d+(\.\d+)?$/);
  const [i, f = ""] = s.replace(/^-/, "").split(".");
  const frac = f.replace(/0+$/, "");
  const int = i!.replace(/^0+(?=\d)/, "");
  const out = frac ? `${int}.${frac}` : int;
  return out === "0" ? "0" : (s.startsWith("-") ? "-" : "") + out;
}

const day = (v: unknown) => new Date(v as string | Date).toISOString().slice(0, 10);

type Row = Record<string, unknown>;
type Check = (rows: Row[], report: OrgReport, members: Awaited<ReturnType<typeof listMemberReport>>) => void;

/** What each panel must show, by `<dashboard uid>/<panel id>/<refId>`. A panel without an entry fails the test. */
const CHECKS: Record<string, Check> = {
  // 1. Balance at the end of each day.
  "apolo-org-credits/1/A": (rows, r) => {
    expect(rows.map((x) => ({ day: day(x.time), balance: dec(x.Balance) }))).toEqual(
      r.balance.map((b) => ({ day: b.day, balance: dec(b.balance) })),
    );
  },
  // 2. Spent per day, top ten members and Others, every day × series.
  "apolo-org-credits/2/A": (rows, r) => {
    const series = [...new Set(rows.map((x) => String(x.metric)))].sort();
    expect(series).toEqual([...r.spendByMember.series].sort());
    expect(rows).toHaveLength(r.spendByMember.series.length * r.balance.length);
    const got = new Map(rows.map((x) => [`${day(x.time)} ${String(x.metric)}`, dec(x.spent)]));
    for (const d of r.spendByMember.days) {
      for (const s of r.spendByMember.series) expect(got.get(`${d.day} ${s}`), `${d.day} ${s}`).toBe(dec(d.values[s]));
    }
  },
  // 5. Top-ups and grants, newest first.
  "apolo-org-credits/3/A": (rows, r) => {
    expect(rows).toHaveLength(Math.min(r.additions.count, 100));
    expect(
      rows.map((x) => [new Date(x.At as string).toISOString(), x.Kind, dec(x.Amount), x.By ?? null, x.Note ?? null]),
    ).toEqual(r.additions.rows.map((a) => [a.at.toISOString(), a.kind, dec(a.amount), a.actor, a.note]));
  },
  // 3. Spent per cluster and preset, largest first.
  "apolo-org-jobs/1/A": (rows, r) => {
    expect(rows.map((x) => ({ cluster: x.Cluster, preset: x.Preset, spent: dec(x["Credits spent"]) }))).toEqual(
      r.spendByPreset.map((p) => ({ ...p, spent: dec(p.spent) })),
    );
    for (const x of rows) expect(x["Cluster / preset"]).toBe(`${String(x.Cluster)} / ${String(x.Preset)}`);
  },
  // 4. Jobs running during each day.
  "apolo-org-jobs/2/A": (rows, r) => {
    expect(rows.map((x) => ({ day: day(x.time), jobs: Number(x["Running jobs"]) }))).toEqual(r.runningJobs);
  },
  // 6. Members: spent, jobs, limit, share; former members who spent in the period too.
  "apolo-org-members/1/A": (rows, _r, m) => {
    expect(rows).toHaveLength(m.total);
    expect(
      rows.map((x) => [
        x.Member,
        x.Name ?? null,
        x.Role,
        dec(x["Credit limit"]),
        dec(x["Credits spent"]),
        Number(x["Jobs run"]),
        dec(x.Share),
      ]),
    ).toEqual(
      m.rows.map((x) => [
        x.username,
        x.name,
        x.role ?? "former member",
        dec(x.creditLimit),
        dec(x.spent),
        x.jobs,
        dec(x.share),
      ]),
    );
  },
};

const allTargets = GRAFANA_DASHBOARDS.flatMap((d) =>
  d.panels.flatMap((p) => p.targets.map((target) => ({ key: `${d.uid}/${p.id}/${target.refId}`, panel: p, target }))),
);

/** Runs every panel target for an org and period as Grafana would, and checks it against lib/reports/reports.ts. */
async function expectPanelsMatchLib(actor: UserCaller, org: string, query: Record<string, string>) {
  const report = await getOrgReport(t.db, actor, org, query);
  const members = await listMemberReport(t.db, actor, org, { ...query, pageSize: "100" });
  expect(members.total).toBeLessThanOrEqual(100);
  const { start, end } = periodBounds(parseReportPeriod(query).period);
  for (const { key, target } of allTargets) {
    const check = CHECKS[key];
    expect(check, `a check for panel target ${key}`).toBeDefined();
    const { value: rows, error } = await asReportsRole(t.db, async (tx) => {
      // Grafana's session time zone is the server's; days must still be UTC days.
      await tx.execute(sql.raw("set local timezone = 'Asia/Kolkata'"));
      return rawRows<Row>(tx, sql.raw(grafanaSql(target, org, start, end)));
    });
    expect(error, `${key} runs as apolo_reports: ${errorText(error)}`).toBeUndefined();
    check!(rows!, report, members);
  }
}

describe("grafana/dashboards", () => {
  it("are provisioned dashboards with fixed uids, a hidden org variable, and SQL on the reports views only", () => {
    expect(GRAFANA_DASHBOARDS.map((d) => d.uid)).toEqual(["apolo-org-credits", "apolo-org-jobs", "apolo-org-members"]);
    for (const d of GRAFANA_DASHBOARDS) {
      const json = d as unknown as { templating: { list: { name: string; type: string; hide: number }[] } };
      expect(json.templating.list).toEqual([expect.objectContaining({ name: "org", type: "textbox", hide: 2 })]);
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    }
    expect(allTargets).toHaveLength(6);
    expect(Object.keys(CHECKS).sort()).toEqual(allTargets.map((x) => x.key).sort());
    for (const { key, panel, target } of allTargets) {
      expect(panel.datasource.uid, key).toBe(GRAFANA_DATASOURCE_UID);
      expect(target.datasource.uid, key).toBe(GRAFANA_DATASOURCE_UID);
      expect(target.rawSql, key).toContain("${org:sqlstring}");
      // Variables and macros: only the org (as a quoted string) and the time range.
      const dollars = target.rawSql.match(/\$(\{[^}]*\}|\w+(\(\))?)/g) ?? [];
      for (const d of dollars) expect(["${org:sqlstring}", "$__timeFrom()", "$__timeTo()"], key).toContain(d);
      // Every relation read is a view of the reports schema.
      const relations = [...target.rawSql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_.]+)/gi)].map((m) => m[1]!);
      for (const r of relations) {
        if (
          ["days", "c", "top", "labelled", "series", "spend", "runs", "total", "people", "generate_series"].includes(r)
        )
          continue;
        expect(r, key).toMatch(/^reports\.(ledger|jobs|members)$/);
      }
    }
  });

  it("give the Reports tab's figures for each org, as the read-only role, in any session time zone", async () => {
    const h = await seedReportHistory(t.db);
    for (const query of [
      REPORT_PERIOD_QUERY,
      { period: "custom", from: "2026-02-01", to: "2026-03-31" },
      { period: "custom", from: "2026-03-06", to: "2026-03-06" },
    ]) {
      await expectPanelsMatchLib(as(h.bob), h.org.name, query);
      await expectPanelsMatchLib(as(h.carol), h.other.name, query);
    }
  });

  it("sum all but the top ten spenders as Others, like the built-in chart", async () => {
    const admin = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin });
    for (let i = 1; i <= 12; i++) {
      const u = await makeUser(t.db, `s${String(i).padStart(2, "0")}${uniqueName("")}`);
      await addMember(t.db, org, u, "user");
      await t.db.transaction((tx) =>
        postLedger(tx, { orgId: org.id, kind: "charge", amount: `-${i}.25`, memberId: u.id, note: "usage" }),
      );
    }
    // A charge of nobody in particular goes to Others too.
    await t.db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "charge", amount: "-0.5" }));
    const query = { period: "7d" };
    const report = await getOrgReport(t.db, as(admin), org.name, query);
    expect(report.spendByMember.series).toHaveLength(11);
    await expectPanelsMatchLib(as(admin), org.name, query);
  });
});

describe("the apolo_reports role", () => {
  it("reads the reports views", async () => {
    for (const view of ["reports.ledger", "reports.jobs", "reports.members"]) {
      const { error } = await asReportsRole(t.db, (tx) => tx.execute(sql.raw(`select * from ${view} limit 1`)));
      expect(error, view).toBeUndefined();
    }
  });

  it("can't read users, the ledger or any other table of the app", async () => {
    const tables = await rawRows<{ name: string }>(
      t.db,
      sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`,
    );
    expect(tables.map((x) => x.name)).toEqual(expect.arrayContaining(["users", "credit_ledger", "orgs", "jobs"]));
    for (const { name } of tables) {
      const { error } = await asReportsRole(t.db, (tx) =>
        tx.execute(sql.raw(`select * from public."${name}" limit 1`)),
      );
      expect(errorText(error), name).toMatch(/permission denied/);
    }
  });

  it("can't write anything: not the views, not a table, no new table", async () => {
    const privileges = await rawRows<{ view: string; write: boolean }>(
      t.db,
      sql`select c.relname as view,
            has_table_privilege('apolo_reports', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') as write
          from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'reports' order by 1`,
    );
    expect(privileges).toEqual(["jobs", "ledger", "members"].map((view) => ({ view, write: false })));
    const statements = [
      "insert into reports.ledger (org, kind, amount) values ('x', 'grant', 1)",
      "update reports.members set role = 'admin'",
      "delete from reports.jobs",
      "update public.org_wallets set balance = 1000000",
      "insert into public.users (username, email) values ('x', 'x@example.com')",
      "create table reports.stolen (x int)",
      "create table public.stolen (x int)",
      "create view reports.users_copy as select * from public.users",
      "drop view reports.ledger",
      "create schema stolen",
      "grant select on public.users to apolo_reports",
    ];
    for (const statement of statements) {
      const { error } = await asReportsRole(t.db, (tx) => tx.execute(sql.raw(statement)));
      // A view joining tables is not updatable anyway ("cannot insert into view"); tables and DDL: no privilege.
      expect(errorText(error), statement).toMatch(
        /permission denied|must be owner|cannot (insert into|update|delete from) view/,
      );
    }
  });
});
