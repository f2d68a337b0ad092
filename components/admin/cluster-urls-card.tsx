"use client";

import { useState } from "react";
import { setClusterUrlsAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { fieldFrom, useFormAction } from "@/components/ui/use-form-action";
import { FormDialog } from "./form-dialog";

export interface ClusterUrlRow {
  /** The form field's name (lib/compute/cluster-urls.ts CLUSTER_URL_KEYS). */
  key: string;
  label: string;
  /** The key in the apolo CLI's config document, e.g. registry_url. */
  apolo: string;
  /** What the CLI gets: the URL set here, or the default. */
  value: string;
  /** The URL set by a platform admin; null when the default applies. */
  set: string | null;
}

/**
 * The seven service URLs the `apolo` CLI reads for this cluster from GET /api/v1/config. Each is the URL a
 * platform admin set, or a default under the console's URL; Edit sets them (empty: back to the default).
 */
export function ClusterUrlsCard({ cluster, rows }: { cluster: string; rows: ClusterUrlRow[] }) {
  const [open, setOpen] = useState(false);
  const form = useFormAction(setClusterUrlsAction.bind(null, cluster), () => setOpen(false));
  return (
    <Card>
      <CardHeader
        title="Service URLs"
        description={
          <>
            What the <code className="font-mono text-xs">apolo</code> CLI uses for this cluster (its config at{" "}
            <code className="font-mono text-xs">/api/v1/config</code>). Unset URLs point at the console.
          </>
        }
        actions={
          <Button variant="secondary" onClick={() => setOpen(true)} data-testid="edit-cluster-urls">
            Edit URLs
          </Button>
        }
      />
      <dl className="divide-y divide-border" data-testid="cluster-urls">
        {rows.map((r) => (
          <div key={r.key} className="grid gap-1 px-5 py-2.5 sm:grid-cols-[12rem_1fr] sm:gap-4">
            <dt className="text-sm font-medium">
              {r.label} <span className="block font-mono text-xs font-normal text-muted">{r.apolo}</span>
            </dt>
            <dd className="min-w-0 text-sm">
              <span className="block font-mono text-xs break-all" data-testid={`cluster-url-${r.apolo}`}>
                {r.value}
              </span>
              <span className="text-xs text-muted">{r.set ? "Set here" : "Default"}</span>
            </dd>
          </div>
        ))}
      </dl>
      <FormDialog
        open={open}
        onOpenChange={setOpen}
        onClosed={form.clear}
        title={`Service URLs of ${cluster}`}
        description="Absolute http:// or https:// URLs. Leave a field empty to use its default (shown as the placeholder)."
        form={form}
        submitLabel="Save URLs"
        pendingLabel="Saving…"
        testId="cluster-urls-form"
        className="sm:max-w-xl"
      >
        {rows.map((r) => {
          const field = fieldFrom(form.state, r.key);
          return (
            <Field
              key={r.key}
              label={`${r.label} (${r.apolo})`}
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder={r.set ? undefined : r.value}
              {...field}
              defaultValue={field.defaultValue ?? r.set ?? ""}
            />
          );
        })}
      </FormDialog>
    </Card>
  );
}
