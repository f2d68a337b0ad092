import { z } from "zod";
import { Conflict, Invalid, requirePerson, splitDisplayName } from "@/lib/core";
import {
  getClusterUser,
  getUserProfile,
  listClusterUsers,
  setClusterUserJobsQuota,
  type ClusterUserRow,
  type MemberBalance,
} from "@/lib/orgs";
import { defineEndpoint } from "../endpoint";
import { runOnce } from "../idempotency";

/**
 * Apolo's admin API for users and cluster users (neuro_admin_client admin_client.py: get_user,
 * list_cluster_users, get_cluster_user, update_cluster_user_quota[_by_delta]), as `apolo admin
 * get-cluster-users`, `get-user-quota` and `set-user-quota` call them. The agreed mapping (lib/orgs/
 * cluster-users.ts): a cluster user is an org membership on one of the org's clusters.
 */

/** Python's datetime.fromisoformat (3.10 too) reads "+00:00", not "Z". */
const isoDate = (d: Date) => d.toISOString().replace("Z", "+00:00");

const balanceResponse = z.object({
  credits: z.string().nullable().describe("Decimal string; null = unlimited (the member's credit limit − spent)."),
  spent_credits: z.string().describe("Decimal string."),
});
const quotaResponse = z.object({
  total_running_jobs: z.number().int().nullable().describe("null = unlimited."),
});
const userInfoResponse = z.object({
  email: z.string().nullable().describe("Only for the person, platform admins and the org's managers/admins."),
  first_name: z.string().nullable().describe("The display name up to its first space."),
  last_name: z.string().nullable(),
  created_at: z.string().describe("ISO 8601 with offset."),
});
const clusterRole = z.enum(["admin", "manager", "member", "user"]);

export const clusterUserResponse = z.object({
  user_name: z.string(),
  role: clusterRole.describe("The member's org role."),
  quota: quotaResponse.describe("The member's max running jobs in the org."),
  balance: balanceResponse,
  org_name: z.string(),
  user_info: userInfoResponse.optional().describe("With `with_user_info=true`."),
});

const balanceOut = (b: MemberBalance) => ({ credits: b.credits, spent_credits: b.spent });

function clusterUserOut(r: ClusterUserRow, withInfo: boolean): z.input<typeof clusterUserResponse> {
  const { first, last } = splitDisplayName(r.info.name);
  return {
    user_name: r.username,
    role: r.role,
    quota: { total_running_jobs: r.maxRunningJobs },
    balance: balanceOut(r.balance),
    org_name: r.orgName,
    ...(withInfo
      ? {
          user_info: { email: r.info.email, first_name: first, last_name: last, created_at: isoDate(r.info.createdAt) },
        }
      : {}),
  };
}

const name = z.string().min(1).max(200);
const withUserInfo = z.enum(["true", "false"]).optional().describe("`true` adds `user_info` to each cluster user.");

export const listAllClusterUsers = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: "/apis/admin/v1/clusters/{cluster}/users",
    tag: "Apolo admin: cluster users",
    summary: "Cluster users of every org on the cluster the caller may list (all orgs for platform admins).",
    params: z.object({ cluster: name }),
    query: z.object({ with_user_info: withUserInfo }),
    response: z.array(clusterUserResponse),
  },
  async ({ db, caller, params, query }) =>
    (await listClusterUsers(db, caller, { cluster: params.cluster })).map((r) =>
      clusterUserOut(r, query.with_user_info === "true"),
    ),
);

export const listOrgClusterUsers = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: "/apis/admin/v1/clusters/{cluster}/orgs/{org}/users",
    tag: "Apolo admin: cluster users",
    summary: "The org's members on the cluster, as cluster users (`apolo admin get-cluster-users --org`).",
    description:
      "Any member of the org may list (as the Users tab); email addresses only for managers, admins and " +
      "platform admins. An org the caller isn't in, or that is not on the cluster: 404.",
    params: z.object({ cluster: name, org: name }),
    query: z.object({ with_user_info: withUserInfo }),
    response: z.array(clusterUserResponse),
  },
  async ({ db, caller, params, query }) =>
    (await listClusterUsers(db, caller, params)).map((r) => clusterUserOut(r, query.with_user_info === "true")),
);

export const getOrgClusterUser = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: "/apis/admin/v1/clusters/{cluster}/orgs/{org}/users/{user}",
    tag: "Apolo admin: cluster users",
    summary: "One member of the org on the cluster (`apolo admin get-user-quota`).",
    params: z.object({ cluster: name, org: name, user: name }),
    query: z.object({ with_user_info: withUserInfo }),
    response: clusterUserResponse,
  },
  async ({ db, caller, params, query }) =>
    clusterUserOut(await getClusterUser(db, caller, params), query.with_user_info === "true"),
);

