import { orgAccess } from "@/app/_server/org-access";
import type { SearchPageProps } from "@/app/_server/page-props";
import { currentCaller, loadPage } from "@/app/_server/session";
import { JobsView } from "@/components/jobs/jobs-view";
import { StartJobForm } from "@/components/jobs/start-job-form";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listJobs, listOrgClusters } from "@/lib/compute";
import { projectAllowed, requireProjectAccess } from "@/lib/projects";
import type { Metadata } from "next";
import { clusterOptions, jobRows } from "../../../../jobs/view";

export const metadata: Metadata = { title: "Project jobs" };

interface ProjectJobsProps extends SearchPageProps {
  params: Promise<{ org: string; cluster: string; project: string }>;
}

/**
 * A project's Jobs tab: every job in the project (its members see everyone's; "My jobs" narrows it), and for
 * writers and up the start form preset to the project. Readers see the jobs and a hint instead of the form.
 * A project the caller can't see is not found, like one that doesn't exist.
 */
export default async function ProjectJobsPage({ params, searchParams }: ProjectJobsProps) {
  const p = await params;
  const org = p.org;
  const cluster = decodeURIComponent(p.cluster);
  const name = decodeURIComponent(p.project);
  const db = await getDb();
  const actor = await currentCaller();
  const query = await searchParams;
  const [access, list, clusters] = await loadPage(async () => {
    const orgRef = await orgAccess(org);
    const project = await requireProjectAccess(db, actor, orgRef, { cluster, project: name });
    return Promise.all([
      project,
      listJobs(db, actor, org, { ...query, project: `${cluster}/${name}`, scope: query.scope ?? "all" }),
      listOrgClusters(db, actor, org),
    ]);
  });
  const canRun = projectAllowed(access, "project.runJobs");
  const project = access.project;
  return (
    <div className="space-y-6">
      {canRun ? (
        <Card>
          <CardHeader
            title="Start a job"
            description={`The job runs in ${project.name} on ${cluster} and uses the organization's credits: runtime × the preset's credits per hour.`}
          />
          <div className="p-4">
            <StartJobForm
              org={org}
              clusters={clusterOptions(clusters.filter((c) => c.name === cluster))}
              projects={[
                { name: project.name, displayName: project.displayName, cluster, isDefault: project.isDefault },
              ]}
              lockProject
            />
          </div>
        </Card>
      ) : (
        <p
          className="rounded-md border border-border bg-subtle px-4 py-2.5 text-sm text-muted"
          data-testid="project-jobs-readonly"
        >
          You can read this project: its writers, managers and admins start jobs in it. Ask a project manager for writer
          access to start one.
        </p>
      )}
      <Card>
        <CardHeader
          title={list.query.scope === "all" ? "Jobs in this project" : "Your jobs in this project"}
          description="Jobs that run in the project, newest first, with what they have used so far."
        />
        <div className="p-4">
          <JobsView
            org={org}
            rows={jobRows(list)}
            total={list.total}
            query={list.query}
            canSeeAll={list.canSeeAll}
            showProject={false}
            defaultScope="all"
            empty={canRun ? "No jobs in this project yet. Start one above." : "No jobs in this project yet."}
          />
        </div>
      </Card>
    </div>
  );
}
