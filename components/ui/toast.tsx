"use client";

import { usePathname } from "next/navigation";
import { Toast as T } from "radix-ui";
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { cn } from "./cn";
import { FLASH_COOKIE } from "./flash";

type Tone = "success" | "error" | "info";
interface ToastItem {
  id: number;
  message: string;
  tone: Tone;
}

const ToastContext = createContext<(message: string, tone?: Tone) => void>(() => {});

/** Shows a toast from any client component: `const toast = useToast(); toast("Saved")`. */
export function useToast() {
  return useContext(ToastContext);
}

/** Reads (and clears) the one-shot message a server action left in the flash cookie before redirecting. */
function takeFlash(): { message: string; tone: Tone } | null {
  const match = document.cookie.split("; ").find((c) => c.startsWith(`${FLASH_COOKIE}=`));
  if (!match) return null;
  document.cookie = `${FLASH_COOKIE}=; Max-Age=0; Path=/`;
  try {
    const value = JSON.parse(decodeURIComponent(match.slice(FLASH_COOKIE.length + 1))) as {
      message: string;
      tone?: Tone;
    };
    return { message: value.message, tone: value.tone ?? "success" };
  } catch {
    return null;
  }
}

let nextId = 1;

export function Toaster({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const pathname = usePathname();
  const show = useCallback((message: string, tone: Tone = "success") => {
    setToasts((list) => [...list.slice(-2), { id: nextId++, message, tone }]);
  }, []);

  useEffect(() => {
    const flash = takeFlash();
    // The cookie is outside React: showing what it carried after navigation is the point of this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (flash) show(flash.message, flash.tone);
  }, [pathname, show]);

  return (
    <ToastContext.Provider value={show}>
      <T.Provider swipeDirection="right" duration={5000}>
        {children}
        {toasts.map((t) => (
          <T.Root
            key={t.id}
            data-testid="toast"
            onOpenChange={(open) => !open && setToasts((list) => list.filter((x) => x.id !== t.id))}
            className={cn(
              "flex items-start gap-3 rounded-lg border bg-canvas px-4 py-3 text-sm shadow-lg",
              t.tone === "error" ? "border-danger/40" : t.tone === "success" ? "border-success/40" : "border-border",
            )}
          >
            <span
              aria-hidden
              className={cn(
                "mt-1.5 size-2 shrink-0 rounded-full",
                t.tone === "error" ? "bg-danger" : t.tone === "success" ? "bg-success" : "bg-accent",
              )}
            />
            <T.Description className="flex-1">{t.message}</T.Description>
            <T.Close aria-label="Dismiss" className="text-muted hover:text-fg">
              ×
            </T.Close>
          </T.Root>
        ))}
        <T.Viewport className="fixed right-0 bottom-0 z-[100] flex w-full max-w-sm flex-col gap-2 p-4 outline-none" />
      </T.Provider>
    </ToastContext.Provider>
  );
}
