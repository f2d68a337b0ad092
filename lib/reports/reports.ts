import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { requireOrgAccess, type OrgAccess, type OrgRole } from "../core/authz";
import { type Caller } from "../core/caller";
import { csvDocument } from "../core/csv";
import { Forbidden, NotFound } from "../core/errors";
import { creditUnits } from "../core/money";
import { filterText, MAX_LENGTH, pagingShape } from "../core/validation";
import { resolveProjectFilter, type ProjectFilter } from "../projects/choices";

/**
 * The Reports tab: where an org's credits go. Every figure is an aggregate computed in the database from the
 * credit ledger and the jobs table (no raw ledger rows are loaded into Node). Days are UTC days; a period runs
 * from the start of its first day to the end of its last day.
 */

export const REPORT_PRESETS = ["7d", "30d", "90d"] as const;
export type ReportPreset = (typeof REPORT_PRESETS)[number] | "custom";
export const MAX_REPORT_DAYS = 366;
/** Series drawn individually in "spent per day"; the rest are summed as "Others". */
export const TOP_SPENDERS = 10;
/** The top-ups and grants panel lists at most this many entries (its totals cover all of them). */
export const ADDITIONS_LIMIT = 100;
export const MEMBER_REPORT_SORTS = ["username", "role", "spent", "jobs", "limit", "share"] as const;

export interface ReportPeriod {
  preset: ReportPreset;
  /** First day, YYYY-MM-DD (UTC). */
  from: string;
  /** Last day, inclusive, YYYY-MM-DD (UTC). */
  to: string;
  days: number;
}

export interface PeriodResult {
  period: ReportPeriod;
  /** Field errors of a custom range that could not be used; the period then falls back to the last 30 days. */
  errors: { from?: string; to?: string };
  /** What was typed, to show again next to the errors. */
  input: { from: string; to: string };
}

const DAY_MS = 86_400_000;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function addDays(day: string, n: number): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));
}

function presetPeriod(preset: (typeof REPORT_PRESETS)[number], now: Date): ReportPeriod {
  const days = Number(preset.slice(0, -1));
  const to = isoDay(now);
  return { preset, from: addDays(to, -(days - 1)), to, days };
}

const dayString = z.iso.date();

/** Reads `period` (7d/30d/90d/custom) with `from`/`to` for a custom range; anything unusable falls back to 30d. */
export function parseReportPeriod(query: unknown, now: Date = new Date()): PeriodResult {
  const q = (query && typeof query === "object" ? query : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v.trim() : "");
  const input = { from: str(q.from), to: str(q.to) };
  const preset = str(q.period);
  if ((REPORT_PRESETS as readonly string[]).includes(preset)) {
    return { period: presetPeriod(preset as (typeof REPORT_PRESETS)[number], now), errors: {}, input };
  }
  if (preset !== "custom") return { period: presetPeriod("30d", now), errors: {}, input };
  const errors: PeriodResult["errors"] = {};
  if (!dayString.safeParse(input.from).success) errors.from = "Enter a start date.";
  if (!dayString.safeParse(input.to).success) errors.to = "Enter an end date.";
  if (!errors.from && !errors.to) {
    const days = (Date.parse(input.to) - Date.parse(input.from)) / DAY_MS + 1;
    if (days < 1) errors.to = "The end date must be on or after the start date.";
    else if (days > MAX_REPORT_DAYS) errors.to = `Choose a range of at most ${MAX_REPORT_DAYS} days.`;
    else return { period: { preset: "custom", from: input.from, to: input.to, days }, errors, input };
  }
  return { period: presetPeriod("30d", now), errors, input };
}

/** The period's bounds as instants: [start, end). */
export function periodBounds(period: Pick<ReportPeriod, "from" | "to">): { start: Date; end: Date } {
  return { start: new Date(`${period.from}T00:00:00Z`), end: new Date(`${addDays(period.to, 1)}T00:00:00Z`) };
}

