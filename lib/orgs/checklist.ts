import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { allowed, requireOrgAccess, type OrgRef } from "../core/authz";
import type { Caller } from "../core/caller";
import { roleAtLeast } from "../core/roles";

/**
 * The getting-started checklist of an org's overview (issue 14, "A newcomer path"): four steps, each read from
 * the database, so they tick themselves off. `can` says whether the caller may do the step (a user can't
 * invite); a step they can't do is shown as information.
 */
export interface OrgChecklist {
  invite: { done: boolean; can: boolean };
  topUp: { done: boolean; can: boolean };
  cluster: {
    done: boolean;
    /** Org managers and admins ask platform admins for cluster access. */
    can: boolean;
    /** The latest request while the org is on no cluster: pending, or declined (it may ask again). */
    request: {
      status: "pending" | "declined";
      createdAt: Date;
      decidedAt: Date | null;
      /** The platform admin's reason for a decline (null: none given, or pending). */
      reason: string | null;
    } | null;
  };
  job: { done: boolean; can: boolean };
  /** Every step done: the overview collapses the checklist. */
  allDone: boolean;
}

type Row = {
  others: boolean;
  invited: boolean;
  funded: boolean;
  on_cluster: boolean;
  has_job: boolean;
  req_status: "pending" | "approved" | "declined" | null;
  req_created: Date | string | null;
  req_decided: Date | string | null;
  req_reason: string | null;
};

const asDate = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v));

/** Any member of the org reads its checklist (one query). */
export async function getOrgChecklist(db: Db, caller: Caller, input: { org: OrgRef }): Promise<OrgChecklist> {
  const access = await requireOrgAccess(db, caller, input.org, "org.view");
  const orgId = access.org.id;
  const [r] = await rawRows<Row>(
    db,
    sql`select
          exists (select 1 from org_members m where m.org_id = ${orgId} and m.user_id <> ${access.caller.id}) as others,
          exists (select 1 from invitations i where i.org_id = ${orgId} and i.accepted_at is null
                  and i.declined_at is null and i.revoked_at is null and i.expires_at > now()) as invited,
          exists (select 1 from credit_ledger l where l.org_id = ${orgId}
                  and l.kind in ('topup', 'auto_topup', 'grant')) as funded,
          exists (select 1 from org_clusters oc where oc.org_id = ${orgId}) as on_cluster,
          exists (select 1 from jobs j where j.org_id = ${orgId}) as has_job,
          r.status as req_status, r.created_at as req_created, r.decided_at as req_decided,
          r.decline_reason as req_reason
        from (select 1) one
        left join lateral (select status, created_at, decided_at, decline_reason from cluster_access_requests
                           where org_id = ${orgId} order by created_at desc, id desc limit 1) r on true`,
  );
  const row = r!;
  const onCluster = Boolean(row.on_cluster);
  const request =
    !onCluster && (row.req_status === "pending" || row.req_status === "declined")
      ? {
          status: row.req_status,
          createdAt: asDate(row.req_created)!,
          decidedAt: asDate(row.req_decided),
          reason: row.req_status === "declined" ? row.req_reason : null,
        }
      : null;
  const checklist = {
    invite: { done: Boolean(row.others || row.invited), can: allowed(access, "members.invite") },
    topUp: { done: Boolean(row.funded), can: allowed(access, "credits.topup") },
    cluster: { done: onCluster, can: roleAtLeast(access.role, "manager"), request },
    job: { done: Boolean(row.has_job), can: allowed(access, "jobs.run") },
  };
  return {
    ...checklist,
    allDone: checklist.invite.done && checklist.topUp.done && checklist.cluster.done && checklist.job.done,
  };
}
