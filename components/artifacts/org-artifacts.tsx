"use client";

import { FilterBar, InputFilter, SelectFilter } from "@/components/ui/filters";
import { Pagination } from "@/components/ui/pagination";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import { ArtifactsTable } from "./artifacts-table";
import { KIND_LABELS, type ArtifactView } from "./types";

/** The org's Artifacts page: filters (kind, project, owner, cluster, name), the table and paging, all in the URL. */
export function OrgArtifacts({
  org,
  rows,
  total,
  query,
  options,
}: {
  org: string;
  rows: ArtifactView[];
  total: number;
  query: {
    kind?: string;
    project?: string;
    owner?: string;
    cluster?: string;
    q?: string;
    page: number;
    pageSize: number;
  };
  options: { projects: string[]; owners: string[]; clusters: string[] };
}) {
  const { update, pending } = useUrlState();
  const search = useDebouncedParam("q", query.q);
  const set = (name: string) => (value: string) => update({ [name]: value || null, page: null });
  const filtered = Boolean(query.kind || query.project || query.owner || query.cluster || query.q);
  return (
    <div className="space-y-3">
      <FilterBar>
        <SelectFilter
          id="artifact-kind"
          label="Kind"
          allLabel="All kinds"
          value={query.kind}
          options={(["disk", "bucket", "secret", "image"] as const).map((k) => [k, KIND_LABELS[k].many] as const)}
          onChange={set("kind")}
          className="w-36"
        />
        <SelectFilter
          id="artifact-project"
          label="Project"
          allLabel="All projects"
          value={query.project}
          options={options.projects.map((p) => [p, p] as const)}
          onChange={set("project")}
          className="w-48"
        />
        <SelectFilter
          id="artifact-owner"
          label="Owner"
          allLabel="Everyone"
          value={query.owner}
          options={options.owners.map((o) => [o, o] as const)}
          onChange={set("owner")}
          className="w-40"
        />
        <SelectFilter
          id="artifact-cluster"
          label="Cluster"
          allLabel="All clusters"
          value={query.cluster}
          options={options.clusters.map((c) => [c, c] as const)}
          onChange={set("cluster")}
          className="w-40"
        />
        <InputFilter
          id="artifact-q"
          label="Search by name"
          value={search.value}
          onChange={search.setValue}
          maxLength={100}
          className="w-full sm:w-56"
        />
      </FilterBar>
      <ArtifactsTable
        org={org}
        rows={rows}
        showProject
        pending={pending || search.pending}
        empty={
          filtered
            ? "Nothing matches these filters."
            : "No artifacts yet. Projects' disks, buckets, secrets and images will be listed here."
        }
      />
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />
    </div>
  );
}
