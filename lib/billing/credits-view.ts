import type { Db } from "@/db";
import { alias } from "drizzle-orm/pg-core";
import { clusters, creditLedger, jobs, orgMembers, orgWallets, projects, users } from "@/db/schema";
import { and, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { allowed, requireOrgAccess } from "../core/authz";
import { type Caller } from "../core/caller";
import { csvDocument } from "../core/csv";
import { cursorLimitSchema, decodeKeyset, encodeKeyset } from "../core/keyset";
import { filterText, MAX_LENGTH, pagingShape, parseInput } from "../core/validation";
import { resolveProjectFilter } from "../projects/choices";
import { LEDGER_KINDS } from "./ledger";
import { hourSpan, ledgerKindLabel, roundCredits } from "./ledger-kinds";

/**
 * An org's wallet as the Credits page shows it: balance, spending, and whether a low-balance threshold was crossed
 * or a warning by projection stands (lib/billing/projection-notices.ts; the banner itself is getBalanceBanner).
 */
async function readWallet(db: Db, orgId: string) {
  const [w] = await db
    .select({
      balance: orgWallets.balance,
      spent: orgWallets.spent,
      notified: orgWallets.notifiedThreshold,
      projectionNotifiedSeconds: orgWallets.projectionNotifiedSeconds,
    })
    .from(orgWallets)
    .where(eq(orgWallets.orgId, orgId));
  const projectionNotifiedSeconds = w?.projectionNotifiedSeconds ?? null;
  return {
    balance: w?.balance ?? "0",
    spent: w?.spent ?? "0",
    lowBalance: (w?.notified ?? null) !== null || projectionNotifiedSeconds !== null,
    /** The warning by projection last sent (seconds before the projected zero), until it is re-armed. */
    projectionNotifiedSeconds,
  };
}

/** The Credits page header: org balance and spending, the caller's own limit and spending, what they may do. */
export async function getCreditsSummary(db: Db, caller: Caller, orgName: string) {
  const access = await requireOrgAccess(db, caller, orgName, "org.view");
  const [[me], wallet] = await Promise.all([
    db
      .select({
        creditLimit: orgMembers.creditLimit,
        spent: orgMembers.spent,
        maxRunningJobs: orgMembers.maxRunningJobs,
      })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, access.caller.id))),
    readWallet(db, access.org.id),
  ]);
  return {
    org: access.org.name,
    role: access.role,
    balance: wallet.balance,
    spent: wallet.spent,
    lowBalance: wallet.lowBalance,
    projectionNotifiedSeconds: wallet.projectionNotifiedSeconds,
    me: { creditLimit: me?.creditLimit ?? null, spent: me?.spent ?? "0", maxRunningJobs: me?.maxRunningJobs ?? null },
    canTopUp: allowed(access, "credits.topup"),
    seesAllLedger: allowed(access, "ledger.viewAll"),
    topUpMinRole: access.org.topUpMinRole,
    defaultUserCreditLimit: access.org.defaultUserCreditLimit,
  };
}

/**
 * The kinds of ledger rows every member sees: what was added to the balance, and a platform admin's adjustments
 * of it (they were shown as grants before they had their own kind).
 */
const ADDITION_KINDS = ["topup", "auto_topup", "grant", "adjustment"] as const;

export const ledgerQuerySchema = z.object({
  kind: z.enum(LEDGER_KINDS).optional().catch(undefined),
  member: filterText(MAX_LENGTH.usernameFilter).optional().catch(undefined),
  /** "<cluster>/<project>" (a project the caller can see), "none" (entries without a project), or absent. */
  project: filterText(MAX_LENGTH.orgName * 2 + 1)
    .optional()
    .catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
  ...pagingShape(50),
});

async function ledgerWhere(db: Db, caller: Caller, orgName: string, query: unknown) {
  const access = await requireOrgAccess(db, caller, orgName, "org.view");
  const q = ledgerQuerySchema.parse(query ?? {});
  const filters: SQL[] = [eq(creditLedger.orgId, access.org.id)];
  // Users see what was added to the balance (top-ups, automatic top-ups, grants) and their own usage; managers
  // and admins see everything.
  if (!allowed(access, "ledger.viewAll")) {
    filters.push(or(inArray(creditLedger.kind, ADDITION_KINDS), eq(creditLedger.memberId, access.caller.id))!);
  }
  if (q.kind) filters.push(eq(creditLedger.kind, q.kind));
  if (q.member)
    filters.push(sql`${creditLedger.memberId} = (select id from users where username = ${q.member.toLowerCase()})`);
  // A project the caller can't see (or that doesn't exist) matches nothing: the filter never reveals one.
  const project = await resolveProjectFilter(db, caller, access, q.project);
  if (project.kind === "none") filters.push(isNull(creditLedger.projectId));
  else if (project.kind === "project") filters.push(eq(creditLedger.projectId, project.id));
  else if (project.kind === "hidden") filters.push(sql`false`);
  if (q.from) filters.push(gte(creditLedger.createdAt, new Date(`${q.from}T00:00:00Z`)));
  if (q.to) filters.push(lt(creditLedger.createdAt, new Date(new Date(`${q.to}T00:00:00Z`).getTime() + 86_400_000)));
  return { where: and(...filters), q, access };
}

const member = users;
const projectCluster = alias(clusters, "project_cluster");
const jobCluster = alias(clusters, "job_cluster");

