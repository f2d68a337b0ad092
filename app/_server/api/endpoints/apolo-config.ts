import { z } from "zod";
import { cliConfig, listClusters, type CliPreset } from "@/lib/compute";
import { NotFound } from "@/lib/core";
import { defineEndpoint } from "../endpoint";

/**
 * GET /api/v1/config: the platform configuration document the `apolo` CLI reads at `login-with-token`, on
 * every `switch-org`/`switch-cluster` and at `config show` (apolo_sdk `_server_cfg.py` get_server_config), and
 * Apolo's admin `clusters` (`apolo admin get-clusters`). Shapes follow the client's parser exactly: every URL
 * and auth key it reads with `payload[...]` is always present; credits are decimal strings; memory in bytes.
 */

const trimZeros = (v: string) => (v.includes(".") ? v.replace(/\.?0+$/, "") || "0" : v);
const MB = 1024 * 1024;

const nvidiaGpu = z.object({ count: z.number().int(), model: z.string() });

const presetResponse = z.object({
  name: z.string(),
  credits_per_hour: z.string().describe("Decimal string: credits charged per hour of a job on this preset."),
  cpu: z.number().describe("Cores (a float, e.g. 0.5)."),
  memory: z.number().int().describe("Bytes."),
  nvidia_gpu: nvidiaGpu.optional().describe("Present when the preset has GPUs."),
  scheduler_enabled: z.boolean(),
  preemptible_node: z.boolean(),
  resource_pool_names: z.array(z.string()),
  available_resource_pool_names: z.array(z.string()),
});

const resourcePoolResponse = z
  .object({
    name: z.string(),
    min_size: z.number().int(),
    max_size: z.number().int(),
    cpu: z.number(),
    memory: z.number().int().describe("Bytes."),
    disk_size: z.number().int().describe("Bytes (0: the console does not track node disks)."),
    nvidia_gpu: nvidiaGpu.optional(),
    is_preemptible: z.boolean(),
  })
  .describe("The console has no node pools: one pool type per preset, sized to it.");

const clusterConfigResponse = z.object({
  name: z.string(),
  orgs: z.array(z.string()).describe("The caller's orgs on this cluster."),
  registry_url: z.string(),
  storage_url: z.string(),
  users_url: z.string(),
  monitoring_url: z.string(),
  secrets_url: z.string(),
  disks_url: z.string(),
  buckets_url: z.string(),
  resource_pool_types: z.array(resourcePoolResponse),
  resource_presets: z.array(presetResponse),
});

const projectConfigResponse = z.object({
  name: z.string(),
  cluster_name: z.string(),
  org_name: z.string(),
  role: z.enum(["reader", "writer", "manager", "admin"]),
});

export const configResponse = z.object({
  authorized: z.boolean().describe("true when a valid token was sent (the CLI refuses a token answered false)."),
  admin_url: z.string().describe("Apolo's admin API on this console: <console>/apis/admin/v1."),
  auth_url: z
    .string()
    .describe("The console has no OAuth code flow: this is the Tokens page. Use `apolo config login-with-token`."),
  token_url: z.string(),
  logout_url: z.string(),
  client_id: z.string(),
  audience: z.string(),
  headless_callback_url: z.string(),
  success_redirect_url: z.string(),
  clusters: z.array(clusterConfigResponse).optional().describe("Only with a valid token."),
  projects: z.array(projectConfigResponse).optional().describe("Only with a valid token: the caller's projects."),
});

function presetOut(p: CliPreset) {
  return {
    name: p.name,
    credits_per_hour: trimZeros(p.creditsPerHour),
    cpu: Number(p.cpu),
    memory: p.memoryMb * MB,
    ...(p.gpu > 0 ? { nvidia_gpu: { count: p.gpu, model: "nvidia-gpu" } } : {}),
    scheduler_enabled: false,
    preemptible_node: false,
    resource_pool_names: [p.name],
    available_resource_pool_names: [p.name],
  };
}

