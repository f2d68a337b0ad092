"use client";

import { SelectFilter } from "@/components/ui/filters";
import { useUrlState } from "@/components/ui/use-url-state";

/**
 * The report's project filter (`project` in the URL: "<cluster>/<project>" or "none"): it narrows spending,
 * jobs and the members table to one project, or to what ran without a project. The period and the members
 * table's sort stay; its page resets.
 */
export function ReportProjectFilter({
  value,
  options,
}: {
  value: string | undefined;
  options: { value: string; label: string }[];
}) {
  const { update, pending } = useUrlState();
  return (
    <div className="flex items-end gap-2" aria-busy={pending || undefined} data-testid="report-project-filter">
      <SelectFilter
        id="report-project"
        label="Project"
        allLabel="All projects"
        className="w-52 max-w-full"
        value={value}
        options={[["none", "No project"], ...options.map((o) => [o.value, o.label] as const)]}
        onChange={(project) => update({ project, page: null })}
      />
    </div>
  );
}
