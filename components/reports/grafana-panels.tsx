"use client";

import { useSyncExternalStore } from "react";
import { cn } from "@/components/ui/cn";
import type { GrafanaEmbed } from "@/lib/reports/grafana";

type Theme = "light" | "dark";

/** The console's theme: `data-theme` on <html> when chosen in the account menu, else the system's. */
function currentTheme(): Theme {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === "light" || chosen === "dark") return chosen;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function subscribe(onChange: () => void) {
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  media.addEventListener("change", onChange);
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => {
    media.removeEventListener("change", onChange);
    observer.disconnect();
  };
}

/** Grafana's solo panels (through the console's proxy), in the theme of the console. */
export function GrafanaPanels({ embeds }: { embeds: GrafanaEmbed[] }) {
  const theme = useSyncExternalStore<Theme | null>(subscribe, currentTheme, () => null);
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      {embeds.map((e, i) => {
        // The last panels are tables: they take the whole width on large screens.
        const wide = i >= 4;
        return (
          <section
            key={e.src}
            aria-label={e.title}
            className={cn("overflow-hidden rounded-lg border border-border bg-canvas", wide && "lg:col-span-2")}
          >
            <h3 className="border-b border-border px-4 py-2 text-sm font-semibold">{e.title}</h3>
            {theme ? (
              <iframe
                title={e.title}
                src={`${e.src}&theme=${theme}`}
                height={e.height}
                loading="lazy"
                referrerPolicy="same-origin"
                className="block w-full border-0"
              />
            ) : (
              // Until the theme is known (first client render), keep the space without loading a panel twice.
              <div style={{ height: e.height }} aria-hidden />
            )}
          </section>
        );
      })}
    </div>
  );
}
