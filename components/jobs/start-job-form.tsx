"use client";

import Link from "next/link";
import { useActionState, useEffect, useMemo, useState } from "react";
import { startJobAction, type StartJobState } from "@/app/actions";
import { SubmitButton } from "@/components/ui/button";
import { Field, Label } from "@/components/ui/field";
import { fieldFrom } from "@/components/ui/use-form-action";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { MAX_LENGTH } from "@/lib/core/limits";

export interface ClusterOption {
  name: string;
  presets: { name: string; cpu: string; memoryMb: number; gpu: number; creditsPerHour: string }[];
}

/** A project the member may start jobs in (project role writer or more). */
export interface JobProjectOption {
  name: string;
  displayName: string | null;
  cluster: string;
  isDefault: boolean;
}

const keyOf = (p: { cluster: string; name: string }) => `${p.cluster}/${p.name}`;

/**
 * Name, project, cluster and preset (with its price per hour); refusals show Apolo's exact reason. The project
 * list holds the projects the member may write to, the org's default project preselected (else the first);
 * a project fixes the cluster (it lives on one). "No project" keeps the old behaviour. With `lockProject`
 * (a project's Jobs tab) the one project given is the only choice.
 */
export function StartJobForm({
  org,
  clusters,
  projects = [],
  lockProject = false,
}: {
  org: string;
  clusters: ClusterOption[];
  projects?: JobProjectOption[];
  lockProject?: boolean;
}) {
  const [state, action] = useActionState<StartJobState, FormData>(startJobAction.bind(null, org), {});
  const toast = useToast();
  // A project on a cluster the org has left can't run anything: not offered.
  const choices = useMemo(
    () => projects.filter((p) => clusters.some((c) => c.name === p.cluster)),
    [projects, clusters],
  );
  // The selects are uncontrolled (their defaults are the last submitted values): React resets a form after its
  // action, and a controlled select would then show one project while the form sends another. `projectKey` and
  // `freeCluster` mirror what they show, for the cluster and presets that follow the project.
  const submitted = state.values;
  const preferred = choices.find((p) => p.isDefault) ?? choices[0];
  const projectDefault = submitted
    ? (choices.find((p) => p.name === submitted.project && p.cluster === submitted.cluster) ??
      (lockProject ? preferred : undefined))
    : preferred;
  const projectDefaultKey = projectDefault ? keyOf(projectDefault) : "";
  const clusterDefault = submitted?.cluster || clusters[0]?.name || "";
  const [projectKey, setProjectKey] = useState(projectDefaultKey);
  const project = choices.find((p) => keyOf(p) === projectKey) ?? null;
  const [freeCluster, setCluster] = useState(clusterDefault);
  const cluster = project ? project.cluster : freeCluster;
  const presets = useMemo(() => clusters.find((c) => c.name === cluster)?.presets ?? [], [clusters, cluster]);
  const presetDefault = state.values?.preset || presets[0]?.name;
  // What the preset select shows (reset with it when the cluster changes), for the resources line under it.
  const [presetChoice, setPresetName] = useState<{ cluster: string; name: string } | null>(null);
  const presetShown = presetChoice?.cluster === cluster ? presetChoice.name : presetDefault;
  const preset = presets.find((p) => p.name === presetShown) ?? presets[0];
  const projectErrors = fieldFrom(state, "project").errors;
  useEffect(() => {
    if (state.ok && state.message) toast(state.message);
  }, [state, toast]);
  if (clusters.length === 0 || (lockProject && choices.length === 0)) {
    return (
      <p className="text-sm text-muted">
        {lockProject
          ? "This project's cluster isn't one of the organization's clusters any more: jobs can't start in it."
          : "This organization isn't on any cluster yet. A platform admin adds it to one."}
      </p>
    );
  }
  return (
    <form
      action={action}
      onReset={() => {
        setProjectKey(projectDefaultKey);
        setCluster(clusterDefault);
      }}
      className="grid gap-4 sm:grid-cols-2 sm:items-start lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_minmax(0,1fr)_minmax(0,1.6fr)_auto]"
      noValidate
      data-testid="start-job-form"
    >
      {!state.ok && state.message && (
        <div className="sm:col-span-2 lg:col-span-5">
          <Refusal org={org} message={state.message} next={state.next} />
        </div>
      )}
      <Field
        label="Job name"
        {...fieldFrom(state, "name")}
        maxLength={MAX_LENGTH.jobName}
        placeholder="train-resnet"
        autoComplete="off"
      />
      <div className="space-y-1.5">
        <Label htmlFor="job-project">Project</Label>
        <Select
          id="job-project"
          // React doesn't move a mounted select to a new defaultValue: remount it when the default changes.
          key={`project-default:${projectDefaultKey}`}
          defaultValue={projectDefaultKey}
          disabled={lockProject}
          invalid={Boolean(projectErrors)}
          aria-describedby={projectErrors ? "job-project-error" : undefined}
          onChange={(e) => setProjectKey(e.target.value)}
          data-testid="job-project"
        >
          {!lockProject && <option value="">No project</option>}
          {choices.map((p) => (
            <option key={keyOf(p)} value={keyOf(p)}>
              {p.name}
              {choices.some((o) => o.name === p.name && o.cluster !== p.cluster) ? ` · ${p.cluster}` : ""}
              {p.isDefault ? " · default" : ""}
            </option>
          ))}
        </Select>
        <input type="hidden" name="project" value={project?.name ?? ""} />
        <FieldError id="job-project-error" errors={projectErrors} />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="job-cluster">Cluster</Label>
        <Select
          id="job-cluster"
          // Remounted when the project changes: it shows the project's cluster, or the one chosen freely.
          key={project ? `project:${project.cluster}` : `free:${clusterDefault}`}
          name={project ? undefined : "cluster"}
          defaultValue={cluster}
          disabled={Boolean(project)}
          onChange={(e) => setCluster(e.target.value)}
          aria-describedby={project ? "job-cluster-hint" : undefined}
        >
          {clusters.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </Select>
        {/* A disabled select isn't submitted: the cluster the project lives on goes along hidden. */}
        {project && <input type="hidden" name="cluster" value={cluster} />}
        {project && (
          <p id="job-cluster-hint" className="text-xs text-muted">
            The project&apos;s cluster.
          </p>
        )}
        <FieldError errors={fieldFrom(state, "cluster").errors} />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="job-preset">Preset</Label>
        {/* Name and price in the option (what a closed select can show); the resources under it. */}
        <Select
          id="job-preset"
          name="preset"
          key={cluster}
          defaultValue={presetDefault}
          onChange={(e) => setPresetName({ cluster, name: e.target.value })}
          aria-describedby={preset ? "job-preset-hint" : undefined}
          title={preset ? `${preset.name} · ${preset.creditsPerHour} credits/h` : undefined}
          data-testid="job-preset"
        >
          {presets.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} · {p.creditsPerHour} credits/h
            </option>
          ))}
        </Select>
        {preset && !fieldFrom(state, "preset").errors && (
          <p id="job-preset-hint" className="truncate text-xs text-muted" data-testid="job-preset-hint">
            {preset.cpu} CPU · {Math.round(preset.memoryMb / 1024)} GB{preset.gpu ? ` · ${preset.gpu} GPU` : ""}
          </p>
        )}
        <FieldError errors={fieldFrom(state, "preset").errors} />
      </div>
      <SubmitButton pendingText="Starting…" className="sm:col-span-2 lg:col-span-1 lg:mt-6">
        Start job
      </SubmitButton>
    </form>
  );
}

/** A select's first error message under it (the selects here aren't Fields). */
function FieldError({ id, errors }: { id?: string; errors: string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <p id={id} className="text-xs text-danger" data-testid="field-error">
      {errors[0]}
    </p>
  );
}

/** A refused start: the reason, and the way forward when there is a page for it (Credits, to top up). */
function Refusal({ org, message, next }: { org: string; message: string; next?: "top-up" }) {
  return (
    <div
      role="status"
      className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger"
    >
      <p data-testid="form-message">{message}</p>
      {next === "top-up" && (
        <Link
          href={`/orgs/${encodeURIComponent(org)}/credits`}
          className="font-medium whitespace-nowrap text-fg underline underline-offset-2 hover:no-underline"
          data-testid="refusal-top-up"
        >
          Top up →
        </Link>
      )}
    </div>
  );
}
