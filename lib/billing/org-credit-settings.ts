import type { Db } from "@/db";
import { orgs, users } from "@/db/schema";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { ORG_ROLES, withOrgLock, type Actor } from "../core/authz";
import { creditLimitSchema } from "../core/money";
import { parseInput } from "../core/validation";
import { recordAudit } from "../orgs/audit";

export const orgCreditSettingsSchema = z.object({
  defaultUserCreditLimit: creditLimitSchema.optional(),
  topUpMinRole: z.enum(ORG_ROLES).optional(),
});

/**
 * Org credit settings: the default credit limit of new members with role user (managers and admins), and the
 * lowest role allowed to top up (admins only).
 */
export async function setOrgCreditSettings(db: Db, actor: Actor, orgName: string, input: unknown) {
  const data = parseInput(orgCreditSettingsSchema, input);
  const permission = data.topUpMinRole !== undefined ? "org.updateSettings" : "quotas.set";
  return withOrgLock(db, actor, orgName, permission, async (tx, access) => {
    const changes: Partial<typeof orgs.$inferInsert> = {};
    if (data.defaultUserCreditLimit !== undefined) changes.defaultUserCreditLimit = data.defaultUserCreditLimit;
    if (data.topUpMinRole !== undefined) changes.topUpMinRole = data.topUpMinRole;
    if (Object.keys(changes).length === 0) return { changed: false };
    await tx.update(orgs).set(changes).where(eq(orgs.id, access.org.id));
    const [me] = await tx.select({ username: users.username }).from(users).where(eq(users.id, actor!.userId));
    await recordAudit(tx, {
      org: access.org,
      actor: { id: actor!.userId, username: me!.username },
      action: "org.credit_settings_changed",
      target: { type: "org", id: access.org.id, label: access.org.name },
      before: { defaultUserCreditLimit: access.org.defaultUserCreditLimit, topUpMinRole: access.org.topUpMinRole },
      after: changes,
    });
    return { changed: true };
  });
}
