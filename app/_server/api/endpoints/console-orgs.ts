import { z } from "zod";
import {
  MAX_INVITE_ENTRIES,
  MEMBER_SORTS,
  inviteMembers,
  listMembers,
  listMyOrgs,
  listOrgInvitations,
} from "@/lib/orgs";
import { ORG_ROLES } from "@/lib/core";
import { defineEndpoint } from "../endpoint";
import { decimal, iso, isoDate, orgParams, pageQuery } from "./console-shared";

/** The console's own API: the caller's orgs, an org's members and invitations (as the Users tab shows them). */

const role = z.enum(ORG_ROLES).describe("Org role: user, manager or admin.");

export const orgsResponse = z.object({
  orgs: z.array(
    z.object({
      name: z.string(),
      display_name: z.string().nullable(),
      role,
      balance: decimal.describe("The org wallet's balance in credits (decimal string)."),
    }),
  ),
});

/** GET /api/v1/orgs: the orgs the token's user belongs to, with their role in each. */
export const listOrgs = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs",
    tag: "Orgs",
    summary: "The orgs the token's user belongs to, with their role and each org's balance.",
    response: orgsResponse,
  },
  async ({ db, caller }) => {
    const rows = await listMyOrgs(db, caller);
    return {
      orgs: rows.map((o) => ({ name: o.name, display_name: o.displayName, role: o.role, balance: o.balance ?? "0" })),
    } satisfies z.input<typeof orgsResponse>;
  },
);

export const membersQuery = z.object({
  q: z.string().max(100).optional().describe("Search in usernames and names (and addresses, for managers/admins)."),
  sort: z.enum(MEMBER_SORTS).optional().describe("Sort by username (default), role or joined."),
  dir: z.enum(["asc", "desc"]).optional(),
  ...pageQuery,
});

export const membersResponse = z.object({
  members: z.array(
    z.object({
      username: z.string(),
      name: z.string().nullable(),
      email: z
        .string()
        .nullable()
        .optional()
        .describe("Present only for managers and admins of the org (null: the account has no address)."),
      role,
      joined_at: isoDate,
      credit_limit: decimal.nullable().describe("The member's credit limit; null: unlimited."),
      spent: decimal.describe("Credits the member has spent in this org."),
      max_running_jobs: z.number().int().nullable().describe("The member's running-jobs limit; null: unlimited."),
    }),
  ),
  total: z
    .number()
    .int()
    .describe(
      "Members (exact without a filter); with a search or role filter, the matches counted up to 1000 or one past this page, whichever is more.",
    ),
  total_capped: z.boolean().describe("The count stopped at its limit: total is a lower bound and more pages follow."),
  page: z.number().int(),
  page_size: z.number().int(),
});

/** GET /api/v1/orgs/{org}/members: one page of the org's members, searched and sorted as on the Users tab. */
export const listOrgMembers = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs/{org}/members",
    tag: "Orgs",
    summary: "An org's members: search, sort and page as on the Users tab.",
    description: "Every member may list members; addresses are shown to (and searched by) managers and admins only.",
    params: orgParams,
    query: membersQuery,
    response: membersResponse,
  },
  async ({ db, caller, params, query }) => {
    const r = await listMembers(db, caller, params.org, {
      q: query.q ?? "",
      sort: query.sort,
      dir: query.dir,
      page: query.page,
      pageSize: query.page_size,
    });
    return {
      members: r.rows.map((m) => ({
        username: m.username,
        name: m.name,
        ...(r.seesEmail ? { email: m.email ?? null } : {}),
        role: m.role,
        joined_at: iso(m.joinedAt),
        credit_limit: m.creditLimit,
        spent: m.spent,
        max_running_jobs: m.maxRunningJobs,
      })),
      total: r.total,
      total_capped: r.totalCapped,
      page: r.query.page,
      page_size: r.query.pageSize,
    } satisfies z.input<typeof membersResponse>;
  },
);

export const invitationsResponse = z.object({
  invitations: z.array(
    z.object({
      id: z.uuid(),
      email: z.string().nullable().describe("An email invitation's address; null for an invitation to an account."),
      username: z.string().nullable().describe("An invitation to an account: its username; else null."),
      role,
      created_at: isoDate,
      expires_at: isoDate,
      invited_by: z.string().nullable(),
      expired: z.boolean(),
    }),
  ),
});

/** GET /api/v1/orgs/{org}/invitations: the org's open invitations (managers and admins). */
export const listInvitations = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs/{org}/invitations",
    tag: "Orgs",
    summary: "An org's open invitations (pending and expired), newest first. Managers and admins.",
    params: orgParams,
    response: invitationsResponse,
  },
  async ({ db, caller, params }) => {
    const rows = await listOrgInvitations(db, caller, params.org);
    return {
      invitations: rows.map((r) => ({
        id: r.id,
        email: r.email,
        username: r.username,
        role: r.role,
        created_at: iso(r.createdAt),
        expires_at: iso(r.expiresAt),
        invited_by: r.invitedBy,
        expired: r.expired,
      })),
    } satisfies z.input<typeof invitationsResponse>;
  },
);

const entry = z
  .string()
  .trim()
  .min(1, "An entry can't be empty.")
  .max(320, "At most 320 characters.")
  .refine((s) => !/[,;\n]/.test(s), "One username or email address per entry.");

export const inviteBody = z.object({
  entries: z
    .union([entry.transform((e) => [e]), z.array(entry).min(1).max(MAX_INVITE_ENTRIES)])
    .describe(`Usernames or email addresses (1 to ${MAX_INVITE_ENTRIES}), or one of them as a string.`),
  role,
});

export const inviteResponse = z.object({
  results: z.array(
    z.object({
      entry: z.string(),
      outcome: z.enum(["invited", "already_member", "already_invited", "not_found", "invalid"]),
      message: z.string(),
      link: z
        .string()
        .optional()
        .describe("A new email invitation's single-use link (also mailed); answered once, on this request."),
    }),
  ),
});

/** POST /api/v1/orgs/{org}/invitations: invites usernames or addresses with one role, as the Users tab does. */
export const createInvitations = defineEndpoint(
  {
    family: "console",
    method: "POST",
    path: "/api/v1/orgs/{org}/invitations",
    tag: "Orgs",
    summary: "Invite people to an org by username or email address (managers and admins; managers grant user/manager).",
    description:
      "Each entry gets its own outcome; nobody becomes a member before accepting. Send an Idempotency-Key to retry safely.",
    params: orgParams,
    body: inviteBody,
    response: inviteResponse,
    status: 201,
    idempotent: true,
  },
  async ({ db, caller, params, body, services }) => {
    const r = await inviteMembers(
      db,
      caller,
      params.org,
      { entries: body.entries.join("\n"), role: body.role },
      await services(),
    );
    return {
      results: r.results.map((x) => ({
        entry: x.entry,
        outcome: x.outcome,
        message: x.message,
        ...(x.link ? { link: x.link } : {}),
      })),
    } satisfies z.input<typeof inviteResponse>;
  },
);
