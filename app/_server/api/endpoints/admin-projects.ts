import { z } from "zod";
import type { Db } from "@/db";
import {
  balanceMoved,
  createOrgCluster,
  deleteOrgCluster,
  getOrgCluster,
  listOrgClustersOf,
  setOrgClusterDefaults,
  setOrgClusterQuota,
  updateOrgCluster,
  type OrgClusterView,
} from "@/lib/compute";
import { Invalid, type TokenCaller } from "@/lib/core";
import {
  addProjectMember,
  changeProjectMemberRole,
  createProject,
  deleteProject,
  getProject,
  getProjectUser,
  listClusterProjects,
  listProjectUsers,
  PROJECT_ROLES,
  removeProjectMember,
  updateProject,
  type ProjectUserRow,
} from "@/lib/projects";
import { defineEndpoint } from "../endpoint";
import { runOnce } from "../idempotency";

/**
 * Apolo's admin API for org clusters, projects and project users (`/apis/admin/v1/clusters/{cluster}/orgs…`), as
 * neuro-admin-client sends and parses it (`apolo admin add-org-cluster`, `set-org-cluster-quota`, `add-project`,
 * `add-project-user`, …). Every endpoint calls the lib operation the console's pages call: lib/compute
 * org-clusters.ts (platform admins change org clusters; members read theirs) and lib/projects.
 *
 * Credits are decimal strings; `null` means unlimited. Org-less paths (`clusters/{cluster}/projects…`) are not
 * served: every project here belongs to an org.
 */

const TAG_ORG_CLUSTERS = "Apolo admin: org clusters";
const TAG_PROJECTS = "Apolo admin: projects";
const BASE = "/apis/admin/v1/clusters/{cluster}/orgs";

// ------------------------------------------------------------------------------------------------ shapes

const segment = (what: string) =>
  z.string().min(1, `Name the ${what}.`).max(100, `No such ${what}.`).describe(`The ${what}'s name.`);

const clusterParams = z.object({ cluster: segment("cluster") });
const orgClusterParams = clusterParams.extend({ org: segment("organization") });
const projectParams = orgClusterParams.extend({ project: segment("project") });
const projectUserParams = projectParams.extend({ user: segment("user") });

const boolQuery = z
  .enum(["true", "false"], "Use true or false.")
  .optional()
  .describe("`true` adds `user_info` to each user.");

const idempotencyKeyQuery = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, "At most 200 visible ASCII characters, e.g. a UUID.")
  .optional()
  .describe("A retry with the same key answers the first result and changes nothing again.");

/** A whole number; the client sends integers, some tools send them as strings. */
const count = z
  .union([z.number(), z.string().regex(/^-?\d{1,9}$/, "A whole number.")])
  .transform((v) => Number(v))
  .pipe(z.number().int("A whole number."));

const quotaIn = z
  .object({
    total_running_jobs: count.nullable().optional().describe("Most running jobs at once; absent or null: unlimited."),
  })
  .optional();

const decimalIn = z.string("Credits as a decimal string.").max(40, "Credits: a decimal number.").nullable().optional();

export const balanceOut = z.object({
  credits: z.string().nullable().describe("Decimal string; null: unlimited (an org's balance never is)."),
  spent_credits: z.string().describe("Decimal string."),
});

export const quotaOut = z.object({
  total_running_jobs: z.number().int().nullable().describe("null: unlimited."),
});

const orgClusterRoles = z.enum(
  ["user", "member", "manager", "admin"],
  "Choose a role: user, member, manager or admin.",
);

export const orgClusterOut = z.object({
  org_name: z.string(),
  cluster_name: z.string(),
  balance: balanceOut.describe("The org's wallet: balance is kept per org, not per cluster."),
  quota: quotaOut.describe("The org's running-jobs limit on this cluster."),
  default_credits: z.string().nullable().describe("Credit limit given to members who join; null: unlimited."),
  default_quota: quotaOut.describe("Running-jobs limit given to members who join."),
  default_role: orgClusterRoles,
  storage_size: z
    .number()
    .int()
    .nullable()
    .describe("Bytes of storage the org may use on the cluster; null: unlimited."),
  maintenance: z.boolean().describe("Always false: this console has no maintenance mode."),
});

