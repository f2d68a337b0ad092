import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { rawRows } from "@/db/client";
import { clusters, orgClusters, orgMembers, orgs } from "@/db/schema";
import { removeOrgCluster } from "./clusters";
import { requireOrgAccess } from "../core/authz";
import { requireMode, requirePerson, type Caller } from "../core/caller";
import { isCreditAmount, parseCreditAmount, scaledAmount } from "../core/credits-amount";
import { Conflict, Invalid, NotFound } from "../core/errors";
import { isPlatformAdmin, requirePlatformAdmin } from "../orgs/platform";
import { recordAudit } from "../orgs/audit";
import { parseInput, safeText } from "../core/validation";

/**
 * Apolo's "org cluster" (`apolo admin add-org-cluster`, `get-org-cluster-quota`, `set-org-cluster-quota`,
 * `set-org-cluster-defaults`, `remove-org-cluster`): an org's place on a cluster, i.e. an org_clusters row. Its
 * balance is the org wallet (Apolo moved balance from org-clusters to orgs in CLI 24.12.1); its quota is the
 * org's running-jobs limit there; its defaults are what members who join get. Every member of the org may read
 * it (`apolo config show` does); platform admins create, change and remove it (as the Admin area's
 * setOrgCluster/removeOrgCluster). A token restricted to one org sees and changes only that org.
 */

export const ORG_CLUSTER_ROLES = ["user", "member", "manager", "admin"] as const;
export type OrgClusterRole = (typeof ORG_CLUSTER_ROLES)[number];

const MAX_JOBS = 1_000_000;

export interface OrgClusterView {
  orgName: string;
  clusterName: string;
  /** The org wallet: balance and spent, exact decimal text. */
  balance: { credits: string; spentCredits: string };
  maxRunningJobs: number | null;
  defaultCredits: string | null;
  defaultMaxRunningJobs: number | null;
  defaultRole: OrgClusterRole;
  storageSizeBytes: number | null;
}

const nameField = (what: string) => safeText().trim().min(1, `Name the ${what}.`).max(100, `No such ${what}.`);

const jobsLimit = z
  .number("A number of running jobs, or nothing for unlimited.")
  .int("A whole number of running jobs.")
  .min(0, "At least 0 running jobs.")
  .max(MAX_JOBS, `At most ${MAX_JOBS} running jobs.`)
  .nullable();

const creditsField = z
  .string('Credits as a decimal string, e.g. "100".')
  .trim()
  .refine((v) => isCreditAmount(v, { decimals: 8, maxDigits: 15 }), "Credits: a number ≥ 0 with at most 8 decimals.")
  .transform((v) => parseCreditAmount(v, { decimals: 8 }) ?? v)
  .nullable();

/** A balance as the org-cluster answer showed it (it may be negative). */
const signedCredits = z
  .string("Credits as a decimal string.")
  .trim()
  .refine((v) => isCreditAmount(v, { decimals: 8, maxDigits: 16, signed: true }), "Credits: a decimal number.");

export const orgClusterSettingsSchema = z.object({
  maxRunningJobs: jobsLimit.optional().default(null),
  defaultCredits: creditsField.optional().default(null),
  defaultMaxRunningJobs: jobsLimit.optional().default(null),
  defaultRole: z.enum(ORG_CLUSTER_ROLES, "Choose a role: user, member, manager or admin.").optional().default("user"),
  /** Only at creation (Apolo's update doesn't send it): kept as is on update. */
  storageSizeBytes: z
    .number("Storage size: a number of bytes.")
    .int("Storage size: a whole number of bytes.")
    .min(0, "Storage size can't be negative.")
    .max(Number.MAX_SAFE_INTEGER, "Storage size is too large.")
    .nullable()
    .optional(),
});
export type OrgClusterSettings = z.input<typeof orgClusterSettingsSchema>;

export const orgClusterDefaultsSchema = orgClusterSettingsSchema.pick({
  defaultCredits: true,
  defaultMaxRunningJobs: true,
  defaultRole: true,
});

export const orgClusterQuotaSchema = z.union([
  z.object({ set: jobsLimit }),
  z.object({ delta: z.number("A whole number.").int("A whole number.").min(-MAX_JOBS).max(MAX_JOBS) }),
]);

/** A token restricted to one org acts on that org only, as everywhere (lib/core/authz.ts). */
function checkTokenOrg(caller: Caller, orgId: string): void {
  if (caller?.kind === "token" && caller.orgId && caller.orgId !== orgId) {
    throw new NotFound("Organization not found");
  }
}

