"use client";

import { useState } from "react";
import { deleteAccountAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { TypeToConfirmDialog } from "@/components/ui/type-to-confirm-dialog";
import { ACCOUNT_LIMITS } from "@/lib/accounts/account-limits";

/**
 * Deletes the account after the username is typed. The server refuses while the person is the last admin of
 * an org (`soleAdminOf` says so beforehand); on success it signs out and lands on the sign-in page.
 */
export function DeleteAccountSection({ username, soleAdminOf }: { username: string; soleAdminOf: string[] }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="flex flex-wrap items-start justify-between gap-3 px-5 py-4">
      <div className="min-w-0 flex-1 basis-64">
        <h3 className="text-sm font-medium">Delete account</h3>
        <p className="text-sm text-muted">
          Removes your account, your memberships, your sessions and the invitations sent to you. Credit history stays
          with each organization. This can&apos;t be undone.
        </p>
        {soleAdminOf.length > 0 && (
          <p data-testid="sole-admin-note" className="mt-2 text-sm text-danger">
            You are the last admin of {soleAdminOf.join(", ")}. Make another member an admin or delete{" "}
            {soleAdminOf.length === 1 ? "that organization" : "those organizations"} first.
          </p>
        )}
      </div>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete account
      </Button>
      <TypeToConfirmDialog
        open={open}
        onOpenChange={setOpen}
        title="Delete your account?"
        description={`You will be signed out everywhere and ${username} can't be used to sign in again.`}
        confirmLabel="Delete my account"
        pendingLabel="Deleting…"
        testId="delete-account-dialog"
        phrase={username}
        fieldName="confirmUsername"
        maxLength={ACCOUNT_LIMITS.confirmUsername}
        trim
        onConfirm={async (typed) => {
          const r = await deleteAccountAction(typed);
          return r.ok ? { ok: true } : { ok: false, message: r.message };
        }}
      />
    </div>
  );
}