/** Managers and admins only; to users the tab does not exist (404, like to outsiders). */
export async function requireReportsAccess(db: Db, caller: Caller, orgName: string): Promise<OrgAccess> {
  try {
    return await requireOrgAccess(db, caller, orgName, "reports.view");
  } catch (e) {
    if (e instanceof Forbidden) throw new NotFound("Page not found");
    throw e;
  }
}

/**
 * The report's project filter (`project` in the URL: "<cluster>/<project>", "none", or absent) as conditions on
 * charges (`l`, the credit ledger) and jobs (`j`). It narrows what is spent and run: the spending figures, the
 * jobs counts and the members table; the balance, top-ups and grants stay the org's.
 */
const reportProjectSchema = z.object({
  project: filterText(MAX_LENGTH.orgName * 2 + 1)
    .optional()
    .catch(undefined),
});

async function reportProject(db: Db, caller: Caller, access: OrgAccess, query: unknown) {
  const { project: value } = reportProjectSchema.parse(query && typeof query === "object" ? query : {});
  const filter = await resolveProjectFilter(db, caller, access, value);
  const on = (column: SQL): SQL =>
    filter.kind === "none"
      ? sql` and ${column} is null`
      : filter.kind === "project"
        ? sql` and ${column} = ${filter.id}`
        : filter.kind === "hidden"
          ? sql` and false`
          : sql``;
  return { filter, charges: on(sql`l.project_id`), jobs: on(sql`j.project_id`) };
}

/** Every UTC day of the period as a row `d` (a timestamp without time zone at midnight). */
function daySeries(period: ReportPeriod): SQL {
  return sql`generate_series(${period.from}::timestamp, ${period.to}::timestamp, interval '1 day') as d`;
}

/** A UTC day boundary (timestamp without time zone) as an instant. */
const utc = (ts: SQL) => sql`((${ts}) at time zone 'UTC')`;

export interface OrgReport {
  org: string;
  period: ReportPeriod;
  /** The project filter in effect (kind "all": the whole org). */
  project: ProjectFilter;
  totals: {
    /** Charges in the period (positive). */
    spent: string;
    /** Top-ups, automatic ones (lib/billing/auto-topup.ts) included. */
    topups: string;
    grants: string;
    adjustments: string;
    openingBalance: string;
    closingBalance: string;
    /** Jobs that ran at some time during the period. */
    jobsRun: number;
  };
  /** 1. Balance at the end of each day (the last ledger entry up to then). */
  balance: { day: string; balance: string }[];
  /** 2. Credits spent per day, per top spender (usernames in `series`, then "Others" when there are more). */
  spendByMember: { series: string[]; days: { day: string; values: Record<string, string> }[] };
  /** 3. Credits spent per cluster and preset, largest first. */
  spendByPreset: { cluster: string; preset: string; spent: string }[];
  /** 3b. Credits spent per project, largest first; project and cluster null: charges without a project. */
  spendByProject: { project: string | null; cluster: string | null; spent: string }[];
  /** 4. Jobs running at some time during each day. */
  runningJobs: { day: string; jobs: number }[];
  /** 5. Top-ups (automatic ones included) and grants in the period, newest first (at most ADDITIONS_LIMIT; `count` is all of them). */
  additions: {
    rows: {
      at: Date;
      kind: "topup" | "auto_topup" | "grant";
      amount: string;
      actor: string | null;
      note: string | null;
    }[];
    count: number;
  };
  /**
   * 5b. A platform admin's balance settings in the period (kind 'adjustment', signed: they may take credits away),
   * newest first, listed apart from the additions and never counted in their total.
   */
  adjustments: {
    rows: { at: Date; amount: string; actor: string | null; note: string | null }[];
    count: number;
  };
}

export const OTHERS = "Others";

