import { and, desc, eq, isNotNull, isNull, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { clusterAccessRequests, clusters, orgClusters, orgs, users } from "@/db/schema";
import { requireOrgAccess } from "../core/authz";
import { requireUser, type Caller } from "../core/caller";
import { uniqueViolation } from "../core/db-errors";
import { Forbidden, Invalid, NotFound } from "../core/errors";
import { roleAtLeast } from "../core/roles";
import type { Services } from "../core/services";
import { parseInput, safeText } from "../core/validation";
import { enqueueMail, mailCommitted, type MailMessage } from "../mail/mail";
import { recordAudit } from "../orgs/audit";
import { platformAdminNames, requirePlatformAdmin } from "../orgs/platform";
import { setOrgCluster } from "./clusters";

/**
 * Cluster access requests (issue 14, "A newcomer path"): an org on no cluster asks the platform admins to be put
 * on one. Org admins and managers ask (one pending request per org: the partial unique index
 * cluster_access_requests_one_pending); every platform admin is mailed. A platform admin approves it onto a
 * cluster, through the same setOrgCluster the Admin area uses, in one transaction with the status change, or
 * declines it with an optional reason (stored in decline_reason: the org's overview shows it); the requester is
 * mailed either way.
 */

export const MAX_REQUEST_MESSAGE = 500;

const messageField = safeText()
  .trim()
  .max(MAX_REQUEST_MESSAGE, `At most ${MAX_REQUEST_MESSAGE} characters.`)
  .optional()
  .default("");

export const clusterAccessRequestSchema = z.object({ message: messageField });
export const approveClusterAccessSchema = z.object({
  id: z.uuid("No such request."),
  cluster: safeText().trim().min(1, "Choose a cluster.").max(100, "No such cluster."),
});
export const declineClusterAccessSchema = z.object({
  id: z.uuid("No such request."),
  reason: messageField,
});

const PENDING_INDEX = "cluster_access_requests_one_pending";

function alreadyPending(orgName: string): Invalid {
  const message = `Organization '${orgName}' already has a pending cluster access request: a platform admin will answer it.`;
  return new Invalid({ _form: [message] }, message);
}

function mail(to: string, subject: string, lines: string[]): MailMessage {
  return { to, subject, text: lines.join("\n") };
}

/** Every platform admin with an address (the flag or PLATFORM_ADMINS). */
async function platformAdminAddresses(tx: Tx): Promise<string[]> {
  const names = [...platformAdminNames()];
  const rows = await tx
    .select({ email: users.email })
    .from(users)
    .where(
      and(
        isNull(users.deletedAt),
        isNotNull(users.email),
        names.length > 0
          ? or(eq(users.isPlatformAdmin, true), sql`${users.username} in ${names}`)
          : eq(users.isPlatformAdmin, true),
      ),
    );
  return [...new Set(rows.map((r) => r.email!))];
}

/**
 * Asks the platform admins to put the org on a cluster (org admins and managers). Refused when the org is on
 * a cluster already, or has a pending request (checked under the org's lock, and by the unique index).
 */
export async function requestClusterAccess(
  db: Db,
  caller: Caller,
  input: { org: string; message?: unknown },
  svc: Services,
) {
  requireUser(caller, "write");
  const data = parseInput(clusterAccessRequestSchema, { message: input.message ?? "" });
  let mailIds: number[] = [];
  let result: { id: string; createdAt: Date };
  try {
    result = await db.transaction(async (tx) => {
      const locked = await tx
        .select({ id: orgs.id })
        .from(orgs)
        .where(and(eq(orgs.name, input.org), isNull(orgs.deletedAt)))
        .for("no key update");
      if (locked.length === 0) throw new NotFound("Organization not found");
      const access = await requireOrgAccess(tx, caller, input.org, "org.view");
      if (!roleAtLeast(access.role, "manager"))
        throw new Forbidden("Only the organization's managers and admins can request cluster access.");
      const org = access.org;
      const [onCluster] = await tx
        .select({ name: clusters.name })
        .from(orgClusters)
        .innerJoin(clusters, eq(clusters.id, orgClusters.clusterId))
        .where(eq(orgClusters.orgId, org.id))
        .limit(1);
      if (onCluster) {
        const message = `Organization '${org.name}' is already on cluster '${onCluster.name}'.`;
        throw new Invalid({ _form: [message] }, message);
      }
      const [pending] = await tx
        .select({ id: clusterAccessRequests.id })
        .from(clusterAccessRequests)
        .where(and(eq(clusterAccessRequests.orgId, org.id), eq(clusterAccessRequests.status, "pending")))
        .limit(1);
      if (pending) throw alreadyPending(org.name);
      const [row] = await tx
        .insert(clusterAccessRequests)
        .values({ orgId: org.id, requestedBy: access.caller.id, message: data.message || null })
        .returning({ id: clusterAccessRequests.id, createdAt: clusterAccessRequests.createdAt });
      await recordAudit(tx, {
        org: { id: org.id, name: org.name },
        actor: access.caller,
        action: "cluster_access.requested",
        target: { type: "cluster_access_request", id: row!.id, label: org.name },
        after: { message: data.message || null },
      });
      const link = `${svc.appUrl}/admin`;
      const mails = (await platformAdminAddresses(tx)).map((to) =>
        mail(to, `${org.name} asks for cluster access on Apolo`, [
          `${access.caller.username} asked for the organization '${org.name}' to be added to a cluster.`,
          ...(data.message ? [``, `Their message:`, ...data.message.split("\n").map((l) => `> ${l}`)] : []),
          ``,
          `Approve it onto a cluster or decline it in the Admin area: ${link}`,
        ]),
      );
      mailIds = await enqueueMail(tx, mails);
      return row!;
    });
  } catch (err) {
    if (uniqueViolation(err) === PENDING_INDEX) throw alreadyPending(input.org);
    throw err;
  }
  await mailCommitted(svc, db, mailIds);
  return { id: result.id, status: "pending" as const, createdAt: result.createdAt };
}

export interface ClusterAccessRequestView {
  id: string;
  org: { name: string; displayName: string | null };
  requester: string | null;
  message: string | null;
  status: "pending" | "approved" | "declined";
  cluster: string | null;
  /** Why it was declined (the platform admin's optional reason); null otherwise. */
  declineReason: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

/** Platform admins: the pending requests (oldest first), then the 20 most recently decided. */
export async function listClusterAccessRequests(db: Db, caller: Caller) {
  await requirePlatformAdmin(db, caller, "read");
  const requester = alias(users, "requester");
  const decider = alias(users, "decider");
  const base = () =>
    db
      .select({
        id: clusterAccessRequests.id,
        orgName: orgs.name,
        orgDisplayName: orgs.displayName,
        requester: requester.username,
        message: clusterAccessRequests.message,
        status: clusterAccessRequests.status,
        cluster: clusters.name,
        declineReason: clusterAccessRequests.declineReason,
        decidedBy: decider.username,
        decidedAt: clusterAccessRequests.decidedAt,
        createdAt: clusterAccessRequests.createdAt,
      })
      .from(clusterAccessRequests)
      .innerJoin(orgs, and(eq(orgs.id, clusterAccessRequests.orgId), isNull(orgs.deletedAt)))
      .leftJoin(requester, eq(requester.id, clusterAccessRequests.requestedBy))
      .leftJoin(decider, eq(decider.id, clusterAccessRequests.decidedBy))
      .leftJoin(clusters, eq(clusters.id, clusterAccessRequests.clusterId));
  const [pending, decided] = await Promise.all([
    base()
      .where(eq(clusterAccessRequests.status, "pending"))
      .orderBy(clusterAccessRequests.createdAt, clusterAccessRequests.id)
      .limit(200),
    base()
      .where(sql`${clusterAccessRequests.status} <> 'pending'`)
      .orderBy(desc(clusterAccessRequests.decidedAt), desc(clusterAccessRequests.id))
      .limit(20),
  ]);
  const view = (r: (typeof pending)[number]): ClusterAccessRequestView => ({
    id: r.id,
    org: { name: r.orgName, displayName: r.orgDisplayName },
    requester: r.requester,
    message: r.message,
    status: r.status,
    cluster: r.cluster,
    declineReason: r.declineReason,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt,
    createdAt: r.createdAt,
  });
  return { pending: pending.map(view), decided: decided.map(view) };
}

/**
 * Marks a pending request decided (conditional on status = 'pending', so of two admins deciding at once one
 * wins and the other is told). Returns the request with its org and requester's address.
 */
async function decide(
  tx: Tx,
  admin: { id: string },
  id: string,
  status: "approved" | "declined",
  clusterId: string | null,
  declineReason: string | null = null,
) {
  const [row] = await tx
    .update(clusterAccessRequests)
    .set({ status, clusterId, declineReason, decidedBy: admin.id, decidedAt: new Date() })
    .where(and(eq(clusterAccessRequests.id, id), eq(clusterAccessRequests.status, "pending")))
    .returning();
  if (!row) {
    const [existing] = await tx
      .select({ status: clusterAccessRequests.status })
      .from(clusterAccessRequests)
      .where(eq(clusterAccessRequests.id, id));
    if (!existing) throw new NotFound("Request not found");
    const message = `This request was already ${existing.status}.`;
    throw new Invalid({ _form: [message] }, message);
  }
  const [org] = await tx
    .select({ id: orgs.id, name: orgs.name })
    .from(orgs)
    .where(and(eq(orgs.id, row.orgId), isNull(orgs.deletedAt)));
  if (!org) throw new NotFound("Organization not found");
  const [who] = row.requestedBy
    ? await tx
        .select({ email: users.email, username: users.username })
        .from(users)
        .where(and(eq(users.id, row.requestedBy), isNull(users.deletedAt)))
    : [];
  return { row, org, requester: who ?? null };
}

/**
 * Approves a pending request onto a cluster (platform admins): the org is added to the cluster with
 * setOrgCluster (the Admin area's operation, its audit row included) in the same transaction as the status
 * change. An org that is on that cluster already is left as it is.
 */
export async function approveClusterAccessRequest(db: Db, caller: Caller, input: unknown, svc: Services) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(approveClusterAccessSchema, input);
  let mailIds: number[] = [];
  const out = await db.transaction(async (tx) => {
    const [cluster] = await tx
      .select({ id: clusters.id, name: clusters.name })
      .from(clusters)
      .where(eq(clusters.name, data.cluster));
    if (!cluster) throw new Invalid({ cluster: [`No cluster named '${data.cluster}'.`] });
    const { row, org, requester } = await decide(tx, admin, data.id, "approved", cluster.id);
    const [already] = await tx
      .select({ orgId: orgClusters.orgId })
      .from(orgClusters)
      .where(and(eq(orgClusters.orgId, org.id), eq(orgClusters.clusterId, cluster.id)));
    if (!already) await setOrgCluster(tx, caller, { cluster: cluster.name, org: org.name });
    await recordAudit(tx, {
      org,
      actor: admin,
      action: "cluster_access.approved",
      target: { type: "cluster_access_request", id: row.id, label: org.name },
      after: { cluster: cluster.name },
    });
    if (requester?.email) {
      mailIds = await enqueueMail(tx, [
        mail(requester.email, `${org.name} is on cluster ${cluster.name}`, [
          `Your request for cluster access for '${org.name}' was approved: the organization is now on the cluster '${cluster.name}'.`,
          ``,
          `Every member can run jobs there: ${svc.appUrl}/orgs/${org.name}/jobs`,
        ]),
      ]);
    }
    return { id: row.id, org: org.name, cluster: cluster.name };
  });
  await mailCommitted(svc, db, mailIds);
  return out;
}

/**
 * Declines a pending request (platform admins), with an optional reason: stored on the request (the org's
 * overview says "Declined: <reason>") and mailed to the requester.
 */
export async function declineClusterAccessRequest(db: Db, caller: Caller, input: unknown, svc: Services) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(declineClusterAccessSchema, input);
  let mailIds: number[] = [];
  const out = await db.transaction(async (tx) => {
    const { row, org, requester } = await decide(tx, admin, data.id, "declined", null, data.reason || null);
    await recordAudit(tx, {
      org,
      actor: admin,
      action: "cluster_access.declined",
      target: { type: "cluster_access_request", id: row.id, label: org.name },
      after: { reason: data.reason || null },
    });
    if (requester?.email) {
      mailIds = await enqueueMail(tx, [
        mail(requester.email, `Cluster access for ${org.name} was declined`, [
          `Your request for cluster access for '${org.name}' was declined by a platform admin.`,
          ...(data.reason ? [``, `Their reason:`, ...data.reason.split("\n").map((l) => `> ${l}`)] : []),
          ``,
          `You can ask again from the organization's overview: ${svc.appUrl}/orgs/${org.name}`,
        ]),
      ]);
    }
    return { id: row.id, org: org.name };
  });
  await mailCommitted(svc, db, mailIds);
  return out;
}
