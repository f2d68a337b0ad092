import type { ReactNode } from "react";
import { cn } from "@/components/ui/cn";

/** A small pill: "accent" for what stands out (Default, Active), "muted" for the rest, "danger" for Revoked. */
export function Badge({
  children,
  tone = "muted",
  testId,
}: {
  children: ReactNode;
  tone?: "accent" | "muted" | "danger" | "success";
  testId?: string;
}) {
  return (
    <span
      data-testid={testId}
      className={cn(
        "inline-flex shrink-0 items-center rounded-full border px-1.5 py-px text-[11px] font-medium whitespace-nowrap",
        tone === "accent" && "border-accent/30 bg-accent-soft text-accent",
        tone === "muted" && "border-border bg-subtle text-muted",
        tone === "danger" && "border-danger/30 bg-danger-soft text-danger",
        tone === "success" && "border-success/30 bg-success-soft text-success",
      )}
    >
      {children}
    </span>
  );
}
