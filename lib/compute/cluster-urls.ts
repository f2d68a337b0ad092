import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { clusters } from "@/db/schema";
import { type Caller } from "../core/caller";
import { NotFound } from "../core/errors";
import { lineText, parseInput, safeText } from "../core/validation";
import { recordAudit } from "../orgs/audit";
import { requirePlatformAdmin } from "../orgs/platform";

/**
 * A cluster's service URLs, as the `apolo` CLI reads them from GET /api/v1/config (apolo_sdk _server_cfg.py
 * requires all seven). Platform admins set them per cluster (Admin → cluster → Service URLs); a URL left unset
 * (null) answers a default under the console's own configured URL, so a fresh cluster's config is complete.
 */
export const CLUSTER_URL_KEYS = [
  "registryUrl",
  "storageUrl",
  "usersUrl",
  "monitoringUrl",
  "secretsUrl",
  "disksUrl",
  "bucketsUrl",
] as const;
export type ClusterUrlKey = (typeof CLUSTER_URL_KEYS)[number];
export type ClusterUrls = Record<ClusterUrlKey, string>;

/** What each URL is for, and the path of its default under `<console>/api/v1/clusters/<cluster>/`. */
export const CLUSTER_URL_INFO: Record<ClusterUrlKey, { label: string; apolo: string; path: string }> = {
  registryUrl: { label: "Registry", apolo: "registry_url", path: "registry" },
  storageUrl: { label: "Storage", apolo: "storage_url", path: "storage" },
  usersUrl: { label: "Users", apolo: "users_url", path: "users" },
  monitoringUrl: { label: "Monitoring (jobs)", apolo: "monitoring_url", path: "jobs" },
  secretsUrl: { label: "Secrets", apolo: "secrets_url", path: "secrets" },
  disksUrl: { label: "Disks", apolo: "disks_url", path: "disk" },
  bucketsUrl: { label: "Buckets", apolo: "buckets_url", path: "buckets" },
};

/** The default of each URL: `<console>/api/v1/clusters/<cluster>/<service>` (the console's configured URL). */
export function defaultClusterUrls(appUrl: string, clusterName: string): ClusterUrls {
  const base = `${appUrl.replace(/\/+$/, "")}/api/v1/clusters/${encodeURIComponent(clusterName)}`;
  return Object.fromEntries(CLUSTER_URL_KEYS.map((k) => [k, `${base}/${CLUSTER_URL_INFO[k].path}`])) as ClusterUrls;
}

/** The URLs a cluster answers: each one set by a platform admin, else its default. */
export function clusterServiceUrls(
  cluster: { name: string } & Partial<Record<ClusterUrlKey, string | null>>,
  appUrl: string,
): ClusterUrls {
  const defaults = defaultClusterUrls(appUrl, cluster.name);
  return Object.fromEntries(CLUSTER_URL_KEYS.map((k) => [k, cluster[k] || defaults[k]])) as ClusterUrls;
}

const URL_MAX = 2048;
const URL_MESSAGE = "Enter an http:// or https:// URL, or leave empty for the default.";

/** One URL: empty is null (the default); otherwise an absolute http(s) URL without credentials. */
export const clusterUrlSchema = safeText()
  .pipe(lineText())
  .transform((v) => v.trim())
  .refine((v) => v.length <= URL_MAX, `At most ${URL_MAX} characters.`)
  .refine((v) => v === "" || isServiceUrl(v), URL_MESSAGE)
  .transform((v) => (v === "" ? null : v.replace(/\/+$/, "")));

function isServiceUrl(v: string): boolean {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password && u.hostname !== "";
}

export const clusterUrlsSchema = z.object({
  cluster: safeText().trim().min(1, "Choose a cluster."),
  // Absent or empty: null, the default (a zod default would skip the transform, so absence is mapped below).
  ...(Object.fromEntries(CLUSTER_URL_KEYS.map((k) => [k, clusterUrlSchema.optional()])) as Record<
    ClusterUrlKey,
    z.ZodOptional<typeof clusterUrlSchema>
  >),
});

/**
 * Sets a cluster's seven service URLs (platform admins; an empty one goes back to its default). Audited with
 * the before and after values.
 */
export async function setClusterUrls(db: Db, caller: Caller, input: unknown) {
  const admin = await requirePlatformAdmin(db, caller);
  const data = parseInput(clusterUrlsSchema, input);
  const values = Object.fromEntries(CLUSTER_URL_KEYS.map((k) => [k, data[k] ?? null])) as Record<
    ClusterUrlKey,
    string | null
  >;
  return db.transaction(async (tx) => {
    const [c] = await tx.select().from(clusters).where(eq(clusters.name, data.cluster)).for("update");
    if (!c) throw new NotFound("Cluster not found");
    await tx.update(clusters).set(values).where(eq(clusters.id, c.id));
    const before = Object.fromEntries(CLUSTER_URL_KEYS.map((k) => [k, c[k]]));
    await recordAudit(tx, {
      org: null,
      actor: admin,
      action: "cluster.urls_set",
      target: { type: "cluster", id: c.id, label: c.name },
      before,
      after: values,
    });
    return { cluster: c.name, ...values };
  });
}
