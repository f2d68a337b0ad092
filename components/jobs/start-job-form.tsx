"use client";

import { useActionState, useEffect, useMemo, useState } from "react";
import { startJobAction } from "@/app/actions";
import { SubmitButton } from "@/components/ui/button";
import { Field, FormMessage, Label } from "@/components/ui/field";
import { fieldFrom } from "@/components/ui/use-form-action";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { MAX_LENGTH } from "@/lib/core/limits";

export interface ClusterOption {
  name: string;
  presets: { name: string; cpu: string; memoryMb: number; gpu: number; creditsPerHour: string }[];
}

/** Name, cluster and preset (with its price per hour); refusals show Apolo's exact reason. */
export function StartJobForm({ org, clusters }: { org: string; clusters: ClusterOption[] }) {
  const [state, action] = useActionState(startJobAction.bind(null, org), {});
  const toast = useToast();
  const [cluster, setCluster] = useState(state.values?.cluster || clusters[0]?.name || "");
  const presets = useMemo(() => clusters.find((c) => c.name === cluster)?.presets ?? [], [clusters, cluster]);
  useEffect(() => {
    if (state.ok && state.message) toast(state.message);
  }, [state, toast]);
  if (clusters.length === 0) {
    return (
      <p className="text-sm text-muted">
        This organization isn&apos;t on any cluster yet. A platform admin adds it to one.
      </p>
    );
  }
  return (
    <form
      action={action}
      className="grid gap-4 sm:grid-cols-[1fr_1fr_1.4fr_auto] sm:items-end"
      noValidate
      data-testid="start-job-form"
    >
      <div className="sm:col-span-4">
        <FormMessage message={state.ok ? undefined : state.message} />
      </div>
      <Field
        label="Job name"
        {...fieldFrom(state, "name")}
        maxLength={MAX_LENGTH.jobName}
        placeholder="train-resnet"
        autoComplete="off"
      />
      <div className="space-y-1.5">
        <Label htmlFor="job-cluster">Cluster</Label>
        <Select id="job-cluster" name="cluster" value={cluster} onChange={(e) => setCluster(e.target.value)}>
          {clusters.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </Select>
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="job-preset">Preset</Label>
        <Select id="job-preset" name="preset" key={cluster} defaultValue={state.values?.preset || presets[0]?.name}>
          {presets.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} · {p.cpu} CPU · {Math.round(p.memoryMb / 1024)} GB{p.gpu ? ` · ${p.gpu} GPU` : ""} ·{" "}
              {p.creditsPerHour} credits/h
            </option>
          ))}
        </Select>
      </div>
      <SubmitButton pendingText="Starting…">Start job</SubmitButton>
    </form>
  );
}
