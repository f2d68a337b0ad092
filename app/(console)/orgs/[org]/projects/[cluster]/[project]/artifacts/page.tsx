import { orgAccess } from "@/app/_server/org-access";
import type { SearchPageProps } from "@/app/_server/page-props";
import { currentCaller, loadPage } from "@/app/_server/session";
import { ProjectArtifacts } from "@/components/artifacts/project-artifacts";
import { formatBytes } from "@/components/artifacts/types";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listProjectArtifacts } from "@/lib/artifacts";
import type { Metadata } from "next";
import { artifactView } from "../../../../artifacts/views";

interface Props extends SearchPageProps {
  params: Promise<{ org: string; cluster: string; project: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Artifacts · ${(await params).project}` };
}

/** A project's artifacts tab: every member reads it; writers create and delete disks, buckets and secrets. */
export default async function ProjectArtifactsPage({ params, searchParams }: Props) {
  const { org, cluster, project } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  const list = await loadPage(async () =>
    listProjectArtifacts(db, actor, await orgAccess(org), { cluster, project }, await searchParams),
  );
  const rows = list.rows.map((r) => artifactView(r, list.canWrite));
  return (
    <Card>
      <CardHeader
        title="Artifacts"
        description={
          list.counts.disk > 0
            ? `Disks, buckets, secrets and images of ${list.project.name} · ${list.counts.disk} ${
                list.counts.disk === 1 ? "disk" : "disks"
              }, ${formatBytes(list.diskBytes)}`
            : `Disks, buckets, secrets and images of ${list.project.name}.`
        }
      />
      <div className="p-4">
        <ProjectArtifacts
          target={{ org: list.project.org, cluster: list.project.cluster, project: list.project.name }}
          rows={rows}
          total={list.total}
          counts={list.counts}
          query={list.query}
          canWrite={list.canWrite}
        />
      </div>
    </Card>
  );
}