const jobs = z.number().int("A whole number of jobs.");

export const patchOrgClusterUserQuota = defineEndpoint(
  {
    family: "apolo",
    method: "PATCH",
    path: "/apis/admin/v1/clusters/{cluster}/orgs/{org}/users/{user}/quota",
    tag: "Apolo admin: cluster users",
    summary: "Set, or change by a delta, the member's running-jobs quota (`apolo admin set-user-quota`).",
    description:
      '`{"quota": {"total_running_jobs": n}}` sets it (`{"quota": {}}`: unlimited); ' +
      '`{"additional_quota": {"total_running_jobs": d}}` adds d (an unlimited quota stays unlimited). Org ' +
      "managers and admins, as the Users tab's quota dialog (a manager never changes an admin's). " +
      "`idempotency_key` makes a retry answer the first result without changing anything again.",
    params: z.object({ cluster: name, org: name, user: name }),
    query: z.object({
      with_user_info: withUserInfo,
      idempotency_key: z.string().min(1).max(200).optional().describe("A retry with the same key changes nothing."),
    }),
    body: z
      .object({
        quota: z.object({ total_running_jobs: jobs.min(0, "At least 0.").nullable().optional() }).optional(),
        additional_quota: z.object({ total_running_jobs: jobs }).optional(),
      })
      .refine((b) => (b.quota === undefined) !== (b.additional_quota === undefined), {
        message: "Send either `quota` or `additional_quota`.",
        path: ["quota"],
      }),
    response: clusterUserResponse,
  },
  async ({ db, caller, params, query, body, req }) => {
    const run = async () =>
      clusterUserOut(
        await setClusterUserJobsQuota(db, caller, {
          ...params,
          ...(body.additional_quota
            ? { additionalRunningJobs: body.additional_quota.total_running_jobs }
            : { totalRunningJobs: body.quota?.total_running_jobs ?? null }),
        }),
        query.with_user_info === "true",
      );
    if (!query.idempotency_key) return run();
    // Apolo's idempotency_key (a query parameter): namespaced so it never meets an Idempotency-Key header's.
    const person = requirePerson(caller);
    const key = `apolo:cluster-user-quota:${query.idempotency_key}`;
    const request = `PATCH ${new URL(req.url).pathname}`;
    const r = await runOnce(db, person.userId, key, request, JSON.stringify(body), run);
    if (!r.replay) return r.value;
    if (r.status !== 200) throw new Conflict("This idempotency_key was used for a request that failed.");
    return r.body;
  },
);

// In the console people join orgs, and an org's members use all of its clusters: a cluster user is a member on
// one of the org's clusters, with the org role. So adding or removing one is refused with the org command that
// does it; an update may set the jobs quota (the member's), and its role must be the one the org gives.
const MEMBERSHIP_FOLLOWS_ORG =
  "People join organizations here, not clusters: an org's members use all of its clusters.";

export const postClusterUser = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: "/apis/admin/v1/clusters/{cluster}/users",
    tag: "Apolo admin: cluster users",
    summary: "`apolo admin add-cluster-user`: refused — add the person to the org instead.",
    description:
      "Always 422 with `apolo admin add-org-user <org> <user> [role]` as the way: cluster membership follows the org.",
    params: z.object({ cluster: name }),
    query: z.object({ with_user_info: withUserInfo }),
    body: z.object({
      user_name: name,
      role: clusterRole.optional(),
      org_name: name.optional(),
      quota: z.object({ total_running_jobs: jobs.optional() }).optional(),
    }),
    response: clusterUserResponse,
    status: 201,
  },
  async ({ body }) => {
    throw new Invalid(
      {
        user_name: [
          `${MEMBERSHIP_FOLLOWS_ORG} Use: apolo admin add-org-user ${body.org_name ?? "<org>"} ${body.user_name}`,
        ],
      },
      `${MEMBERSHIP_FOLLOWS_ORG} Use: apolo admin add-org-user ${body.org_name ?? "<org>"} ${body.user_name}`,
    );
  },
);

