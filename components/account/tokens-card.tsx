"use client";

import Link from "next/link";
import { useState } from "react";
import { createTokenAction, revokeTokenAction } from "@/app/actions";
import { Badge } from "@/components/admin/badge";
import { FormDialog } from "@/components/admin/form-dialog";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { CopyButton } from "@/components/ui/copy-button";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Field, FieldFrame } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { fieldFrom, useFormAction } from "@/components/ui/use-form-action";

/** A token as the page hands it over: dates as ISO strings, never the secret or its hash. */
export interface TokenRow {
  id: string;
  name: string;
  hint: string;
  scope: "read" | "write";
  org: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  state: "active" | "expired" | "revoked";
}

const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const day = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const fmt = (iso: string) => `${when.format(new Date(iso))} UTC`;

const SCOPES = [
  { value: "read", label: "Read only", hint: "Lists and reads; every change is refused." },
  { value: "write", label: "Read and write", hint: "Everything you can do in the console, nothing more." },
] as const;

const scopeLabel = (scope: TokenRow["scope"]) => (scope === "read" ? "Read only" : "Read and write");

/**
 * Account → Tokens: personal access tokens for the REST API and the apolo CLI. Created here (shown once),
 * listed with their state, revoked with a confirmation.
 */
export function TokensCard({
  tokens,
  orgs,
  expiries,
  max,
  apiUrl,
}: {
  tokens: TokenRow[];
  /** The person's orgs a token may be restricted to. */
  orgs: { name: string; displayName: string | null }[];
  expiries: { value: string; label: string }[];
  max: number;
  /** The console's API base URL (its configured public URL + /api/v1), for the CLI login line. */
  apiUrl: string;
}) {
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<TokenRow | null>(null);
  const active = tokens.filter((t) => t.state === "active").length;
  return (
    <Card>
      <CardHeader
        title="Personal access tokens"
        description={
          <>
            A token lets the <code className="font-mono text-xs">apolo</code> CLI or a script use the API as you.
          </>
        }
        actions={
          <Button onClick={() => setCreating(true)} data-testid="create-token-open">
            Create token
          </Button>
        }
      />
      {tokens.length === 0 ? (
        <div className="px-5 py-10 text-center text-sm" data-testid="tokens-empty">
          <p className="font-medium">No tokens yet</p>
          <p className="mx-auto mt-1 max-w-sm text-muted">
            Create one for each machine or script, so each can be revoked on its own.
          </p>
        </div>
      ) : (
        <ul className="divide-y divide-border" data-testid="tokens-list">
          {tokens.map((t) => (
            <TokenItem key={t.id} token={t} onRevoke={() => setRevoking(t)} />
          ))}
        </ul>
      )}
      <p
        className="flex flex-wrap gap-x-1 border-t border-border px-5 py-3 text-xs text-muted"
        data-testid="tokens-count"
      >
        <span>
          {active} of {max} active tokens. A token never has more than your permissions.
        </span>
        <Link href="/docs/api" className="text-accent hover:underline">
          API reference
        </Link>
      </p>
      {creating && (
        <CreateTokenDialog orgs={orgs} expiries={expiries} apiUrl={apiUrl} onClose={() => setCreating(false)} />
      )}
      <ActionDialog
        open={revoking !== null}
        onOpenChange={(o) => !o && setRevoking(null)}
        title={revoking ? `Revoke token ${revoking.name}?` : "Revoke token?"}
        description="Anything using it is refused from its next request on. This can't be undone: create a new token instead."
        confirmLabel="Revoke token"
        pendingLabel="Revoking…"
        danger
        testId="revoke-token-dialog"
        onConfirm={() => (revoking ? revokeTokenAction(revoking.id) : Promise.resolve({ ok: true as const }))}
      />
    </Card>
  );
}

function StateBadge({ token }: { token: TokenRow }) {
  if (token.state === "active") return <Badge tone="success">Active</Badge>;
  if (token.state === "expired") return <Badge tone="muted">Expired</Badge>;
  return <Badge tone="danger">Revoked</Badge>;
}

function TokenItem({ token: t, onRevoke }: { token: TokenRow; onRevoke: () => void }) {
  const dead = t.state !== "active";
  return (
    <li className="space-y-3 px-5 py-4" data-testid="token-row" data-state={t.state}>
      <div className="flex flex-wrap items-start gap-3">
        <div className="min-w-0 flex-1">
          <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
            <span className={cn("break-all", dead && "text-muted")}>{t.name}</span>
            <StateBadge token={t} />
          </p>
          <code className="mt-0.5 block font-mono text-xs break-all text-muted" data-testid="token-hint">
            {t.hint}
          </code>
        </div>
        {t.state === "active" && (
          <Button size="sm" variant="secondary" aria-label={`Revoke token ${t.name}`} onClick={onRevoke}>
            Revoke
          </Button>
        )}
      </div>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-xs sm:grid-cols-5">
        <Fact label="Organization">
          {t.org ? <span className="break-all">{t.org}</span> : <span className="text-muted">All your orgs</span>}
        </Fact>
        <Fact label="Scope">{scopeLabel(t.scope)}</Fact>
        <Fact label="Created">
          <time dateTime={t.createdAt} title={fmt(t.createdAt)}>
            {day.format(new Date(t.createdAt))}
          </time>
        </Fact>
        <Fact label="Last used">{t.lastUsedAt ? fmt(t.lastUsedAt) : <span className="text-muted">Never</span>}</Fact>
        <Fact label={t.state === "revoked" ? "Revoked" : t.state === "expired" ? "Expired" : "Expires"}>
          {t.state === "revoked" && t.revokedAt ? (
            fmt(t.revokedAt)
          ) : t.expiresAt ? (
            day.format(new Date(t.expiresAt))
          ) : (
            <span className="text-muted">Never</span>
          )}
        </Fact>
      </dl>
    </li>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-muted">{label}</dt>
      <dd className="mt-0.5">{children}</dd>
    </div>
  );
}