/** Panels 1–5 of the Reports tab for one org and period. */
export async function getOrgReport(db: Db, caller: Caller, orgName: string, query: unknown): Promise<OrgReport> {
  const access = await requireReportsAccess(db, caller, orgName);
  const { period } = parseReportPeriod(query);
  const project = await reportProject(db, caller, access, query);
  const orgId = access.org.id;
  const { start, end } = periodBounds(period);
  const inPeriod = sql`l.org_id = ${orgId} and l.created_at >= ${start} and l.created_at < ${end}`;
  /** Charges in the period (of the filtered project). */
  const charges = sql`${inPeriod} and l.kind = 'charge'${project.charges}`;
  const balanceAt = (instant: SQL) =>
    sql`coalesce((select b.balance_after from credit_ledger b where b.org_id = ${orgId} and b.created_at < ${instant}
          order by b.created_at desc, b.id desc limit 1), 0)`;

  const [totals, balance, spend, presets, byProject, running, additions, adjustments] = await Promise.all([
    rawRows<OrgReport["totals"]>(
      db,
      sql`select
        coalesce(-sum(l.amount) filter (where l.kind = 'charge'${project.charges}), 0)::text as spent,
        coalesce(sum(l.amount) filter (where l.kind in ('topup', 'auto_topup')), 0)::text as topups,
        coalesce(sum(l.amount) filter (where l.kind = 'grant'), 0)::text as grants,
        coalesce(sum(l.amount) filter (where l.kind = 'adjustment'), 0)::text as adjustments,
        (${balanceAt(sql`${start}::timestamptz`)})::text as "openingBalance",
        (${balanceAt(sql`${end}::timestamptz`)})::text as "closingBalance",
        (select count(*)::int from jobs j where j.org_id = ${orgId} and j.started_at < ${end}
          and (j.stopped_at is null or j.stopped_at >= ${start})${project.jobs}) as "jobsRun"
      from credit_ledger l where ${inPeriod}`,
    ),
    rawRows<{ day: string; balance: string }>(
      db,
      sql`select to_char(d, 'YYYY-MM-DD') as day, (${balanceAt(utc(sql`d + interval '1 day'`))})::text as balance
          from ${daySeries(period)} order by d`,
    ),
    rawRows<{ day: string; member: string | null; spent: string }>(
      db,
      sql`with c as (
            select l.member_id, to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, -l.amount as spent
            from credit_ledger l where ${charges}
          ), top as (
            select c.member_id, u.username from c join users u on u.id = c.member_id
            group by c.member_id, u.username order by sum(c.spent) desc, u.username limit ${TOP_SPENDERS}
          )
          select c.day, top.username as member, sum(c.spent)::text as spent
          from c left join top on top.member_id = c.member_id
          group by c.day, top.username order by c.day, top.username`,
    ),
    rawRows<{ cluster: string; preset: string; spent: string }>(
      db,
      sql`select coalesce(cl.name, '(unknown)') as cluster, coalesce(j.preset_name, '(unknown)') as preset,
            (-sum(l.amount))::text as spent
          from credit_ledger l left join jobs j on j.id = l.job_id left join clusters cl on cl.id = j.cluster_id
          where ${charges}
          group by 1, 2 order by sum(l.amount), 1, 2`,
    ),
    rawRows<{ project: string | null; cluster: string | null; spent: string }>(
      db,
      sql`select p.name as project, pc.name as cluster, (-sum(l.amount))::text as spent
          from credit_ledger l left join projects p on p.id = l.project_id left join clusters pc on pc.id = p.cluster_id
          where ${charges}
          group by 1, 2 order by sum(l.amount), 1 nulls last, 2`,
    ),
    rawRows<{ day: string; jobs: number }>(
      db,
      sql`select to_char(d, 'YYYY-MM-DD') as day,
            (select count(*)::int from jobs j where j.org_id = ${orgId}
              and j.started_at < ${utc(sql`d + interval '1 day'`)}
              and (j.stopped_at is null or j.stopped_at >= ${utc(sql`d`)})${project.jobs}) as jobs
          from ${daySeries(period)} order by d`,
    ),
    rawRows<OrgReport["additions"]["rows"][number] & { count: number }>(
      db,
      sql`select l.created_at as at, l.kind, l.amount::text as amount, a.username as actor, l.note,
            count(*) over ()::int as count
          from credit_ledger l left join users a on a.id = l.actor_id
          where ${inPeriod} and l.kind in ('topup', 'auto_topup', 'grant')
          order by l.created_at desc, l.id desc limit ${ADDITIONS_LIMIT}`,
    ),
    rawRows<OrgReport["adjustments"]["rows"][number] & { count: number }>(
      db,
      sql`select l.created_at as at, l.amount::text as amount, a.username as actor, l.note,
            count(*) over ()::int as count
          from credit_ledger l left join users a on a.id = l.actor_id
          where ${inPeriod} and l.kind = 'adjustment'
          order by l.created_at desc, l.id desc limit ${ADDITIONS_LIMIT}`,
    ),
  ]);

  // Top spenders by their period total (the query orders rows by day): rank them for a stable stacking order.
  const totalsBy = new Map<string, bigint>();
  for (const r of spend)
    totalsBy.set(r.member ?? OTHERS, (totalsBy.get(r.member ?? OTHERS) ?? 0n) + creditUnits(r.spent));
  const series = [...totalsBy.keys()]
    .filter((k) => k !== OTHERS)
    .sort((a, b) => Number(totalsBy.get(b)! - totalsBy.get(a)!) || a.localeCompare(b));
  if (totalsBy.has(OTHERS)) series.push(OTHERS);
  const byDay = new Map<string, Record<string, string>>();
  for (const r of spend) {
    const values = byDay.get(r.day) ?? {};
    values[r.member ?? OTHERS] = r.spent;
    byDay.set(r.day, values);
  }

  return {
    org: access.org.name,
    period,
    project: project.filter,
    totals: totals[0]!,
    balance,
    spendByMember: {
      series,
      days: balance.map(({ day }) => ({
        day,
        values: Object.fromEntries(series.map((s) => [s, byDay.get(day)?.[s] ?? "0"])),
      })),
    },
    spendByPreset: presets,
    spendByProject: byProject,
    runningJobs: running,
    additions: {
      rows: additions.map((r) => ({
        at: new Date(r.at),
        kind: r.kind,
        amount: r.amount,
        actor: r.actor,
        note: r.note,
      })),
      count: additions[0]?.count ?? 0,
    },
    adjustments: {
      rows: adjustments.map((r) => ({ at: new Date(r.at), amount: r.amount, actor: r.actor, note: r.note })),
      count: adjustments[0]?.count ?? 0,
    },
  };
}

