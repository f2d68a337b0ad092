"use client";

import Link from "next/link";
import { useTransition } from "react";
import { setThemeAction, signOutAction } from "@/app/actions";
import {
  Menu,
  MenuContent,
  MenuItem,
  MenuLabel,
  MenuRadioGroup,
  MenuRadioItem,
  MenuSeparator,
  MenuTrigger,
} from "@/components/ui/menu";

export function UserMenu({
  username,
  theme,
  isPlatformAdmin = false,
}: {
  username: string;
  theme: "system" | "light" | "dark";
  isPlatformAdmin?: boolean;
}) {
  const [pending, startTransition] = useTransition();
  return (
    <Menu>
      <MenuTrigger
        data-testid="user-menu"
        className="flex items-center gap-2 rounded-full p-0.5 pr-2 text-sm hover:bg-hover"
      >
        <span
          aria-hidden
          className="flex size-7 items-center justify-center rounded-full bg-accent-soft font-semibold text-accent uppercase"
        >
          {username.slice(0, 1)}
        </span>
        {/* The name is the visible text (axe: label-content-name-mismatch); on phones it is read, not shown. */}
        <span className="sr-only">Account menu:</span>
        <span className="max-w-40 truncate max-sm:sr-only">{username}</span>
      </MenuTrigger>
      <MenuContent align="end">
        <MenuLabel>Signed in as {username}</MenuLabel>
        <MenuItem asChild>
          <Link href="/account">Account</Link>
        </MenuItem>
        <MenuItem asChild>
          <Link href="/account/tokens">API tokens</Link>
        </MenuItem>
        {isPlatformAdmin && (
          <MenuItem asChild>
            <Link href="/admin">Admin</Link>
          </MenuItem>
        )}
        <MenuSeparator />
        <MenuLabel>Theme</MenuLabel>
        <MenuRadioGroup value={theme} onValueChange={(v) => startTransition(() => setThemeAction(v))}>
          <MenuRadioItem value="system" disabled={pending}>
            System
          </MenuRadioItem>
          <MenuRadioItem value="light" disabled={pending}>
            Light
          </MenuRadioItem>
          <MenuRadioItem value="dark" disabled={pending}>
            Dark
          </MenuRadioItem>
        </MenuRadioGroup>
        <MenuSeparator />
        <MenuItem onSelect={() => startTransition(() => signOutAction())} data-testid="sign-out">
          Sign out
        </MenuItem>
      </MenuContent>
    </Menu>
  );
}
