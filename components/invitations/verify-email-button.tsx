"use client";

import { useTransition } from "react";
import { sendVerificationAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";

export function VerifyEmailButton() {
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  return (
    <Button
      variant="secondary"
      size="sm"
      pending={pending}
      onClick={() =>
        startTransition(async () => {
          const r = await sendVerificationAction();
          toast(r.ok ? r.message! : r.message, r.ok ? "success" : "error");
        })
      }
    >
      Send verification email
    </Button>
  );
}
