import { appUrl } from "@/app/_server/services";
import { currentCaller, loadPage } from "@/app/_server/session";
import { Badge } from "@/components/admin/badge";
import { ClusterOrgsCard } from "@/components/admin/cluster-orgs-card";
import { ClusterTokensCard } from "@/components/admin/cluster-tokens-card";
import { ClusterUrlsCard } from "@/components/admin/cluster-urls-card";
import { PresetsCard } from "@/components/admin/presets-card";
import { StorageRateButton } from "@/components/admin/storage-rate-button";
import { RUNNER_LABELS } from "@/components/admin/types";
import { Card } from "@/components/ui/card";
import { getDb } from "@/db";
import { CLUSTER_URL_INFO, CLUSTER_URL_KEYS, clusterServiceUrls, listClusters, listClusterTokens } from "@/lib/compute";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: `Admin · ${(await params).name}` };
}

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default async function AdminClusterPage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  const [clusters, tokens] = await loadPage(() =>
    Promise.all([listClusters(db, actor), listClusterTokens(db, actor, name)]),
  );
  const cluster = clusters.find((c) => c.name === name);
  if (!cluster) notFound();
  // The URLs the apolo CLI gets (GET /api/v1/config): set here, or defaults under the console's URL.
  const urls = clusterServiceUrls(cluster, await appUrl());
  const urlRows = CLUSTER_URL_KEYS.map((k) => ({
    key: k,
    label: CLUSTER_URL_INFO[k].label,
    apolo: CLUSTER_URL_INFO[k].apolo,
    value: urls[k],
    set: cluster[k],
  }));
  const knownOrgs = [...new Set(clusters.flatMap((c) => c.orgs.map((o) => o.org)))].sort();

  const rate = trimZeros(cluster.storageCreditsPerGbHour);
  const facts: { label: string; value: string; detail: string; action?: React.ReactNode }[] = [
    {
      label: "Runner",
      value: RUNNER_LABELS[cluster.runner],
      detail:
        cluster.runner === "embedded"
          ? "The console meters this cluster's jobs itself."
          : "A runner reports usage to the API with a cluster token.",
    },
    {
      label: "Default cluster",
      value: cluster.isDefault ? "Yes" : "No",
      detail: cluster.isDefault
        ? "Every new organization is added automatically."
        : "Organizations are added here, by a platform admin.",
    },
    {
      label: "Disk storage",
      value: rate === "0" ? "Free" : `${rate} credits / GB-hour`,
      detail: "What each GB of a project's disks costs per hour on this cluster.",
      action: <StorageRateButton cluster={cluster.name} rate={rate} />,
    },
  ];
  return (
    <div className="space-y-6">
      <div className="space-y-1">
        <nav aria-label="Breadcrumb" className="text-sm text-muted">
          <Link href="/admin" className="hover:text-fg hover:underline">
            Clusters
          </Link>
          <span aria-hidden className="px-1.5">
            /
          </span>
          <span aria-current="page">{cluster.name}</span>
        </nav>
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="text-xl font-semibold tracking-tight" data-testid="cluster-title">
            {cluster.name}
          </h2>
          {cluster.isDefault && <Badge tone="accent">Default</Badge>}
        </div>
        <p className="text-sm text-muted">
          {cluster.description && <span className="text-fg">{cluster.description}</span>}
          {cluster.description && <span aria-hidden> · </span>}
          Created <time dateTime={cluster.createdAt.toISOString()}>{dateFormat.format(cluster.createdAt)}</time>
        </p>
      </div>
      <Card className="overflow-hidden">
        <dl className="grid gap-px bg-border sm:grid-cols-3">
          {facts.map((f) => (
            <div key={f.label} className="bg-canvas px-5 py-3">
              <dt className="flex items-center justify-between gap-2 text-xs font-medium tracking-wide text-muted uppercase">
                {f.label}
                {f.action}
              </dt>
              <dd className="mt-1 text-sm">
                <span className="font-semibold" data-testid={`cluster-${f.label.toLowerCase().replace(" ", "-")}`}>
                  {f.value}
                </span>
                <span className="block text-muted">{f.detail}</span>
              </dd>
            </div>
          ))}
        </dl>
      </Card>
      <PresetsCard
        cluster={cluster.name}
        presets={cluster.presets.map((p) => ({
          id: p.id,
          name: p.name,
          cpu: p.cpu,
          memoryMb: p.memoryMb,
          gpu: p.gpu,
          creditsPerHour: p.creditsPerHour,
        }))}
      />
      <ClusterOrgsCard
        cluster={cluster.name}
        orgs={cluster.orgs.map((o) => ({ org: o.org, maxRunningJobs: o.maxRunningJobs }))}
        knownOrgs={knownOrgs}
      />
      <ClusterTokensCard cluster={cluster.name} runner={cluster.runner} tokens={tokens} />
      <ClusterUrlsCard cluster={cluster.name} rows={urlRows} />
    </div>
  );
}

/** "0.00050000" → "0.0005", "0E-8"-free: exact, from the decimal string. */
function trimZeros(v: string): string {
  return v.includes(".") ? v.replace(/\.?0+$/, "") || "0" : v;
}
