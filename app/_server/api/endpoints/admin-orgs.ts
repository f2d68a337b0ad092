import { z } from "zod";
import { chargeSpending, grantCredits, setMemberCredits, setOrgCreditSettings } from "@/lib/billing";
import { Invalid, NotFound, ORG_ROLES, requirePerson, splitDisplayName } from "@/lib/core";
import {
  addOrgUser,
  createOrg,
  deleteOrg,
  getOrgDetails,
  getOrgUser,
  listOrgDetails,
  listOrgUsers,
  removeMember,
  updateOrgUser,
  type OrgDetails,
  type OrgUserDetails,
} from "@/lib/orgs";
import { defineEndpoint, type EndpointContext } from "../endpoint";
import { runOnce } from "../idempotency";

/**
 * Apolo's admin API for orgs and org users (`/apis/admin/v1/orgs…`), as `apolo admin` (apolo-sdk on
 * neuro-admin-client) sends and parses it: credits are decimal strings, `null` is unlimited, a balance is
 * `{credits, spent_credits}`. Every endpoint calls the lib/ operation the console's pages call.
 */

const TAG = "Apolo admin: orgs";
const BASE = "/apis/admin/v1/orgs";

// ---------------------------------------------------------------------------------------------------------
// Shapes

export const apoloBalance = z.object({
  credits: z
    .string()
    .nullable()
    .describe("Credits left, a decimal string; null = unlimited (never null for an org's own balance)."),
  spent_credits: z.string().describe("Credits spent so far, a decimal string."),
});

export const apoloNotificationIntervals = z.object({
  balance_projection_seconds: z
    .array(z.number().int())
    .nullable()
    .describe(
      "Warnings by projection: seconds before the projected zero balance at which the org's admins and managers " +
        "are mailed (Settings → General), descending; default 7 days, 3 days, 1 day.",
    ),
  balance_amount: z
    .array(z.number())
    .nullable()
    .describe("Low-balance notification thresholds, in credits (the org's low-balance settings)."),
  balance_depletion_seconds: z.array(z.number().int()).nullable().describe("Not supported yet: always null."),
});

export const apoloOrg = z.object({
  name: z.string(),
  balance: apoloBalance.describe("The org wallet: credits left (never null) and spent."),
  user_default_credits: z
    .string()
    .nullable()
    .describe("Credit limit given to new members with role user; null = unlimited."),
  notification_intervals: apoloNotificationIntervals.nullable(),
});

export const apoloUserInfo = z.object({
  email: z
    .string()
    .nullable()
    .describe("Shown to the org's managers and admins and to platform admins; null for other viewers."),
  first_name: z.string().nullable().describe("The display name up to its first space."),
  last_name: z.string().nullable().describe("The display name after its first space."),
  created_at: z.string().nullable().describe("When the account was created (ISO 8601)."),
});

export const apoloOrgUser = z.object({
  org_name: z.string(),
  user_name: z.string(),
  role: z.enum(ORG_ROLES),
  balance: apoloBalance.describe(
    "credits = the member's credit limit − spent (null when the limit is unlimited); spent_credits = spent.",
  ),
  user_info: apoloUserInfo.optional().describe("Only with `with_user_info=true`."),
  pending: z
    .boolean()
    .optional()
    .describe("true when an org manager/admin added the user: an invitation was sent and waits for them to accept."),
});

export function orgToApolo(o: OrgDetails): z.input<typeof apoloOrg> {
  return {
    name: o.name,
    balance: { credits: o.balance, spent_credits: o.spent },
    user_default_credits: o.defaultUserCreditLimit,
    notification_intervals: {
      balance_projection_seconds: o.balanceProjectionSeconds,
      balance_amount: o.lowBalanceThresholds.map(Number),
      balance_depletion_seconds: null,
    },
  };
}

/** "100.50000000" → "100.5", "7.00" → "7", "12" → "12" (string work only, never a float). */
export function trimDecimal(v: string): string {
  return v.includes(".") ? v.replace(/0+$/, "").replace(/\.$/, "") : v;
}