function poolOut(p: CliPreset) {
  return {
    name: p.name,
    min_size: 0,
    max_size: 1,
    cpu: Number(p.cpu),
    memory: p.memoryMb * MB,
    disk_size: 0,
    ...(p.gpu > 0 ? { nvidia_gpu: { count: p.gpu, model: "nvidia-gpu" } } : {}),
    is_preemptible: false,
  };
}

export const getConfig = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: "/api/v1/config",
    tag: "Apolo CLI",
    summary: "The configuration document the apolo CLI reads (login-with-token, switch-org, config show).",
    description:
      "Without a token, or with an invalid one, answers the unauthenticated form (`authorized: false`, the auth " +
      "and admin URLs only). With a token: the clusters of the caller's orgs (only the token's org when it is " +
      "restricted), each with the caller's orgs on it, its service URLs (set by platform admins, else defaults " +
      "under the console's URL), presets and pool types; and the projects the caller is a member of.",
    auth: "optional",
    response: configResponse,
  },
  async ({ db, caller, services }) => {
    const appUrl = (await services()).appUrl.replace(/\/+$/, "");
    const base = {
      admin_url: `${appUrl}/apis/admin/v1`,
      auth_url: `${appUrl}/account/tokens`,
      token_url: `${appUrl}/account/tokens`,
      logout_url: `${appUrl}/api/auth/signout`,
      client_id: "apolo-console",
      audience: appUrl,
      headless_callback_url: `${appUrl}/account/tokens`,
      success_redirect_url: `${appUrl}/`,
    };
    if (!caller) return { authorized: false, ...base } satisfies z.input<typeof configResponse>;
    const cfg = await cliConfig(db, caller, appUrl);
    return {
      authorized: true,
      ...base,
      clusters: cfg.clusters.map((c) => ({
        name: c.name,
        orgs: c.orgs,
        registry_url: c.urls.registryUrl,
        storage_url: c.urls.storageUrl,
        users_url: c.urls.usersUrl,
        monitoring_url: c.urls.monitoringUrl,
        secrets_url: c.urls.secretsUrl,
        disks_url: c.urls.disksUrl,
        buckets_url: c.urls.bucketsUrl,
        resource_pool_types: c.presets.map(poolOut),
        resource_presets: c.presets.map(presetOut),
      })),
      projects: cfg.projects.map((p) => ({
        name: p.name,
        cluster_name: p.clusterName,
        org_name: p.orgName,
        role: p.role,
      })),
    } satisfies z.input<typeof configResponse>;
  },
);

// ------------------------------------------------------------------------------------ admin: clusters

export const apoloClusterResponse = z.object({
  name: z.string(),
  default_credits: z.string().nullable().describe("Always null: the console keeps defaults per org-cluster."),
  default_quota: z.object({ total_running_jobs: z.number().int().nullable().optional() }),
  default_role: z.enum(["admin", "manager", "member", "user"]),
  maintenance: z.boolean(),
});

type ClusterRow = Awaited<ReturnType<typeof listClusters>>[number];
const clusterOut = (c: ClusterRow): z.input<typeof apoloClusterResponse> => ({
  name: c.name,
  default_credits: null,
  default_quota: {},
  default_role: "user",
  maintenance: false,
});

export const listApoloClusters = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: "/apis/admin/v1/clusters",
    tag: "Apolo admin: clusters",
    summary: "Every cluster (platform admins; anyone else: 404).",
    response: z.array(apoloClusterResponse),
  },
  async ({ db, caller }) => (await listClusters(db, caller)).map(clusterOut),
);

export const getApoloCluster = defineEndpoint(
  {
    family: "apolo",
    method: "GET",
    path: "/apis/admin/v1/clusters/{cluster}",
    tag: "Apolo admin: clusters",
    summary: "One cluster (platform admins; anyone else: 404).",
    params: z.object({ cluster: z.string().min(1).max(200) }),
    response: apoloClusterResponse,
  },
  async ({ db, caller, params }) => {
    const c = (await listClusters(db, caller)).find((x) => x.name === params.cluster);
    if (!c) throw new NotFound(`Cluster '${params.cluster}' not found.`);
    return clusterOut(c);
  },
);