export const memberQuerySchema = z.object({
  sort: z.enum(MEMBER_REPORT_SORTS).catch("spent"),
  dir: z.enum(["asc", "desc"]).catch("desc"),
  /** "hide": members who spent nothing in the period are left out (rows, count and CSV). */
  zero: z.enum(["show", "hide"]).catch("show"),
  ...pagingShape(25),
});

export interface MemberReportRow {
  username: string;
  name: string | null;
  /** null: no longer a member (their spending in the period still counts). */
  role: OrgRole | null;
  creditLimit: string | null;
  spent: string;
  jobs: number;
  /** Percent of the org's spending in the period, two decimals. */
  share: string;
}

const SORT_SQL: Record<(typeof MEMBER_REPORT_SORTS)[number], SQL> = {
  username: sql`p.username`,
  role: sql`case p.role when 'admin' then 3 when 'manager' then 2 when 'user' then 1 else 0 end`,
  spent: sql`coalesce(s.spent, 0)`,
  jobs: sql`coalesce(r.n, 0)`,
  // Unlimited sorts above every number.
  limit: sql`coalesce(p.credit_limit, 'Infinity'::numeric)`,
  share: sql`coalesce(s.spent, 0)`,
};

/** Panel 6's query: who (members, and former members who spent in the period) with what; then `select`. */
function memberReportSql(orgId: string, period: ReportPeriod, project: { charges: SQL; jobs: SQL }, select: SQL): SQL {
  const { start, end } = periodBounds(period);
  return sql`with spend as (
      select l.member_id, -sum(l.amount) as spent from credit_ledger l
      where l.org_id = ${orgId} and l.created_at >= ${start} and l.created_at < ${end} and l.kind = 'charge'
        ${project.charges}
      group by l.member_id
    ), runs as (
      select j.user_id, count(*)::int as n from jobs j
      where j.org_id = ${orgId} and j.started_at < ${end} and (j.stopped_at is null or j.stopped_at >= ${start})
        ${project.jobs}
      group by j.user_id
    ), total as (select coalesce(sum(spent), 0) as t from spend),
    people as (
      select m.user_id, m.username, m.role::text as role, m.credit_limit from org_members m where m.org_id = ${orgId}
      union all
      select s.member_id, u.username, null, null from spend s join users u on u.id = s.member_id
      where not exists (select 1 from org_members m where m.org_id = ${orgId} and m.user_id = s.member_id)
    )
    ${select}`;
}

