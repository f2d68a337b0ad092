import { and, asc, count, desc, eq, isNull, or, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { clusters, invitations, jobs, orgMembers, orgs, orgWallets, users } from "@/db/schema";
import { recordAudit } from "./audit";
import {
  loadCaller,
  requireOrgAccess,
  withOrgLock,
  type AccessCaller,
  type OrgAccess,
  type OrgRole,
} from "../core/authz";
import { requireUser, type Caller } from "../core/caller";
import { z } from "zod";
import { Conflict, Forbidden, Invalid, NotFound } from "../core/errors";
import { isPlatformAdmin, requirePlatformAdmin } from "./platform";
import { creditLimitSchema } from "../core/money";
import { uniqueViolation } from "../core/db-errors";
import { installedConfig } from "../core/config";
import { postLedger } from "../billing/ledger";
import { chargeUsageIn } from "../compute/metering";
import { createOrgSchema, parseInput, safeText } from "../core/validation";
import { refuseRedirectedName } from "./org-names";

/** A closed org's name can't be taken by a new org for this many days (its members may still look for it). */
export const ORG_NAME_RESERVED_DAYS = 30;

export interface OrgSummary {
  name: string;
  displayName: string | null;
  role: OrgRole;
  balance?: string;
}

/** What the API's create adds to the form's: Apolo's `skip_auto_add_to_clusters` and `user_default_credits`. */
export interface CreateOrgOptions {
  /** Attach the org to every default cluster (true unless given). */
  defaultClusters?: boolean;
  /** The default credit limit of new members with role user (null = unlimited, the default). */
  defaultUserCreditLimit?: string | null;
}

const createOrgOptionsSchema = z.object({
  defaultClusters: z.boolean().optional(),
  defaultUserCreditLimit: creditLimitSchema.nullable().optional(),
});

/**
 * Creates an org; the creator becomes its admin. Org, wallet (by trigger), membership and audit row are one
 * transaction. A name is unique among open orgs, and stays reserved for ORG_NAME_RESERVED_DAYS after its org
 * was closed. A token restricted to one org creates none (it may act in that org only).
 */
export async function createOrg(
  db: Db,
  caller: Caller,
  input: unknown,
  options: CreateOrgOptions = {},
): Promise<OrgSummary> {
  requireUser(caller, "write");
  if (caller?.kind === "token" && caller.orgId) {
    throw new Forbidden("This token is restricted to one organization: it can't create organizations.");
  }
  const data = parseInput(createOrgSchema, input);
  const opts = parseInput(createOrgOptionsSchema, options);
  try {
    return await db.transaction(async (tx) => {
      const creator = await loadCaller(tx, caller, "write");
      const userId = creator.id;
      const [org] = await tx
        .insert(orgs)
        .values({
          name: data.name,
          displayName: data.displayName,
          defaultUserCreditLimit: opts.defaultUserCreditLimit ?? null,
        })
        .returning();
      await refuseReservedName(tx, data.name);
      // Another org's old name still redirecting (lib/orgs/org-names.ts) can't be taken either.
      await refuseRedirectedName(tx, data.name, org!.id);
      await tx.insert(orgMembers).values({ orgId: org!.id, userId, role: "admin" });
      // Welcome credits (NEW_ORG_CREDITS; 100 in development, so a new user can run a job at once).
      const welcome = installedConfig().newOrgCredits;
      if (welcome) {
        await postLedger(tx, { orgId: org!.id, kind: "grant", amount: welcome, note: "welcome credits" });
      }
      // Default clusters receive every new org (unless the API's caller asked to skip them).
      if (opts.defaultClusters ?? true) {
        await tx.execute(
          sql`insert into org_clusters (org_id, cluster_id) select ${org!.id}, id from clusters where is_default`,
        );
      }
      await tx.update(users).set({ lastOrgId: org!.id }).where(eq(users.id, userId));
      await recordAudit(tx, {
        org: { id: org!.id, name: org!.name },
        actor: creator,
        action: "org.created",
        target: { type: "org", id: org!.id, label: org!.name },
        after: {
          name: org!.name,
          displayName: org!.displayName,
          creatorRole: "admin",
          ...(opts.defaultUserCreditLimit ? { defaultUserCreditLimit: opts.defaultUserCreditLimit } : {}),
          ...(opts.defaultClusters === false ? { defaultClusters: false } : {}),
        },
      });
      return { name: org!.name, displayName: org!.displayName, role: "admin" as const };
    });
  } catch (err) {
    if (uniqueViolation(err) === "orgs_name_open_key") {
      throw new Conflict(`An organization named '${data.name}' already exists.`, "name");
    }
    throw err;
  }
}

/**
 * Refuses a name whose org was closed less than ORG_NAME_RESERVED_DAYS ago. Checked *after* inserting the new
 * org: the insert waits on the unique index for a closing still in progress, so this read sees every closing
 * that could have freed the name (no check-then-insert race).
 */
/** A closed org that still holds `name` (closed less than ORG_NAME_RESERVED_DAYS ago). */
export function closedOrgHolding(name: string) {
  return and(eq(orgs.name, name), sql`${orgs.deletedAt} > now() - make_interval(days => ${ORG_NAME_RESERVED_DAYS})`);
}

export async function refuseReservedName(tx: Db, name: string) {
  const [closed] = await tx
    .select({
      until: sql<string>`to_char((${orgs.deletedAt} + make_interval(days => ${ORG_NAME_RESERVED_DAYS})) at time zone 'UTC', 'YYYY-MM-DD')`,
    })
    .from(orgs)
    .where(closedOrgHolding(name))
    .orderBy(desc(orgs.deletedAt))
    .limit(1);
  if (closed) {
    throw new Conflict(
      `The name '${name}' belonged to an organization that was closed; it stays reserved until ${closed.until}.`,
      "name",
    );
  }
}

/** The caller's orgs with their role in each, by name (a token restricted to one org: that org only). */
export async function listMyOrgs(db: Db, caller: Caller): Promise<OrgSummary[]> {
  const { userId } = requireUser(caller, "read");
  const only = caller?.kind === "token" && caller.orgId ? caller.orgId : null;
  return db
    .select({ name: orgs.name, displayName: orgs.displayName, role: orgMembers.role, balance: orgWallets.balance })
    .from(orgMembers)
    .innerJoin(orgs, and(eq(orgs.id, orgMembers.orgId), isNull(orgs.deletedAt)))
    .innerJoin(orgWallets, eq(orgWallets.orgId, orgs.id))
    .where(and(eq(orgMembers.userId, userId), only ? eq(orgs.id, only) : undefined))
    .orderBy(asc(orgs.name));
}

/**
 * Opens an org for the caller (NotFound for outsiders, exactly as for a missing org) and remembers it as
 * the org they used last, so `/` brings them back.
 */
export async function enterOrg(db: Db, caller: Caller, orgName: string) {
  const access = await requireOrgAccess(db, caller, orgName);
  await db
    .update(users)
    .set({ lastOrgId: access.org.id })
    .where(and(eq(users.id, access.caller.id), sql`${users.lastOrgId} is distinct from ${access.org.id}`));
  return access;
}

/** The overview page's facts: name, the caller's role, member count, creation date. */
export async function getOrgOverview(db: Db, caller: Caller, orgName: string) {
  const access = await requireOrgAccess(db, caller, orgName);
  return {
    name: access.org.name,
    displayName: access.org.displayName,
    createdAt: access.org.createdAt,
    role: access.role,
    memberSince: access.memberSince,
    memberCount: access.org.memberCount,
  };
}

/** Where `/` takes a signed-in person: the org they used last if still a member, else their first org, else onboarding. */
export async function homePath(db: Db, caller: Caller): Promise<string> {
  const { userId } = requireUser(caller, "read");
  const [row] = await db
    .select({ name: orgs.name })
    .from(orgMembers)
    .innerJoin(orgs, and(eq(orgs.id, orgMembers.orgId), isNull(orgs.deletedAt)))
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(eq(orgMembers.userId, userId))
    .orderBy(sql`(${orgs.id} = ${users.lastOrgId}) desc nulls last`, asc(orgs.name))
    .limit(1);
  return row ? `/orgs/${row.name}` : "/onboarding";
}

export const deleteOrgSchema = z.object({ confirmName: safeText().trim() });

/**
 * Closes an org (admins only), confirmed by typing its name. In one transaction, under the lock order of
 * lib/billing/ledger.ts (org → wallet → jobs → members): running jobs stop with reason OrgDeleted, those on
 * embedded clusters are charged up to the stop (external runners get them in `stop` on their next usage
 * report, which settles them), members, invitations and "last used" pointers go, and the org is marked closed
 * (`deleted_at`): it answers 404 to everyone and disappears from every list. Its wallet, ledger, payments, jobs
 * and audit rows stay; the audit row that records the closing holds the final balance. The name stays reserved
 * for ORG_NAME_RESERVED_DAYS. Platform admins may close any org (Apolo's `remove-org`), with the same confirmation.
 */
export async function deleteOrg(db: Db, caller: Caller, orgName: string, input: unknown) {
  const { confirmName } = parseInput(deleteOrgSchema, input);
  try {
    return await withOrgLock(db, caller, orgName, "org.delete", (tx, access) => closeOrgIn(tx, access, confirmName));
  } catch (err) {
    // A platform admin who isn't the org's admin closes it too (Apolo's `remove-org`); everyone else is refused
    // as before.
    if (!(err instanceof NotFound || err instanceof Forbidden) || !(await isPlatformAdmin(db, caller))) throw err;
    return closeOrgAsPlatformAdmin(db, caller, orgName, confirmName);
  }
}

/** A platform admin closes an org they may not belong to: the org row locked as withOrgLock does. */
async function closeOrgAsPlatformAdmin(db: Db, caller: Caller, orgName: string, confirmName: string) {
  const operator = await requirePlatformAdmin(db, caller);
  return db.transaction(async (tx) => {
    const [org] = await tx
      .select()
      .from(orgs)
      .where(and(eq(orgs.name, orgName), isNull(orgs.deletedAt)))
      .for("no key update");
    // A token restricted to another org doesn't learn of this one.
    if (!org || (caller?.kind === "token" && caller.orgId && caller.orgId !== org.id)) {
      throw new NotFound("Organization not found");
    }
    const actor: AccessCaller = {
      id: operator.userId,
      username: operator.username,
      kind: caller?.kind === "token" ? "token" : "user",
      ...(operator.tokenName ? { tokenName: operator.tokenName } : {}),
    };
    return closeOrgIn(tx, { caller: actor, org, role: "admin", memberSince: org.createdAt }, confirmName);
  });
}

/** The closing itself, in the caller's transaction with the org row locked (see deleteOrg). */
async function closeOrgIn(tx: Tx, access: OrgAccess, confirmName: string) {
  if (confirmName !== access.org.name) {
    throw new Invalid({ confirmName: [`Type the organization name, '${access.org.name}', to confirm.`] });
  }
  const orgId = access.org.id;
  // Lock order: the org (withOrgLock), its wallet (a concurrent charge finishes first, or waits for us), the jobs.
  await tx.select({ id: orgWallets.orgId }).from(orgWallets).where(eq(orgWallets.orgId, orgId)).for("update");
  const open = await tx
    .select({ id: jobs.id, status: jobs.status, runner: clusters.runner })
    .from(jobs)
    .innerJoin(clusters, eq(clusters.id, jobs.clusterId))
    .where(
      and(
        eq(jobs.orgId, orgId),
        or(eq(jobs.status, "running"), sql`${jobs.chargedUntil} is null or ${jobs.chargedUntil} < ${jobs.stoppedAt}`),
      ),
    )
    .orderBy(asc(jobs.id))
    .for("update", { of: jobs });
  const stopped = await tx
    .update(jobs)
    // clock_timestamp(), not now(): a charge that committed while this transaction waited for the wallet may
    // have run past the transaction's start; the stop must not be earlier than what was charged.
    .set({ status: "stopped", stoppedAt: sql`clock_timestamp()`, stopReason: "OrgDeleted" })
    .where(and(eq(jobs.orgId, orgId), eq(jobs.status, "running")))
    .returning({ id: jobs.id, stoppedAt: jobs.stoppedAt });
  const stoppedAt = new Map(stopped.map((j) => [j.id, j.stoppedAt!]));
  // Embedded jobs are settled here, up to their stop (the jobs just stopped, and any stopped before whose last
  // charge the runner's tick hadn't made yet); low-balance notices are dropped: nobody is left to read them.
  const settle = open
    .filter((j) => j.runner === "embedded")
    .map((j) => {
      const at = stoppedAt.get(j.id);
      return at
        ? { jobId: j.id, until: new Date(at.getTime() + 1000), idempotencyKey: `stop:${j.id}` }
        : { jobId: j.id, until: new Date(Date.now() + 1000), idempotencyKey: `final:${j.id}` };
    });
  if (settle.length) await chargeUsageIn(tx, settle);
  const [wallet] = await tx
    .select({ balance: orgWallets.balance, spent: orgWallets.spent })
    .from(orgWallets)
    .where(eq(orgWallets.orgId, orgId));
  const [members] = await tx.select({ n: count() }).from(orgMembers).where(eq(orgMembers.orgId, orgId));
  const memberCount = members?.n ?? 0;
  await recordAudit(tx, {
    org: access.org,
    actor: access.caller,
    action: "org.deleted",
    target: { type: "org", id: orgId, label: access.org.name },
    before: { name: access.org.name, displayName: access.org.displayName, members: memberCount },
    after: { balance: wallet!.balance, spent: wallet!.spent, stoppedJobs: stopped.length },
  });
  await tx.delete(invitations).where(eq(invitations.orgId, orgId));
  await tx.delete(orgMembers).where(eq(orgMembers.orgId, orgId));
  await tx.update(users).set({ lastOrgId: null }).where(eq(users.lastOrgId, orgId));
  await tx
    .update(orgs)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(eq(orgs.id, orgId));
  return {
    name: access.org.name,
    members: memberCount,
    balance: wallet!.balance,
    stoppedJobs: stopped.map((j) => j.id).sort(),
  };
}
