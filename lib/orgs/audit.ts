import { and, desc, eq, gte, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { auditEvents } from "@/db/schema";
import { requireOrgAccess, type OrgRef } from "../core/authz";
import { type Caller } from "../core/caller";
import { csvDocument } from "../core/csv";
import { filterText, MAX_LENGTH, pagingShape } from "../core/validation";

/**
 * Every action an audit row is written with: the type of recordAudit's `action` and the Audit log's filter.
 * Platform-level events (clusters, presets, cluster tokens, platform admins) are written with no org.
 */
export const AUDIT_ACTIONS = [
  "org.created",
  "org.deleted",
  "org.renamed",
  "org.credit_settings_changed",
  "member.added",
  "member.role_changed",
  "member.removed",
  "member.left",
  "member.quota_changed",
  "invitation.created",
  "invitation.resent",
  "invitation.link_renewed",
  "invitation.revoked",
  "invitation.accepted",
  "invitation.declined",
  "credits.granted",
  "credits.charged",
  // automatic top-up (lib/billing/auto-topup.ts): settings turned on, off or changed; the system turning it off
  "credits.auto_topup_enabled",
  "credits.auto_topup_disabled",
  "credits.auto_topup_changed",
  "credits.auto_topup_failed",
  "credits.auto_topup_card_saved",
  "cluster.created",
  "cluster.org_set",
  "cluster.org_removed",
  "cluster_token.created",
  "cluster_token.revoked",
  "preset.created",
  "preset.deleted",
  "platform_admin.granted",
  "account.deleted",
  // projects (lib/projects)
  "project.created",
  "project.updated",
  "project.deleted",
  "project.member_added",
  "project.member_role_changed",
  "project.member_removed",
  "project.member_left",
  // artifacts (lib/artifacts): disks, buckets, secrets (never their values), images; disk storage rates
  "artifact.created",
  "artifact.secret_replaced",
  "artifact.deleted",
  "cluster.storage_rate_set",
  // the API (issue 13): a cluster's service URLs for the apolo CLI (lib/compute/cluster-urls.ts)
  "cluster.urls_set",
  // cluster access requests (issue 14, lib/compute/cluster-access.ts): an org asks, a platform admin decides
  "cluster_access.requested",
  "cluster_access.approved",
  "cluster_access.declined",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What the Audit log and its CSV export call each action: a sentence start a person reads, not a code. */
export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  "org.created": "Created the organization",
  "org.deleted": "Deleted the organization",
  "org.renamed": "Renamed the organization",
  "cluster_access.requested": "Requested cluster access",
  "cluster_access.approved": "Approved cluster access",
  "cluster_access.declined": "Declined cluster access",
  "org.credit_settings_changed": "Changed credit settings",
  "member.added": "Added member",
  "member.role_changed": "Changed role",
  "member.removed": "Removed member",
  "member.left": "Left the organization",
  "member.quota_changed": "Changed member limits",
  "invitation.created": "Invited",
  "invitation.resent": "Resent invitation",
  "invitation.link_renewed": "Renewed invitation link",
  "invitation.revoked": "Revoked invitation",
  "invitation.accepted": "Accepted invitation",
  "invitation.declined": "Declined invitation",
  "credits.granted": "Granted credits",
  "credits.charged": "Charged credits",
  "credits.auto_topup_enabled": "Turned on automatic top-up",
  "credits.auto_topup_disabled": "Turned off automatic top-up",
  "credits.auto_topup_changed": "Changed automatic top-up",
  "credits.auto_topup_failed": "Automatic top-up failed",
  "credits.auto_topup_card_saved": "Saved a card for automatic top-up",
  "cluster.created": "Created cluster",
  "cluster.org_set": "Gave the organization a cluster",
  "cluster.org_removed": "Removed the organization from a cluster",
  "cluster_token.created": "Created cluster token",
  "cluster_token.revoked": "Revoked cluster token",
  "preset.created": "Created preset",
  "preset.deleted": "Deleted preset",
  "platform_admin.granted": "Made platform admin",
  "account.deleted": "Deleted account",
  "project.created": "Created project",
  "project.updated": "Changed project",
  "project.deleted": "Deleted project",
  "project.member_added": "Added project member",
  "project.member_role_changed": "Changed project role",
  "project.member_removed": "Removed project member",
  "project.member_left": "Left project",
  "artifact.created": "Created artifact",
  "artifact.secret_replaced": "Replaced secret",
  "artifact.deleted": "Deleted artifact",
  "cluster.storage_rate_set": "Set storage rate",
  "cluster.urls_set": "Set cluster URLs",
};

/** The label of a stored action; an action no longer in AUDIT_ACTIONS shows as written. */
export function auditActionLabel(action: string): string {
  return (AUDIT_ACTION_LABELS as Record<string, string>)[action] ?? action;
}

/** A grouped row's label: "Invited 45 people" for a bulk invite, else the action's label and the count. */
export function auditBatchLabel(action: string, count: number): string {
  if (action === "invitation.created") return `Invited ${count.toLocaleString("en")} people`;
  return `${auditActionLabel(action)} (${count.toLocaleString("en")})`;
}

export interface AuditEntry {
  org: { id: string; name: string } | null;
  /** `tokenName` when the change came through a personal access token (shown as "via token <name>"). */
  actor: { id: string; username: string; tokenName?: string } | null;
  action: AuditAction;
  target: { type: string; id?: string; label?: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** One id shared by every row a bulk operation writes (a bulk invite): the Audit log groups them. */
  batchId?: string;
}

/** Writes one audit row. Call it with the transaction that makes the change, never with a token in it. */
export async function recordAudit(tx: Tx, e: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values({
    orgId: e.org?.id ?? null,
    orgName: e.org?.name ?? null,
    actorId: e.actor?.id ?? null,
    actorUsername: e.actor?.username ?? null,
    action: e.action,
    targetType: e.target.type,
    targetId: e.target.id ?? null,
    targetLabel: e.target.label ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    viaToken: e.actor?.tokenName ?? null,
    batchId: e.batchId ?? null,
  });
}

/** A day in the URL (YYYY-MM-DD, UTC); anything else is no filter. */
const dayParam = z.iso
  .date()
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)))
  .optional()
  .catch(undefined);

