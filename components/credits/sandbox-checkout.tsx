"use client";

import { useTransition } from "react";
import { cancelSandboxAction, paySandboxAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";

export function SandboxCheckout({ org, paymentId }: { org: string; paymentId: string }) {
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  const run = (fn: typeof paySandboxAction) =>
    startTransition(async () => {
      const r = await fn(org, paymentId);
      if (r && !r.ok) toast(r.message, "error");
    });
  return (
    <div className="mt-5 flex justify-end gap-2">
      <Button variant="secondary" disabled={pending} onClick={() => run(cancelSandboxAction)}>
        Cancel
      </Button>
      <Button pending={pending} onClick={() => run(paySandboxAction)}>
        Pay
      </Button>
    </div>
  );
}
