"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

export interface NavItem {
  href: string;
  label: string;
  /** A path prefix under which this item counts as current. */
  section?: string;
}

/** The org's left navigation; on phones it becomes a row of tabs under the header. */
export function OrgNav({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Organization" className="flex gap-1 overflow-x-auto md:flex-col">
      {items.map((item) => {
        // Sections (Settings) stay highlighted on their sub-pages.
        const active = pathname === item.href || Boolean(item.section && pathname.startsWith(item.section));
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "rounded-md px-3 py-1.5 text-sm whitespace-nowrap",
              active ? "bg-subtle font-medium text-fg" : "text-muted hover:bg-hover hover:text-fg",
            )}
          >
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
