import type { Db } from "@/db";
import { orgs, orgWallets } from "@/db/schema";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { authorize, ORG_ROLES, withOrgLock, type OrgAction } from "../core/authz";
import { type Caller } from "../core/caller";
import { creditLimitSchema } from "../core/money";
import { parseInput } from "../core/validation";
import { recordAudit } from "../orgs/audit";

/** The bounds of a warning by projection: 1 hour … 365 days before the projected zero. */
export const PROJECTION_MIN_SECONDS = 3600;
export const PROJECTION_MAX_SECONDS = 365 * 86_400;

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
  /**
   * Warnings by projection (Apolo's `balance_projection_seconds`): whole seconds before the projected zero,
   * 1 hour … 365 days, at most 10 (stored descending, duplicates dropped; none = no warnings).
   */
  balanceProjectionSeconds: z
    .array(
      z
        .number("A warning is a whole number of seconds.")
        .int("A warning is a whole number of seconds.")
        .min(PROJECTION_MIN_SECONDS, "A warning is at least 1 hour (3,600 seconds) before the credits run out.")
        .max(PROJECTION_MAX_SECONDS, "A warning is at most 365 days (31,536,000 seconds) before the credits run out."),
      "Give the warnings as a list of seconds.",
    )
    .max(10, "At most 10 warnings.")
    .transform((ts) => [...new Set(ts)].sort((a, b) => b - a))
    .optional(),
});

type OrgCreditSettings = z.output<typeof orgCreditSettingsSchema>;

/** The policy action each field needs: the default limit is a quota (managers), who may top up an org setting. */
const FIELD_ACTIONS: { [K in keyof Required<OrgCreditSettings>]: OrgAction } = {
  defaultUserCreditLimit: "quotas.set",
  topUpMinRole: "org.updateSettings",
  lowBalanceThresholds: "org.updateSettings",
  balanceProjectionSeconds: "org.updateSettings",
};

/**
 * Org credit settings: the default credit limit of new members with role user (managers and admins), the
 * lowest role allowed to top up, the low-balance thresholds and the warnings by projection (admins only).
 * Changing the warnings re-arms them (org_wallets.projection_notified_seconds = null, in the same transaction,
 * after the org row: the lock order of lib/billing/ledger.ts), so the new intervals apply from the next tick. One transaction: every field that would change is authorized
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
    const intervals = data.balanceProjectionSeconds;
    const intervalsChanged =
      intervals !== undefined && intervals.join(",") !== access.org.balanceProjectionSeconds.join(",");
    if (intervalsChanged) changes.balanceProjectionSeconds = intervals;
    if (Object.keys(changes).length === 0) return { changed: false };
    await tx.update(orgs).set(changes).where(eq(orgs.id, access.org.id));
    if (intervalsChanged) {
      await tx
        .update(orgWallets)
        .set({ projectionNotifiedSeconds: null, projectionNotifiedAt: null })
        .where(eq(orgWallets.orgId, access.org.id));
    }
    await recordAudit(tx, {
      org: access.org,
      actor: access.caller,
      action: "org.credit_settings_changed",
      target: { type: "org", id: access.org.id, label: access.org.name },
      before: {
        defaultUserCreditLimit: access.org.defaultUserCreditLimit,
        topUpMinRole: access.org.topUpMinRole,
        ...(changes.lowBalanceThresholds ? { lowBalanceThresholds: access.org.lowBalanceThresholds } : {}),
        ...(changes.balanceProjectionSeconds ? { balanceProjectionSeconds: access.org.balanceProjectionSeconds } : {}),
      },
      after: changes,
    });
    return { changed: true };
  });
}
