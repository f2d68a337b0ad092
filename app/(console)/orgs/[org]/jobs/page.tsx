import type { OrgSearchPageProps } from "@/app/_server/page-props";
import { currentCaller, loadPage } from "@/app/_server/session";
import { JobsView, type JobRow } from "@/components/jobs/jobs-view";
import { StartJobForm } from "@/components/jobs/start-job-form";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listJobs, listOrgClusters } from "@/lib/compute";
import { formatCredits } from "@/lib/core";
import type { Metadata } from "next";

export const metadata: Metadata = { title: "Jobs" };

export default async function JobsPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  const [list, clusters] = await loadPage(async () =>
    Promise.all([listJobs(db, actor, org, await searchParams), listOrgClusters(db, actor, org)]),
  );
  const rows: JobRow[] = list.rows.map((r) => ({
    ...r,
    stoppable: r.status === "running",
    charged: formatCredits(r.creditsCharged),
  }));
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Jobs</h1>
      <Card>
        <CardHeader
          title="Start a job"
          description="Jobs run on the organization's clusters and use its credits: runtime × the preset's credits per hour."
        />
        <div className="p-4">
          <StartJobForm
            org={org}
            clusters={clusters.map((c) => ({
              name: c.name,
              presets: c.presets.map((p) => ({
                ...p,
                cpu: trimZeros(p.cpu),
                creditsPerHour: trimZeros(p.creditsPerHour),
              })),
            }))}
          />
        </div>
      </Card>
      <Card>
        <CardHeader title={list.query.scope === "all" ? "Everyone's jobs" : "Your jobs"} />
        <div className="p-4">
          <JobsView org={org} rows={rows} total={list.total} query={list.query} canSeeAll={list.canSeeAll} />
        </div>
      </Card>
    </div>
  );
}

/** "1.00000000" → "1", "0.50" → "0.5": exact, from the decimal string. */
function trimZeros(v: string): string {
  return v.includes(".") ? v.replace(/\.?0+$/, "") : v;
}
