import { and, asc, count, eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { orgMembers, orgs, users } from "@/db/schema";
import { recordAudit } from "./audit";
import { requireActor, requireOrgAccess, withOrgLock, type Actor, type OrgRole } from "../core/authz";
import { z } from "zod";
import { Conflict, Invalid, NotFound } from "../core/errors";
import { uniqueViolation } from "../core/db-errors";
import { newOrgCredits } from "../core/config";
import { postLedger } from "../billing/ledger";
import { createOrgSchema, parseInput, safeText } from "../core/validation";

export interface OrgSummary {
  name: string;
  displayName: string | null;
  role: OrgRole;
  balance?: string;
}

/** Creates an org; the creator becomes its admin. Org, membership and audit row are one transaction. */
export async function createOrg(db: Db, actor: Actor, input: unknown): Promise<OrgSummary> {
  const { userId } = requireActor(actor);
  const data = parseInput(createOrgSchema, input);
  try {
    return await db.transaction(async (tx) => {
      const [creator] = await tx.select({ username: users.username }).from(users).where(eq(users.id, userId)).limit(1);
      if (!creator) throw new NotFound("Account not found");
      const [org] = await tx.insert(orgs).values({ name: data.name, displayName: data.displayName }).returning();
      await tx.insert(orgMembers).values({ orgId: org!.id, userId, role: "admin" });
      // Welcome credits (NEW_ORG_CREDITS; 100 in development, so a new user can run a job at once).
      const welcome = newOrgCredits();
      if (welcome) {
        await postLedger(tx, { orgId: org!.id, kind: "grant", amount: welcome, note: "welcome credits" });
      }
      // Default clusters receive every new org.
      await tx.execute(
        sql`insert into org_clusters (org_id, cluster_id) select ${org!.id}, id from clusters where is_default`,
      );
      await tx.update(users).set({ lastOrgId: org!.id }).where(eq(users.id, userId));
      await recordAudit(tx, {
        org: { id: org!.id, name: org!.name },
        actor: { id: userId, username: creator.username },
        action: "org.created",
        target: { type: "org", id: org!.id, label: org!.name },
        after: { name: org!.name, displayName: org!.displayName, creatorRole: "admin" },
      });
      return { name: org!.name, displayName: org!.displayName, role: "admin" as const };
    });
  } catch (err) {
    if (uniqueViolation(err) === "orgs_name_key") {
      throw new Conflict(`An organization named '${data.name}' already exists.`, "name");
    }
    throw err;
  }
}

/** The caller's orgs with their role in each, by name. */
export async function listMyOrgs(db: Db, actor: Actor): Promise<OrgSummary[]> {
  const { userId } = requireActor(actor);
  return db
    .select({ name: orgs.name, displayName: orgs.displayName, role: orgMembers.role, balance: orgs.balance })
    .from(orgMembers)
    .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
    .where(eq(orgMembers.userId, userId))
    .orderBy(asc(orgs.name));
}

/**
 * Opens an org for the caller (NotFound for outsiders, exactly as for a missing org) and remembers it as
 * the org they used last, so `/` brings them back.
 */
export async function enterOrg(db: Db, actor: Actor, orgName: string) {
  const access = await requireOrgAccess(db, actor, orgName);
  await db
    .update(users)
    .set({ lastOrgId: access.org.id })
    .where(and(eq(users.id, actor!.userId), sql`${users.lastOrgId} is distinct from ${access.org.id}`));
  return access;
}

/** The overview page's facts: name, the caller's role, member count, creation date. */
export async function getOrgOverview(db: Db, actor: Actor, orgName: string) {
  const access = await requireOrgAccess(db, actor, orgName);
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
export async function homePath(db: Db, actor: Actor): Promise<string> {
  const { userId } = requireActor(actor);
  const [row] = await db
    .select({ name: orgs.name })
    .from(orgMembers)
    .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(eq(orgMembers.userId, userId))
    .orderBy(sql`(${orgs.id} = ${users.lastOrgId}) desc nulls last`, asc(orgs.name))
    .limit(1);
  return row ? `/orgs/${row.name}` : "/onboarding";
}

export const deleteOrgSchema = z.object({ confirmName: safeText().trim() });

/**
 * Deletes an org (admins only), confirmed by typing its name. Memberships and invitations go with it in the
 * same transaction; the audit row that records it outlives it.
 */
export async function deleteOrg(db: Db, actor: Actor, orgName: string, input: unknown) {
  const { confirmName } = parseInput(deleteOrgSchema, input);
  return withOrgLock(db, actor, orgName, "org.delete", async (tx, access) => {
    if (confirmName !== access.org.name) {
      throw new Invalid({ confirmName: [`Type the organization name, '${access.org.name}', to confirm.`] });
    }
    const [members] = await tx.select({ n: count() }).from(orgMembers).where(eq(orgMembers.orgId, access.org.id));
    const [me] = await tx.select({ username: users.username }).from(users).where(eq(users.id, actor!.userId));
    await recordAudit(tx, {
      org: access.org,
      actor: { id: actor!.userId, username: me?.username ?? "unknown" },
      action: "org.deleted",
      target: { type: "org", id: access.org.id, label: access.org.name },
      before: { name: access.org.name, displayName: access.org.displayName, members: members?.n ?? 0 },
    });
    await tx.delete(orgs).where(eq(orgs.id, access.org.id)); // members and invitations cascade
    return { name: access.org.name, members: members?.n ?? 0 };
  });
}
