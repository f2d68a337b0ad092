import type { OrgRole } from "@/lib/core";
import { cn } from "@/components/ui/cn";

const LABELS: Record<OrgRole, string> = { user: "User", manager: "Manager", admin: "Admin" };

export function RoleBadge({ role }: { role: OrgRole }) {
  return (
    <span
      data-testid="role-badge"
      className={cn(
        "inline-flex shrink-0 items-center rounded-full border px-1.5 py-px text-[11px] font-medium",
        role === "admin" ? "border-accent/30 bg-accent-soft text-accent" : "border-border bg-subtle text-muted",
      )}
    >
      {LABELS[role]}
    </span>
  );
}
