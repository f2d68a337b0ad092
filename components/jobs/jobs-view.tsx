"use client";

import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { FilterBar, SelectFilter } from "@/components/ui/filters";
import { Pagination } from "@/components/ui/pagination";
import { useUrlState } from "@/components/ui/use-url-state";
import { jobStatusText } from "@/lib/compute/job-status";
import { formatRuntime } from "@/lib/core/runtime";
import { StopJobButton } from "./stop-job-button";

export interface JobRow {
  id: string;
  name: string;
  owner: string;
  cluster: string;
  preset: string;
  /** null: a job without a project. */
  project: { name: string; cluster: string } | null;
  status: "running" | "stopped";
  stopReason: string | null;
  /** Who stopped it (username); null when unknown ("Stopped by a user") or not stopped by a person. */
  stoppedBy: string | null;
  creditsPerHour: string;
  creditsCharged: string;
  runtimeSeconds: number;
  stoppable: boolean;
  /** Pre-formatted on the server (exact decimal formatting). */
  charged: string;
}

const helper = createColumnHelper<typeof sortableFeatures, JobRow>();

/** The project filter's options: `value` as the URL carries it ("<cluster>/<project>"). */
export interface ProjectFilterOption {
  value: string;
  label: string;
}

/**
 * Jobs with project, status, runtime and credits so far; refreshes itself while jobs run. With
 * `projectOptions` a project filter (every project, no project, or one the member can see); a project's Jobs
 * tab passes none and hides the project column. `defaultScope` is the scope the page shows without one in
 * the URL.
 */
export function JobsView({
  org,
  rows,
  total,
  query,
  canSeeAll,
  projectOptions,
  showProject = true,
  defaultScope = "mine",
  empty = "No jobs yet. Start one above.",
}: {
  org: string;
  rows: JobRow[];
  total: number;
  query: { scope: string; page: number; pageSize: number; project?: string };
  canSeeAll: boolean;
  projectOptions?: ProjectFilterOption[];
  showProject?: boolean;
  defaultScope?: "mine" | "all";
  empty?: string;
}) {
  const { update, pending } = useUrlState();
  const router = useRouter();
  const anyRunning = rows.some((r) => r.status === "running");
  useEffect(() => {
    if (!anyRunning) return;
    const t = setInterval(() => router.refresh(), 5000);
    return () => clearInterval(t);
  }, [anyRunning, router]);

  const columns = useMemo<Columns<JobRow>>(
    () => [
      helper.accessor("name", {
        header: "Job",
        enableSorting: false,
        cell: (c) => (
          <Link
            href={`/orgs/${org}/jobs/${c.row.original.id}`}
            className="font-medium whitespace-nowrap hover:underline"
            data-testid="job-link"
          >
            {c.getValue()}
          </Link>
        ),
      }),
      ...(query.scope === "all"
        ? [helper.accessor("owner", { header: "Owner", enableSorting: false, cell: (c) => c.getValue() })]
        : []),
      ...(showProject
        ? [
            helper.accessor("project", {
              header: "Project",
              enableSorting: false,
              cell: (c) => {
                const p = c.getValue();
                if (!p) return <span className="whitespace-nowrap text-muted italic">no project</span>;
                return (
                  <Link
                    href={`/orgs/${org}/projects/${encodeURIComponent(p.cluster)}/${encodeURIComponent(p.name)}/jobs`}
                    className="whitespace-nowrap hover:underline"
                    data-testid="job-project"
                  >
                    {p.name}
                  </Link>
                );
              },
            }),
          ]
        : []),
      helper.accessor("cluster", {
        header: "Preset · cluster",
        enableSorting: false,
        // Stacked, so the table keeps room for its Stop buttons at laptop width.
        cell: (c) => (
          <span className="whitespace-nowrap">
            {c.row.original.preset}
            <span className="block text-xs text-muted">{c.getValue()}</span>
          </span>
        ),
      }),
      helper.accessor("status", {
        header: "Status",
        enableSorting: false,
        cell: (c) => (
          <span
            className={cn(
              "inline-flex items-start gap-1.5 whitespace-nowrap",
              c.getValue() === "running" ? "text-success" : "text-muted",
            )}
            data-testid="job-status"
          >
            <span
              className={cn(
                "mt-2 size-1.5 shrink-0 rounded-full",
                c.getValue() === "running" ? "bg-success" : "bg-border-strong",
              )}
            />
            <span>{jobStatusText(c.row.original)}</span>
          </span>
        ),
      }),
      helper.accessor("runtimeSeconds", {
        header: "Runtime",
        enableSorting: false,
        cell: (c) => (
          <span className="whitespace-nowrap tabular-nums" data-testid="job-runtime">
            {formatRuntime(c.getValue())}
          </span>
        ),
      }),
      helper.accessor("charged", {
        header: "Credits used",
        enableSorting: false,
        cell: (c) => (
          <span className="tabular-nums" data-testid="job-credits">
            {c.getValue()}
          </span>
        ),
      }),
      helper.display({
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        cell: (c) =>
          c.row.original.stoppable ? (
            <div className="text-right">
              <StopJobButton org={org} job={c.row.original} />
            </div>
          ) : (
            <div className="h-8" />
          ),
      }),
    ],
    [org, query.scope, showProject],
  );

  return (
    <div className="space-y-3">
      {(canSeeAll || projectOptions) && (
        <FilterBar>
          {canSeeAll && (
            <div className="flex gap-1 self-end text-sm" role="group" aria-label="Whose jobs">
              {(["mine", "all"] as const).map((s) => (
                <Button
                  key={s}
                  size="sm"
                  variant={query.scope === s ? "secondary" : "ghost"}
                  aria-pressed={query.scope === s}
                  onClick={() => update({ scope: s === defaultScope ? null : s, page: null })}
                >
                  {s === "mine" ? "My jobs" : "Everyone's jobs"}
                </Button>
              ))}
            </div>
          )}
          {projectOptions && (
            <SelectFilter
              id="jobs-project"
              label="Project"
              allLabel="All projects"
              className="w-48"
              value={query.project}
              options={[["none", "No project"], ...projectOptions.map((o) => [o.value, o.label] as const)]}
              onChange={(project) => update({ project, page: null })}
            />
          )}
        </FilterBar>
      )}
      <DataTable label="Jobs" columns={columns} data={rows} getRowId={(r) => r.id} pending={pending} empty={empty} />
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />
    </div>
  );
}
