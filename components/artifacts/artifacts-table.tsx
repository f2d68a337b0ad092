"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, useState, type ReactNode } from "react";
import { deleteArtifactAction } from "@/app/actions";
import { Badge } from "@/components/admin/badge";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { KIND_LABELS, type ArtifactView } from "./types";

const helper = createColumnHelper<typeof sortableFeatures, ArtifactView>();
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/**
 * Artifacts with their Apolo URI (copy button), owner, kind-specific details and creation date; a delete
 * button (with confirmation) on the rows the caller may delete. `showProject`: the org page's project column.
 */
export function ArtifactsTable({
  org,
  rows,
  showProject,
  pending,
  empty,
  onReplaceSecret,
}: {
  org: string;
  rows: ArtifactView[];
  showProject: boolean;
  pending?: boolean;
  empty: ReactNode;
  /** Shows "Replace value" on the secrets the caller may change. */
  onReplaceSecret?: (key: string) => void;
}) {
  const [deleting, setDeleting] = useState<ArtifactView | null>(null);
  const columns = useMemo<Columns<ArtifactView>>(
    () => [
      helper.accessor("name", {
        header: "Name",
        enableSorting: false,
        cell: (c) => {
          const a = c.row.original;
          return (
            <div className="min-w-0 space-y-1" data-testid="artifact-row">
              <div className="flex items-center gap-2">
                <Badge tone={a.kind === "secret" ? "accent" : "muted"}>{KIND_LABELS[a.kind].one}</Badge>
                <span className="font-medium break-all" data-testid="artifact-name">
                  {a.name}
                </span>
              </div>
              <div className="flex items-center gap-2">
                <code
                  className="max-w-[9.5rem] truncate rounded bg-subtle px-1.5 py-0.5 font-mono text-xs sm:max-w-[17rem]"
                  title={a.uri}
                  data-testid="artifact-uri"
                >
                  {a.uri}
                </code>
                <CopyButton value={a.uri} label="Copy" />
              </div>
            </div>
          );
        },
      }),
      ...(showProject
        ? [
            helper.accessor("project", {
              header: "Project",
              enableSorting: false,
              cell: (c) => (
                <span className="whitespace-nowrap">
                  {c.getValue()}
                  <span className="block text-xs text-muted">{c.row.original.cluster}</span>
                </span>
              ),
            }),
          ]
        : []),
      helper.accessor("details", {
        header: "Details",
        enableSorting: false,
        cell: (c) => {
          const a = c.row.original;
          return (
            <div className="min-w-36 space-y-0.5">
              <span className="block">{a.details || "—"}</span>
              <span className="block text-xs text-muted">
                {a.owner ?? "no owner"} ·{" "}
                <time className="whitespace-nowrap" dateTime={a.createdAt.toISOString()}>
                  {dateFormat.format(a.createdAt)}
                </time>
              </span>
            </div>
          );
        },
      }),
      helper.display({
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        meta: { card: "footer" },
        cell: (c) =>
          c.row.original.deletable ? (
            <div className="flex flex-col items-end gap-1 sm:flex-row sm:justify-end">
              {onReplaceSecret && c.row.original.kind === "secret" && (
                <Button
                  size="sm"
                  variant="ghost"
                  className="whitespace-nowrap"
                  aria-label={`Replace the value of secret ${c.row.original.name}`}
                  onClick={() => onReplaceSecret(c.row.original.name)}
                >
                  Replace value
                </Button>
              )}
              <Button
                size="sm"
                variant="ghost"
                className="text-danger"
                aria-label={`Delete ${KIND_LABELS[c.row.original.kind].one.toLowerCase()} ${c.row.original.name}`}
                onClick={() => setDeleting(c.row.original)}
              >
                Delete
              </Button>
            </div>
          ) : null,
      }),
    ],
    [showProject, onReplaceSecret],
  );
  return (
    <>
      <DataTable
        label="Artifacts"
        columns={columns}
        data={rows}
        getRowId={(r) => r.id}
        pending={pending}
        empty={empty}
      />
      <ActionDialog
        open={deleting !== null}
        onOpenChange={(o) => !o && setDeleting(null)}
        title={deleting ? `Delete ${KIND_LABELS[deleting.kind].one.toLowerCase()} ${deleting.name}?` : "Delete"}
        description={
          deleting?.kind === "disk"
            ? "The disk and its data are deleted for good. Its storage is charged up to now."
            : deleting?.kind === "secret"
              ? "Jobs that read this secret will no longer find it."
              : "This can't be undone."
        }
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        danger
        testId="delete-artifact-dialog"
        onConfirm={async () => {
          const r = await deleteArtifactAction(org, deleting!.id);
          return r.ok ? { ok: true, message: r.message } : { ok: false, message: r.message };
        }}
      >
        {deleting && (
          <code className="block truncate rounded bg-subtle px-2 py-1.5 font-mono text-xs">{deleting.uri}</code>
        )}
      </ActionDialog>
    </>
  );
}
