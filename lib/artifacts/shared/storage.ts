/**
 * Disk storage charges (not an operation: called inside the transactions of operations that authorized their
 * caller — meterStorage for the system, deleteArtifact for a project writer, setClusterStorageRate for a
 * platform admin). Kept out of lib/artifacts/*.ts so the project matrix doesn't take it for an operation.
 *
 * A disk costs size (GiB, 2^30 bytes) × its cluster's storage_credits_per_gb_hour × hours. Charges telescope, as
 * job metering does (lib/compute/metering.ts): an interval [charged_until, now] costs
 *   round(rate × GB × (now − created)/3600 s, 8) − round(rate × GB × (charged_until − created)/3600 s, 8)
 * so ticks of any length add up to exactly round(rate × GB × lifetime, 8) while the rate stays the same, and a
 * new rate applies from the moment it was set (setClusterStorageRate settles every disk at the old rate first).
 * Each charge is a ledger row (postLedger: kind "charge", the disk's project and id, its owner as member) keyed
 * `disk:<id>:<charged_until epoch ms>`, so a replayed interval changes nothing.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "@/db";
import { rawRows } from "@/db/client";
import { artifacts, orgWallets } from "@/db/schema";
import { postLedger, stopExhaustedJobs } from "../../billing/ledger";
import { addCredits, isNonPositive } from "../../core/credits-amount";
import type { MailMessage } from "../../mail/mail";

export const BYTES_PER_GB = 1024 ** 3;

export interface SettledStorage {
  /** Ledger rows posted. */
  charged: number;
  /** Their total (decimal string, positive). */
  total: string;
  mails: MailMessage[];
  /** Running jobs stopped (QuotaExhausted) because a storage charge emptied their org's balance. */
  stoppedJobs: string[];
}

/**
 * Settles the given disks (any other kind is ignored) up to `now`, in the caller's transaction. Lock order
 * (lib/billing/ledger.ts): the disks' org wallets in org id order, then the disk rows in id order; the dues are
 * read after the locks, in a statement of their own (so a rate committed meanwhile is the one used).
 */
export async function settleDisks(tx: Tx, diskIds: string[], now: Date, appUrl?: string): Promise<SettledStorage> {
  const out: SettledStorage = { charged: 0, total: "0", mails: [], stoppedJobs: [] };
  if (diskIds.length === 0) return out;
  const ids = [...new Set(diskIds)];
  const orgIds = tx.select({ orgId: artifacts.orgId }).from(artifacts).where(inArray(artifacts.id, ids));
  await tx
    .select({ id: orgWallets.orgId })
    .from(orgWallets)
    .where(inArray(orgWallets.orgId, orgIds))
    .orderBy(asc(orgWallets.orgId))
    .for("update");
  const locked = await tx
    .select({ id: artifacts.id })
    .from(artifacts)
    .where(and(inArray(artifacts.id, ids), eq(artifacts.kind, "disk")))
    .orderBy(asc(artifacts.id))
    .for("update");
  if (locked.length === 0) return out;
  const at = now.toISOString();
  const due = await rawRows<{
    id: string;
    org_id: string;
    project_id: string;
    owner_id: string | null;
    since_ms: string;
    delta: string;
  }>(
    tx,
    sql`
    with d as (
      select a.id, a.org_id, a.project_id, a.owner_id, a.created_at,
             coalesce(a.charged_until, a.created_at) as since,
             c.storage_credits_per_gb_hour * coalesce(a.size_bytes, 0)::numeric / ${BYTES_PER_GB}::numeric as per_hour
      from artifacts a join clusters c on c.id = a.cluster_id
      where a.id in (${sql.join(
        locked.map((l) => sql`${l.id}::uuid`),
        sql`, `,
      )})
    )
    select id, org_id, project_id, owner_id,
           (extract(epoch from since) * 1000)::bigint::text as since_ms,
           (case when ${at}::timestamptz <= since then 0
                 else round(per_hour * extract(epoch from (${at}::timestamptz - created_at)) / 3600, 8)
                    - round(per_hour * extract(epoch from (since - created_at)) / 3600, 8) end)::text as delta
    from d order by id`,
  );
  const dry = new Set<string>();
  let total = "0";
  for (const d of due) {
    if (!isNonPositive(d.delta)) {
      const posted = await postLedger(
        tx,
        {
          orgId: d.org_id,
          kind: "charge",
          amount: `-${d.delta}`,
          memberId: d.owner_id,
          projectId: d.project_id,
          artifactId: d.id,
          idempotencyKey: `disk:${d.id}:${d.since_ms}`,
          note: "disk storage",
        },
        appUrl,
      );
      if (posted) {
        out.charged += 1;
        out.mails.push(...posted.mails);
        total = addCredits(total, d.delta);
        await tx
          .update(artifacts)
          .set({ creditsCharged: sql`${artifacts.creditsCharged} + ${d.delta}::numeric` })
          .where(eq(artifacts.id, d.id));
        if (isNonPositive(posted.balanceAfter)) dry.add(d.org_id);
      }
    }
  }
  // Every locked disk is settled up to now (an interval that cost nothing costs nothing later either).
  await tx
    .update(artifacts)
    .set({
      chargedUntil: sql`greatest(coalesce(${artifacts.chargedUntil}, ${artifacts.createdAt}), ${at}::timestamptz)`,
    })
    .where(
      inArray(
        artifacts.id,
        locked.map((l) => l.id),
      ),
    );
  for (const orgId of [...dry].sort()) out.stoppedJobs.push(...(await stopExhaustedJobs(tx, orgId)));
  out.total = total;
  return out;
}
