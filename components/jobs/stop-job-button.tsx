"use client";

import { useState } from "react";
import { stopJobAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";

/**
 * "Stop" on a job's row: asks first (a stopped job can't be resumed), then stops it with a pending button, a
 * toast, and the error inside the dialog when the stop is refused.
 */
export function StopJobButton({ org, job }: { org: string; job: { id: string; name: string } }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="sm" variant="secondary" aria-label={`Stop ${job.name}`} onClick={() => setOpen(true)}>
        Stop
      </Button>
      <ActionDialog
        open={open}
        onOpenChange={setOpen}
        title={`Stop ${job.name}?`}
        description="The job ends now and can't be resumed: start a new one to run it again. Credits it used so far stay charged."
        confirmLabel="Stop job"
        pendingLabel="Stopping…"
        danger
        testId="stop-job-dialog"
        onConfirm={() => stopJobAction(org, job.id)}
      />
    </>
  );
}
