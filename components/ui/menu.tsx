"use client";

import { DropdownMenu as M } from "radix-ui";
import type { ComponentProps, ReactNode } from "react";
import { cn } from "./cn";

/**
 * Not modal: a modal menu hides the rest of the page with aria-hidden while it is open, and its own trigger (still
 * focusable) sits inside that hidden part (axe: aria-hidden-focus). Arrows, typeahead and Escape work the same.
 */
export function Menu(props: ComponentProps<typeof M.Root>) {
  return <M.Root modal={false} {...props} />;
}

/**
 * The trigger of the menu whose item was chosen last. A dialog opened from a menu item mounts after the menu (and
 * the focused item) is gone, so it can't remember where focus was: DialogContent asks here and returns focus to
 * this trigger when it closes (components/ui/dialog.tsx).
 */
let lastChosen: { trigger: HTMLElement; at: number } | null = null;

export function takeMenuOpener(): HTMLElement | null {
  const chosen = lastChosen;
  lastChosen = null;
  return chosen && Date.now() - chosen.at < 2000 && chosen.trigger.isConnected ? chosen.trigger : null;
}

/** The button that opened the menu `inside` is in (Radix labels a menu by its trigger). */
export function triggerOfMenu(inside: Element): HTMLElement | null {
  const id = inside.closest('[role="menu"]')?.getAttribute("aria-labelledby");
  return id ? document.getElementById(id) : null;
}

function rememberTrigger(item: EventTarget | null) {
  const trigger = item instanceof Element ? triggerOfMenu(item) : null;
  lastChosen = trigger ? { trigger, at: Date.now() } : null;
}

export const MenuTrigger = M.Trigger;
export const MenuGroup = M.Group;
export const MenuRadioGroup = M.RadioGroup;

/** A keyboard-navigable menu (arrows, Home/End, typeahead, Escape) rendered in a portal. */
export function MenuContent({
  children,
  className,
  align = "start",
}: {
  children: ReactNode;
  className?: string;
  align?: "start" | "end";
}) {
  return (
    <M.Portal>
      <M.Content
        align={align}
        sideOffset={6}
        collisionPadding={8}
        className={cn(
          "z-50 min-w-56 max-w-[calc(100vw-1rem)] rounded-lg border border-border bg-canvas p-1 text-sm shadow-lg",
          className,
        )}
      >
        {children}
      </M.Content>
    </M.Portal>
  );
}

const itemClass =
  "flex cursor-default items-center gap-2 rounded-md px-2 py-1.5 outline-none select-none data-[highlighted]:bg-hover data-[disabled]:opacity-50";

export function MenuItem({ className, onSelect, ...props }: ComponentProps<typeof M.Item>) {
  return (
    <M.Item
      className={cn(itemClass, className)}
      onSelect={(e) => {
        rememberTrigger(e.currentTarget ?? e.target);
        onSelect?.(e);
      }}
      {...props}
    />
  );
}

export function MenuRadioItem({ className, children, ...props }: ComponentProps<typeof M.RadioItem>) {
  return (
    <M.RadioItem className={cn(itemClass, "pl-7 relative", className)} {...props}>
      <M.ItemIndicator className="absolute left-2 text-accent">●</M.ItemIndicator>
      {children}
    </M.RadioItem>
  );
}

export function MenuLabel({ children }: { children: ReactNode }) {
  return <M.Label className="px-2 pt-1.5 pb-1 text-xs font-medium text-muted">{children}</M.Label>;
}

export function MenuSeparator() {
  return <M.Separator className="-mx-1 my-1 h-px bg-border" />;
}
