"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

export interface AdminTab {
  href: string;
  label: string;
  /** Path prefixes under which this tab counts as current (a cluster's page is under Clusters). */
  sections?: string[];
}

/** The Admin area's tabs, underlined for the current section. */
export function AdminTabs({ items }: { items: AdminTab[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin" className="-mb-px flex gap-4 overflow-x-auto border-b border-border">
      {items.map((item) => {
        const active = pathname === item.href || Boolean(item.sections?.some((s) => pathname.startsWith(s)));
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "border-b-2 px-1 pb-2 text-sm whitespace-nowrap",
              active ? "border-accent font-medium text-fg" : "border-transparent text-muted hover:text-fg",
            )}
          >
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