export const auditQuerySchema = z.object({
  action: z.enum(AUDIT_ACTIONS).optional().catch(undefined),
  actor: filterText(MAX_LENGTH.usernameFilter).optional().catch(undefined),
  /** From the start of this UTC day. */
  from: dayParam,
  /** Through the end of this UTC day. */
  to: dayParam,
  ...pagingShape(50),
});
export type AuditQuery = z.output<typeof auditQuerySchema>;

/** Labels listed per grouped row (a bulk invite holds at most MAX_INVITE_ENTRIES). */
const BATCH_MEMBERS_SHOWN = 200;

export type AuditListRow = typeof auditEvents.$inferSelect & {
  /** Rows in the batch (1 for a single change). */
  count: number;
  /** For a grouped row: the targets of its rows, oldest first. */
  batchTargets: string[];
};

function auditFilters(orgId: string, q: AuditQuery) {
  const filters = [eq(auditEvents.orgId, orgId)];
  if (q.action) filters.push(eq(auditEvents.action, q.action));
  if (q.actor) filters.push(eq(auditEvents.actorUsername, q.actor.toLowerCase()));
  if (q.from) filters.push(gte(auditEvents.createdAt, new Date(`${q.from}T00:00:00Z`)));
  if (q.to) filters.push(lt(auditEvents.createdAt, new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000)));
  return filters;
}

/**
 * An org's audit log, newest first, filterable by action, actor and days, paged in the database. The rows of
 * one bulk operation (same batch id, written in one transaction) are one row: its newest row stands for the
 * batch, with the batch's size and targets, so a page never splits a batch and the total counts batches.
 */
export async function listAuditEvents(db: Db, caller: Caller, org: OrgRef, query: unknown) {
  const access = await requireOrgAccess(db, caller, org, "settings.open");
  const q = auditQuerySchema.parse(query ?? {});
  const filters = auditFilters(access.org.id, q);
  // A batch's rows share org, actor, action and time: the filters keep all of them or none.
  const representative = or(
    isNull(auditEvents.batchId),
    sql`not exists (select 1 from audit_events later where later.batch_id = ${auditEvents.batchId} and later.id > ${auditEvents.id})`,
  );
  const [page, [total]] = await Promise.all([
    db
      .select()
      .from(auditEvents)
      .where(and(...filters, representative))
      .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize),
    db
      .select({
        n: sql<number>`(count(*) filter (where ${auditEvents.batchId} is null) + count(distinct ${auditEvents.batchId}))::int`,
      })
      .from(auditEvents)
      .where(and(...filters)),
  ]);
  const batchIds = page.flatMap((r) => (r.batchId ? [r.batchId] : []));
  const members = batchIds.length
    ? await db
        .select({ batchId: auditEvents.batchId, label: auditEvents.targetLabel })
        .from(auditEvents)
        .where(and(eq(auditEvents.orgId, access.org.id), inArray(auditEvents.batchId, batchIds)))
        .orderBy(auditEvents.id)
    : [];
  const byBatch = new Map<string, string[]>();
  for (const m of members) {
    const list = byBatch.get(m.batchId!) ?? [];
    list.push(m.label ?? "—");
    byBatch.set(m.batchId!, list);
  }
  const rows: AuditListRow[] = page.map((r) => {
    const targets = r.batchId ? (byBatch.get(r.batchId) ?? []) : [];
    return {
      ...r,
      count: Math.max(1, targets.length),
      batchTargets: targets.length > 1 ? targets.slice(0, BATCH_MEMBERS_SHOWN) : [],
    };
  });
  return { rows, total: total?.n ?? 0, query: q };
}

/** Rows an export holds at most (newest first); the file says when it stopped there. */
export const AUDIT_EXPORT_CAP = 50_000;

/**
 * The Audit log as CSV: the same authorization and filters as the page, one line per event (a bulk invite's
 * rows each on their own line, with the batch id), newest first, capped at AUDIT_EXPORT_CAP lines.
 */
export async function exportAuditCsv(db: Db, caller: Caller, org: OrgRef, query: unknown): Promise<string> {
  const access = await requireOrgAccess(db, caller, org, "settings.open");
  const q = auditQuerySchema.parse(query ?? {});
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(...auditFilters(access.org.id, q)))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(AUDIT_EXPORT_CAP + 1);
  const lines = rows
    .slice(0, AUDIT_EXPORT_CAP)
    .map((r) => [
      r.createdAt.toISOString(),
      r.actorUsername ?? "",
      r.viaToken ?? "",
      auditActionLabel(r.action),
      r.action,
      r.targetType,
      r.targetLabel ?? "",
      r.before == null ? "" : JSON.stringify(r.before),
      r.after == null ? "" : JSON.stringify(r.after),
      r.batchId ?? "",
    ]);
  if (rows.length > AUDIT_EXPORT_CAP)
    lines.push([`Stopped at ${AUDIT_EXPORT_CAP} rows: narrow the dates to export the rest.`]);
  return csvDocument(
    ["Time (UTC)", "Actor", "Via token", "Action", "Action code", "Target type", "Target", "Before", "After", "Batch"],
    lines,
  );
}