export function orgUserToApolo(org: string, u: OrgUserDetails, withInfo: boolean): z.input<typeof apoloOrgUser> {
  return {
    org_name: org,
    user_name: u.username,
    role: u.role,
    balance: { credits: u.credits, spent_credits: u.spent },
    ...(withInfo
      ? {
          user_info: {
            email: u.email,
            ...((n) => ({ first_name: n.first, last_name: n.last }))(splitDisplayName(u.name)),
            created_at: u.createdAt ? new Date(u.createdAt).toISOString() : null,
          },
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

const orgParams = z.object({ org: z.string().min(1).max(255).describe("The org's name.") });
const orgUserParams = orgParams.extend({ user: z.string().min(1).max(255).describe("The member's username.") });

const bool = z.enum(["true", "false"]);
const withUserInfoQuery = z.object({
  with_user_info: bool.optional().describe("`true` adds `user_info` to each user."),
});
const idempotencyQuery = z.object({
  idempotency_key: z
    .string()
    .regex(/^[\x21-\x7e]{1,240}$/, "At most 240 visible ASCII characters, e.g. a UUID.")
    .optional()
    .describe("Makes the change happen once: a retry with the same key answers the first answer."),
});

const decimalString = z.string().max(40).describe('A decimal string, e.g. "500" or "12.5".');

const balanceChange = z
  .object({
    credits: decimalString.nullable().optional().describe("Set the balance to this amount."),
    additional_credits: decimalString.optional().describe("Add this amount (a delta)."),
  })
  .describe("Either `credits` (set) or `additional_credits` (a delta).");

const spendingBody = z.object({ spending: decimalString.describe("The amount charged.") });

// ---------------------------------------------------------------------------------------------------------
// Idempotency: Apolo's `idempotency_key` query parameter, like the Idempotency-Key header

/**
 * Runs `fn` once per (caller, `idempotency_key`): a retry with the same key and request gets the first answer
 * (remembered in api_idempotency_keys, as the Idempotency-Key header is). The lib operations that move a
 * balance also take the key into the ledger row's own idempotency key, so the money moves at most once even
 * across callers.
 */
async function once<T>(
  ctx: EndpointContext<z.ZodObject, z.ZodObject, z.ZodType>,
  key: string | undefined,
  fn: () => Promise<T>,
): Promise<T | Response> {
  if (!key || !ctx.caller) return fn();
  const url = new URL(ctx.req.url);
  const scoped = `apolo:${key}`;
  const r = await runOnce(
    ctx.db,
    ctx.caller.userId,
    scoped,
    `${ctx.req.method} ${url.pathname}`,
    JSON.stringify(ctx.body ?? null),
    fn,
  );
  if (!r.replay) return r.value;
  return Response.json(r.body, {
    status: r.status,
    headers: { "Cache-Control": "no-store", "Idempotent-Replayed": "true" },
  });
}

type AnyCtx = EndpointContext<z.ZodObject, z.ZodObject, z.ZodType>;

/** The Admin area's grant names a missing org as a field error; Apolo's client expects 404 for it. */
async function orgMissingIsNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof Invalid && err.fieldErrors.org) throw new NotFound("Organization not found");
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Orgs

export const listOrgsApi = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: BASE,
    tag: TAG,
    summary: "The orgs the caller is a member of (every org for a platform admin).",
    description:
      "`apolo admin get-orgs`. A token restricted to one org lists that org only. Balances are the org wallets.",
    response: z.array(apoloOrg),
  },
  async ({ db, caller }) => (await listOrgDetails(db, caller)).map(orgToApolo),
);

export const createOrgApi = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: BASE,
    tag: TAG,
    summary: "Create an org; the caller becomes its admin.",
    description:
      "`apolo admin add-org`. Anyone signed in may create an org, as in the console (a token restricted to one " +
      "org may not). The org joins the default clusters unless `skip_auto_add_to_clusters=true`.",
    query: z.object({
      skip_auto_add_to_clusters: bool.optional().describe("`true`: don't attach the org to the default clusters."),
    }),
    body: z.object({
      name: z.string().max(255).describe("The org's name: lowercase letters, digits and hyphens."),
      user_default_credits: decimalString
        .nullable()
        .optional()
        .describe("Credit limit of new members with role user; absent or null = unlimited."),
    }),
    response: apoloOrg,
    status: 201,
  },
  async ({ db, caller, query, body }) => {
    const created = await createOrg(
      db,
      caller,
      { name: body.name },
      {
        defaultClusters: query.skip_auto_add_to_clusters !== "true",
        defaultUserCreditLimit: body.user_default_credits ?? null,
      },
    );
    return orgToApolo(await getOrgDetails(db, caller, created.name));
  },
);

export const getOrgApi = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: `${BASE}/{org}`,
    tag: TAG,
    summary: "One org: its balance, default user credits and notification thresholds.",
    description: "Members of the org (any role) and platform admins; anyone else gets 404.",
    params: orgParams,
    response: apoloOrg,
  },
  async ({ db, caller, params }) => orgToApolo(await getOrgDetails(db, caller, params.org)),
);

