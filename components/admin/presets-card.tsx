"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { createPresetAction, deletePresetAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Field } from "@/components/ui/field";
import { NameField } from "./fields";
import { FormDialog } from "./form-dialog";
import { formatCpu, formatMemory, formatRate, type PresetRow } from "./types";
import { useFormAction } from "@/components/ui/use-form-action";
import { ActionsHeader, DangerRowButton, EmptyTable, RightHeader, TableCard } from "./table-bits";

const helper = createColumnHelper<typeof sortableFeatures, PresetRow>();

/** A cluster's resource presets: what a job may ask for, and what it costs per hour. */
export function PresetsCard({ cluster, presets }: { cluster: string; presets: PresetRow[] }) {
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<PresetRow | null>(null);

  const columns = useMemo<Columns<PresetRow>>(
    () => [
      helper.accessor("name", {
        header: "Preset",
        enableSorting: false,
        cell: (c) => <span className="font-mono text-[13px] font-medium whitespace-nowrap">{c.getValue()}</span>,
      }),
      helper.accessor("cpu", {
        header: () => <RightHeader label="CPU" />,
        meta: { label: "CPU" },
        enableSorting: false,
        cell: (c) => <span className="block text-right tabular-nums">{formatCpu(c.getValue())}</span>,
      }),
      helper.accessor("memoryMb", {
        header: () => <RightHeader label="Memory" />,
        meta: { label: "Memory" },
        enableSorting: false,
        cell: (c) => <span className="block text-right tabular-nums">{formatMemory(c.getValue())}</span>,
      }),
      helper.accessor("gpu", {
        header: () => <RightHeader label="GPU" />,
        meta: { label: "GPU" },
        enableSorting: false,
        cell: (c) => (
          <span className={`block text-right tabular-nums ${c.getValue() === 0 ? "text-muted" : ""}`}>
            {c.getValue()}
          </span>
        ),
      }),
      helper.accessor("creditsPerHour", {
        header: () => <RightHeader label="Credits / hour" />,
        meta: { label: "Credits / hour" },
        enableSorting: false,
        cell: (c) => <span className="block text-right font-medium tabular-nums">{formatRate(c.getValue())}</span>,
      }),
      helper.display({
        id: "actions",
        header: () => <ActionsHeader />,
        cell: (c) => (
          <div className="text-right">
            <DangerRowButton label={`Delete preset ${c.row.original.name}`} onClick={() => setDeleting(c.row.original)}>
              Delete
            </DangerRowButton>
          </div>
        ),
      }),
    ],
    [],
  );

  return (
    <TableCard
      title="Presets"
      description="The resources a job may ask for on this cluster and their price in credits per hour of runtime."
      add={{ label: "Add preset", testId: "add-preset-open", onClick: () => setAdding(true) }}
      dialogs={
        <>
          <AddPresetDialog cluster={cluster} open={adding} onOpenChange={setAdding} />
          {deleting && (
            <ActionDialog
              open
              onOpenChange={(o) => !o && setDeleting(null)}
              title={`Delete preset ${deleting.name}?`}
              description={`New jobs can no longer use ${deleting.name} on ${cluster}. Jobs already running with it keep running at the price they started with.`}
              confirmLabel="Delete preset"
              pendingLabel="Deleting…"
              danger
              testId="delete-preset-dialog"
              onConfirm={() => deletePresetAction(cluster, deleting.id, deleting.name)}
            />
          )}
        </>
      }
    >
      <DataTable
        label={`Presets of ${cluster}`}
        columns={columns}
        data={presets}
        getRowId={(p) => p.id}
        empty={
          <EmptyTable title="No presets yet">
            Members can&apos;t start jobs on {cluster} until it has at least one preset.
          </EmptyTable>
        }
      />
    </TableCard>
  );
}

function AddPresetDialog({
  cluster,
  open,
  onOpenChange,
}: {
  cluster: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { state, errors, pending, onSubmit, clear } = useFormAction(createPresetAction.bind(null, cluster), () =>
    onOpenChange(false),
  );
  return (
    <FormDialog
      open={open}
      onOpenChange={onOpenChange}
      onClosed={clear}
      title={`Add a preset to ${cluster}`}
      description="Jobs started with this preset are charged its credits per hour while they run."
      form={{ state, pending, onSubmit }}
      submitLabel="Add preset"
      pendingLabel="Adding…"
      testId="add-preset-form"
      className="max-w-lg"
    >
      <NameField
        placeholder="gpu-2x"
        hint="Lowercase letters, digits, dots and hyphens; up to 40 characters."
        errors={errors.name}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="CPU cores"
          name="cpu"
          required
          inputMode="decimal"
          autoComplete="off"
          placeholder="4"
          hint="e.g. 0.5 or 8"
          errors={errors.cpu}
        />
        <Field
          label="Memory (MB)"
          name="memoryMb"
          required
          inputMode="numeric"
          autoComplete="off"
          placeholder="16384"
          hint="1024 MB = 1 GB"
          errors={errors.memoryMb}
        />
        <Field label="GPUs" name="gpu" inputMode="numeric" autoComplete="off" defaultValue="0" errors={errors.gpu} />
        <Field
          label="Credits per hour"
          name="creditsPerHour"
          required
          inputMode="decimal"
          autoComplete="off"
          placeholder="12.5"
          hint="Up to four decimals"
          errors={errors.creditsPerHour}
        />
      </div>
      {errors.cluster && <p className="text-xs text-danger">{errors.cluster.join(" ")}</p>}
    </FormDialog>
  );
}
