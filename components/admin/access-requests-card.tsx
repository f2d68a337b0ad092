"use client";

import { useState } from "react";
import { approveClusterAccessAction, declineClusterAccessAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Label } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { Badge } from "./badge";

export interface AccessRequestRow {
  id: string;
  org: string;
  orgDisplayName: string | null;
  requester: string | null;
  message: string | null;
  status: "pending" | "approved" | "declined";
  cluster: string | null;
  declineReason: string | null;
  decidedBy: string | null;
  /** ISO strings: rows cross to the client. */
  decidedAt: string | null;
  createdAt: string;
}

const dateTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const when = (iso: string) => <time dateTime={iso}>{dateTime.format(new Date(iso))} UTC</time>;

/**
 * The Admin area's cluster access requests (issue 14): the pending ones with Approve (onto a chosen cluster) and
 * Decline (with an optional reason), then the recently decided ones.
 */
export function AccessRequestsCard({
  pending,
  decided,
  clusters,
}: {
  pending: AccessRequestRow[];
  decided: AccessRequestRow[];
  clusters: { name: string; isDefault: boolean }[];
}) {
  const [approving, setApproving] = useState<AccessRequestRow | null>(null);
  const [declining, setDeclining] = useState<AccessRequestRow | null>(null);
  const defaultCluster = clusters.find((c) => c.isDefault)?.name ?? clusters[0]?.name ?? "";
  const [cluster, setCluster] = useState(defaultCluster);
  const [reason, setReason] = useState("");
  return (
    <Card>
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Cluster access requests
            {pending.length > 0 && (
              <Badge tone="accent" testId="access-requests-count">
                {pending.length} pending
              </Badge>
            )}
          </span>
        }
        description="Organizations on no cluster ask here from their overview. Approving adds the organization to the cluster you choose."
      />
      {pending.length === 0 ? (
        <p className="px-5 py-4 text-sm text-muted" data-testid="access-requests-empty">
          No pending requests.
        </p>
      ) : (
        <ul className="divide-y divide-border" data-testid="access-requests">
          {pending.map((r) => (
            <li
              key={r.id}
              className="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-start sm:justify-between"
              data-testid={`access-request-${r.org}`}
            >
              <div className="min-w-0 space-y-1">
                <p className="text-sm">
                  <span className="font-medium">{r.orgDisplayName || r.org}</span>{" "}
                  {r.orgDisplayName && <span className="font-mono text-muted">{r.org}</span>}
                </p>
                <p className="text-sm text-muted">
                  {r.requester ? <>by {r.requester}</> : <>by a deleted account</>} · {when(r.createdAt)}
                </p>
                {r.message && (
                  <p className="border-l-2 border-border-strong pl-3 text-sm break-words whitespace-pre-line">
                    {r.message}
                  </p>
                )}
              </div>
              <div className="flex shrink-0 gap-2">
                <Button
                  size="sm"
                  onClick={() => {
                    setCluster(defaultCluster);
                    setApproving(r);
                  }}
                  disabled={clusters.length === 0}
                  data-testid="access-request-approve"
                >
                  Approve…
                </Button>
                <Button
                  size="sm"
                  variant="secondary"
                  onClick={() => {
                    setReason("");
                    setDeclining(r);
                  }}
                  data-testid="access-request-decline"
                >
                  Decline…
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {decided.length > 0 && (
        <details className="border-t border-border px-5 py-3 text-sm">
          <summary className="cursor-pointer font-medium text-muted">Recently decided ({decided.length})</summary>
          <ul className="mt-2 space-y-1.5" data-testid="access-requests-decided">
            {decided.map((r) => (
              <li key={r.id} className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <span className="font-medium">{r.org}</span>
                <Badge tone={r.status === "approved" ? "success" : "muted"}>
                  {r.status === "approved" ? `approved onto ${r.cluster ?? "a removed cluster"}` : "declined"}
                </Badge>
                <span className="text-muted">
                  {r.decidedBy ? `by ${r.decidedBy}` : ""}
                  {r.decidedAt ? <> · {when(r.decidedAt)}</> : null}
                </span>
                {r.declineReason && (
                  <span className="basis-full break-words whitespace-pre-line text-muted">
                    Reason: {r.declineReason}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
      <ActionDialog
        open={approving !== null}
        onOpenChange={(o) => !o && setApproving(null)}
        title={`Approve ${approving?.org ?? ""}`}
        description="The organization is added to this cluster (no running-jobs limit; change it on the cluster's page). The requester is told by mail."
        confirmLabel="Approve and add"
        pendingLabel="Adding…"
        disabled={!cluster}
        testId="access-approve-form"
        onConfirm={() => approveClusterAccessAction(approving!.id, cluster)}
      >
        <div className="space-y-1.5">
          <Label htmlFor="access-approve-cluster">Cluster</Label>
          <Select id="access-approve-cluster" value={cluster} onChange={(e) => setCluster(e.target.value)}>
            {clusters.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
                {c.isDefault ? " (default)" : ""}
              </option>
            ))}
          </Select>
        </div>
      </ActionDialog>
      <ActionDialog
        open={declining !== null}
        onOpenChange={(o) => !o && setDeclining(null)}
        title={`Decline ${declining?.org ?? ""}'s request`}
        description="The requester is told by mail, with your reason if you give one. They can ask again."
        confirmLabel="Decline request"
        pendingLabel="Declining…"
        danger
        disabled={reason.length > 500}
        testId="access-decline-form"
        onConfirm={() => declineClusterAccessAction(declining!.id, reason)}
      >
        <div className="space-y-1.5">
          <Label htmlFor="access-decline-reason">Reason (optional)</Label>
          <textarea
            id="access-decline-reason"
            rows={3}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-describedby="access-decline-hint"
            className={cn(
              "block w-full rounded-md border bg-canvas px-3 py-2 text-sm focus:ring-2 focus:ring-accent/40 focus:outline-none",
              reason.length > 500 ? "border-danger" : "border-border-strong focus:border-accent",
            )}
          />
          <p id="access-decline-hint" className={cn("text-xs", reason.length > 500 ? "text-danger" : "text-muted")}>
            {reason.length > 500 ? `At most 500 characters — you entered ${reason.length}.` : `${reason.length} / 500`}
          </p>
        </div>
      </ActionDialog>
    </Card>
  );
}