export const deleteOrgApi = defineEndpoint(
  {
    family: "apolo",
    method: "DELETE",
    path: `${BASE}/{org}`,
    tag: TAG,
    summary: "Close an org (the console's “Delete organization”), answered with the org as it was.",
    description:
      "`apolo admin remove-org`. The org's admins, and platform admins (any org). The CLI asks “Are you sure…” before it sends the " +
      "request (unless `--force`), so the request itself is the confirmation the console's dialog asks for " +
      "(typing the name). Running jobs stop, members and invitations go, the name stays reserved; the wallet, " +
      "ledger and audit log are kept.",
    params: orgParams,
    response: apoloOrg,
  },
  async ({ db, caller, params }) => {
    const before = await getOrgDetails(db, caller, params.org);
    const closed = await deleteOrg(db, caller, params.org, { confirmName: params.org });
    return orgToApolo({ ...before, balance: trimDecimal(closed.balance) });
  },
);

export const patchOrgBalanceApi = defineEndpoint(
  {
    family: "apolo",
    method: "PATCH",
    path: `${BASE}/{org}/balance`,
    tag: TAG,
    summary: "Set the org's balance (`credits`) or add to it (`additional_credits`).",
    description:
      "`apolo admin set-org-credits` / `add-org-credits`. Platform admins only (a grant without payment, " +
      "recorded in the ledger); org admins top up by payment in the console, anyone else gets 404. " +
      "`credits: null` is refused (422): an org's balance is never unlimited. A delta must be positive.",
    params: orgParams,
    query: idempotencyQuery,
    body: balanceChange,
    response: apoloOrg,
  },
  async (ctx) => {
    const { db, caller, params, query, body } = ctx;
    const svc = await ctx.services();
    return once(ctx as unknown as AnyCtx, query.idempotency_key, async () => {
      if (body.additional_credits !== undefined) {
        await orgMissingIsNotFound(
          grantCredits(
            db,
            caller,
            { org: params.org, mode: "add", amount: body.additional_credits, idempotencyKey: query.idempotency_key },
            svc,
          ),
        );
      } else if (body.credits === undefined) {
        throw new Invalid({ credits: ["Send `credits` (set) or `additional_credits` (add)."] });
      } else if (body.credits === null) {
        throw new Invalid(
          { credits: ["An organization's balance can't be unlimited: give an amount of credits."] },
          "An organization's balance can't be unlimited.",
        );
      } else {
        await orgMissingIsNotFound(
          grantCredits(
            db,
            caller,
            { org: params.org, mode: "set", amount: body.credits, idempotencyKey: query.idempotency_key },
            svc,
          ),
        );
      }
      return orgToApolo(await getOrgDetails(db, caller, params.org));
    });
  },
);

export const postOrgSpendingApi = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: `${BASE}/{org}/spending`,
    tag: TAG,
    summary: "Charge the org an amount outside metering (a ledger charge).",
    description: "Platform admins only; anyone else gets 404. The balance may go below zero.",
    params: orgParams,
    query: idempotencyQuery,
    body: spendingBody,
    response: apoloOrg,
  },
  async (ctx) => {
    const { db, caller, params, query, body } = ctx;
    const svc = await ctx.services();
    return once(ctx as unknown as AnyCtx, query.idempotency_key, async () => {
      await chargeSpending(
        db,
        caller,
        { org: params.org, amount: body.spending, idempotencyKey: query.idempotency_key },
        svc,
      );
      return orgToApolo(await getOrgDetails(db, caller, params.org));
    });
  },
);

