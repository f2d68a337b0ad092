import { z } from "zod";
import { JOB_CURSOR_LIMITS, listJobsByCursor, startJob, stopJob } from "@/lib/compute";
import { NotFound } from "@/lib/core";
import { runnerSettings } from "../../runner";
import { defineEndpoint } from "../endpoint";
import { cursorQuery, decimal, iso, isoDate, nextCursor, orgParam, orgParams } from "./console-shared";

/** The console's own API: an org's jobs (list, start, stop), through the lib calls the Jobs page makes. */

const jobStatus = z.enum(["running", "stopped"]);

export const jobsQuery = z.object({
  scope: z
    .enum(["mine", "all"])
    .optional()
    .describe(
      "mine (default): the caller's jobs; all: everyone's (managers, admins; or a project's members with project).",
    ),
  project: z.string().max(130).optional().describe('"<cluster>/<project>", or "none" (jobs without a project).'),
  status: z.enum(["running", "stopped", "any"]).optional(),
  ...cursorQuery(JOB_CURSOR_LIMITS.default, JOB_CURSOR_LIMITS.max),
});

const jobRow = z.object({
  id: z.uuid(),
  name: z.string(),
  owner: z.string(),
  mine: z.boolean().describe("The caller's own job (they may stop it)."),
  cluster: z.string(),
  preset: z.string(),
  status: jobStatus,
  stop_reason: z.string().nullable(),
  stopped_by: z
    .string()
    .nullable()
    .describe("Username of who stopped it (UserStopped); null for automatic stops or a deleted account."),
  credits_per_hour: decimal,
  credits_charged: decimal,
  started_at: isoDate,
  stopped_at: isoDate.nullable(),
  runtime_seconds: z.number(),
  project: z.object({ name: z.string(), cluster: z.string() }).nullable(),
});

export const jobsResponse = z.object({
  jobs: z.array(jobRow),
  next_cursor: nextCursor,
  scope: z.enum(["mine", "all"]).describe("The scope answered (all only when the caller may see everyone's)."),
});

/** GET /api/v1/orgs/{org}/jobs: the caller's jobs (or everyone's), newest first. */
export const listOrgJobs = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs/{org}/jobs",
    tag: "Jobs",
    summary:
      "An org's jobs, newest first, cursor-paged: the caller's, or everyone's with scope=all (managers and admins).",
    params: orgParams,
    query: jobsQuery,
    response: jobsResponse,
  },
  async ({ db, caller, params, query }) => {
    const r = await listJobsByCursor(db, caller, params.org, query);
    return {
      jobs: r.rows.map((j) => ({
        id: j.id,
        name: j.name,
        owner: j.owner,
        mine: j.mine,
        cluster: j.cluster,
        preset: j.preset,
        status: j.status,
        stop_reason: j.stopReason,
        stopped_by: j.stoppedBy,
        credits_per_hour: j.creditsPerHour,
        credits_charged: j.creditsCharged,
        started_at: iso(j.startedAt),
        stopped_at: iso(j.stoppedAt),
        runtime_seconds: Math.max(0, Math.round(j.runtimeSeconds)),
        project: j.project,
      })),
      next_cursor: r.nextCursor,
      scope: r.scope,
    } satisfies z.input<typeof jobsResponse>;
  },
);

export const startJobBody = z.object({
  name: z.string().max(100).describe("Lowercase letters, digits and inner hyphens."),
  cluster: z.string().max(100),
  preset: z.string().max(100).describe("A preset of the cluster (its price per hour applies)."),
  project: z.string().max(100).optional().describe("A project on the cluster (writer or more); absent: no project."),
});

export const startedJobResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  cluster: z.string(),
  preset: z.string(),
  project: z.string().nullable(),
  status: jobStatus,
  credits_per_hour: decimal,
  started_at: isoDate,
});

/** POST /api/v1/orgs/{org}/jobs: starts a job (the quota and credit checks of the Jobs page). */
export const startOrgJob = defineEndpoint(
  {
    family: "console",
    method: "POST",
    path: "/api/v1/orgs/{org}/jobs",
    tag: "Jobs",
    summary: "Start a job on one of the org's clusters, optionally in a project.",
    description:
      "Refused (409 quota_exceeded) over a running-jobs quota or without credits, with Apolo's messages. Send an Idempotency-Key to retry safely.",
    params: orgParams,
    body: startJobBody,
    response: startedJobResponse,
    status: 201,
    idempotent: true,
  },
  async ({ db, caller, params, body, services }) => {
    const job = await startJob(db, caller, params.org, body, await services());
    return {
      id: job.id,
      name: job.name,
      cluster: body.cluster.trim(),
      preset: job.presetName,
      project: body.project?.trim() || null,
      status: job.status,
      credits_per_hour: job.creditsPerHour,
      started_at: iso(job.startedAt),
    } satisfies z.input<typeof startedJobResponse>;
  },
);

export const stopJobResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  stopped: z.boolean().describe("false: the job had stopped already (nothing changed)."),
});

/** POST /api/v1/orgs/{org}/jobs/{id}/stop: stops a job (its owner, or a manager/admin). */
export const stopOrgJob = defineEndpoint(
  {
    family: "console",
    method: "POST",
    path: "/api/v1/orgs/{org}/jobs/{id}/stop",
    tag: "Jobs",
    summary:
      "Stop a job: the caller's own, or anyone's for managers and admins. Stopping a stopped job changes nothing.",
    params: z.object({ org: orgParam, id: z.string().max(64).describe("The job's id.") }),
    response: stopJobResponse,
  },
  async ({ db, caller, params, services }) => {
    // With the embedded runner on, the job is charged up to its stop at once (as the Jobs page does).
    if (!z.uuid().safeParse(params.id).success) throw new NotFound("Job not found");
    const settle = runnerSettings().enabled ? await services() : undefined;
    const r = await stopJob(db, caller, params.org, { id: params.id }, { settle });
    return r satisfies z.input<typeof stopJobResponse>;
  },
);
