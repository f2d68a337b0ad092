"use client";

import { Dialog as D } from "radix-ui";
import { useRef, type ComponentProps, type ReactNode } from "react";
import { cn } from "./cn";
import { takeMenuOpener, triggerOfMenu } from "./menu";

export const Dialog = D.Root;
export const DialogTrigger = D.Trigger;
export const DialogClose = D.Close;

/** A modal with a title and optional description: focus is trapped inside, Escape and the overlay close it. */
export function DialogContent({
  title,
  description,
  children,
  className,
  modal,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  className?: string;
  /**
   * A click outside doesn't close it (a dialog showing a secret once, which a stray click would throw away);
   * its buttons and Escape still do.
   */
  modal?: "strict";
}) {
  // Where focus returns on close: the element focused when it opened, or (opened from a menu item, which is gone
  // by then) that menu's trigger. Radix alone would drop focus to <body> in the second case.
  const opener = useRef<(HTMLElement | null)[]>([]);
  return (
    <D.Portal>
      {/* Light: a soft dim. Dark: a near-black dim plus blur, so the dialog stands out from an already dark page. */}
      <D.Overlay className="fixed inset-0 z-40 bg-[light-dark(rgb(0_0_0/0.4),rgb(0_0_0/0.72))] backdrop-blur-[2px]" />
      <D.Content
        {...(modal === "strict" ? { onInteractOutside: (e: Event) => e.preventDefault() } : {})}
        onOpenAutoFocus={() => {
          const active = document.activeElement;
          const menuTrigger = takeMenuOpener();
          opener.current = [
            active instanceof HTMLElement && active !== document.body && !active.closest('[role="menu"]')
              ? active
              : null,
            menuTrigger,
            active instanceof Element ? triggerOfMenu(active) : null,
          ];
        }}
        onCloseAutoFocus={(e) => {
          const target = opener.current.find((el) => el?.isConnected);
          if (target) {
            e.preventDefault();
            target.focus();
          }
        }}
        className={cn(
          "fixed top-1/2 left-1/2 z-50 w-[calc(100vw-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2",
          "rounded-lg border border-border bg-canvas p-5 shadow-xl focus:outline-none",
          className,
        )}
      >
        <D.Title className="text-base font-semibold">{title}</D.Title>
        {description ? (
          <D.Description className="mt-1 text-sm text-muted">{description}</D.Description>
        ) : (
          <D.Description className="sr-only">{title}</D.Description>
        )}
        <div className="mt-4">{children}</div>
      </D.Content>
    </D.Portal>
  );
}

/** A dialog with its own trigger (a button rendered as is) and DialogContent's title, description and body. */
export function TriggeredDialog({
  open,
  onOpenChange,
  trigger,
  ...content
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  trigger: ReactNode;
} & ComponentProps<typeof DialogContent>) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent {...content} />
    </Dialog>
  );
}