function orgClusterJson(v: OrgClusterView): z.input<typeof orgClusterOut> {
  return {
    org_name: v.orgName,
    cluster_name: v.clusterName,
    balance: { credits: v.balance.credits, spent_credits: v.balance.spentCredits },
    quota: { total_running_jobs: v.maxRunningJobs },
    default_credits: v.defaultCredits,
    default_quota: { total_running_jobs: v.defaultMaxRunningJobs },
    default_role: v.defaultRole,
    storage_size: v.storageSizeBytes,
    maintenance: false,
  };
}

const projectRoles = z.enum(PROJECT_ROLES, "Choose a role: reader, writer, manager or admin.");

export const projectOut = z.object({
  name: z.string(),
  cluster_name: z.string(),
  org_name: z.string(),
  is_default: z.boolean().describe("New org members join this project automatically, with default_role."),
  default_role: projectRoles,
  has_virtual_kube: z.boolean().describe("Always false: this console runs no virtual Kubernetes clusters."),
});

function projectJson(p: {
  name: string;
  cluster: string;
  org: string;
  isDefault: boolean;
  defaultRole: z.infer<typeof projectRoles>;
}): z.input<typeof projectOut> {
  return {
    name: p.name,
    cluster_name: p.cluster,
    org_name: p.org,
    is_default: p.isDefault,
    default_role: p.defaultRole,
    has_virtual_kube: false,
  };
}

export const userInfoOut = z.object({
  email: z.string().nullable().describe("Only for the person themself, org managers and admins, platform admins."),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  created_at: z.string().describe("ISO 8601."),
});

export const projectUserOut = z.object({
  user_name: z.string(),
  cluster_name: z.string(),
  org_name: z.string(),
  project_name: z.string(),
  role: projectRoles,
  user_info: userInfoOut.optional().describe("With `with_user_info=true`."),
});

function projectUserJson(
  where: { cluster: string; org: string; project: string },
  u: ProjectUserRow,
  withInfo: boolean,
): z.input<typeof projectUserOut> {
  return {
    user_name: u.username,
    cluster_name: where.cluster,
    org_name: where.org,
    project_name: where.project,
    role: u.role,
    ...(withInfo
      ? {
          user_info: {
            email: u.info.email,
            first_name: u.info.firstName,
            last_name: u.info.lastName,
            created_at: u.info.createdAt.toISOString(),
          },
        }
      : {}),
  };
}

const noVirtualKube = () =>
  new Invalid(
    {
      has_virtual_kube: [
        "This console runs no virtual Kubernetes clusters: create the project without virtual Kubernetes.",
      ],
    },
    "This console runs no virtual Kubernetes clusters: create the project without virtual Kubernetes.",
  );

const noMaintenance = () =>
  new Invalid({ maintenance: ["This console has no maintenance mode."] }, "This console has no maintenance mode.");

/**
 * Runs `fn` once per `idempotency_key` (Apolo's query parameter): a retry with the same key and request answers
 * the first result (the api_idempotency_keys table the Idempotency-Key header uses, namespaced by path).
 */
async function onceByKey<T>(
  db: Db,
  caller: TokenCaller | null,
  key: string | undefined,
  req: Request,
  body: unknown,
  fn: () => Promise<T>,
): Promise<T> {
  if (!key || !caller) return fn();
  const path = new URL(req.url).pathname;
  const ns = `apolo:${path}:${key}`.slice(0, 255);
  const r = await runOnce(db, caller.userId, ns, `${req.method} ${path}`, JSON.stringify(body), fn);
  return r.replay ? (r.body as T) : r.value;
}

// ------------------------------------------------------------------------------------------------ org clusters

