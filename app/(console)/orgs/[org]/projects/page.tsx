import { orgAccess } from "@/app/_server/org-access";
import type { OrgSearchPageProps } from "@/app/_server/page-props";
import { currentCaller, loadPage } from "@/app/_server/session";
import { NewProjectDialog } from "@/components/projects/new-project-dialog";
import { ProjectsView } from "@/components/projects/projects-view";
import type { ProjectRowView } from "@/components/projects/types";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listOrgClusters } from "@/lib/compute";
import { formatCredits } from "@/lib/core";
import { listProjects } from "@/lib/projects";
import type { Metadata } from "next";

export const metadata: Metadata = { title: "Projects" };

export default async function ProjectsPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  // The layout loaded the caller's access for this request: the lib calls given it check without a query.
  const access = await loadPage(() => orgAccess(org));
  const [list, clusters] = await loadPage(async () =>
    Promise.all([listProjects(db, actor, access, await searchParams), listOrgClusters(db, actor, org)]),
  );
  const base = `/orgs/${org}/projects`;
  const rows: ProjectRowView[] = list.rows.map((r) => ({
    id: r.id,
    name: r.name,
    displayName: r.displayName,
    cluster: r.cluster,
    isDefault: r.isDefault,
    role: r.role,
    memberRole: r.memberRole,
    members: r.members,
    jobsRunning: r.jobsRunning,
    credits: formatCredits(r.creditsThisMonth),
    href: `${base}/${encodeURIComponent(r.cluster)}/${encodeURIComponent(r.name)}`,
  }));
  const all = list.query.scope === "all";
  const dialog = { org, clusters: clusters.map((c) => c.name), canSetDefault: list.canSeeAll };
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Projects</h1>
        <p className="mt-1 text-sm text-muted">
          A project groups jobs and artifacts on one of {org}&apos;s clusters and decides who may use them.
        </p>
      </div>
      <Card>
        <CardHeader
          title={all ? `All projects of ${org}` : "Your projects"}
          description={`${list.total.toLocaleString("en")} ${list.query.q ? "matching " : ""}project${list.total === 1 ? "" : "s"}${all ? "" : " you belong to"}`}
          actions={list.canCreate && <NewProjectDialog {...dialog} />}
        />
        <div className="p-4">
          <ProjectsView
            rows={rows}
            total={list.total}
            query={list.query}
            canSeeAll={list.canSeeAll}
            emptyAction={
              list.canCreate && !list.query.q ? (
                <NewProjectDialog {...dialog} label="Create your first project" testId="new-project-empty" />
              ) : undefined
            }
          />
        </div>
      </Card>
    </div>
  );
}
