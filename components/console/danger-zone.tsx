"use client";

import { useState } from "react";
import { deleteOrgAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { TypeToConfirmDialog } from "@/components/ui/type-to-confirm-dialog";
import { MAX_LENGTH } from "@/lib/core/limits";
import { LeaveOrgDialog } from "./leave-org-dialog";

export function LeaveOrgSection({ org }: { org: string }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 px-5 py-4">
      <div>
        <h3 className="text-sm font-medium">Leave organization</h3>
        <p className="text-sm text-muted">Remove yourself from {org}. The last admin can&apos;t leave.</p>
      </div>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Leave organization
      </Button>
      <LeaveOrgDialog org={org} open={open} onOpenChange={setOpen} />
    </div>
  );
}

export function DeleteOrgSection({ org }: { org: string }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 px-5 py-4">
      <div>
        <h3 className="text-sm font-medium">Delete organization</h3>
        <p className="text-sm text-muted">
          Closes {org}: running jobs stop, all memberships and invitations are removed. Its credit history is kept for
          the records, and the name stays reserved for 30 days. This can&apos;t be undone.
        </p>
      </div>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete organization
      </Button>
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
    </div>
  );
}
