"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useState } from "react";

/*
 * A thin bar across the top of the window from a link click until the new page arrives: server pages can take a
 * moment, and without it a click looks ignored. The App Router has no navigation events, so a click on a link to
 * another page of this site starts it and the URL changing ends it (a 15 s cap covers a navigation that never
 * lands, such as a download).
 */

const CSS = `
@keyframes nav-progress-grow { from { width: 12%; } to { width: 88%; } }
.nav-progress-bar { animation: nav-progress-grow 8s cubic-bezier(0.1, 0.7, 0.3, 1) forwards; }
@media (prefers-reduced-motion: reduce) { .nav-progress-bar { animation: none; width: 60%; } }
`;

/** Whether a click on `event`'s target starts a client navigation to another page of this site. */
function navigationTarget(event: MouseEvent): string | null {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const a = (event.target as Element | null)?.closest?.("a[href]");
  if (!(a instanceof HTMLAnchorElement)) return null;
  if ((a.target && a.target !== "_self") || a.hasAttribute("download")) return null;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin) return null;
  // The same page (or a hash on it): nothing loads.
  if (url.pathname === window.location.pathname && url.search === window.location.search) return null;
  return url.pathname + url.search;
}

function Bar() {
  const pathname = usePathname();
  const search = useSearchParams().toString();
  const here = search ? `${pathname}?${search}` : pathname;
  // The page the click left: the bar runs while we're still on it.
  const [from, setFrom] = useState<string | null>(null);
  const [seen, setSeen] = useState(here);
  if (seen !== here) {
    setSeen(here);
    setFrom(null);
  }

  useEffect(() => {
    // Capture phase: Next's <Link> cancels the click's default before it would bubble up here.
    const onClick = (e: MouseEvent) => {
      if (navigationTarget(e)) setFrom(window.location.pathname + window.location.search);
    };
    const stop = () => setFrom(null);
    document.addEventListener("click", onClick, true);
    window.addEventListener("popstate", stop);
    return () => {
      document.removeEventListener("click", onClick, true);
      window.removeEventListener("popstate", stop);
    };
  }, []);

  useEffect(() => {
    if (from === null) return;
    const t = setTimeout(() => setFrom(null), 15_000);
    return () => clearTimeout(t);
  }, [from]);

  const active = from !== null;
  return (
    <div aria-hidden className="pointer-events-none fixed inset-x-0 top-0 z-[100] h-[3px]" data-testid="nav-progress">
      {active && (
        <div
          className="nav-progress-bar h-full rounded-r-full bg-accent shadow-[0_0_8px_var(--color-accent)]"
          data-testid="nav-progress-bar"
        />
      )}
    </div>
  );
}

export function NavigationProgress() {
  return (
    <>
      <style>{CSS}</style>
      {/* useSearchParams needs a Suspense boundary so it doesn't turn the whole page client-rendered. */}
      <Suspense fallback={null}>
        <Bar />
      </Suspense>
    </>
  );
}
