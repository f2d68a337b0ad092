import type { Db } from "@/db";
import { orgMembers } from "@/db/schema";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { canGrant, withOrgLock } from "../core/authz";
import { type Caller } from "../core/caller";
import { Forbidden, NotFound } from "../core/errors";
import { countLimitSchema, creditLimitSchema } from "../core/money";
import { parseInput, safeText } from "../core/validation";
import { recordAudit } from "../orgs/audit";
import { stopExhaustedJobs } from "./ledger";

export const quotaSchema = z.object({
  username: safeText().trim().min(1, "Choose a member."),
  creditLimit: creditLimitSchema,
  maxRunningJobs: countLimitSchema,
});

/**
 * Managers and admins set a member's credit limit and max running jobs (null = unlimited). Managers can't
 * touch an admin. Lowering a limit below what the member already spent stops their running jobs.
 */
export async function setMemberQuota(db: Db, caller: Caller, orgName: string, input: unknown) {
  const data = parseInput(quotaSchema, input);
  return withOrgLock(db, caller, orgName, "quotas.set", async (tx, access) => {
    const [target] = await tx
      .select({
        userId: orgMembers.userId,
        role: orgMembers.role,
        creditLimit: orgMembers.creditLimit,
        maxRunningJobs: orgMembers.maxRunningJobs,
      })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.username, data.username)));
    if (!target) throw new NotFound(`'${data.username}' is not a member of this organization.`);
    if (!canGrant(access.role, target.role)) throw new Forbidden("Managers can't change an admin's quotas.");
    await tx
      .update(orgMembers)
      .set({ creditLimit: data.creditLimit, maxRunningJobs: data.maxRunningJobs })
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, target.userId)));
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "member.quota_changed",
      target: { type: "user", id: target.userId, label: data.username },
      before: { creditLimit: target.creditLimit, maxRunningJobs: target.maxRunningJobs },
      after: { creditLimit: data.creditLimit, maxRunningJobs: data.maxRunningJobs },
    });
    const stopped = await stopExhaustedJobs(tx, access.org.id);
    return {
      username: data.username,
      creditLimit: data.creditLimit,
      maxRunningJobs: data.maxRunningJobs,
      stoppedJobs: stopped.length,
    };
  });
}
