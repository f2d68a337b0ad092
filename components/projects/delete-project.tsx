"use client";

import { useState } from "react";
import { deleteProjectAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { TypeToConfirmDialog } from "@/components/ui/type-to-confirm-dialog";
import { MAX_LENGTH } from "@/lib/core/limits";
import type { ProjectKey } from "./types";

/** The danger zone's "Delete project": the name typed again; the server refuses while jobs run and names them. */
export function DeleteProjectSection({ projectKey }: { projectKey: ProjectKey }) {
  const [open, setOpen] = useState(false);
  const { org, cluster, project } = projectKey;
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 px-5 py-4">
      <div>
        <h3 className="text-sm font-medium">Delete project</h3>
        <p className="text-sm text-muted">
          Removes {cluster}/{project} and its memberships. Stop its running jobs first. This can&apos;t be undone.
        </p>
      </div>
      <Button variant="danger" onClick={() => setOpen(true)} data-testid="delete-project-open">
        Delete project
      </Button>
      <TypeToConfirmDialog
        open={open}
        onOpenChange={setOpen}
        title={`Delete ${project}?`}
        description={`Everyone loses access to ${cluster}/${project} at once. A project with running jobs can't be deleted.`}
        confirmLabel="Delete this project"
        pendingLabel="Deleting…"
        testId="delete-project-dialog"
        phrase={project}
        fieldName="confirm"
        maxLength={MAX_LENGTH.orgName}
        onConfirm={(typed) => deleteProjectAction(org, cluster, project, typed)}
      />
    </div>
  );
}
