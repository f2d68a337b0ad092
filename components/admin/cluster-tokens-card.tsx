"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { createClusterTokenAction, revokeClusterTokenAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Badge } from "./badge";
import { FormDialog } from "./form-dialog";
import { dateTimeFormat, type ClusterTokenRow, type Runner } from "./types";
import { useFormAction } from "@/components/ui/use-form-action";
import { ActionsHeader, DangerRowButton, EmptyTable, TableCard } from "./table-bits";

const helper = createColumnHelper<typeof sortableFeatures, ClusterTokenRow>();

function When({ at, never = "—" }: { at: Date | null; never?: string }) {
  if (!at) return <span className="text-muted">{never}</span>;
  return (
    <time dateTime={at.toISOString()} className="whitespace-nowrap">
      {dateTimeFormat.format(at)} UTC
    </time>
  );
}

/** Tokens external runners of this cluster report usage with: created (shown once) and revoked here. */
export function ClusterTokensCard({
  cluster,
  runner,
  tokens,
}: {
  cluster: string;
  runner: Runner;
  tokens: ClusterTokenRow[];
}) {
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ClusterTokenRow | null>(null);

  const columns = useMemo<Columns<ClusterTokenRow>>(
    () => [
      helper.accessor("label", {
        header: "Label",
        enableSorting: false,
        cell: (c) => <span className="font-medium whitespace-nowrap">{c.getValue()}</span>,
      }),
      helper.accessor("createdAt", {
        header: "Created",
        enableSorting: false,
        cell: (c) => (
          <span className="flex flex-col">
            <When at={c.getValue()} />
            {c.row.original.createdBy && (
              <span className="text-xs whitespace-nowrap text-muted">by {c.row.original.createdBy}</span>
            )}
          </span>
        ),
      }),
      helper.accessor("lastUsedAt", {
        header: "Last used",
        enableSorting: false,
        cell: (c) => <When at={c.getValue()} never="Never" />,
      }),
      helper.accessor("revokedAt", {
        header: "Status",
        enableSorting: false,
        cell: (c) =>
          c.getValue() ? (
            <span className="flex flex-col items-start gap-0.5">
              <Badge tone="danger">Revoked</Badge>
              <span className="text-xs text-muted">
                <When at={c.getValue()} />
              </span>
            </span>
          ) : (
            <Badge tone="success">Active</Badge>
          ),
      }),
      helper.display({
        id: "actions",
        header: () => <ActionsHeader />,
        cell: (c) =>
          c.row.original.revokedAt ? (
            <div className="h-8" />
          ) : (
            <div className="text-right">
              <DangerRowButton
                label={`Revoke token ${c.row.original.label}`}
                onClick={() => setRevoking(c.row.original)}
              >
                Revoke
              </DangerRowButton>
            </div>
          ),
      }),
    ],
    [],
  );

  return (
    <TableCard
      title="Cluster tokens"
      description={
        runner === "external"
          ? "An external runner authenticates its usage reports (POST /api/v1/usage) with one of these."
          : "This cluster is metered by the embedded runner; tokens are only needed if an external runner reports its usage."
      }
      add={{ label: "Create token", testId: "create-token-open", onClick: () => setCreating(true) }}
      dialogs={
        <>
          {creating && <CreateTokenDialog cluster={cluster} onClose={() => setCreating(false)} />}
          {revoking && (
            <ActionDialog
              open
              onOpenChange={(o) => !o && setRevoking(null)}
              title={`Revoke token ${revoking.label}?`}
              description={`A runner using this token is refused from its next usage report on. It can't be undone: create a new token for the runner instead.`}
              confirmLabel="Revoke token"
              pendingLabel="Revoking…"
              danger
              testId="revoke-token-dialog"
              onConfirm={() => revokeClusterTokenAction(cluster, revoking.id, revoking.label)}
            />
          )}
        </>
      }
    >
      <DataTable
        label={`Tokens of ${cluster}`}
        columns={columns}
        data={tokens}
        getRowId={(t) => t.id}
        empty={
          <EmptyTable title="No tokens yet">
            Create one for each external runner, so each can be revoked on its own.
          </EmptyTable>
        }
      />
    </TableCard>
  );
}

/** Names the token, then shows it once with a copy button; closing the dialog forgets it. */
function CreateTokenDialog({ cluster, onClose }: { cluster: string; onClose: () => void }) {
  const [token, setToken] = useState<string | null>(null);
  const { state, errors, pending, onSubmit } = useFormAction(createClusterTokenAction.bind(null, cluster), (r) =>
    setToken(r.token ?? null),
  );
  if (token) {
    return (
      <Dialog open onOpenChange={(o) => !o && onClose()}>
        <DialogContent
          title="Copy the token now"
          description={`The runner of ${cluster} sends it as a bearer token.`}
          className="max-w-lg"
        >
          <div className="space-y-4" data-testid="token-created">
            <p role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger">
              This is the only time the token is shown. It is stored as a hash: if it is lost, revoke it and create a
              new one.
            </p>
            <div className="flex items-center gap-2">
              <code
                className="min-w-0 flex-1 rounded bg-subtle px-2 py-1.5 font-mono text-xs break-all select-all"
                data-testid="new-token"
              >
                {token}
              </code>
              <CopyButton value={token} label="Copy token" />
            </div>
            <div className="flex justify-end">
              <Button onClick={onClose}>Done</Button>
            </div>
          </div>
        </DialogContent>
      </Dialog>
    );
  }
  return (
    <FormDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={`Create a token for ${cluster}`}
      description="Name it after the runner that will use it, so you know which one to revoke."
      form={{ state, pending, onSubmit }}
      submitLabel="Create token"
      pendingLabel="Creating…"
      testId="create-token-form"
    >
      <Field
        label="Label"
        name="label"
        required
        autoFocus
        autoComplete="off"
        maxLength={60}
        placeholder="runner-us-east-1"
        errors={errors.label}
      />
    </FormDialog>
  );
}
