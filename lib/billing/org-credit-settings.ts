import type { Db } from "@/db";
import { orgs } from "@/db/schema";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { authorize, ORG_ROLES, withOrgLock, type OrgAction } from "../core/authz";
import { type Caller } from "../core/caller";
import { creditLimitSchema } from "../core/money";
import { parseInput } from "../core/validation";
import { recordAudit } from "../orgs/audit";

export const orgCreditSettingsSchema = z.object({
  defaultUserCreditLimit: creditLimitSchema.optional(),
  topUpMinRole: z.enum(ORG_ROLES).optional(),
  /** Low-balance notification thresholds, whole credits (stored descending, duplicates dropped). */
  lowBalanceThresholds: z
    .array(
      z
        .number("A threshold is a whole number of credits.")
        .int("A threshold is a whole number of credits.")
        .min(-1_000_000_000_000)
        .max(1_000_000_000_000),
    )
    .max(10, "At most 10 thresholds.")
    .transform((ts) => [...new Set(ts)].sort((a, b) => b - a).map(String))
    .optional(),
});

type OrgCreditSettings = z.output<typeof orgCreditSettingsSchema>;

/** The policy action each field needs: the default limit is a quota (managers), who may top up an org setting. */
const FIELD_ACTIONS: { [K in keyof Required<OrgCreditSettings>]: OrgAction } = {
  defaultUserCreditLimit: "quotas.set",
  topUpMinRole: "org.updateSettings",
  lowBalanceThresholds: "org.updateSettings",
};

/**
 * Org credit settings: the default credit limit of new members with role user (managers and admins), and the
 * lowest role allowed to top up (admins only). One transaction: every field that would change is authorized
 * before anything is written, so a save that includes a field the caller may not change applies nothing.
 */
export async function setOrgCreditSettings(db: Db, caller: Caller, orgName: string, input: unknown) {
  const data = parseInput(orgCreditSettingsSchema, input);
  // Every settings save needs at least "quotas.set" (managers); then each changed field its own action.
  return withOrgLock(db, caller, orgName, "quotas.set", async (tx, access) => {
    const changes: Partial<typeof orgs.$inferInsert> = {};
    // Every field sent is authorized before anything is written (a forged field refuses the whole save).
    for (const field of Object.keys(FIELD_ACTIONS) as (keyof OrgCreditSettings)[]) {
      if (data[field] !== undefined) authorize(access, FIELD_ACTIONS[field]);
    }
    if (data.defaultUserCreditLimit !== undefined) changes.defaultUserCreditLimit = data.defaultUserCreditLimit;
    if (data.topUpMinRole !== undefined) changes.topUpMinRole = data.topUpMinRole;
    if (data.lowBalanceThresholds !== undefined) changes.lowBalanceThresholds = data.lowBalanceThresholds;
    if (Object.keys(changes).length === 0) return { changed: false };
    await tx.update(orgs).set(changes).where(eq(orgs.id, access.org.id));
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "org.credit_settings_changed",
      target: { type: "org", id: access.org.id, label: access.org.name },
      before: {
        defaultUserCreditLimit: access.org.defaultUserCreditLimit,
        topUpMinRole: access.org.topUpMinRole,
        ...(changes.lowBalanceThresholds ? { lowBalanceThresholds: access.org.lowBalanceThresholds } : {}),
      },
      after: changes,
    });
    return { changed: true };
  });
}
