"use client";

import type { GrafanaEmbed } from "@/lib/grafana";

// STUB — the Grafana helper replaces this file.
export function GrafanaPanels({ embeds }: { embeds: GrafanaEmbed[] }) {
  return (
    <div>
      {embeds.map((e) => (
        <iframe key={e.src} title={e.title} src={e.src} height={e.height} />
      ))}
    </div>
  );
}
