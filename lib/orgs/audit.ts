import { and, count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { auditEvents } from "@/db/schema";
import { requireOrgAccess, type OrgRef } from "../core/authz";
import { type Caller } from "../core/caller";
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

export interface AuditEntry {
  org: { id: string; name: string } | null;
  /** `tokenName` when the change came through a personal access token (shown as "via token <name>"). */
  actor: { id: string; username: string; tokenName?: string } | null;
  action: AuditAction;
  target: { type: string; id?: string; label?: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
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
  });
}

export const auditQuerySchema = z.object({
  action: z.enum(AUDIT_ACTIONS).optional().catch(undefined),
  actor: filterText(MAX_LENGTH.usernameFilter).optional().catch(undefined),
  ...pagingShape(50),
});

/** An org's audit log, newest first, filterable by action and actor, paged in the database. */
export async function listAuditEvents(db: Db, caller: Caller, org: OrgRef, query: unknown) {
  const access = await requireOrgAccess(db, caller, org, "settings.open");
  const q = auditQuerySchema.parse(query ?? {});
  const filters = [eq(auditEvents.orgId, access.org.id)];
  if (q.action) filters.push(eq(auditEvents.action, q.action));
  if (q.actor) filters.push(eq(auditEvents.actorUsername, q.actor.toLowerCase()));
  const where = and(...filters);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(auditEvents)
      .where(where)
      .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize),
    db.select({ n: count() }).from(auditEvents).where(where),
  ]);
  return { rows, total: total?.n ?? 0, query: q };
}
