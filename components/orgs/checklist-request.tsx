"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { requestClusterAccessAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/field";
import { cn } from "@/components/ui/cn";

const MAX = 500;

/** "Request cluster access": a dialog with an optional message for the platform admins (mailed to them). */
export function RequestClusterAccess({ org, again }: { org: string; again?: boolean }) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState("");
  const router = useRouter();
  const tooLong = message.length > MAX;
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)} data-testid="checklist-request-open">
        {again ? "Request again" : "Request cluster access"}
      </Button>
      <ActionDialog
        open={open}
        onOpenChange={setOpen}
        title="Request cluster access"
        description={`Platform admins are notified and add ${org} to a cluster. You'll get an email when they decide.`}
        confirmLabel="Send request"
        pendingLabel="Sending…"
        disabled={tooLong}
        testId="cluster-request-form"
        onConfirm={async () => {
          const r = await requestClusterAccessAction(org, message);
          if (r.ok) {
            setMessage("");
            router.refresh();
          }
          return r;
        }}
      >
        <div className="space-y-1.5">
          <Label htmlFor="cluster-request-message">What will you run? (optional)</Label>
          <textarea
            id="cluster-request-message"
            rows={4}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            aria-invalid={tooLong || undefined}
            aria-describedby="cluster-request-hint"
            placeholder="e.g. Fine-tuning small language models, a few GPU jobs a week."
            className={cn(
              "block w-full rounded-md border bg-canvas px-3 py-2 text-sm focus:ring-2 focus:ring-accent/40 focus:outline-none",
              tooLong ? "border-danger" : "border-border-strong focus:border-accent",
            )}
          />
          <p id="cluster-request-hint" className={cn("text-xs", tooLong ? "text-danger" : "text-muted")}>
            {tooLong ? `At most ${MAX} characters — you entered ${message.length}.` : `${message.length} / ${MAX}`}
          </p>
        </div>
      </ActionDialog>
    </>
  );
}