export const putOrgClusterUser = defineEndpoint(
  {
    family: "apolo",
    method: "PUT",
    path: "/apis/admin/v1/clusters/{cluster}/orgs/{org}/users/{user}",
    tag: "Apolo admin: cluster users",
    summary: "`apolo admin update-cluster-user`: sets the member's jobs quota; the role must be their org role.",
    description:
      "`quota.total_running_jobs` sets the member's running-jobs limit (as set-user-quota; absent = unlimited). " +
      "A `role` other than the one the org gives them is refused (422): change it with `apolo admin update-org-user`.",
    params: z.object({ cluster: name, org: name, user: name }),
    query: z.object({ with_user_info: withUserInfo }),
    body: z.object({
      user_name: name.optional(),
      role: clusterRole,
      org_name: name.optional(),
      quota: z.object({ total_running_jobs: jobs.min(0, "At least 0.").nullable().optional() }).optional(),
    }),
    response: clusterUserResponse,
  },
  async ({ db, caller, params, query, body }) => {
    const current = await getClusterUser(db, caller, params);
    if (body.role !== current.role) {
      const message =
        `${params.user} is ${current.role} in ${params.org}, and cluster roles follow org roles: ` +
        `change it with apolo admin update-org-user ${params.org} ${params.user} <role>.`;
      throw new Invalid({ role: [message] }, message);
    }
    const updated = await setClusterUserJobsQuota(db, caller, {
      ...params,
      totalRunningJobs: body.quota?.total_running_jobs ?? null,
    });
    return clusterUserOut(updated, query.with_user_info === "true");
  },
);

export const deleteOrgClusterUser = defineEndpoint(
  {
    family: "apolo",
    method: "DELETE",
    path: "/apis/admin/v1/clusters/{cluster}/orgs/{org}/users/{user}",
    tag: "Apolo admin: cluster users",
    summary: "`apolo admin remove-cluster-user`: refused — remove the person from the org instead.",
    description: "Always 422 with `apolo admin remove-org-user <org> <user>` as the way.",
    params: z.object({ cluster: name, org: name, user: name }),
    status: 204,
  },
  async ({ params }) => {
    const message = `${MEMBERSHIP_FOLLOWS_ORG} Use: apolo admin remove-org-user ${params.org} ${params.user}`;
    throw new Invalid({ user: [message] }, message);
  },
);

// ------------------------------------------------------------------------------------------------- users

const includeValues = z.enum(["orgs", "clusters", "projects"]);

export const userResponse = z.object({
  name: z.string(),
  email: z.string().nullable().describe("Only for the person, platform admins and managers/admins of a shared org."),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  created_at: z.string().describe("ISO 8601 with offset."),
  orgs: z
    .array(z.object({ org_name: z.string(), role: z.enum(["admin", "manager", "user"]), balance: balanceResponse }))
    .optional()
    .describe("With include=orgs."),
  clusters: z
    .array(
      z.object({
        cluster_name: z.string(),
        org_name: z.string(),
        role: clusterRole,
        quota: quotaResponse,
        balance: balanceResponse,
      }),
    )
    .optional()
    .describe("With include=clusters."),
  projects: z
    .array(
      z.object({
        project_name: z.string(),
        cluster_name: z.string(),
        org_name: z.string(),
        role: z.enum(["reader", "writer", "manager", "admin"]),
      }),
    )
    .optional()
    .describe("With include=projects."),
});

export const getApoloUser = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: "/apis/admin/v1/users/{name}",
    tag: "Apolo admin: users",
    summary:
      "A person, with their orgs, cluster users and projects (`include=orgs&include=clusters&include=projects`).",
    description:
      "The person and platform admins see everything; another member only through the orgs they share (404 " +
      "when none), the address only when they manage one of them. A token restricted to an org sees through it only.",
    params: z.object({ name }),
    query: z.object({
      include: z
        .union([includeValues, z.array(includeValues)])
        .optional()
        .describe("Repeatable: orgs, clusters, projects."),
    }),
    response: userResponse,
  },
  async ({ db, caller, params, query }) => {
    const include = new Set(query.include === undefined ? [] : [query.include].flat());
    const p = await getUserProfile(db, caller, params.name);
    const { first, last } = splitDisplayName(p.name);
    return {
      name: p.username,
      email: p.email,
      first_name: first,
      last_name: last,
      created_at: isoDate(p.createdAt),
      ...(include.has("orgs")
        ? { orgs: p.orgs.map((o) => ({ org_name: o.orgName, role: o.role, balance: balanceOut(o.balance) })) }
        : {}),
      ...(include.has("clusters")
        ? {
            clusters: p.clusters.map((c) => ({
              cluster_name: c.clusterName,
              org_name: c.orgName,
              role: c.role,
              quota: { total_running_jobs: c.maxRunningJobs },
              balance: balanceOut(c.balance),
            })),
          }
        : {}),
      ...(include.has("projects")
        ? {
            projects: p.projects.map((x) => ({
              project_name: x.projectName,
              cluster_name: x.clusterName,
              org_name: x.orgName,
              role: x.role,
            })),
          }
        : {}),
    } satisfies z.input<typeof userResponse>;
  },
);
