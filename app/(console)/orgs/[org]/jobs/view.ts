import "server-only";
import type { JobRow, ProjectFilterOption } from "@/components/jobs/jobs-view";
import type { ClusterOption } from "@/components/jobs/start-job-form";
import type { listJobs, listOrgClusters } from "@/lib/compute";
import { formatCredits } from "@/lib/core";
import type { ProjectChoice } from "@/lib/projects";

/** What the jobs list shows of listJobs' list (the Jobs page and a project's Jobs tab). */
export function jobRows(list: Awaited<ReturnType<typeof listJobs>>): JobRow[] {
  return list.rows.map((r) => ({
    ...r,
    // A Stop button only where the server lets it through (the owner, or a manager for anyone's).
    stoppable: r.status === "running" && (r.mine || list.canStopAll),
    charged: formatCredits(r.creditsCharged),
  }));
}

/** The start form's clusters with their presets, figures trimmed exactly. */
export function clusterOptions(clusters: Awaited<ReturnType<typeof listOrgClusters>>): ClusterOption[] {
  return clusters.map((c) => ({
    name: c.name,
    presets: c.presets.map((p) => ({ ...p, cpu: trimZeros(p.cpu), creditsPerHour: trimZeros(p.creditsPerHour) })),
  }));
}

/** The project filter's options (the projects the caller can see): "name" or "name · cluster" when names repeat. */
export function projectFilterOptions(projects: ProjectChoice[]): ProjectFilterOption[] {
  const clusters = new Set(projects.map((p) => p.cluster));
  return projects.map((p) => ({
    value: `${p.cluster}/${p.name}`,
    label: clusters.size > 1 ? `${p.name} · ${p.cluster}` : p.name,
  }));
}

/** "1.00000000" → "1", "0.50" → "0.5": exact, from the decimal string. */
function trimZeros(v: string): string {
  return v.includes(".") ? v.replace(/\.?0+$/, "") : v;
}