const orgClusterBody = z.object({
  org_name: segment("organization").optional(),
  quota: quotaIn,
  balance: z
    .object({ credits: decimalIn, spent_credits: decimalIn })
    .optional()
    .describe("Ignored except `credits`: the balance is the org's (set-org-credits)."),
  default_quota: quotaIn,
  default_credits: decimalIn,
  default_role: orgClusterRoles.optional(),
  storage_size: count.nullable().optional().describe("Bytes."),
  maintenance: z.boolean().optional(),
});

function settingsFrom(body: z.output<typeof orgClusterBody>) {
  if (body.maintenance) throw noMaintenance();
  return {
    maxRunningJobs: body.quota?.total_running_jobs ?? null,
    defaultCredits: body.default_credits ?? null,
    defaultMaxRunningJobs: body.default_quota?.total_running_jobs ?? null,
    defaultRole: body.default_role ?? "user",
    ...(body.storage_size !== undefined ? { storageSizeBytes: body.storage_size } : {}),
  };
}

export const listClusterOrgs = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: BASE,
    tag: TAG_ORG_CLUSTERS,
    summary: "The orgs on a cluster: all for platform admins, else the caller's own.",
    params: clusterParams,
    response: z.array(orgClusterOut),
  },
  async ({ db, caller, params }) => (await listOrgClustersOf(db, caller, params.cluster)).map(orgClusterJson),
);

export const createClusterOrg = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: BASE,
    tag: TAG_ORG_CLUSTERS,
    summary: "Puts an org on a cluster (platform admins): `apolo admin add-org-cluster`.",
    idempotent: true,
    description:
      "A balance (`balance.credits`) is refused: balance is kept per org (`apolo admin set-org-credits`). " +
      "`storage_size` is in bytes.",
    params: clusterParams,
    body: orgClusterBody,
    response: orgClusterOut,
    status: 201,
  },
  async ({ db, caller, params, body }) => {
    if (!body.org_name) throw new Invalid({ org_name: ["Name the organization."] });
    if (body.balance?.credits !== undefined && body.balance.credits !== null) throw balanceMoved();
    const view = await createOrgCluster(
      db,
      caller,
      { cluster: params.cluster, org: body.org_name },
      settingsFrom(body),
    );
    return orgClusterJson(view);
  },
);

export const getClusterOrg = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: `${BASE}/{org}`,
    tag: TAG_ORG_CLUSTERS,
    summary: "An org cluster: any member of the org, platform admins (`apolo config show` reads it).",
    params: orgClusterParams,
    response: orgClusterOut,
  },
  async ({ db, caller, params }) => orgClusterJson(await getOrgCluster(db, caller, params.cluster, params.org)),
);

export const updateClusterOrg = defineEndpoint(
  {
    family: "apolo",
    method: "PUT",
    path: `${BASE}/{org}`,
    tag: TAG_ORG_CLUSTERS,
    summary: "Replaces an org cluster's quota and defaults (platform admins): `apolo admin update-org-cluster`.",
    description:
      "Absent quota or default fields become unlimited (the client sends the whole object). `balance.credits` must " +
      "equal the org's balance: changing it here is refused (use `apolo admin set-org-credits`).",
    params: orgClusterParams,
    body: orgClusterBody,
    response: orgClusterOut,
  },
  async ({ db, caller, params, body }) => {
    if (body.org_name && body.org_name !== params.org) {
      throw new Invalid({ org_name: [`The body names '${body.org_name}', the path '${params.org}'.`] });
    }
    const view = await updateOrgCluster(
      db,
      caller,
      { cluster: params.cluster, org: params.org },
      settingsFrom(body),
      body.balance?.credits ?? undefined,
    );
    return orgClusterJson(view);
  },
);

