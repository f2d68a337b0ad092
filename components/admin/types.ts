/** Serializable shapes the Admin pages pass from the server to their client components. */
export type Runner = "embedded" | "external";

export interface ClusterRow {
  name: string;
  description: string | null;
  isDefault: boolean;
  runner: Runner;
  presets: number;
  orgs: number;
}

export interface PresetRow {
  id: string;
  name: string;
  cpu: string;
  memoryMb: number;
  gpu: number;
  creditsPerHour: string;
}

export interface ClusterOrgRow {
  org: string;
  maxRunningJobs: number | null;
}

export interface ClusterTokenRow {
  id: string;
  label: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const RUNNER_LABELS: Record<Runner, string> = { embedded: "Embedded", external: "External" };

export const dateTimeFormat = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

/** 2048 → "2 GB", 1536 → "1.5 GB", 500 → "500 MB". */
export function formatMemory(mb: number): string {
  if (mb < 1024) return `${mb.toLocaleString("en")} MB`;
  const gb = mb / 1024;
  return `${Number.isInteger(gb) ? gb.toLocaleString("en") : gb.toLocaleString("en", { maximumFractionDigits: 1 })} GB`;
}

/** "8.00" → "8", "0.50" → "0.5": CPU cores as people write them. */
export function formatCpu(cpu: string): string {
  return cpu.includes(".") ? cpu.replace(/\.?0+$/, "") : cpu;
}

/** A price per hour with 2 to 4 decimals, exactly, from its decimal string: "60.00000000" → "60.00". */
export function formatRate(value: string): string {
  const [whole = "0", frac = ""] = value.split(".");
  const digits = frac.slice(0, 4).replace(/0+$/, "").padEnd(2, "0");
  return `${BigInt(whole).toLocaleString("en")}.${digits}`;
}
