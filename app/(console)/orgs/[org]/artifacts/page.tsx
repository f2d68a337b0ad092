import { orgAccess } from "@/app/_server/org-access";
import type { OrgSearchPageProps } from "@/app/_server/page-props";
import { currentCaller, loadPage } from "@/app/_server/session";
import { OrgArtifacts } from "@/components/artifacts/org-artifacts";
import { formatBytes } from "@/components/artifacts/types";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listOrgArtifacts } from "@/lib/artifacts";
import type { Metadata } from "next";
import { artifactView } from "./views";

export const metadata: Metadata = { title: "Artifacts" };

/**
 * The org's artifacts. Org managers and admins see every project's (and may delete disks, buckets and secrets:
 * they act as admins of every project); org users see the artifacts of the projects they belong to.
 */
export default async function OrgArtifactsPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  const list = await loadPage(async () => listOrgArtifacts(db, actor, await orgAccess(org), await searchParams));
  const all = list.scope === "all";
  const rows = list.rows.map((r) => artifactView(r, all));
  const totalBytes = list.diskTotals.reduce((n, d) => n + d.bytes, 0);
  const diskCount = list.diskTotals.reduce((n, d) => n + d.disks, 0);
  return (
    <div className="space-y-6">
      <div className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight">Artifacts</h1>
        <p className="text-sm text-muted">
          {all
            ? "Every project's disks, buckets, secrets and images in this organization."
            : "The disks, buckets, secrets and images of the projects you belong to. Org managers and admins see every project's."}
        </p>
      </div>
      {list.diskTotals.length > 0 && (
        <Card>
          <CardHeader
            title="Disk storage by project"
            description={`${formatBytes(totalBytes)} in ${diskCount} ${diskCount === 1 ? "disk" : "disks"}${
              list.query.project || list.query.owner || list.query.cluster || list.query.q ? " (filtered)" : ""
            }`}
          />
          <ul className="divide-y divide-border text-sm" data-testid="disk-totals">
            {list.diskTotals.map((d) => (
              <li key={`${d.cluster}/${d.project}`} className="flex items-center justify-between gap-3 px-5 py-2.5">
                <span className="min-w-0 truncate">
                  <span className="font-medium">{d.project}</span>
                  <span className="text-muted"> · {d.cluster}</span>
                </span>
                <span className="shrink-0 text-muted tabular-nums">
                  {d.disks} {d.disks === 1 ? "disk" : "disks"} · <span className="text-fg">{formatBytes(d.bytes)}</span>
                </span>
              </li>
            ))}
          </ul>
        </Card>
      )}
      <Card>
        <CardHeader title={all ? "All artifacts" : "Your projects' artifacts"} />
        <div className="p-4">
          <OrgArtifacts org={org} rows={rows} total={list.total} query={list.query} options={list.options} />
        </div>
      </Card>
    </div>
  );
}