export const deleteClusterOrg = defineEndpoint(
  {
    family: "apolo",
    method: "DELETE",
    path: `${BASE}/{org}`,
    tag: TAG_ORG_CLUSTERS,
    summary: "Removes an org from a cluster (platform admins); its running jobs there stop.",
    params: orgClusterParams,
    status: 204,
  },
  async ({ db, caller, params }) => {
    await deleteOrgCluster(db, caller, { cluster: params.cluster, org: params.org });
    return null;
  },
);

export const setClusterOrgDefaults = defineEndpoint(
  {
    family: "apolo",
    method: "PATCH",
    path: `${BASE}/{org}/defaults`,
    tag: TAG_ORG_CLUSTERS,
    summary: "Sets what members who join get (platform admins): `apolo admin set-org-cluster-defaults`.",
    description: "Absent `credits` or `quota.total_running_jobs`: unlimited.",
    params: orgClusterParams,
    body: z.object({
      credits: decimalIn.describe("Default credit limit of new members; absent or null: unlimited."),
      quota: quotaIn,
      default_role: orgClusterRoles.optional(),
    }),
    response: orgClusterOut,
  },
  async ({ db, caller, params, body }) => {
    const view = await setOrgClusterDefaults(
      db,
      caller,
      { cluster: params.cluster, org: params.org },
      {
        defaultCredits: body.credits ?? null,
        defaultMaxRunningJobs: body.quota?.total_running_jobs ?? null,
        defaultRole: body.default_role ?? "user",
      },
    );
    return orgClusterJson(view);
  },
);

export const setClusterOrgQuota = defineEndpoint(
  {
    family: "apolo",
    method: "PATCH",
    path: `${BASE}/{org}/quota`,
    tag: TAG_ORG_CLUSTERS,
    summary: "Sets or moves the org's running-jobs limit on the cluster (platform admins).",
    description:
      "`{quota: {total_running_jobs: n}}` sets it (an empty `quota`: unlimited); " +
      "`{additional_quota: {total_running_jobs: d}}` adds d (refused on an unlimited quota or below 0).",
    params: orgClusterParams,
    query: z.object({ idempotency_key: idempotencyKeyQuery }),
    body: z.object({ quota: quotaIn, additional_quota: quotaIn }),
    response: orgClusterOut,
  },
  async ({ db, caller, params, query, body, req }) => {
    const target = { cluster: params.cluster, org: params.org };
    let input: { set: number | null } | { delta: number };
    if (body.additional_quota !== undefined) {
      if (body.quota !== undefined) {
        throw new Invalid({ quota: ["Send either quota or additional_quota, not both."] });
      }
      const d = body.additional_quota?.total_running_jobs;
      if (d === undefined || d === null) {
        throw new Invalid({ "additional_quota.total_running_jobs": ["A whole number to add."] });
      }
      input = { delta: d };
    } else if (body.quota !== undefined) {
      input = { set: body.quota?.total_running_jobs ?? null };
    } else {
      throw new Invalid({ quota: ["Send quota or additional_quota."] });
    }
    return onceByKey(db, caller, query.idempotency_key, req, body, async () =>
      orgClusterJson(await setOrgClusterQuota(db, caller, target, input)),
    );
  },
);

export const setClusterOrgBalance = defineEndpoint(
  {
    family: "apolo",
    method: "PATCH",
    path: `${BASE}/{org}/balance`,
    tag: TAG_ORG_CLUSTERS,
    summary: "Refused (422): balance is kept per org since CLI 24.12.1; use `apolo admin set-org-credits`.",
    params: orgClusterParams,
    query: z.object({ idempotency_key: idempotencyKeyQuery }),
    body: z.object({ credits: decimalIn, additional_credits: decimalIn }),
    response: orgClusterOut,
  },
  async ({ db, caller, params }) => {
    // Who can't see the org cluster learns nothing more than from GET (NotFound); everyone else gets the pointer.
    await getOrgCluster(db, caller, params.cluster, params.org);
    throw balanceMoved();
  },
);

// ------------------------------------------------------------------------------------------------ projects

const PROJECTS = `${BASE}/{org}/projects`;