function ledgerSelect(db: Db) {
  return db
    .select({
      id: creditLedger.id,
      createdAt: creditLedger.createdAt,
      kind: creditLedger.kind,
      amount: creditLedger.amount,
      balanceAfter: creditLedger.balanceAfter,
      actor: sql<string | null>`(select username from users a where a.id = ${creditLedger.actorId})`,
      member: member.username,
      /** The job a charge is for (its detail page: /orgs/<org>/jobs/<jobId>); null for other rows. */
      jobId: creditLedger.jobId,
      jobName: jobs.name,
      /** The cluster the job ran on. */
      jobCluster: jobCluster.name,
      /** A job's hourly charge row: the UTC hour it covers (null: any other row). */
      periodStart: creditLedger.periodStart,
      /** When a growing row last grew (null: written once). */
      updatedAt: creditLedger.updatedAt,
      /** null: the entry is for no project (top-ups, grants, jobs without a project). */
      projectName: projects.name,
      projectCluster: projectCluster.name,
      note: creditLedger.note,
    })
    .from(creditLedger)
    .leftJoin(member, eq(member.id, creditLedger.memberId))
    .leftJoin(jobs, eq(jobs.id, creditLedger.jobId))
    .leftJoin(jobCluster, eq(jobCluster.id, jobs.clusterId))
    .leftJoin(projects, eq(projects.id, creditLedger.projectId))
    .leftJoin(projectCluster, eq(projectCluster.id, projects.clusterId));
}

/**
 * The ledger, newest first, filtered by kind, member, project and date range (UTC days), paged in the database.
 * Each row names its project (projectName/projectCluster, null: no project).
 */
export async function listLedger(db: Db, caller: Caller, orgName: string, query: unknown) {
  const { where, q } = await ledgerWhere(db, caller, orgName, query);
  const [rows, [total]] = await Promise.all([
    ledgerSelect(db)
      .where(where)
      .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(creditLedger)
      .where(where),
  ]);
  return { rows, total: total?.n ?? 0, query: q };
}

/** Rows per page of the cursor-paged ledger (the API's `limit`). */
export const LEDGER_CURSOR_LIMITS = { default: 50, max: 200 } as const;

export const ledgerCursorSchema = cursorLimitSchema(LEDGER_CURSOR_LIMITS.default, LEDGER_CURSOR_LIMITS.max);

/**
 * The ledger (same filters and visibility as listLedger, newest first) paged by an opaque cursor instead of a page
 * number: each page starts strictly after the previous page's last row, so entries posted meanwhile never shift
 * or repeat rows (keyset on (created_at, id), the order listLedger uses). `nextCursor` is null on the last page.
 */
export async function listLedgerByCursor(db: Db, caller: Caller, orgName: string, query: unknown) {
  const { cursor, limit, ...filters } = (query ?? {}) as Record<string, unknown>;
  const paging = parseInput(ledgerCursorSchema, { cursor, limit });
  const { where } = await ledgerWhere(db, caller, orgName, filters);
  const after = paging.cursor ? decodeKeyset(paging.cursor, "bigint") : null;
  const rows = await ledgerSelect(db)
    .where(
      and(
        where,
        after
          ? sql`(${creditLedger.createdAt}, ${creditLedger.id}) < (${after.at}::timestamptz, ${after.id}::bigint)`
          : undefined,
      ),
    )
    .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
    .limit(paging.limit + 1);
  const more = rows.length > paging.limit;
  const page = more ? rows.slice(0, paging.limit) : rows;
  const last = page.at(-1);
  let nextCursor: string | null = null;
  if (more && last) {
    // The exact timestamp (a JS Date keeps milliseconds only): read back as PostgreSQL prints it.
    const [pos] = await db
      .select({ at: sql<string>`${creditLedger.createdAt}::text` })
      .from(creditLedger)
      .where(eq(creditLedger.id, last.id));
    if (pos) nextCursor = encodeKeyset(pos.at, last.id);
  }
  return { rows: page, nextCursor, limit: paging.limit };
}

export const CSV_EXPORT_LIMIT = 100_000;

/**
 * The same view as CSV (filters apply, no paging; at most CSV_EXPORT_LIMIT rows), for people and spreadsheets:
 * readable kinds, amounts rounded to 2 decimals next to their exact values, a job's hourly row with its hour span
 * and last update, and the job, project and cluster in columns of their own. Times are ISO 8601 UTC.
 */
export async function exportLedgerCsv(db: Db, caller: Caller, orgName: string, query: unknown): Promise<string> {
  const { where } = await ledgerWhere(db, caller, orgName, query);
  const rows = await ledgerSelect(db)
    .where(where)
    .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
    .limit(CSV_EXPORT_LIMIT);
  return csvDocument(
    [
      "time",
      "hour",
      "last_updated",
      "kind",
      "amount",
      "amount_exact",
      "balance_after",
      "balance_after_exact",
      "actor",
      "member",
      "job",
      "project",
      "cluster",
      "note",
    ],
    rows.map((r) => [
      r.createdAt,
      hourSpan(r.periodStart),
      r.updatedAt,
      ledgerKindLabel(r.kind),
      roundCredits(r.amount),
      r.amount,
      roundCredits(r.balanceAfter),
      r.balanceAfter,
      r.actor,
      r.member,
      r.jobName,
      r.projectName,
      r.projectCluster ?? r.jobCluster,
      r.note,
    ]),
  );
}
