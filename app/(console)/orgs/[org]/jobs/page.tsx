import type { OrgSearchPageProps } from "@/app/_server/page-props";
import { orgAccess } from "@/app/_server/org-access";
import { currentCaller, loadPage } from "@/app/_server/session";
import { JobsView } from "@/components/jobs/jobs-view";
import { StartJobForm } from "@/components/jobs/start-job-form";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listJobs, listOrgClusters } from "@/lib/compute";
import { listJobProjects, listProjectFilterOptions } from "@/lib/projects";
import type { Metadata } from "next";
import { clusterOptions, jobRows, projectFilterOptions } from "./view";

export const metadata: Metadata = { title: "Jobs" };

export default async function JobsPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  const [list, clusters, writable, visible] = await loadPage(async () => {
    const access = await orgAccess(org);
    return Promise.all([
      listJobs(db, actor, org, await searchParams),
      listOrgClusters(db, actor, org),
      listJobProjects(db, actor, access),
      listProjectFilterOptions(db, actor, access),
    ]);
  });
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Jobs</h1>
      <Card>
        <CardHeader
          title="Start a job"
          description="Jobs run in a project on the organization's clusters and use its credits: runtime × the preset's credits per hour."
        />
        <div className="p-4">
          <StartJobForm org={org} clusters={clusterOptions(clusters)} projects={writable} />
        </div>
      </Card>
      <Card>
        <CardHeader title={list.query.scope === "all" ? "Everyone's jobs" : "Your jobs"} />
        <div className="p-4">
          <JobsView
            org={org}
            rows={jobRows(list)}
            total={list.total}
            query={list.query}
            canSeeAll={list.canSeeAll}
            projectOptions={projectFilterOptions(visible)}
          />
        </div>
      </Card>
    </div>
  );
}
