"use client";

import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo } from "react";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Badge } from "./badge";
import { RUNNER_LABELS, type ClusterRow } from "./types";
import { EmptyTable, RightHeader } from "./table-bits";

const helper = createColumnHelper<typeof sortableFeatures, ClusterRow>();

export function ClustersTable({ clusters }: { clusters: ClusterRow[] }) {
  const columns = useMemo<Columns<ClusterRow>>(
    () => [
      helper.accessor("name", {
        header: "Cluster",
        enableSorting: false,
        cell: (c) => (
          <span className="flex items-center gap-2">
            <Link
              href={`/admin/clusters/${c.getValue()}`}
              className="font-medium whitespace-nowrap text-fg hover:text-accent hover:underline"
              data-testid={`cluster-link-${c.getValue()}`}
            >
              {c.getValue()}
            </Link>
            {c.row.original.isDefault && <Badge tone="accent">Default</Badge>}
          </span>
        ),
      }),
      helper.accessor("description", {
        header: "Description",
        enableSorting: false,
        cell: (c) => (c.getValue() ? <span className="text-muted">{c.getValue()}</span> : <Dash />),
      }),
      helper.accessor("runner", {
        header: "Runner",
        enableSorting: false,
        cell: (c) => <Badge>{RUNNER_LABELS[c.row.original.runner]}</Badge>,
      }),
      helper.accessor("presets", {
        header: () => <RightHeader label="Presets" />,
        meta: { label: "Presets" },
        enableSorting: false,
        cell: (c) => <span className="block text-right tabular-nums">{c.getValue()}</span>,
      }),
      helper.accessor("orgs", {
        header: () => <RightHeader label="Organizations" />,
        meta: { label: "Organizations" },
        enableSorting: false,
        cell: (c) => <span className="block text-right tabular-nums">{c.getValue()}</span>,
      }),
    ],
    [],
  );
  return (
    <DataTable
      label="Clusters"
      columns={columns}
      data={clusters}
      getRowId={(c) => c.name}
      empty={
        <EmptyTable title="No clusters yet">
          Create one, add presets to it, then add organizations so their members can run jobs.
        </EmptyTable>
      }
    />
  );
}

function Dash() {
  return <span className="text-muted">—</span>;
}
