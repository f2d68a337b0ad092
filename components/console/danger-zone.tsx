"use client";

import { useState, type ReactNode } from "react";
import { deleteOrgAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { TypeToConfirmDialog } from "@/components/ui/type-to-confirm-dialog";
import { MAX_LENGTH } from "@/lib/core/limits";
import { LeaveOrgDialog } from "./leave-org-dialog";

/** A row of the danger zone: what the action does, and its button (labelled as the title), which opens its dialog. */
function DangerRow({
  title,
  description,
  variant,
  dialog,
}: {
  title: string;
  description: ReactNode;
  variant: "secondary" | "danger";
  dialog: (open: boolean, setOpen: (open: boolean) => void) => ReactNode;
}) {
  const [open, setOpen] = useState(false);
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 px-5 py-4">
      <div>
        <h3 className="text-sm font-medium">{title}</h3>
        <p className="text-sm text-muted">{description}</p>
      </div>
      <Button variant={variant} onClick={() => setOpen(true)}>
        {title}
      </Button>
      {dialog(open, setOpen)}
    </div>
  );
}

export function LeaveOrgSection({ org }: { org: string }) {
  return (
    <DangerRow
      title="Leave organization"
      description={<>Remove yourself from {org}. The last admin can&apos;t leave.</>}
      variant="secondary"
      dialog={(open, setOpen) => <LeaveOrgDialog org={org} open={open} onOpenChange={setOpen} />}
    />
  );
}

export function DeleteOrgSection({ org }: { org: string }) {
  return (
    <DangerRow
      title="Delete organization"
      description={
        <>
          Closes {org}: running jobs stop, all memberships and invitations are removed. Its credit history is kept for
          the records, and the name stays reserved for 30 days. This can&apos;t be undone.
        </>
      }
      variant="danger"
      dialog={(open, setOpen) => (
        <TypeToConfirmDialog
          open={open}
          onOpenChange={setOpen}
          title={`Delete ${org}?`}
          description="Running jobs are stopped and charged up to now, and every member loses access at once. Memberships and pending invitations are deleted; the ledger, payments and jobs are kept for the records."
          confirmLabel="Delete this organization"
          pendingLabel="Deleting…"
          testId="delete-org-dialog"
          phrase={org}
          fieldName="confirmName"
          maxLength={MAX_LENGTH.orgName}
          onConfirm={(typed) => deleteOrgAction(org, typed)}
        />
      )}
    />
  );
}
