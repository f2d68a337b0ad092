"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { InputFilter } from "@/components/ui/filters";
import { Pagination } from "@/components/ui/pagination";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import { ArtifactsTable } from "./artifacts-table";
import { NewBucketButton, NewDiskButton, SecretDialog, type ProjectTarget } from "./create-dialogs";
import { KIND_LABELS, type ArtifactView } from "./types";

const KINDS = ["disk", "bucket", "secret", "image"] as const;

/** A project's artifacts: kind tabs with counts, a name search, the table and, for writers, the create dialogs. */
export function ProjectArtifacts({
  target,
  rows,
  total,
  counts,
  query,
  canWrite,
}: {
  target: ProjectTarget;
  rows: ArtifactView[];
  total: number;
  counts: Record<(typeof KINDS)[number], number>;
  query: { kind?: string; q?: string; page: number; pageSize: number };
  canWrite: boolean;
}) {
  const { update, pending } = useUrlState();
  const search = useDebouncedParam("q", query.q);
  const [secretOpen, setSecretOpen] = useState(false);
  const [replaceKey, setReplaceKey] = useState<string | undefined>();
  const all = KINDS.reduce((n, k) => n + counts[k], 0);
  const filtered = Boolean(query.kind || query.q);
  const empty =
    all === 0 ? (
      <div className="space-y-1 py-4">
        <p className="font-medium text-fg">No artifacts yet</p>
        <p>
          {canWrite
            ? "Create a disk, a bucket or a secret for this project's jobs. Images appear when they are pushed to the cluster's registry."
            : "Disks, buckets, secrets and images of this project will be listed here."}
        </p>
      </div>
    ) : filtered ? (
      "Nothing matches these filters."
    ) : (
      "Nothing here."
    );
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex flex-wrap gap-1" role="group" aria-label="Kind">
          <Button
            size="sm"
            variant={!query.kind ? "secondary" : "ghost"}
            aria-pressed={!query.kind}
            onClick={() => update({ kind: null, page: null })}
          >
            All <span className="text-muted tabular-nums">{all}</span>
          </Button>
          {KINDS.map((k) => (
            <Button
              key={k}
              size="sm"
              variant={query.kind === k ? "secondary" : "ghost"}
              aria-pressed={query.kind === k}
              onClick={() => update({ kind: k, page: null })}
            >
              {KIND_LABELS[k].many} <span className="text-muted tabular-nums">{counts[k]}</span>
            </Button>
          ))}
        </div>
        {canWrite && (
          <div className="flex flex-wrap gap-2">
            <NewDiskButton target={target} />
            <NewBucketButton target={target} />
            <Button
              size="sm"
              variant="secondary"
              data-testid="new-secret"
              onClick={() => {
                setReplaceKey(undefined);
                setSecretOpen(true);
              }}
            >
              New secret
            </Button>
          </div>
        )}
      </div>
      <InputFilter
        id="artifact-search"
        label="Search by name"
        value={search.value}
        onChange={search.setValue}
        maxLength={100}
        className="w-full sm:w-64"
      />
      <ArtifactsTable
        org={target.org}
        rows={rows}
        showProject={false}
        pending={pending || search.pending}
        empty={empty}
        onReplaceSecret={
          canWrite
            ? (key) => {
                setReplaceKey(key);
                setSecretOpen(true);
              }
            : undefined
        }
      />
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />
      {canWrite && (
        <SecretDialog
          key={replaceKey ?? "new"}
          target={target}
          replaceKey={replaceKey}
          open={secretOpen}
          onOpenChange={setSecretOpen}
        />
      )}
    </div>
  );
}
