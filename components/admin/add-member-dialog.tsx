"use client";

import { addOrgMemberAction } from "@/app/actions";
import { Field } from "@/components/ui/field";
import { SelectField } from "./fields";
import { FormDialog } from "./form-dialog";
import { useFormAction } from "@/components/ui/use-form-action";

/**
 * A platform admin adds an account to an org at once (no invitation to accept): username and role. The
 * server refuses anyone else and says when the username is unknown or already a member.
 */
export function AddMemberDialog({ org, onClose }: { org: string; onClose: () => void }) {
  const { state, errors, pending, onSubmit } = useFormAction(addOrgMemberAction.bind(null, org), onClose);
  return (
    <FormDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={`Add a member to ${org}`}
      description="As a platform admin you add them at once, without an invitation to accept. The organization's audit log records it, and they get an email when their account has an address."
      form={{ state, pending, onSubmit }}
      submitLabel="Add member"
      pendingLabel="Adding…"
      testId="admin-add-member-form"
    >
      <Field
        label="Username"
        name="username"
        required
        autoFocus
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        placeholder="alice"
        defaultValue={state?.values?.username}
        errors={errors.username ?? errors.org}
      />
      <SelectField label="Role" name="role" defaultValue={state?.values?.role ?? "user"} errors={errors.role}>
        <option value="user">User</option>
        <option value="manager">Manager</option>
        <option value="admin">Admin</option>
      </SelectField>
    </FormDialog>
  );
}
