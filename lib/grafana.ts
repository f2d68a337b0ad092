import type { Env } from "./config";
import type { ReportPeriod } from "./reports";

// STUB — the Grafana helper replaces this file (proxy policy, config, embeds).

export interface GrafanaConfig {
  url: string;
  token: string;
}

export function grafanaConfigFromEnv(env: Env): GrafanaConfig | null {
  return env.GRAFANA_URL && env.GRAFANA_TOKEN ? { url: env.GRAFANA_URL, token: env.GRAFANA_TOKEN } : null;
}

export interface GrafanaEmbed {
  title: string;
  /** Path of the console's proxy route for this solo panel (same origin). */
  src: string;
  height: number;
}

/** The solo-panel embeds of the Reports tab for an org and period, or null when Grafana is not configured. */
export function grafanaEmbeds(config: GrafanaConfig | null, orgName: string, period: ReportPeriod): GrafanaEmbed[] | null {
  void orgName;
  void period;
  return config ? [] : null;
}
