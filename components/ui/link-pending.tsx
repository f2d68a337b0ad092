"use client";

import { useLinkStatus } from "next/link";
import { cn } from "./cn";

/**
 * Inside a <Link>: a small pulsing dot while the navigation it started is pending (dynamic pages can take a
 * moment). Always rendered at a fixed place, so nothing shifts; the Link needs `relative`.
 */
export function LinkPending() {
  const { pending } = useLinkStatus();
  return (
    <span
      aria-hidden
      data-pending={pending || undefined}
      className={cn(
        "pointer-events-none absolute top-1 right-1 size-1.5 rounded-full bg-accent transition-opacity",
        pending ? "animate-pulse opacity-100" : "opacity-0",
      )}
    />
  );
}
