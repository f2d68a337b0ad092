"use client";

import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
import { Menu, MenuContent, MenuItem, MenuLabel, MenuSeparator, MenuTrigger } from "@/components/ui/menu";
import { LeaveOrgDialog } from "./leave-org-dialog";
import { RoleBadge } from "./role-badge";
import type { OrgRole } from "@/lib/core/authz";

export interface PickerOrg {
  name: string;
  displayName: string | null;
  role: OrgRole;
}

/**
 * The current org (from the URL, so two tabs can be in two orgs) and a menu of all the person's orgs. Outside an
 * org's pages (Account, Invitations, Create organization) it shows `lastOrg`, the org used last (read from the
 * database with the membership on every request).
 */
export function OrgPicker({ orgs, lastOrg }: { orgs: PickerOrg[]; lastOrg?: string | null }) {
  const params = useParams<{ org?: string }>();
  const current = orgs.find((o) => o.name === (params.org ?? lastOrg));
  const [leaving, setLeaving] = useState(false);
  return (
    <>
      <Menu>
        <MenuTrigger
          data-testid="org-picker"
          className="flex max-w-[55vw] items-center gap-2 rounded-md px-2 py-1.5 text-sm font-medium hover:bg-hover sm:max-w-xs"
        >
          <span className="truncate">{current ? current.displayName || current.name : "Select organization"}</span>
          {current && (
            <span className="hidden sm:contents">
              <RoleBadge role={current.role} />
            </span>
          )}
          <svg viewBox="0 0 16 16" className="size-3.5 shrink-0 text-muted" aria-hidden>
            <path fill="currentColor" d="M4.5 6 8 9.5 11.5 6l1 1L8 11.5 3.5 7z" />
          </svg>
        </MenuTrigger>
        <MenuContent className="w-72">
          <MenuLabel>Organizations</MenuLabel>
          {orgs.length === 0 && (
            <p className="px-2 py-1.5 text-sm text-muted">You don&apos;t belong to any organization yet.</p>
          )}
          {orgs.map((o) => (
            <MenuItem key={o.name} asChild>
              <Link href={`/orgs/${o.name}`} aria-current={o.name === current?.name ? "page" : undefined}>
                <span className="w-3 text-accent" aria-hidden>
                  {o.name === current?.name ? "✓" : ""}
                </span>
                <span className="min-w-0 flex-1">
                  <span className="block truncate">{o.displayName || o.name}</span>
                  {o.displayName && <span className="block truncate font-mono text-xs text-muted">{o.name}</span>}
                </span>
                <RoleBadge role={o.role} />
              </Link>
            </MenuItem>
          ))}
          <MenuSeparator />
          <MenuItem asChild>
            <Link href="/orgs/new">
              <span className="w-3 text-muted" aria-hidden>
                +
              </span>
              Create organization
            </Link>
          </MenuItem>
          {current && (
            <MenuItem onSelect={() => setLeaving(true)} className="text-muted">
              <span className="w-3" aria-hidden />
              Leave {current.name}…
            </MenuItem>
          )}
        </MenuContent>
      </Menu>
      {current && <LeaveOrgDialog org={current.name} open={leaving} onOpenChange={setLeaving} />}
    </>
  );
}
