import type { Metadata } from "next";
import { currentCaller, loadPage } from "@/app/_server/session";
import { AccessRequestsCard, type AccessRequestRow } from "@/components/admin/access-requests-card";
import { ClustersTable } from "@/components/admin/clusters-table";
import { CreateClusterDialog } from "@/components/admin/create-cluster-dialog";
import type { ClusterRow } from "@/components/admin/types";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listClusterAccessRequests, listClusters, type ClusterAccessRequestView } from "@/lib/compute";

export const metadata: Metadata = { title: "Admin · Clusters" };

export default async function AdminClustersPage() {
  const [clusters, requests] = await loadPage(async () => {
    const [db, caller] = [await getDb(), await currentCaller()];
    return Promise.all([listClusters(db, caller), listClusterAccessRequests(db, caller)]);
  });
  const requestRow = (r: ClusterAccessRequestView): AccessRequestRow => ({
    id: r.id,
    org: r.org.name,
    orgDisplayName: r.org.displayName,
    requester: r.requester,
    message: r.message,
    status: r.status,
    cluster: r.cluster,
    declineReason: r.declineReason,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  });
  const rows: ClusterRow[] = clusters.map((c) => ({
    name: c.name,
    description: c.description,
    isDefault: c.isDefault,
    runner: c.runner,
    presets: c.presets.length,
    orgs: c.orgs.length,
  }));
  return (
    <div className="space-y-6">
      <AccessRequestsCard
        pending={requests.pending.map(requestRow)}
        decided={requests.decided.map(requestRow)}
        clusters={clusters.map((c) => ({ name: c.name, isDefault: c.isDefault }))}
      />
      <Card>
        <CardHeader
          title="Clusters"
          description={
            rows.length === 0
              ? "Compute clusters organizations run their jobs on."
              : `${rows.length} cluster${rows.length === 1 ? "" : "s"}. Default clusters receive every new organization.`
          }
          actions={<CreateClusterDialog />}
        />
        <div className="p-4">
          <ClustersTable clusters={rows} />
        </div>
      </Card>
    </div>
  );
}
