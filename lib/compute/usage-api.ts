/**
 * POST /api/v1/usage: external cluster runners report usage of their jobs. Authenticated by the cluster's
 * bearer token (never a cookie); charging goes through chargeUsage (lib/compute/metering.ts), the one charging function.
 */
import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { jobs } from "@/db/schema";
import { Invalid, Malformed, Unauthenticated, type FieldErrors } from "../core/errors";
import { hasControlCharacters } from "../core/validation";
import { authenticateClusterToken, type RunnerIdentity } from "./runner-auth";
import type { Services } from "../core/services";
import { directMeter, type MeterFn } from "./usage-batcher";

export const MAX_USAGE_RECORDS = 1000;
/** How far ahead of the console's clock a runner's `until` may be (clock skew); later is refused. */
export const USAGE_CLOCK_SKEW_MS = 60_000;

/** What a route passes for a body that isn't JSON (so that the token is still checked first). */
export const INVALID_JSON: unique symbol = Symbol("invalid JSON");

export const recordSchema = z.object({
  job_id: z.uuid("job_id must be a UUID."),
  until: z.iso
    .datetime({
      offset: true,
      message: "until must be an ISO 8601 date-time with a time zone, e.g. 2026-01-01T12:00:00Z.",
    })
    .refine((v) => Number.isFinite(Date.parse(v)), "until is not a valid moment."),
  idempotency_key: z
    .string("idempotency_key must be a string.")
    .min(1, "idempotency_key must not be empty.")
    .max(200, "idempotency_key must be at most 200 characters.")
    .refine((v) => !hasControlCharacters(v, true), "idempotency_key must not contain control characters."),
});

export const bodySchema = z.object(
  {
    records: z
      .array(recordSchema, "records must be an array.")
      .min(1, "Send at least one record.")
      .max(MAX_USAGE_RECORDS, `Send at most ${MAX_USAGE_RECORDS} records per request.`),
  },
  "The body must be a JSON object with a records array.",
);

/** What a runner is told about its report (the route answers it as JSON, 200). */
export interface UsageReportResult {
  charged: number;
  duplicates: number;
  nothing_due: number;
  unknown_jobs: string[];
  stop: string[];
  results: { job_id: string; idempotency_key: string; outcome: string; amount?: string }[];
}

/** The bearer-token refusal (the route adds `WWW-Authenticate: Bearer`). */
const unauthorized = () => new Unauthenticated("Send a valid cluster token: Authorization: Bearer apc_…");

/**
 * One usage report. Order: the token (Unauthenticated), then the body (Malformed when it isn't JSON, Invalid with
 * messages per field path, e.g. `records.3.until`), then one chargeUsage call for the whole batch.
 *
 * - Idempotency keys are namespaced per cluster (`usage:<clusterId>:<key>`): runners choose their keys
 *   freely and can't collide with (or replay) another cluster's.
 * - Only jobs on the token's cluster are charged; any other id is reported in `unknown_jobs`.
 * - `until` is capped at the console's clock: usage is never charged ahead of time (a runner's clock may run
 *   up to USAGE_CLOCK_SKEW_MS fast; beyond that the record is refused).
 * - `stop` lists the jobs the runner must stop: the reported jobs that are stopped in the console (credits
 *   ran out, a member's limit was reached, someone stopped them) and, when a charge exhausted an org, that
 *   org's other jobs on this cluster that were stopped for quota and whose final usage is still outstanding.
 *   Jobs of a closed org are stopped (OrgDeleted) and listed the same way: never in `unknown_jobs`.
 */
export async function handleUsageRequest(
  db: Db,
  authorization: string | null,
  body: unknown,
  svc: Pick<Services, "mailer" | "appUrl">,
  opts: {
    now?: Date;
    meter?: MeterFn;
    /** Checks the bearer token (a UsageBatcher's checks concurrent requests' tokens together). */
    authenticate?: (bearer: string) => Promise<RunnerIdentity | null>;
  } = {},
): Promise<UsageReportResult> {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")?.[1] ?? null;
  if (!bearer) throw unauthorized();
  const cluster = await (opts.authenticate ?? ((b: string) => authenticateClusterToken(db, b)))(bearer);
  if (!cluster) throw unauthorized();

  if (body === INVALID_JSON) throw new Malformed("The body must be JSON.");
  const parsed = bodySchema.safeParse(body);
  const now = opts.now ?? new Date();
  const errors: FieldErrors = parsed.success ? {} : fieldErrorsByPath(parsed.error);
  if (parsed.success) {
    parsed.data.records.forEach((r, i) => {
      if (Date.parse(r.until) > now.getTime() + USAGE_CLOCK_SKEW_MS) {
        (errors[`records.${i}.until`] ??= []).push("until must not be in the future.");
      }
    });
  }
  if (!parsed.success || Object.keys(errors).length > 0) {
    throw new Invalid(errors, "Check the fields.");
  }

  const records = parsed.data.records.map((r) => ({
    jobId: r.job_id,
    until: new Date(Math.min(Date.parse(r.until), now.getTime())),
    idempotencyKey: `usage:${cluster.clusterId}:${r.idempotency_key}`,
  }));
  const metered = await (opts.meter ?? directMeter(db))(cluster, records, svc);

  const count = (outcome: string) => metered.outcomes.filter((o) => o.outcome === outcome).length;
  const unknown = [...new Set(metered.outcomes.filter((o) => o.outcome === "unknown_job").map((o) => o.jobId))];
  const stop = new Set(metered.stop);
  if (stop.size > 0) {
    for (const id of await outstandingStops(db, cluster.clusterId, [...stop])) stop.add(id);
  }
  return {
    charged: count("charged"),
    duplicates: count("duplicate"),
    nothing_due: count("nothing_due"),
    unknown_jobs: unknown,
    stop: [...stop],
    results: metered.outcomes.map((o, i) => ({
      job_id: o.jobId,
      idempotency_key: parsed.data.records[i]!.idempotency_key,
      outcome: o.outcome,
      ...(o.amount !== undefined ? { amount: o.amount } : {}),
    })),
  };
}

/**
 * The other jobs on this cluster, of the orgs of the given stopped jobs, that were stopped for quota or because
 * their org was closed (OrgDeleted) and are not yet charged up to their stop (the runner hasn't reported them
 * since).
 */
const ORG_WIDE_STOPS = ["QuotaExhausted", "OrgDeleted"];

async function outstandingStops(db: Db, clusterId: string, stoppedIds: string[]): Promise<string[]> {
  const rows = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.clusterId, clusterId),
        eq(jobs.status, "stopped"),
        inArray(jobs.stopReason, ORG_WIDE_STOPS),
        or(isNull(jobs.chargedUntil), lt(jobs.chargedUntil, jobs.stoppedAt)),
        inArray(
          jobs.orgId,
          db
            .select({ orgId: jobs.orgId })
            .from(jobs)
            .where(and(inArray(jobs.id, stoppedIds), inArray(jobs.stopReason, ORG_WIDE_STOPS))),
        ),
      ),
    )
    .limit(10_000);
  return rows.map((r) => r.id);
}

/** Messages per full field path (`records.3.until`), so a runner can tell which record is wrong. */
function fieldErrorsByPath(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : "_body";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** A request's body as text, or null when it is larger than `maxBytes` (stops reading there). */
export async function readBodyText(req: Request, maxBytes: number): Promise<string | null> {
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes) return null;
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
