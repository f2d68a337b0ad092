"use client";

import Link from "next/link";
import { useParams } from "next/navigation";
import { cn } from "@/components/ui/cn";

/** The current org's balance in the header; opens its Credits page. Balances come pre-formatted. */
export function BalanceButton({ balances }: { balances: Record<string, { text: string; negative: boolean }> }) {
  const { org } = useParams<{ org?: string }>();
  const b = org ? balances[org] : undefined;
  if (!org || !b) return null;
  return (
    <Link
      href={`/orgs/${org}/credits`}
      data-testid="balance-button"
      aria-label={`Credits: ${b.text}`}
      className={cn(
        "flex items-center gap-1.5 rounded-md border border-border px-2.5 py-1 text-xs font-medium tabular-nums hover:bg-subtle",
        b.negative && "border-danger/40 text-danger",
      )}
    >
      <span className="text-muted max-sm:sr-only">Credits</span>
      {b.text}
    </Link>
  );
}
