"use client";

import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo, useState } from "react";
import { removeOrgClusterAction, setOrgClusterAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { buttonClass } from "@/components/ui/button-class";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Field } from "@/components/ui/field";
import { FormDialog } from "./form-dialog";
import type { ClusterOrgRow } from "./types";
import { useFormAction } from "@/components/ui/use-form-action";
import { ActionsHeader, DangerRowButton, EmptyTable, TableCard } from "./table-bits";

const helper = createColumnHelper<typeof sortableFeatures, ClusterOrgRow>();

type Editing = { kind: "add" } | { kind: "edit"; row: ClusterOrgRow } | null;

/** The organizations on a cluster and their max-running-jobs quota there; add, update and remove. */
export function ClusterOrgsCard({
  cluster,
  orgs,
  knownOrgs,
}: {
  cluster: string;
  orgs: ClusterOrgRow[];
  /** Org names to suggest when adding (those on other clusters). */
  knownOrgs: string[];
}) {
  const [editing, setEditing] = useState<Editing>(null);
  const [removing, setRemoving] = useState<ClusterOrgRow | null>(null);

  const columns = useMemo<Columns<ClusterOrgRow>>(
    () => [
      helper.accessor("org", {
        header: "Organization",
        enableSorting: false,
        cell: (c) => <span className="font-medium whitespace-nowrap">{c.getValue()}</span>,
      }),
      helper.accessor("maxRunningJobs", {
        header: "Max running jobs",
        enableSorting: false,
        cell: (c) =>
          c.getValue() === null ? (
            <span className="text-muted">Unlimited</span>
          ) : (
            <span className="tabular-nums">{c.getValue()}</span>
          ),
      }),
      helper.display({
        id: "actions",
        header: () => <ActionsHeader />,
        cell: (c) => {
          const row = c.row.original;
          return (
            <div className="flex justify-end gap-1.5" data-testid={`cluster-org-actions-${row.org}`}>
              <Link href={`/admin/credits?org=${encodeURIComponent(row.org)}`} className={buttonClass("ghost", "sm")}>
                Grant credits
              </Link>
              <Button
                variant="secondary"
                size="sm"
                aria-label={`Edit quota of ${row.org}`}
                onClick={() => setEditing({ kind: "edit", row })}
              >
                Edit quota
              </Button>
              <DangerRowButton label={`Remove ${row.org} from ${cluster}`} onClick={() => setRemoving(row)}>
                Remove
              </DangerRowButton>
            </div>
          );
        },
      }),
    ],
    [cluster],
  );

  const onCluster = new Set(orgs.map((o) => o.org));
  return (
    <TableCard
      title="Organizations"
      description="Every member of these organizations can run jobs on this cluster, within the org's quota here."
      add={{ label: "Add organization", testId: "add-org-open", onClick: () => setEditing({ kind: "add" }) }}
      dialogs={
        <>
          {editing && (
            <OrgClusterDialog
              // A fresh form for each org, so its values are the row's.
              key={editing.kind === "edit" ? editing.row.org : "add"}
              cluster={cluster}
              row={editing.kind === "edit" ? editing.row : undefined}
              suggestions={knownOrgs.filter((o) => !onCluster.has(o))}
              onClose={() => setEditing(null)}
            />
          )}
          {removing && (
            <ActionDialog
              open
              onOpenChange={(o) => !o && setRemoving(null)}
              title={`Remove ${removing.org} from ${cluster}?`}
              description={
                <>
                  Every running job of <strong className="font-medium text-fg">{removing.org}</strong> on {cluster}{" "}
                  stops at once, and its members can no longer start jobs here. You can add the organization again
                  later.
                </>
              }
              confirmLabel="Remove and stop jobs"
              pendingLabel="Removing…"
              danger
              testId="remove-org-dialog"
              onConfirm={() => removeOrgClusterAction(cluster, removing.org)}
            />
          )}
        </>
      }
    >
      <DataTable
        label={`Organizations on ${cluster}`}
        columns={columns}
        data={orgs}
        getRowId={(o) => o.org}
        empty={
          <EmptyTable title={<>No organizations on {cluster}</>}>Add one to let its members run jobs here.</EmptyTable>
        }
      />
    </TableCard>
  );
}

function OrgClusterDialog({
  cluster,
  row,
  suggestions,
  onClose,
}: {
  cluster: string;
  row?: ClusterOrgRow;
  suggestions: string[];
  onClose: () => void;
}) {
  const { state, errors, pending, onSubmit } = useFormAction(setOrgClusterAction.bind(null, cluster), onClose);
  return (
    <FormDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={row ? `Quota of ${row.org} on ${cluster}` : `Add an organization to ${cluster}`}
      description={
        row
          ? "The most jobs the organization may run on this cluster at once."
          : "Its members can run jobs on this cluster at once."
      }
      form={{ state, pending, onSubmit }}
      submitLabel={row ? "Save quota" : "Add organization"}
      pendingLabel="Saving…"
      testId="org-cluster-form"
    >
      {row ? (
        <>
          <input type="hidden" name="org" value={row.org} />
          <p className="text-sm">
            Organization: <span className="font-medium">{row.org}</span>
          </p>
        </>
      ) : (
        <Field
          label="Organization name"
          name="org"
          required
          autoFocus
          autoComplete="off"
          spellCheck={false}
          placeholder="acme-research"
          list={suggestions.length ? "org-suggestions" : undefined}
          errors={errors.org}
        />
      )}
      {!row && suggestions.length > 0 && (
        <datalist id="org-suggestions">
          {suggestions.slice(0, 500).map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      )}
      <Field
        label="Max running jobs"
        name="maxRunningJobs"
        inputMode="numeric"
        autoComplete="off"
        autoFocus={Boolean(row)}
        placeholder="Unlimited"
        defaultValue={row?.maxRunningJobs?.toString() ?? ""}
        hint="A whole number; leave empty for unlimited."
        errors={errors.maxRunningJobs}
      />
      {row && errors.org && <p className="text-xs text-danger">{errors.org.join(" ")}</p>}
    </FormDialog>
  );
}
