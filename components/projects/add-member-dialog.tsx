"use client";

import { useEffect, useId, useState } from "react";
import { addProjectMemberAction, projectCandidatesAction } from "@/app/actions";
import { SelectField } from "@/components/admin/fields";
import { FormDialog } from "@/components/admin/form-dialog";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useFormAction } from "@/components/ui/use-form-action";
import { MAX_LENGTH } from "@/lib/core/limits";
import { PROJECT_ROLE_HINT, PROJECT_ROLE_LABELS, type ProjectKey, type ProjectRole } from "./types";

/** Org members not yet in the project whose username or name starts with what's typed (debounced). */
function useCandidates(key: ProjectKey, q: string, enabled: boolean) {
  const [found, setFound] = useState<{ username: string; name: string | null }[]>([]);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const t = setTimeout(async () => {
      const r = await projectCandidatesAction(key.org, key.cluster, key.project, q.trim());
      if (live && r.ok) setFound(r.data);
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [key.org, key.cluster, key.project, q, enabled]);
  return found;
}

/**
 * "Add member": an org member by username (suggestions come from the org's members not yet in the project),
 * with a role the caller may grant, the project's default role first. The server's refusal (someone outside
 * the org, already a member) shows next to the field.
 */
export function AddProjectMemberDialog({
  projectKey,
  roles,
  defaultRole,
}: {
  projectKey: ProjectKey;
  roles: ProjectRole[];
  defaultRole: ProjectRole;
}) {
  const [open, setOpen] = useState(false);
  const [round, setRound] = useState(0);
  const [username, setUsername] = useState("");
  const listId = useId();
  const form = useFormAction(
    addProjectMemberAction.bind(null, projectKey.org, projectKey.cluster, projectKey.project),
    () => {
      setOpen(false);
      setUsername("");
      setRound((r) => r + 1);
    },
  );
  const { state, errors } = form;
  const candidates = useCandidates(projectKey, username, open);
  const role = state?.values?.role || (roles.includes(defaultRole) ? defaultRole : roles[0]);
  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid="add-project-member-open">
        Add member
      </Button>
      <FormDialog
        open={open}
        onOpenChange={setOpen}
        onClosed={() => {
          form.clear();
          setUsername("");
          setRound((r) => r + 1);
        }}
        title={`Add a member to ${projectKey.project}`}
        description={`Members of ${projectKey.org} can be added; invite others to the organization first.`}
        form={form}
        submitLabel="Add member"
        pendingLabel="Adding…"
        testId="add-project-member-form"
        className="max-h-[calc(100dvh-2rem)] overflow-y-auto"
      >
        <div key={round} className="space-y-4">
          <Field
            label="Username"
            name="username"
            required
            autoFocus
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            maxLength={MAX_LENGTH.username}
            list={listId}
            placeholder="Start typing a username or name"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            errors={errors.username}
            hint={
              candidates.length > 0 || !username.trim()
                ? "Pick one of the organization's members."
                : "No member of the organization not yet in the project matches."
            }
          />
          <datalist id={listId} data-testid="project-member-candidates">
            {candidates.map((c) => (
              <option key={c.username} value={c.username}>
                {c.name ?? c.username}
              </option>
            ))}
          </datalist>
          <SelectField label="Role" name="role" defaultValue={role} errors={errors.role} hint={PROJECT_ROLE_HINT}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {PROJECT_ROLE_LABELS[r]}
                {r === defaultRole ? " (project default)" : ""}
              </option>
            ))}
          </SelectField>
        </div>
      </FormDialog>
    </>
  );
}
