"use client";

import { useState } from "react";
import { leaveProjectAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import type { ProjectKey } from "./types";

/** Leaving a project one belongs to, confirmed; the last admin is refused with the server's reason. */
export function LeaveProjectButton({
  projectKey,
  username,
  keepsAccess,
}: {
  projectKey: ProjectKey;
  username: string;
  /** An org manager or admin still sees the project (as its admin) after leaving. */
  keepsAccess: boolean;
}) {
  const [open, setOpen] = useState(false);
  const { org, cluster, project } = projectKey;
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)} data-testid="leave-project-open">
        Leave project
      </Button>
      <ActionDialog
        open={open}
        onOpenChange={setOpen}
        title={`Leave ${project}?`}
        description={
          keepsAccess
            ? `You stop being a member of ${cluster}/${project}; as a manager of ${org} you can still open it.`
            : `You lose access to ${cluster}/${project}, its jobs and its artifacts. A project manager can add you again. The last admin can't leave.`
        }
        confirmLabel="Leave project"
        pendingLabel="Leaving…"
        danger
        testId="leave-project-dialog"
        onConfirm={() => leaveProjectAction(org, cluster, project, username)}
      />
    </>
  );
}
