"use client";

import { leaveOrgAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";

export function LeaveOrgDialog({
  org,
  open,
  onOpenChange,
}: {
  org: string;
  open: boolean;
  onOpenChange: (o: boolean) => void;
}) {
  return (
    <ActionDialog
      open={open}
      onOpenChange={onOpenChange}
      title={`Leave ${org}?`}
      description="You lose access to its clusters, credits and projects at once. An admin can add you again."
      confirmLabel="Leave organization"
      pendingLabel="Leaving…"
      danger
      testId="leave-org-dialog"
      onConfirm={() => leaveOrgAction(org)}
    />
  );
}
