import { cn } from "@/components/ui/cn";
import { PROJECT_ROLE_LABELS, type ProjectRole } from "./types";

/** A project role as a small pill; admins stand out like org admins do. */
export function ProjectRoleBadge({ role, title }: { role: ProjectRole; title?: string }) {
  return (
    <span
      data-testid="project-role-badge"
      title={title}
      className={cn(
        "inline-flex shrink-0 items-center rounded-full border px-1.5 py-px text-[11px] font-medium whitespace-nowrap",
        role === "admin" ? "border-accent/30 bg-accent-soft text-accent" : "border-border bg-subtle text-muted",
      )}
    >
      {PROJECT_ROLE_LABELS[role]}
    </span>
  );
}
