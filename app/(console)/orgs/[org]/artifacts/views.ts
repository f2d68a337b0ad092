import "server-only";
import type { ArtifactView } from "@/components/artifacts/types";
import { formatBytes } from "@/components/artifacts/types";
import type { ArtifactRow } from "@/lib/artifacts";

const PROVIDERS: Record<string, string> = {
  aws: "AWS",
  gcp: "GCP",
  azure: "Azure",
  minio: "MinIO",
  open_stack: "OpenStack",
};

/** What the tables show of a row: kind-specific details formatted here, on the server. Never a secret's value. */
export function artifactView(r: ArtifactRow, deletable: boolean): ArtifactView {
  let details = "";
  if (r.kind === "disk") details = [formatBytes(r.sizeBytes), r.storageClass, r.status].filter(Boolean).join(" · ");
  else if (r.kind === "bucket")
    details = [PROVIDERS[r.provider ?? ""] ?? r.provider, r.region].filter(Boolean).join(" · ");
  else if (r.kind === "image") {
    const tags = r.tags?.length
      ? r.tags.length > 3
        ? `${r.tags.slice(0, 3).join(", ")} +${r.tags.length - 3}`
        : r.tags.join(", ")
      : "no tags";
    details = [tags, formatBytes(r.sizeBytes)].join(" · ");
  } else details = "Value hidden";
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    uri: r.uri,
    project: r.project,
    cluster: r.cluster,
    owner: r.owner,
    details,
    createdAt: r.createdAt,
    deletable: deletable && r.kind !== "image",
  };
}