async function projectAnswer(db: Db, caller: TokenCaller | null, org: string, cluster: string, project: string) {
  const p = await getProject(db, caller, org, { cluster, project });
  return projectJson({
    name: p.project.name,
    cluster: p.project.cluster,
    org: p.org.name,
    isDefault: p.project.isDefault,
    defaultRole: p.project.defaultRole,
  });
}

export const listOrgProjects = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: PROJECTS,
    tag: TAG_PROJECTS,
    summary: "The org's projects on the cluster: an org user's own, every project for org managers and admins.",
    params: orgClusterParams,
    response: z.array(projectOut),
  },
  async ({ db, caller, params }) =>
    (await listClusterProjects(db, caller, params.org, params.cluster)).map(projectJson),
);

export const createOrgProject = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: PROJECTS,
    tag: TAG_PROJECTS,
    summary: "Creates a project (any org member; the creator becomes its admin): `apolo admin add-project`.",
    idempotent: true,
    description:
      "`is_default: true` takes an org manager or admin. `has_virtual_kube: true` is refused (no virtual clusters).",
    params: orgClusterParams,
    body: z.object({
      name: z.string("Name your project.").max(100, "At most 63 characters."),
      is_default: z.boolean().optional(),
      default_role: projectRoles.optional(),
      has_virtual_kube: z.boolean().nullable().optional(),
    }),
    response: projectOut,
    status: 201,
  },
  async ({ db, caller, params, body }) => {
    if (body.has_virtual_kube) throw noVirtualKube();
    const created = await createProject(db, caller, params.org, {
      cluster: params.cluster,
      name: body.name,
      isDefault: body.is_default ?? false,
      defaultRole: body.default_role ?? "writer",
    });
    return projectAnswer(db, caller, params.org, created.cluster, created.name);
  },
);

export const getOrgProject = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: `${PROJECTS}/{project}`,
    tag: TAG_PROJECTS,
    summary: "A project: its members, org managers and admins.",
    params: projectParams,
    response: projectOut,
  },
  async ({ db, caller, params }) => projectAnswer(db, caller, params.org, params.cluster, params.project),
);

export const updateOrgProject = defineEndpoint(
  {
    family: "apolo",
    method: "PUT",
    path: `${PROJECTS}/{project}`,
    tag: TAG_PROJECTS,
    summary: "Changes a project's default flag and default role (project admins): `apolo admin update-project`.",
    params: projectParams,
    body: z.object({
      is_default: z.boolean().optional(),
      default_role: projectRoles.optional(),
      has_virtual_kube: z.boolean().nullable().optional(),
    }),
    response: projectOut,
  },
  async ({ db, caller, params, body }) => {
    if (body.has_virtual_kube) throw noVirtualKube();
    const ref = { cluster: params.cluster, project: params.project };
    await updateProject(db, caller, params.org, ref, {
      ...(body.is_default !== undefined ? { isDefault: body.is_default } : {}),
      ...(body.default_role !== undefined ? { defaultRole: body.default_role } : {}),
    });
    return projectAnswer(db, caller, params.org, params.cluster, params.project);
  },
);

export const deleteOrgProject = defineEndpoint(
  {
    family: "apolo",
    method: "DELETE",
    path: `${PROJECTS}/{project}`,
    tag: TAG_PROJECTS,
    summary: "Deletes a project (project admins): `apolo admin remove-project`.",
    description:
      "The CLI asks for confirmation itself and sends none, so the project's name in the path is the confirmation. " +
      "Refused (409) while it has running jobs.",
    params: projectParams,
    status: 204,
  },
  async ({ db, caller, params }) => {
    await deleteProject(
      db,
      caller,
      params.org,
      { cluster: params.cluster, project: params.project },
      {
        confirm: params.project,
      },
    );
    return null;
  },
);

// ------------------------------------------------------------------------------------------------ project users

const withInfoQuery = z.object({ with_user_info: boolQuery });