const VIEW_COLUMNS = sql`o.name as org_name, c.name as cluster_name,
  coalesce(w.balance, 0)::text as credits, coalesce(w.spent, 0)::text as spent,
  oc.max_running_jobs, oc.default_credits::text as default_credits, oc.default_max_running_jobs,
  oc.default_role, oc.storage_size_bytes`;

type ViewRow = {
  org_name: string;
  cluster_name: string;
  credits: string;
  spent: string;
  max_running_jobs: number | null;
  default_credits: string | null;
  default_max_running_jobs: number | null;
  default_role: OrgClusterRole;
  storage_size_bytes: number | string | null;
};

function viewOf(r: ViewRow): OrgClusterView {
  return {
    orgName: r.org_name,
    clusterName: r.cluster_name,
    balance: { credits: r.credits, spentCredits: r.spent },
    maxRunningJobs: r.max_running_jobs === null ? null : Number(r.max_running_jobs),
    defaultCredits: r.default_credits,
    defaultMaxRunningJobs: r.default_max_running_jobs === null ? null : Number(r.default_max_running_jobs),
    defaultRole: r.default_role,
    storageSizeBytes: r.storage_size_bytes === null ? null : Number(r.storage_size_bytes),
  };
}

async function readViews(db: Db | Tx, clusterId: string, orgIds: string[] | null): Promise<OrgClusterView[]> {
  if (orgIds && orgIds.length === 0) return [];
  const only = orgIds
    ? sql`and oc.org_id in (${sql.join(
        orgIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql``;
  const rows = await rawRows<ViewRow>(
    db,
    sql`select ${VIEW_COLUMNS}
        from org_clusters oc
        join orgs o on o.id = oc.org_id and o.deleted_at is null
        join clusters c on c.id = oc.cluster_id
        left join org_wallets w on w.org_id = oc.org_id
        where oc.cluster_id = ${clusterId} ${only}
        order by o.name`,
  );
  return rows.map(viewOf);
}

async function clusterByName(db: Db | Tx, name: string) {
  const [c] = await db.select({ id: clusters.id, name: clusters.name }).from(clusters).where(eq(clusters.name, name));
  if (!c) throw new NotFound("Cluster not found");
  return c;
}

async function orgByName(db: Db | Tx, name: string) {
  const [o] = await db
    .select({ id: orgs.id, name: orgs.name })
    .from(orgs)
    .where(and(eq(orgs.name, name), isNull(orgs.deletedAt)));
  if (!o) throw new NotFound("Organization not found");
  return o;
}

/**
 * One org cluster. Members of the org read it (any role); platform admins read any. An org the caller can't
 * see, a cluster that doesn't exist, or an org that isn't on the cluster: NotFound.
 */
export async function getOrgCluster(db: Db, caller: Caller, clusterName: string, orgName: string) {
  const person = requirePerson(caller);
  requireMode(person, "read");
  let orgId: string;
  if (await isPlatformAdmin(db, caller)) {
    orgId = (await orgByName(db, orgName)).id;
    checkTokenOrg(caller, orgId);
  } else {
    orgId = (await requireOrgAccess(db, caller, orgName, "org.view")).org.id;
  }
  const cluster = await clusterByName(db, clusterName);
  const [view] = await readViews(db, cluster.id, [orgId]);
  if (!view) throw new NotFound(`Organization '${orgName}' is not on cluster '${clusterName}'.`);
  return view;
}

/**
 * The orgs on a cluster: every one for platform admins, else the caller's own orgs there (a restricted token:
 * its org only). An unknown cluster is NotFound.
 */
export async function listOrgClustersOf(db: Db, caller: Caller, clusterName: string): Promise<OrgClusterView[]> {
  const person = requirePerson(caller);
  requireMode(person, "read");
  const cluster = await clusterByName(db, clusterName);
  const restricted = person.kind === "token" && person.orgId ? [person.orgId] : null;
  if (await isPlatformAdmin(db, caller)) return readViews(db, cluster.id, restricted);
  const mine = await db
    .select({ orgId: orgMembers.orgId })
    .from(orgMembers)
    .where(eq(orgMembers.userId, person.userId));
  const ids = mine.map((m) => m.orgId).filter((id) => !restricted || restricted.includes(id));
  return readViews(db, cluster.id, ids);
}

/** Platform admins: the org and cluster, the org's row locked (lock order: org rows before wallets). */
async function adminTarget(tx: Tx, caller: Caller, clusterName: string, orgName: string) {
  const [o] = await tx
    .select({ id: orgs.id, name: orgs.name })
    .from(orgs)
    .where(and(eq(orgs.name, orgName), isNull(orgs.deletedAt)))
    .for("no key update");
  if (!o) throw new NotFound("Organization not found");
  checkTokenOrg(caller, o.id);
  const cluster = await clusterByName(tx, clusterName);
  return { org: o, cluster };
}

async function currentRow(tx: Tx, orgId: string, clusterId: string) {
  const [row] = await tx
    .select()
    .from(orgClusters)
    .where(and(eq(orgClusters.orgId, orgId), eq(orgClusters.clusterId, clusterId)));
  return row;
}

function settingsOf(row: typeof orgClusters.$inferSelect) {
  return {
    maxRunningJobs: row.maxRunningJobs,
    defaultCredits: row.defaultCredits,
    defaultMaxRunningJobs: row.defaultMaxRunningJobs,
    defaultRole: row.defaultRole,
    storageSizeBytes: row.storageSizeBytes,
  };
}

/** Equal settings: credit amounts compared exactly as numbers ("7" = "7.00000000"), the rest as text. */
function sameValue(a: unknown, b: unknown): boolean {
  const amount = (v: unknown) => (typeof v === "string" && isCreditAmount(v, { decimals: 8, signed: true }) ? v : null);
  const x = amount(a);
  const y = amount(b);
  if (x !== null && y !== null) return scaledAmount(x, 8) === scaledAmount(y, 8);
  return String(a) === String(b);
}

function changes(before: Record<string, unknown>, after: Record<string, unknown>) {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of Object.keys(after)) {
    if (after[k] === undefined) continue;
    if (!sameValue(before[k] ?? null, after[k] ?? null)) {
      b[k] = before[k] ?? null;
      a[k] = after[k] ?? null;
    }
  }
  return { before: b, after: a, changed: Object.keys(a).length > 0 };
}

/** Puts an org on a cluster with its quota, member defaults and storage size (platform admins). */
export async function createOrgCluster(
  db: Db,
  caller: Caller,
  target: { cluster: string; org: string },
  input: unknown,
) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(orgClusterSettingsSchema, input ?? {});
  const cluster = parseInput(nameField("cluster"), target.cluster);
  const orgName = parseInput(nameField("organization"), target.org);
  return db.transaction(async (tx) => {
    const { org, cluster: c } = await adminTarget(tx, caller, cluster, orgName);
    const inserted = await tx
      .insert(orgClusters)
      .values({
        orgId: org.id,
        clusterId: c.id,
        maxRunningJobs: data.maxRunningJobs,
        defaultCredits: data.defaultCredits,
        defaultMaxRunningJobs: data.defaultMaxRunningJobs,
        defaultRole: data.defaultRole,
        storageSizeBytes: data.storageSizeBytes ?? null,
      })
      .onConflictDoNothing()
      .returning({ orgId: orgClusters.orgId });
    if (inserted.length === 0) throw new Conflict(`Organization '${org.name}' is already on cluster '${c.name}'.`);
    await recordAudit(tx, {
      org,
      actor: admin,
      action: "cluster.org_set",
      target: { type: "cluster", id: c.id, label: c.name },
      after: { ...data, storageSizeBytes: data.storageSizeBytes ?? null },
    });
    const [view] = await readViews(tx, c.id, [org.id]);
    return view!;
  });
}

/**
 * Changes an org cluster (platform admins): `patch` fields that are undefined stay as they are. Returns the
 * view after the change; an unchanged call writes no audit row.
 */
async function patchOrgCluster(
  db: Db,
  caller: Caller,
  target: { cluster: string; org: string },
  compute: (row: typeof orgClusters.$inferSelect) => Partial<ReturnType<typeof settingsOf>>,
) {
  const admin = await requirePlatformAdmin(db, caller);
  return db.transaction(async (tx) => {
    const { org, cluster } = await adminTarget(tx, caller, target.cluster, target.org);
    const row = await currentRow(tx, org.id, cluster.id);
    if (!row) throw new NotFound(`Organization '${org.name}' is not on cluster '${cluster.name}'.`);
    const patch = compute(row);
    const diff = changes(settingsOf(row), patch);
    if (diff.changed) {
      await tx
        .update(orgClusters)
        .set(patch)
        .where(and(eq(orgClusters.orgId, org.id), eq(orgClusters.clusterId, cluster.id)));
      await recordAudit(tx, {
        org,
        actor: admin,
        action: "cluster.org_set",
        target: { type: "cluster", id: cluster.id, label: cluster.name },
        before: diff.before,
        after: diff.after,
      });
    }
    const [view] = await readViews(tx, cluster.id, [org.id]);
    return view!;
  });
}

/**
 * Replaces an org cluster's quota, defaults (and storage size when given): Apolo's `update-org-cluster` (PUT).
 * `expectedCredits`, when given, must equal the org's balance: the balance is the org's, changed with
 * `set-org-credits`, so an update that would change it is refused rather than silently ignored.
 */
export async function updateOrgCluster(
  db: Db,
  caller: Caller,
  target: { cluster: string; org: string },
  input: unknown,
  expectedCredits?: string | null,
) {
  const data = parseInput(orgClusterSettingsSchema, input ?? {});
  if (expectedCredits !== undefined && expectedCredits !== null) {
    const credits = parseInput(signedCredits, expectedCredits);
    const [row] = await rawRows<{ same: boolean }>(
      db,
      sql`select coalesce((select w.balance from org_wallets w join orgs o on o.id = w.org_id
             where o.name = ${target.org} and o.deleted_at is null), 0) = ${credits}::numeric as same`,
    );
    if (!row?.same) throw balanceMoved();
  }
  return patchOrgCluster(db, caller, target, () => ({
    maxRunningJobs: data.maxRunningJobs,
    defaultCredits: data.defaultCredits,
    defaultMaxRunningJobs: data.defaultMaxRunningJobs,
    defaultRole: data.defaultRole,
    storageSizeBytes: data.storageSizeBytes,
  }));
}

/** Apolo's `set-org-cluster-defaults`: the credit limit, running-jobs limit and role new members get. */
export async function setOrgClusterDefaults(
  db: Db,
  caller: Caller,
  target: { cluster: string; org: string },
  input: unknown,
) {
  const data = parseInput(orgClusterDefaultsSchema, input ?? {});
  return patchOrgCluster(db, caller, target, () => data);
}

/**
 * Apolo's `set-org-cluster-quota`: sets the org's running-jobs limit on the cluster (`set`; null: unlimited) or
 * moves it by `delta`. A delta on an unlimited quota, or one that would go below zero, is refused.
 */
export async function setOrgClusterQuota(
  db: Db,
  caller: Caller,
  target: { cluster: string; org: string },
  input: unknown,
) {
  const data = parseInput(orgClusterQuotaSchema, input);
  return patchOrgCluster(db, caller, target, (row) => {
    if ("set" in data) return { maxRunningJobs: data.set };
    if (row.maxRunningJobs === null) {
      throw new Invalid(
        { total_running_jobs: ["The running-jobs quota is unlimited: set it to a number before adding to it."] },
        "The running-jobs quota is unlimited: set it to a number before adding to it.",
      );
    }
    const next = row.maxRunningJobs + data.delta;
    if (next < 0 || next > MAX_JOBS) {
      throw new Invalid(
        { total_running_jobs: [`The quota would become ${next}: it must stay between 0 and ${MAX_JOBS}.`] },
        `The quota would become ${next}: it must stay between 0 and ${MAX_JOBS}.`,
      );
    }
    return { maxRunningJobs: next };
  });
}

/** What an org-cluster balance change is answered (removed from Apolo's CLI in 24.12.1). */
export function balanceMoved(): Invalid {
  const message =
    "Balance is kept per organization, not per cluster: use `apolo admin set-org-credits` or `add-org-credits`.";
  return new Invalid({ credits: [message] }, message);
}

/**
 * Removes an org from a cluster (platform admins): lib/compute/clusters.ts removeOrgCluster (its running jobs
 * there stop), after the token's org restriction is checked.
 */
export async function deleteOrgCluster(db: Db, caller: Caller, target: { cluster: string; org: string }) {
  await requirePlatformAdmin(db, caller);
  const org = await orgByName(db, target.org);
  checkTokenOrg(caller, org.id);
  await clusterByName(db, target.cluster);
  return removeOrgCluster(db, caller, { cluster: target.cluster, org: target.org });
}