export const patchOrgDefaultsApi = defineEndpoint(
  {
    family: "apolo",
    method: "PATCH",
    path: `${BASE}/{org}/defaults`,
    tag: TAG,
    summary: "Set the org's default credits of new users, its low-balance thresholds and its projection warnings.",
    description:
      "`apolo admin set-org-defaults`. `credits` (null = unlimited) is the Users settings' default credit " +
      "limit (managers and admins); `notification_intervals.balance_amount` the low-balance thresholds and " +
      "`notification_intervals.balance_projection_seconds` the warnings by projection (admins: up to 10, each " +
      "3600 … 31536000 seconds; `[]` turns them off). A null or absent list leaves the setting as it is. " +
      "Depletion intervals are not supported yet: non-empty values are refused (422).",
    params: orgParams,
    body: z.object({
      credits: decimalString.nullable().optional().describe("Default credits of new users; null = unlimited."),
      notification_intervals: z
        .object({
          balance_projection_seconds: z
            .array(z.number().int())
            .max(10)
            .nullable()
            .optional()
            .describe("Seconds before the projected zero (3600 … 31536000, at most 10); null leaves them."),
          balance_amount: z.array(z.number().int()).max(10).nullable().optional(),
          balance_depletion_seconds: z.array(z.number().int()).nullable().optional(),
        })
        .nullable()
        .optional(),
    }),
    response: apoloOrg,
  },
  async ({ db, caller, params, body }) => {
    const ni = body.notification_intervals;
    if (ni?.balance_depletion_seconds?.length) {
      throw new Invalid(
        {
          notification_intervals: [
            "balance_depletion_seconds is not supported yet: send balance_amount and balance_projection_seconds.",
          ],
        },
        "Depletion notification intervals are not supported yet.",
      );
    }
    await setOrgCreditSettings(db, caller, params.org, {
      ...(body.credits !== undefined ? { defaultUserCreditLimit: body.credits ?? "" } : {}),
      ...(ni?.balance_amount ? { lowBalanceThresholds: ni.balance_amount } : {}),
      ...(ni?.balance_projection_seconds ? { balanceProjectionSeconds: ni.balance_projection_seconds } : {}),
    });
    return orgToApolo(await getOrgDetails(db, caller, params.org));
  },
);

// ---------------------------------------------------------------------------------------------------------
// Org users

const rolesQuery = z
  .union([z.enum(ORG_ROLES), z.array(z.enum(ORG_ROLES))])
  .optional()
  .describe("Only members with these roles (repeat the key: `roles=admin&roles=manager`).");

export const listOrgUsersApi = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: `${BASE}/{org}/users`,
    tag: TAG,
    summary: "Every member of the org with their role and balance.",
    description:
      "`apolo admin get-org-users` (with `with_user_info=true`). Any member may list; email addresses only for " +
      "managers, admins and platform admins (null otherwise).",
    params: orgParams,
    query: withUserInfoQuery.extend({ roles: rolesQuery }),
    response: z.array(apoloOrgUser),
  },
  async ({ db, caller, params, query }) => {
    const roles = query.roles === undefined ? undefined : Array.isArray(query.roles) ? query.roles : [query.roles];
    const rows = await listOrgUsers(db, caller, params.org, { roles });
    return rows.map((u) => orgUserToApolo(params.org, u, query.with_user_info === "true"));
  },
);

export const addOrgUserApi = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: `${BASE}/{org}/users`,
    tag: TAG,
    summary: "Add a user to the org: at once by a platform admin, else by invitation.",
    description:
      "`apolo admin add-org-user`. A platform admin adds the account at once (with `balance.credits` as its " +
      "credits; absent `balance` = the org's default for role user, unlimited for managers and admins). An org " +
      "manager or admin sends the console's in-app invitation (granting at most their own role): the answer is " +
      "the user as they will be, with `pending: true`; an invitation can't carry other credits than that default.",
    params: orgParams,
    query: withUserInfoQuery,
    body: z.object({
      user_name: z.string().max(64).describe("The account's username."),
      role: z.enum(ORG_ROLES).default("user"),
      balance: z
        .object({
          credits: decimalString.nullable().optional().describe("The member's credits; absent or null = unlimited."),
          spent_credits: decimalString.optional().describe("Ignored: spending is recorded by the console."),
        })
        .optional(),
    }),
    response: apoloOrgUser,
    status: 201,
  },
  async (ctx) => {
    const { db, caller, params, query, body } = ctx;
    const result = await addOrgUser(
      db,
      caller,
      params.org,
      {
        username: body.user_name,
        role: body.role,
        ...(body.balance ? { creditLimit: body.balance.credits ?? null } : {}),
      },
      await ctx.services(),
    );
    if (!result.pending) return orgUserToApolo(params.org, result.user, query.with_user_info === "true");
    return {
      org_name: params.org,
      user_name: result.username,
      role: result.role,
      balance: { credits: result.creditLimit, spent_credits: "0" },
      pending: true,
    } satisfies z.input<typeof apoloOrgUser>;
  },
);

export const getOrgUserApi = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: `${BASE}/{org}/users/{user}`,
    tag: TAG,
    summary: "One member of the org with their role and balance.",
    description: "Any member of the org, and platform admins; 404 when the user isn't a member.",
    params: orgUserParams,
    query: withUserInfoQuery,
    response: apoloOrgUser,
  },
  async ({ db, caller, params, query }) =>
    orgUserToApolo(params.org, await getOrgUser(db, caller, params.org, params.user), query.with_user_info === "true"),
);

