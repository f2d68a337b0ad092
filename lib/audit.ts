import type { Db } from "@/db";
import { auditEvents } from "@/db/schema";

export interface AuditEntry {
  org: { id: string; name: string } | null;
  actor: { id: string; username: string } | null;
  action: string;
  target: { type: string; id?: string; label?: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** Writes one audit row. Call it with the transaction that makes the change, never with a token in it. */
export async function recordAudit(tx: Db, e: AuditEntry): Promise<void> {
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
  });
}
