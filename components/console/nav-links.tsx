"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

export interface NavItem {
  href: string;
  label: string;
  /** A path prefix under which this item counts as current (Settings stays current on its sub-pages). */
  section?: string;
}

const STYLES = {
  /** The org's left navigation; on phones a row under the header. */
  side: {
    nav: "flex gap-1 overflow-x-auto md:flex-col",
    link: "rounded-md px-3 py-1.5",
    active: "bg-subtle font-medium text-fg",
    idle: "text-muted hover:bg-hover hover:text-fg",
  },
  /** A row of tabs (Settings, Admin), underlined for the current one. */
  tabs: {
    nav: "-mb-px flex gap-4 overflow-x-auto border-b border-border",
    link: "border-b-2 px-1 pb-2",
    active: "border-accent font-medium text-fg",
    idle: "border-transparent text-muted hover:text-fg",
  },
} as const;

export function NavLinks({ items, label, variant }: { items: NavItem[]; label: string; variant: keyof typeof STYLES }) {
  const pathname = usePathname();
  const style = STYLES[variant];
  return (
    <nav aria-label={label} className={style.nav}>
      {items.map((item) => {
        const active = pathname === item.href || Boolean(item.section && pathname.startsWith(item.section));
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            className={cn("text-sm whitespace-nowrap", style.link, active ? style.active : style.idle)}
          >
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
