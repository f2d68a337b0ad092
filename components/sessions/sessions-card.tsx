"use client";

import { useState } from "react";
import { revokeOtherSessionsAction, revokeSessionAction } from "@/app/actions";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";

export interface SessionRow {
  id: string;
  device: string;
  ipAddress: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const fmt = (iso: string) => `${when.format(new Date(iso))} UTC`;

/** Account → Sessions: every browser signed in to the account, with sign-out per row and for all the others. */
export function SessionsCard({ sessions }: { sessions: SessionRow[] }) {
  const [confirm, setConfirm] = useState<SessionRow | "others" | null>(null);
  const others = sessions.filter((s) => !s.current).length;
  return (
    <Card>
      <CardHeader
        title="Sessions"
        description="Browsers signed in to your account. Signing one out ends its session at once."
        actions={
          others > 0 ? (
            <Button size="sm" variant="secondary" onClick={() => setConfirm("others")} data-testid="sign-out-others">
              Sign out everywhere else
            </Button>
          ) : undefined
        }
      />
      <ul className="divide-y divide-border" data-testid="sessions-list">
        {sessions.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center gap-3 px-5 py-3" data-testid="session-row">
            <div className="min-w-0 flex-1">
              <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
                {s.device}
                {s.current && (
                  <span className="rounded-full bg-accent-soft px-2 py-0.5 text-xs font-medium text-accent">
                    This device
                  </span>
                )}
              </p>
              <p className="mt-0.5 text-xs text-muted">
                Signed in {fmt(s.createdAt)} · last seen {fmt(s.lastSeenAt)}
                {s.ipAddress && <> · {s.ipAddress}</>}
              </p>
            </div>
            {!s.current && (
              <Button size="sm" variant="secondary" onClick={() => setConfirm(s)} aria-label={`Sign out ${s.device}`}>
                Sign out
              </Button>
            )}
          </li>
        ))}
      </ul>
      <ActionDialog
        open={confirm !== null}
        onOpenChange={(o) => !o && setConfirm(null)}
        title={confirm === "others" ? "Sign out everywhere else?" : "Sign out this browser?"}
        description={
          confirm === "others"
            ? `${others} other ${others === 1 ? "browser" : "browsers"} will have to sign in again. This one stays signed in.`
            : confirm
              ? `${confirm.device}, last seen ${fmt(confirm.lastSeenAt)}, will have to sign in again.`
              : undefined
        }
        confirmLabel="Sign out"
        pendingLabel="Signing out…"
        danger
        testId="confirm-sign-out"
        onConfirm={() =>
          confirm === "others"
            ? revokeOtherSessionsAction()
            : confirm
              ? revokeSessionAction(confirm.id)
              : Promise.resolve({ ok: true as const })
        }
      />
    </Card>
  );
}