/** The form, then the new token shown once with a copy button; closing the second dialog forgets it. */
function CreateTokenDialog({
  orgs,
  expiries,
  apiUrl,
  onClose,
}: {
  orgs: { name: string; displayName: string | null }[];
  expiries: { value: string; label: string }[];
  apiUrl: string;
  onClose: () => void;
}) {
  const [created, setCreated] = useState<{ token: string; cliToken: string } | null>(null);
  const { state, errors, pending, onSubmit } = useFormAction(createTokenAction, (r) =>
    setCreated(r.token && r.cliToken ? { token: r.token, cliToken: r.cliToken } : null),
  );
  const [scope, setScope] = useState<string>(state?.values?.scope || "read");
  if (created) return <NewTokenDialog {...created} apiUrl={apiUrl} onClose={onClose} />;
  return (
    <FormDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title="Create a token"
      description="Name it after the machine or script that will use it, so you know which one to revoke."
      form={{ state, pending, onSubmit }}
      submitLabel="Create token"
      pendingLabel="Creating…"
      testId="create-token-form"
      className="max-w-lg"
    >
      <Field
        label="Name"
        required
        autoFocus
        autoComplete="off"
        maxLength={64}
        placeholder="laptop-cli"
        {...fieldFrom(state, "name")}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <FieldFrame label="Expires after" name="expiresIn" errors={errors.expiresIn}>
          {({ id, invalid, describedBy }) => (
            <Select
              id={id}
              name="expiresIn"
              invalid={invalid}
              aria-describedby={describedBy}
              defaultValue={state?.values?.expiresIn || "30"}
            >
              {expiries.map((e) => (
                <option key={e.value} value={e.value}>
                  {e.label}
                </option>
              ))}
            </Select>
          )}
        </FieldFrame>
        <FieldFrame
          label="Organization"
          name="org"
          errors={errors.org}
          hint={orgs.length === 0 ? "You belong to no organization yet." : undefined}
        >
          {({ id, invalid, describedBy }) => (
            <Select
              id={id}
              name="org"
              invalid={invalid}
              aria-describedby={describedBy}
              defaultValue={state?.values?.org ?? ""}
            >
              <option value="">All my organizations</option>
              {orgs.map((o) => (
                <option key={o.name} value={o.name}>
                  {o.displayName && o.displayName !== o.name ? `${o.displayName} (${o.name})` : o.name}
                </option>
              ))}
            </Select>
          )}
        </FieldFrame>
      </div>
      <fieldset className="space-y-1.5">
        <legend className="text-sm font-medium">Scope</legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {SCOPES.map((s) => (
            <label
              key={s.value}
              className={cn(
                "flex cursor-pointer items-start gap-2.5 rounded-md border px-3 py-2.5 text-sm",
                scope === s.value ? "border-accent bg-accent-soft" : "border-border-strong hover:bg-hover",
              )}
            >
              <input
                type="radio"
                name="scope"
                value={s.value}
                checked={scope === s.value}
                onChange={() => setScope(s.value)}
                className="mt-0.5 accent-accent"
              />
              <span>
                <span className="block font-medium">{s.label}</span>
                <span className="block text-xs text-muted">{s.hint}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.scope && (
          <p className="text-xs text-danger" data-testid="error-scope">
            {errors.scope.join(" ")}
          </p>
        )}
      </fieldset>
    </FormDialog>
  );
}

function NewTokenDialog({
  token,
  cliToken,
  apiUrl,
  onClose,
}: {
  token: string;
  cliToken: string;
  apiUrl: string;
  onClose: () => void;
}) {
  const login = `apolo config login-with-token ${cliToken} ${apiUrl}`;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent
        title="Copy your new token"
        modal="strict"
        description="Use it as a bearer token: Authorization: Bearer <token>."
        className="max-w-lg"
      >
        <div className="space-y-4" data-testid="token-created">
          <p role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger">
            You won&apos;t see it again: only a hash of it is stored. If you lose it, revoke it and create a new one.
          </p>
          <div className="flex items-start gap-2">
            <code
              className="min-w-0 flex-1 rounded bg-subtle px-2 py-1.5 font-mono text-xs break-all select-all"
              data-testid="new-token"
            >
              {token}
            </code>
            <CopyButton value={token} label="Copy token" />
          </div>
          <div className="space-y-1.5 text-sm">
            <p className="text-muted">
              To log the apolo CLI in with it (the same token in the form the CLI reads your username from):
            </p>
            <div className="flex items-start gap-2">
              <code
                className="max-h-24 min-w-0 flex-1 overflow-y-auto rounded bg-subtle px-2 py-1.5 font-mono text-xs break-all"
                data-testid="cli-login-command"
              >
                {login}
              </code>
              <CopyButton value={login} label="Copy command" />
            </div>
          </div>
          <div className="flex justify-end">
            <Button onClick={onClose} data-testid="token-done">
              Done
            </Button>
          </div>
        </div>
      </DialogContent>
    </Dialog>
  );
}