export const listOrgProjectUsers = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: `${PROJECTS}/{project}/users`,
    tag: TAG_PROJECTS,
    summary: "A project's members (any project member): `apolo admin get-project-users`.",
    params: projectParams,
    query: withInfoQuery,
    response: z.array(projectUserOut),
  },
  async ({ db, caller, params, query }) => {
    const r = await listProjectUsers(db, caller, params.org, { cluster: params.cluster, project: params.project });
    const where = { cluster: r.project.clusterName, org: r.org, project: r.project.name };
    return r.users.map((u) => projectUserJson(where, u, query.with_user_info === "true"));
  },
);

async function projectUserAnswer(
  db: Db,
  caller: TokenCaller | null,
  params: z.output<typeof projectUserParams>,
  withInfo: boolean,
) {
  const r = await getProjectUser(
    db,
    caller,
    params.org,
    { cluster: params.cluster, project: params.project },
    params.user,
  );
  return projectUserJson({ cluster: r.project.clusterName, org: r.org, project: r.project.name }, r.user, withInfo);
}

export const addOrgProjectUser = defineEndpoint(
  {
    family: "apolo",
    method: "POST",
    path: `${PROJECTS}/{project}/users`,
    tag: TAG_PROJECTS,
    summary: "Adds an org member to a project (project managers and admins): `apolo admin add-project-user`.",
    idempotent: true,
    description:
      "Without `role`, the project's default role. Someone not in the org: 422 \"User '<org>/<user>' not found " +
      "in cluster '<cluster>'\".",
    params: projectParams,
    query: withInfoQuery,
    body: z.object({
      user_name: z.string("Name the user.").max(100, "No such account."),
      role: projectRoles.optional(),
    }),
    response: projectUserOut,
    status: 201,
  },
  async ({ db, caller, params, query, body }) => {
    const added = await addProjectMember(
      db,
      caller,
      params.org,
      { cluster: params.cluster, project: params.project },
      { username: body.user_name, ...(body.role ? { role: body.role } : {}) },
    );
    return projectUserAnswer(db, caller, { ...params, user: added.username }, query.with_user_info === "true");
  },
);

export const getOrgProjectUser = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: `${PROJECTS}/{project}/users/{user}`,
    tag: TAG_PROJECTS,
    summary: "One member of a project (any project member).",
    params: projectUserParams,
    query: withInfoQuery,
    response: projectUserOut,
  },
  async ({ db, caller, params, query }) => projectUserAnswer(db, caller, params, query.with_user_info === "true"),
);

export const updateOrgProjectUser = defineEndpoint(
  {
    family: "apolo",
    method: "PUT",
    path: `${PROJECTS}/{project}/users/{user}`,
    tag: TAG_PROJECTS,
    summary: "Changes a member's project role: `apolo admin update-project-user`.",
    description:
      "Managers move people among reader, writer and manager; admins set any role; nobody changes their own; the " +
      "last admin is never demoted (409).",
    params: projectUserParams,
    body: z.object({ role: projectRoles }),
    response: projectUserOut,
  },
  async ({ db, caller, params, body }) => {
    await changeProjectMemberRole(
      db,
      caller,
      params.org,
      { cluster: params.cluster, project: params.project },
      { username: params.user, role: body.role },
    );
    return projectUserAnswer(db, caller, params, false);
  },
);

export const removeOrgProjectUser = defineEndpoint(
  {
    family: "apolo",
    method: "DELETE",
    path: `${PROJECTS}/{project}/users/{user}`,
    tag: TAG_PROJECTS,
    summary: "Removes a member from a project (or leaves it): `apolo admin remove-project-user`.",
    description: "The last project admin is never removed (409).",
    params: projectUserParams,
    status: 204,
  },
  async ({ db, caller, params }) => {
    await removeProjectMember(
      db,
      caller,
      params.org,
      { cluster: params.cluster, project: params.project },
      { username: params.user },
    );
    return null;
  },
);
