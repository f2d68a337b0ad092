"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";
import type { NavItem } from "./org-nav";

/** A row of tabs (Settings, Admin), underlined for the current page or section. */
export function TabsNav({ items, label }: { items: NavItem[]; label: string }) {
  const pathname = usePathname();
  return (
    <nav aria-label={label} className="-mb-px flex gap-4 overflow-x-auto border-b border-border">
      {items.map((item) => {
        const active = pathname === item.href || Boolean(item.section && pathname.startsWith(item.section));
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
