"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, useState, useTransition } from "react";
import { newInvitationLinkAction, resendInvitationAction, revokeInvitationAction } from "@/app/actions";
import { RoleBadge } from "@/components/console/role-badge";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { CopyableLink } from "@/components/ui/copy-button";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import type { InvitationView } from "./types";

const helper = createColumnHelper<typeof sortableFeatures, InvitationView>();
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** Who an invitation is for: its address, or the invited account's username. */
const inviteeOf = (i: InvitationView) => i.email ?? i.username ?? "unknown";

/**
 * Pending invitations with Resend, Copy link (email invitations: a fresh link, the old one stops working) and
 * Revoke. An invitation to an account (by username) has no link: Resend reminds them by mail.
 */
export function InvitationsTable({ org, invitations }: { org: string; invitations: InvitationView[] }) {
  const toast = useToast();
  const [busy, startTransition] = useTransition();
  const [revoking, setRevoking] = useState<InvitationView | null>(null);
  const [acting, setActing] = useState<string | null>(null);
  const [link, setLink] = useState<{ email: string; link: string } | null>(null);

  const columns = useMemo<Columns<InvitationView>>(
    () => [
      helper.accessor(inviteeOf, {
        id: "invitee",
        header: "Invited",
        enableSorting: false,
        // The invitee over how they accept, each on one line (truncated, full text in a title) from 640 px.
        meta: { wrap: true, card: "title" },
        cell: (c) => (
          <span className="block min-w-40 max-sm:break-all sm:max-w-80">
            <span className="block font-medium sm:truncate" title={c.getValue()}>
              {c.getValue()}
            </span>
            <span className="block text-xs text-muted sm:truncate">
              {c.row.original.email ? "by email" : "account · accepts in the console"}
            </span>
          </span>
        ),
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
        meta: { card: "footer" },
        cell: (c) => {
          const inv = c.row.original;
          if (!inv.manageable) return null;
          return (
            <div className="flex justify-end gap-1.5" data-testid={`invitation-actions-${inviteeOf(inv)}`}>
              <Button
                size="sm"
                variant="secondary"
                disabled={busy}
                pending={busy && acting === `resend:${inv.id}`}
                aria-label={`Resend the invitation to ${inviteeOf(inv)}`}
                title={inv.email ? "Mail a new link (7 more days)" : "Remind them by mail (7 more days)"}
                onClick={() => {
                  setActing(`resend:${inv.id}`);
                  startTransition(async () => {
                    const r = await resendInvitationAction(org, inv.id);
                    toast(r.ok ? r.message! : r.message, r.ok ? "success" : "error");
                  });
                }}
              >
                Resend
              </Button>
              {inv.email && (
                <Button
                  size="sm"
                  variant="secondary"
                  disabled={busy}
                  pending={busy && acting === `link:${inv.id}`}
                  aria-label={`Copy link for ${inv.email}`}
                  onClick={() => {
                    setActing(`link:${inv.id}`);
                    startTransition(async () => {
                      const r = await newInvitationLinkAction(org, inv.id);
                      if (r.ok && r.data.email && r.data.link) setLink({ email: r.data.email, link: r.data.link });
                      else if (!r.ok) toast(r.message, "error");
                    });
                  }}
                >
                  Copy link
                </Button>
              )}
              <Button
                size="sm"
                variant="ghost"
                className="text-danger"
                disabled={busy}
                aria-label={`Revoke the invitation to ${inviteeOf(inv)}`}
                onClick={() => setRevoking(inv)}
              >
                Revoke
              </Button>
            </div>
          );
        },
      }),
    ],
    [org, busy, acting, toast],
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
          title={`Revoke the invitation to ${inviteeOf(revoking)}?`}
          description={
            revoking.email
              ? "The link stops working at once. You can invite the address again later."
              : `It disappears from ${revoking.username}'s invitations at once. You can invite them again later.`
          }
          testId="revoke-invitation-dialog"
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
            <CopyableLink link={link.link} testId="invitation-link" />
          </DialogContent>
        )}
      </Dialog>
    </>
  );
}