/** Leaves out who spent nothing in the period (the "hide members who spent nothing" toggle). */
const spentFilter = (zero: "show" | "hide") => (zero === "hide" ? sql`where coalesce(s.spent, 0) <> 0` : sql``);

/** The rows of panel 6 in `order` (which may end in LIMIT/OFFSET). */
const memberRows = (
  order: SQL,
  filter: SQL = sql``,
) => sql`select p.username, u.name, p.role, p.credit_limit::text as "creditLimit",
      coalesce(s.spent, 0)::text as spent, coalesce(r.n, 0) as jobs,
      (case when t.t > 0 then round(coalesce(s.spent, 0) * 100 / t.t, 2) else 0 end)::numeric(6, 2)::text as share
    from people p
      join users u on u.id = p.user_id
      left join spend s on s.member_id = p.user_id
      left join runs r on r.user_id = p.user_id
      cross join total t
    ${filter}
    ${order}`;

/** Access, period and table state of panel 6, and its ORDER BY. */
async function memberReportQuery(db: Db, caller: Caller, orgName: string, query: unknown) {
  const access = await requireReportsAccess(db, caller, orgName);
  const { period } = parseReportPeriod(query);
  const project = await reportProject(db, caller, access, query);
  const q = memberQuerySchema.parse(query ?? {});
  const order = sql`order by ${SORT_SQL[q.sort]} ${q.dir === "asc" ? sql`asc` : sql`desc`}, p.username`;
  return { orgId: access.org.id, period, project, q, order };
}

/** Panel 6: members with their spending, jobs, limit and share in the period; sorted and paged in the database. */
export async function listMemberReport(db: Db, caller: Caller, orgName: string, query: unknown) {
  const { orgId, period, project, q, order } = await memberReportQuery(db, caller, orgName, query);
  const page = sql`${order} limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
  const filter = spentFilter(q.zero);
  const countSql = sql`select count(*)::int as n from people p left join spend s on s.member_id = p.user_id ${filter}`;
  const [rows, [count]] = await Promise.all([
    rawRows<MemberReportRow>(db, memberReportSql(orgId, period, project, memberRows(page, filter))),
    rawRows<{ n: number }>(db, memberReportSql(orgId, period, project, countSql)),
  ]);
  return { rows, total: count?.n ?? 0, query: q, period };
}

/** Panel 6 as CSV: every row of the period, in the chosen order. */
export async function exportMemberReportCsv(db: Db, caller: Caller, orgName: string, query: unknown): Promise<string> {
  const { orgId, period, project, q, order } = await memberReportQuery(db, caller, orgName, query);
  const rows = await rawRows<MemberReportRow>(
    db,
    memberReportSql(orgId, period, project, memberRows(order, spentFilter(q.zero))),
  );
  return csvDocument(
    ["username", "name", "role", "credits_spent", "jobs_run", "credit_limit", "share_percent", "from", "to"],
    rows.map((r) => [
      r.username,
      r.name,
      r.role ?? "former member",
      r.spent,
      r.jobs,
      r.role === null ? "" : (r.creditLimit ?? "unlimited"),
      r.share,
      period.from,
      period.to,
    ]),
  );
}
