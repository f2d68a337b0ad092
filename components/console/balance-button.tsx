"use client";

import Link from "next/link";
import { useParams } from "next/navigation";
import { useId, useState } from "react";
import { cn } from "@/components/ui/cn";

type Tone = "ok" | "warn" | "danger";

export interface HeaderBalance {
  text: string;
  negative: boolean;
  /** Where the balance is heading, in words (lib/billing/projection-view.ts describeProjection). */
  outlook: { text: string; tone: Tone } | null;
}

/**
 * The current org's balance in the header; opens its Credits page. Hovering or focusing it shows where the
 * balance is heading in a tooltip (also its accessible description); Escape hides it. Balances come pre-formatted.
 */
export function BalanceButton({
  balances,
  lastOrg,
}: {
  balances: Record<string, HeaderBalance>;
  /** Outside an org's pages: the org used last (see OrgPicker). */
  lastOrg?: string | null;
}) {
  const params = useParams<{ org?: string }>();
  const org = params.org ?? lastOrg ?? undefined;
  const tooltipId = useId();
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const [dismissed, setDismissed] = useState(false);
  const b = org ? balances[org] : undefined;
  if (!org || !b) return null;
  const open = (hovered || focused) && !dismissed && b.outlook !== null;
  return (
    <div
      className="relative"
      onMouseEnter={() => {
        setHovered(true);
        setDismissed(false);
      }}
      onMouseLeave={() => setHovered(false)}
    >
      <Link
        href={`/orgs/${org}/credits`}
        data-testid="balance-button"
        aria-describedby={b.outlook ? tooltipId : undefined}
        onFocus={() => {
          setFocused(true);
          setDismissed(false);
        }}
        onBlur={() => setFocused(false)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && open) {
            e.preventDefault();
            setDismissed(true);
          }
        }}
        className={cn(
          "flex items-center gap-1.5 rounded-md border border-border px-2.5 py-1 text-xs font-medium tabular-nums hover:bg-subtle",
          b.negative && "border-danger/40 text-danger",
          !b.negative && b.outlook?.tone === "danger" && "border-danger/40",
          b.outlook?.tone === "warn" && "border-warning/50",
        )}
      >
        {b.outlook && b.outlook.tone !== "ok" && (
          <span
            aria-hidden
            className={cn("size-1.5 rounded-full", b.outlook.tone === "warn" ? "bg-warning" : "bg-danger")}
          />
        )}
        <span className="text-muted max-sm:sr-only">Credits</span> {b.text}
      </Link>
      {b.outlook && (
        // Always in the document (aria-describedby points at it); shown while hovered or focused. The padding
        // bridges the gap to the button, so the pointer can move onto the tooltip without closing it.
        <div className={cn("absolute top-full right-0 z-40 pt-1.5", !open && "hidden")}>
          <div
            id={tooltipId}
            role="tooltip"
            data-testid="balance-tooltip"
            className="w-64 max-w-[calc(100vw-1.5rem)] rounded-md border border-border bg-canvas px-3 py-2 text-xs text-fg shadow-lg"
          >
            <p className="flex items-start gap-2">
              <span
                aria-hidden
                className={cn(
                  "mt-1 size-1.5 shrink-0 rounded-full",
                  b.outlook.tone === "ok" ? "bg-success" : b.outlook.tone === "warn" ? "bg-warning" : "bg-danger",
                )}
              />
              <span>{b.outlook.text}</span>
            </p>
          </div>
        </div>
      )}
    </div>
  );
}
