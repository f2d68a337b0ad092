/** Artifact kinds and their Apolo URIs (pure; shared by lib/artifacts and the pages). */
export const ARTIFACT_KINDS = ["disk", "bucket", "secret", "image"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** The URI scheme of each kind, as Apolo's CLI names them (a bucket is `blob://`). */
export const URI_SCHEMES: Record<ArtifactKind, string> = {
  disk: "disk",
  bucket: "blob",
  secret: "secret",
  image: "image",
};

/** `disk://<cluster>/<org>/<project>/<name>` and the like. */
export function artifactUri(kind: ArtifactKind, cluster: string, org: string, project: string, name: string): string {
  return `${URI_SCHEMES[kind]}://${cluster}/${org}/${project}/${name}`;
}
