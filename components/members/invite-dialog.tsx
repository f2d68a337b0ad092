"use client";

import { useActionState } from "react";
import { inviteAction, type InviteState } from "@/app/actions";
import { Button, SubmitButton } from "@/components/ui/button";
import { CopyableLink } from "@/components/ui/copy-button";
import { cn } from "@/components/ui/cn";
import { TriggeredDialog } from "@/components/ui/dialog";
import { useParamDialog } from "@/components/ui/use-url-state";
import { FormMessage, Label } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { ROLE_LABELS, type Role } from "./types";

const OUTCOME_STYLE: Record<string, string> = {
  invited: "text-success",
  already_member: "text-muted",
  already_invited: "text-muted",
  not_found: "text-danger",
  invalid: "text-danger",
};

type InviteResult = NonNullable<InviteState["results"]>[number];

/** Failures first (they need the inviter's attention), then the ones already taken care of, then the invited. */
const OUTCOME_ORDER: Record<string, number> = {
  invalid: 0,
  not_found: 0,
  already_invited: 1,
  already_member: 1,
  invited: 2,
};

/** "45 invited · 1 already a member · 2 need attention": the counts that aren't zero, each in its tone. */
function inviteSummary(results: InviteResult[]): { text: string; tone: string }[] {
  const count = (...outcomes: string[]) => results.filter((r) => outcomes.includes(r.outcome)).length;
  const invited = count("invited");
  const members = count("already_member");
  const pending = count("already_invited");
  const failed = count("invalid", "not_found");
  const parts = [
    { n: invited, text: `${invited} invited`, tone: "text-success" },
    { n: members, text: `${members} already ${members === 1 ? "a member" : "members"}`, tone: "text-muted" },
    { n: pending, text: `${pending} already invited`, tone: "text-muted" },
    { n: failed, text: `${failed} ${failed === 1 ? "needs" : "need"} attention`, tone: "text-danger" },
  ];
  return parts.filter((p) => p.n > 0);
}

/**
 * "Invite members": usernames (an invitation they accept in the console) or emails (an invitation link), one
 * role for all. Nobody joins before accepting.
 */
export function InviteDialog({ org, roles, mailDelivered }: { org: string; roles: Role[]; mailDelivered: boolean }) {
  // The overview checklist links here with ?invite=1 (issue 14): the dialog opens at once.
  // Closing it drops the param, so a reload doesn't open it again.
  const [open, setOpen] = useParamDialog("invite");
  const [state, action] = useActionState<InviteState, FormData>(inviteAction.bind(null, org), {});
  const results = [...(state.results ?? [])].sort((a, b) => OUTCOME_ORDER[a.outcome]! - OUTCOME_ORDER[b.outcome]!);
  return (
    <TriggeredDialog
      open={open}
      onOpenChange={setOpen}
      trigger={<Button data-testid="invite-open">Invite members</Button>}
      title={`Invite members to ${org}`}
      description="People with an account get the invitation in the console (and by mail); email addresses get a link. They join when they accept, within 7 days."
      className="max-w-lg"
    >
      <form action={action} className="space-y-4" data-testid="invite-form">
        <FormMessage message={state.message} />
        <div className="space-y-1.5">
          <Label htmlFor="invite-entries">Usernames or emails</Label>
          <textarea
            id="invite-entries"
            name="entries"
            rows={3}
            placeholder="alice, bob@example.com"
            defaultValue={state.values?.entries}
            aria-invalid={Boolean(state.fieldErrors?.entries) || undefined}
            aria-describedby={state.fieldErrors?.entries ? "invite-entries-error" : "invite-entries-hint"}
            className={cn(
              "block w-full rounded-md border bg-canvas px-3 py-2 text-sm focus:ring-2 focus:ring-accent/40 focus:outline-none",
              state.fieldErrors?.entries ? "border-danger" : "border-border-strong focus:border-accent",
            )}
          />
          {state.fieldErrors?.entries ? (
            <p id="invite-entries-error" className="text-xs text-danger" data-testid="error-entries">
              {state.fieldErrors.entries.join(" ")}
            </p>
          ) : (
            <p id="invite-entries-hint" className="text-xs text-muted">
              Separate with commas or new lines; up to 50 at a time.
            </p>
          )}
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="invite-role">Role</Label>
          <Select id="invite-role" name="role" defaultValue={state.values?.role ?? "user"} key={state.values?.role}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </Select>
          {state.fieldErrors?.role && <p className="text-xs text-danger">{state.fieldErrors.role.join(" ")}</p>}
        </div>

        {results.length > 0 && (
          <p role="status" className="text-sm font-medium" data-testid="invite-summary">
            {inviteSummary(results).map((p, i) => (
              <span key={p.text} className={p.tone}>
                {i > 0 && <span className="text-muted"> · </span>}
                {p.text}
              </span>
            ))}
          </p>
        )}
        {results.length > 0 && (
          <ul
            className="max-h-56 space-y-2 overflow-y-auto rounded-md border border-border bg-surface p-3 text-sm"
            data-testid="invite-results"
            aria-label="Invitation results"
          >
            {results.map((r) => (
              <li key={r.entry} className="space-y-1">
                <p className={OUTCOME_STYLE[r.outcome]}>{r.message}</p>
                {r.link && <CopyableLink link={r.link} testId="invite-link" compact />}
              </li>
            ))}
            {!mailDelivered && results.some((r) => r.link) && (
              <li className="text-xs text-muted">No mail server is configured: pass these links on yourself.</li>
            )}
            {(state.mailFailed ?? 0) > 0 && (
              <li className="text-xs text-danger">Some emails could not be sent: copy the links instead.</li>
            )}
          </ul>
        )}

        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setOpen(false)}>
            {results.length > 0 ? "Done" : "Cancel"}
          </Button>
          <SubmitButton pendingText="Sending…">Send invites</SubmitButton>
        </div>
      </form>
    </TriggeredDialog>
  );
}
