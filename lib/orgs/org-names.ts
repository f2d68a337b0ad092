import { and, asc, eq, isNull, ne, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { orgMembers, orgNameRedirects, orgs, users } from "@/db/schema";
import { recordAudit } from "./audit";
import { isLookupName, requireOrgAccess, withOrgLock } from "../core/authz";
import { requireUser, type Caller } from "../core/caller";
import { Conflict, Invalid, RateLimited } from "../core/errors";
import { uniqueViolation } from "../core/db-errors";
import { MAX_LENGTH } from "../core/limits";
import { consume, RATE_LIMITS } from "../core/rate-limit";
import type { Services } from "../core/services";
import { displayNameSchema, orgNameSchema, parseInput, RESERVED_ORG_NAMES, safeText } from "../core/validation";
import { closedOrgHolding, refuseReservedName } from "./orgs";

/** After an org changes its URL name, its old name redirects to the new one for this many days. */
export const ORG_NAME_REDIRECT_DAYS = 30;

/** Pure (lib/core/org-name-suggest.ts, so the client form uses it too); re-exported for lib callers. */
export { suggestOrgName } from "../core/org-name-suggest";

export type OrgNameStatus = "available" | "taken" | "reserved" | "invalid" | "current";

export interface OrgNameAvailability {
  name: string;
  status: OrgNameStatus;
  /** What to show under the field (the name rule when invalid, why it can't be used when taken or reserved). */
  message: string;
}

const availabilitySchema = z.object({
  name: safeText().trim().max(200, "Name is too long."),
  /** Checking for a rename of this org (its own current name and old names are fine). */
  org: safeText().trim().max(200).optional(),
});

/**
 * Whether a URL name can be used for a new org (or, with `org`, for renaming that org; admins only): available,
 * taken (an open org has it, or another org's old name still redirects for ORG_NAME_REDIRECT_DAYS), reserved
 * (a closed org's, for ORG_NAME_RESERVED_DAYS, or a platform word), invalid (with the name rule). A hint for the
 * form as you type: createOrg and renameOrg check again, and the unique index decides. Rate-limited per account.
 */
export async function isOrgNameAvailable(
  db: Db,
  caller: Caller,
  input: unknown,
  svc: Pick<Services, "limiter">,
): Promise<OrgNameAvailability> {
  const { userId } = requireUser(caller, "read");
  const data = parseInput(availabilitySchema, input);
  const access = data.org ? await requireOrgAccess(db, caller, data.org, "org.updateSettings") : null;
  const r = await consume(svc.limiter, `org-name-check:${userId}`, RATE_LIMITS.orgNameChecksPerAccount);
  if (!r.ok) throw new RateLimited(r.retryAfterSec);
  const name = data.name;
  if (access && name === access.org.name) {
    return { name, status: "current", message: "This is the organization's current name." };
  }
  if (RESERVED_ORG_NAMES.has(name)) {
    return { name, status: "reserved", message: `'${name}' is reserved. Choose another name.` };
  }
  const parsed = orgNameSchema.safeParse(name);
  if (!parsed.success || name === "") {
    const message = parsed.success
      ? `Name must be 3 to ${MAX_LENGTH.orgName} characters long.`
      : (parsed.error.issues[0]?.message ?? "Not a valid name.");
    return { name, status: "invalid", message };
  }
  const [open] = await db
    .select({ id: orgs.id })
    .from(orgs)
    .where(and(eq(orgs.name, name), isNull(orgs.deletedAt)))
    .limit(1);
  if (open) return { name, status: "taken", message: `'${name}' is taken.` };
  const [closed] = await db.select({ id: orgs.id }).from(orgs).where(closedOrgHolding(name)).limit(1);
  if (closed) {
    return { name, status: "reserved", message: `'${name}' belonged to a closed organization and is reserved.` };
  }
  const [redirect] = await db
    .select({ orgId: orgNameRedirects.orgId })
    .from(orgNameRedirects)
    .where(and(eq(orgNameRedirects.oldName, name), liveRedirect()))
    .limit(1);
  if (redirect && redirect.orgId !== access?.org.id) {
    return { name, status: "taken", message: `'${name}' is taken.` };
  }
  return { name, status: "available", message: `'${name}' is available.` };
}

function liveRedirect() {
  return sql`${orgNameRedirects.createdAt} > now() - make_interval(days => ${ORG_NAME_REDIRECT_DAYS})`;
}

/**
 * Refuses `name` while another org's old name redirects from it (ORG_NAME_REDIRECT_DAYS), after dropping expired
 * redirects of that name and `ownOrgId`'s own (an org taking back a name it had). Run after writing the name,
 * like refuseReservedName: a concurrent rename away from `name` has committed its redirect by then.
 */
export async function refuseRedirectedName(tx: Db, name: string, ownOrgId: string) {
  await tx
    .delete(orgNameRedirects)
    .where(
      and(eq(orgNameRedirects.oldName, name), or(eq(orgNameRedirects.orgId, ownOrgId), sql`not (${liveRedirect()})`)),
    );
  const [live] = await tx
    .select({
      until: sql<string>`to_char((${orgNameRedirects.createdAt} + make_interval(days => ${ORG_NAME_REDIRECT_DAYS})) at time zone 'UTC', 'YYYY-MM-DD')`,
    })
    .from(orgNameRedirects)
    .where(and(eq(orgNameRedirects.oldName, name), ne(orgNameRedirects.orgId, ownOrgId)))
    .limit(1);
  if (live) {
    throw new Conflict(
      `The name '${name}' was another organization's until recently; its old links lead there until ${live.until}.`,
      "name",
    );
  }
}

export const renameOrgSchema = z.object({
  displayName: displayNameSchema.optional(),
  name: orgNameSchema.optional(),
  /** Changing the URL name: the current name, typed to confirm. */
  confirmName: safeText().trim().max(200).optional(),
});

export interface RenameResult {
  name: string;
  displayName: string | null;
  changed: boolean;
}

/**
 * Renames an org (admins): its display name, its URL name, or both, in one transaction with the org locked. A new
 * URL name is confirmed by typing the current one; it must be free (not an open org's, not reserved by a closed
 * org, not another org's old name still redirecting). The old name redirects to the org for
 * ORG_NAME_REDIRECT_DAYS (org_name_redirects). Audited as org.renamed.
 */
export async function renameOrg(db: Db, caller: Caller, orgName: string, input: unknown): Promise<RenameResult> {
  const data = parseInput(renameOrgSchema, input);
  try {
    return await withOrgLock(db, caller, orgName, "org.updateSettings", (tx, access) => renameIn(tx, access, data));
  } catch (err) {
    if (uniqueViolation(err) === "orgs_name_open_key") {
      throw new Conflict(`An organization named '${data.name}' already exists.`, "name");
    }
    throw err;
  }
}

async function renameIn(
  tx: Tx,
  access: Awaited<ReturnType<typeof requireOrgAccess>>,
  data: z.output<typeof renameOrgSchema>,
): Promise<RenameResult> {
  const org = access.org;
  const newName = data.name !== undefined && data.name !== org.name ? data.name : null;
  const newDisplay =
    data.displayName !== undefined && data.displayName !== org.displayName ? data.displayName : undefined;
  if (newName && data.confirmName !== org.name) {
    throw new Invalid({ confirmName: [`Type the current name, '${org.name}', to confirm.`] });
  }
  if (!newName && newDisplay === undefined) {
    return { name: org.name, displayName: org.displayName, changed: false };
  }
  const [row] = await tx
    .update(orgs)
    .set({
      ...(newName ? { name: newName } : {}),
      ...(newDisplay !== undefined ? { displayName: newDisplay } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(eq(orgs.id, org.id), isNull(orgs.deletedAt)))
    .returning({ name: orgs.name, displayName: orgs.displayName });
  if (newName) {
    await refuseReservedName(tx, newName);
    await refuseRedirectedName(tx, newName, org.id);
    await tx
      .insert(orgNameRedirects)
      .values({ oldName: org.name, orgId: org.id })
      .onConflictDoUpdate({ target: orgNameRedirects.oldName, set: { orgId: org.id, createdAt: sql`now()` } });
  }
  await recordAudit(tx, {
    org: { id: org.id, name: row!.name },
    actor: access.caller,
    action: "org.renamed",
    target: { type: "org", id: org.id, label: row!.name },
    before: {
      ...(newName ? { name: org.name } : {}),
      ...(newDisplay !== undefined ? { displayName: org.displayName } : {}),
    },
    after: {
      ...(newName ? { name: newName } : {}),
      ...(newDisplay !== undefined ? { displayName: newDisplay } : {}),
    },
  });
  return { name: row!.name, displayName: row!.displayName, changed: true };
}

/**
 * The current name of the org an old URL name points to, when it was renamed less than ORG_NAME_REDIRECT_DAYS ago
 * and the caller is still a member (an outsider learns nothing: null, as for an unknown name).
 */
export async function resolveOrgRedirect(db: Db, caller: Caller, oldName: string): Promise<string | null> {
  const { userId } = requireUser(caller, "read");
  if (!isLookupName(oldName)) return null;
  const only = caller?.kind === "token" && caller.orgId ? caller.orgId : null;
  const [row] = await db
    .select({ name: orgs.name })
    .from(orgNameRedirects)
    .innerJoin(orgs, and(eq(orgs.id, orgNameRedirects.orgId), isNull(orgs.deletedAt)))
    .innerJoin(orgMembers, and(eq(orgMembers.orgId, orgs.id), eq(orgMembers.userId, userId)))
    .where(and(eq(orgNameRedirects.oldName, oldName), liveRedirect(), only ? eq(orgs.id, only) : undefined))
    .limit(1);
  return row && row.name !== oldName ? row.name : null;
}

/** The org the caller used last (users.last_org_id), if they are still a member of it: for the header elsewhere. */
export async function lastUsedOrgName(db: Db, caller: Caller): Promise<string | null> {
  const { userId } = requireUser(caller, "read");
  const [row] = await db
    .select({ name: orgs.name })
    .from(users)
    .innerJoin(orgs, and(eq(orgs.id, users.lastOrgId), isNull(orgs.deletedAt)))
    .innerJoin(orgMembers, and(eq(orgMembers.orgId, orgs.id), eq(orgMembers.userId, users.id)))
    .where(eq(users.id, userId))
    .orderBy(asc(orgs.name))
    .limit(1);
  return row?.name ?? null;
}
