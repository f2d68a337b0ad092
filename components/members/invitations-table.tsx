"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, useState, useTransition } from "react";
import {
  newInvitationLinkAction,
  resendInvitationAction,
  revokeInvitationAction,
} from "@/app/(console)/orgs/[org]/settings/users/actions";
import { RoleBadge } from "@/components/console/role-badge";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import type { InvitationView } from "./types";

const helper = createColumnHelper<typeof sortableFeatures, InvitationView>();
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** Pending invitations with Resend, Copy link (a fresh link: the old one stops working) and Revoke. */
export function InvitationsTable({ org, invitations }: { org: string; invitations: InvitationView[] }) {
  const toast = useToast();
  const [busy, startTransition] = useTransition();
  const [revoking, setRevoking] = useState<InvitationView | null>(null);
  const [link, setLink] = useState<{ email: string; link: string } | null>(null);

  const columns = useMemo<Columns<InvitationView>>(
    () => [
      helper.accessor("email", {
        header: "Email",
        enableSorting: false,
        cell: (c) => <span className="font-medium">{c.getValue()}</span>,
      }),
      helper.accessor("role", { header: "Role", enableSorting: false, cell: (c) => <RoleBadge role={c.getValue()} /> }),
      helper.accessor("invitedBy", { header: "Invited by", enableSorting: false, cell: (c) => c.getValue() ?? "—" }),
      helper.accessor("expiresAt", {
        header: "Expires",
        enableSorting: false,
        cell: (c) =>
          c.row.original.expired ? (
            <span className="text-danger">Expired</span>
          ) : (
            <time dateTime={c.getValue().toISOString()}>{dateFormat.format(c.getValue())} UTC</time>
          ),
      }),
      helper.display({
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        cell: (c) => {
          const inv = c.row.original;
          if (!inv.manageable) return null;
          return (
            <div className="flex justify-end gap-1.5" data-testid={`invitation-actions-${inv.email}`}>
              <Button
                size="sm"
                variant="secondary"
                disabled={busy}
                onClick={() =>
                  startTransition(async () => {
                    const r = await resendInvitationAction(org, inv.id);
                    toast(r.ok ? r.message! : r.message, r.ok ? "success" : "error");
                  })
                }
              >
                Resend
              </Button>
              <Button
                size="sm"
                variant="secondary"
                disabled={busy}
                onClick={() =>
                  startTransition(async () => {
                    const r = await newInvitationLinkAction(org, inv.id);
                    if (r.ok) setLink({ email: r.data.email, link: r.data.link });
                    else toast(r.message, "error");
                  })
                }
              >
                Copy link
              </Button>
              <Button
                size="sm"
                variant="ghost"
                className="text-danger"
                disabled={busy}
                onClick={() => setRevoking(inv)}
              >
                Revoke
              </Button>
            </div>
          );
        },
      }),
    ],
    [org, busy, toast],
  );

  return (
    <>
      <DataTable
        label="Pending invitations"
        columns={columns}
        data={invitations}
        getRowId={(i) => i.id}
        empty="No pending invitations."
      />
      {revoking && (
        <ActionDialog
          open
          onOpenChange={(o) => !o && setRevoking(null)}
          title={`Revoke the invitation to ${revoking.email}?`}
          description="The link stops working at once. You can invite the address again later."
          confirmLabel="Revoke invitation"
          pendingLabel="Revoking…"
          danger
          onConfirm={() => revokeInvitationAction(org, revoking.id)}
        />
      )}
      <Dialog open={link !== null} onOpenChange={(o) => !o && setLink(null)}>
        {link && (
          <DialogContent
            title={`Invitation link for ${link.email}`}
            description="A new link, valid for 7 days. Earlier links for this invitation no longer work; it only works for this email address."
          >
            <div className="flex items-center gap-2">
              <code
                className="min-w-0 flex-1 truncate rounded bg-subtle px-2 py-1.5 font-mono text-xs"
                data-testid="invitation-link"
              >
                {link.link}
              </code>
              <CopyButton value={link.link} label="Copy link" />
            </div>
          </DialogContent>
        )}
      </Dialog>
    </>
  );
}
