import type { Metadata } from "next";
import { currentCaller, loadPage } from "@/app/_server/session";
import { ClustersTable } from "@/components/admin/clusters-table";
import { CreateClusterDialog } from "@/components/admin/create-cluster-dialog";
import type { ClusterRow } from "@/components/admin/types";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listClusters } from "@/lib/compute";

export const metadata: Metadata = { title: "Admin · Clusters" };

export default async function AdminClustersPage() {
  const clusters = await loadPage(async () => listClusters(await getDb(), await currentCaller()));
  const rows: ClusterRow[] = clusters.map((c) => ({
    name: c.name,
    description: c.description,
    isDefault: c.isDefault,
    runner: c.runner,
    presets: c.presets.length,
    orgs: c.orgs.length,
  }));
  return (
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
  );
}