export const putOrgUserApi = defineEndpoint(
  {
    family: "apolo",
    method: "PUT",
    path: `${BASE}/{org}/users/{user}`,
    tag: TAG,
    summary: "Update a member: their role, and their credits when `balance.credits` differs.",
    description:
      "The console's role change (managers between user and manager, admins any role; nobody their own; never " +
      "the last admin) and, when `balance.credits` is not what the member has left, the credits change of the " +
      "quota dialog. `spent_credits` is ignored.",
    params: orgUserParams,
    query: withUserInfoQuery,
    body: z.object({
      user_name: z.string().max(64).optional().describe("Must be the path's user when given."),
      role: z.enum(ORG_ROLES),
      balance: z
        .object({
          credits: decimalString.nullable().optional().describe("Credits left; absent or null = unlimited."),
          spent_credits: decimalString.optional().describe("Ignored."),
        })
        .optional(),
    }),
    response: apoloOrgUser,
  },
  async ({ db, caller, params, query, body }) => {
    if (body.user_name !== undefined && body.user_name.toLowerCase() !== params.user.toLowerCase()) {
      throw new Invalid({ user_name: ["The body's user_name must be the user of the path."] });
    }
    const updated = await updateOrgUser(db, caller, params.org, {
      username: params.user,
      role: body.role,
      ...(body.balance ? { credits: body.balance.credits ?? null } : {}),
    });
    return orgUserToApolo(params.org, updated, query.with_user_info === "true");
  },
);

export const deleteOrgUserApi = defineEndpoint(
  {
    family: "apolo",
    method: "DELETE",
    path: `${BASE}/{org}/users/{user}`,
    tag: TAG,
    summary: "Remove a member from the org.",
    description:
      "`apolo admin remove-org-user`. Managers remove users and managers, admins anyone; nobody removes " +
      "themselves (they leave in the console); never the last admin.",
    params: orgUserParams,
    status: 204,
  },
  async ({ db, caller, params }) => {
    requirePerson(caller);
    await removeMember(db, caller, params.org, { username: params.user });
    return null;
  },
);

export const patchOrgUserBalanceApi = defineEndpoint(
  {
    family: "apolo",
    method: "PATCH",
    path: `${BASE}/{org}/users/{user}/balance`,
    tag: TAG,
    summary: "Set a member's credits (`credits`, null = unlimited) or add to them (`additional_credits`).",
    description:
      "`apolo admin set-user-credits` / `add-user-credits`, on the member's credit limit: credits X makes the " +
      "limit spent + X; a delta moves the limit (an unlimited member stays unlimited). Managers and admins " +
      "(a manager never an admin's), as in the Users tab.",
    params: orgUserParams,
    query: withUserInfoQuery.extend(idempotencyQuery.shape),
    body: balanceChange,
    response: apoloOrgUser,
  },
  async (ctx) => {
    const { db, caller, params, query, body } = ctx;
    return once(ctx as unknown as AnyCtx, query.idempotency_key, async () => {
      if (body.additional_credits !== undefined) {
        await setMemberCredits(db, caller, params.org, {
          username: params.user,
          additionalCredits: body.additional_credits,
        });
      } else if (body.credits !== undefined) {
        await setMemberCredits(db, caller, params.org, { username: params.user, credits: body.credits });
      } else {
        throw new Invalid({ credits: ["Send `credits` (set) or `additional_credits` (add)."] });
      }
      return orgUserToApolo(
        params.org,
        await getOrgUser(db, caller, params.org, params.user),
        query.with_user_info === "true",
      );
    });
  },
);

export const postOrgUserSpendingApi = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: `${BASE}/{org}/users/{user}/spending`,
    tag: TAG,
    summary: "Charge the org an amount on a member's account (their spending and the org wallet).",
    description: "Platform admins only; anyone else gets 404.",
    params: orgUserParams,
    query: withUserInfoQuery.extend(idempotencyQuery.shape),
    body: spendingBody,
    response: apoloOrgUser,
  },
  async (ctx) => {
    const { db, caller, params, query, body } = ctx;
    const svc = await ctx.services();
    return once(ctx as unknown as AnyCtx, query.idempotency_key, async () => {
      await chargeSpending(
        db,
        caller,
        { org: params.org, username: params.user, amount: body.spending, idempotencyKey: query.idempotency_key },
        svc,
      );
      return orgUserToApolo(
        params.org,
        await getOrgUser(db, caller, params.org, params.user),
        query.with_user_info === "true",
      );
    });
  },
);
