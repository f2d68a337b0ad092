/** An artifact as the tables show it (the server formats sizes; a secret's value is never here). */
export interface ArtifactView {
  id: string;
  kind: "disk" | "bucket" | "secret" | "image";
  name: string;
  uri: string;
  project: string;
  cluster: string;
  owner: string | null;
  /** Kind-specific, pre-formatted: "10 GB · ssd · ready", "aws · us-east-1", "v1, latest · 1.2 GB". */
  details: string;
  createdAt: Date;
  /** The caller may delete it here (a writer of its project; never images). */
  deletable: boolean;
}

export const KIND_LABELS: Record<ArtifactView["kind"], { one: string; many: string }> = {
  disk: { one: "Disk", many: "Disks" },
  bucket: { one: "Bucket", many: "Buckets" },
  secret: { one: "Secret", many: "Secrets" },
  image: { one: "Image", many: "Images" },
};

/** Bytes in binary units with at most one decimal: "10 GB" for 10 × 2^30 (Apolo's CLI says G for GiB). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : Number(v.toFixed(1))} ${units[i]}`;
}
