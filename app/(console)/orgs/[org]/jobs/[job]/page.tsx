import { currentCaller, loadPage } from "@/app/_server/session";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { getDb } from "@/db";
import { getJob, JOB_USAGE_LIMIT } from "@/lib/compute";
import { jobStatusText } from "@/lib/compute/job-status";
import { formatCredits, formatCreditsFine } from "@/lib/core";
import { formatRuntime } from "@/lib/core/runtime";
import { hourSpan } from "@/lib/billing/ledger-kinds";
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";

interface JobPageProps {
  params: Promise<{ org: string; job: string }>;
}

export const metadata: Metadata = { title: "Job" };

const timeFormat = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
  hourCycle: "h23",
});
const dayFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const clockFormat = new Intl.DateTimeFormat("en", { timeStyle: "medium", timeZone: "UTC", hourCycle: "h23" });

function Time({ value }: { value: Date | null }) {
  if (!value) return <span className="text-muted">—</span>;
  return (
    <time dateTime={value.toISOString()} className="sm:whitespace-nowrap">
      {timeFormat.format(value)}
    </time>
  );
}

/**
 * A job's detail page (linked from the jobs list and from its ledger rows): what it is, who started it, how long
 * it ran and what it cost, and its charges over time — per UTC hour (its ledger rows) and each usage record.
 */
export default async function JobPage({ params }: JobPageProps) {
  const { org, job: jobId } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  const { job, usage, hours } = await loadPage(() => getJob(db, actor, { org, job: jobId }));
  const running = job.status === "running";
  const maxHour = hours.reduce((m, h) => Math.max(m, Number(h.amount)), 0);
  const facts: { label: string; value: ReactNode; testId: string }[] = [
    { label: "Preset", value: job.preset, testId: "job-preset" },
    { label: "Cluster", value: job.cluster, testId: "job-cluster" },
    {
      label: "Project",
      value: job.project ? (
        <Link
          className="hover:underline"
          href={`/orgs/${org}/projects/${encodeURIComponent(job.project.cluster)}/${encodeURIComponent(job.project.name)}/jobs`}
        >
          {job.project.name}
        </Link>
      ) : (
        <span className="text-muted italic">no project</span>
      ),
      testId: "job-project",
    },
    { label: "Started by", value: job.owner, testId: "job-owner" },
    { label: "Started (UTC)", value: <Time value={job.startedAt} />, testId: "job-started" },
    { label: "Stopped (UTC)", value: <Time value={job.stoppedAt} />, testId: "job-stopped" },
    { label: "Runtime", value: formatRuntime(job.runtimeSeconds), testId: "job-runtime" },
    { label: "Credits / hour", value: formatCredits(job.creditsPerHour), testId: "job-rate" },
    { label: "Total charged", value: formatCreditsFine(job.creditsCharged), testId: "job-total" },
  ];
  return (
    <div className="space-y-6">
      <div className="space-y-1">
        <nav aria-label="Breadcrumb" className="text-sm text-muted">
          <Link href={`/orgs/${org}/jobs`} className="hover:text-fg hover:underline">
            Jobs
          </Link>
          <span aria-hidden className="px-1.5">
            /
          </span>
          <span aria-current="page">{job.name}</span>
        </nav>
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="text-2xl font-semibold tracking-tight break-all" data-testid="job-title">
            {job.name}
          </h1>
          <span
            className="inline-flex items-center gap-1.5 rounded-full border border-border px-2 py-0.5 text-xs font-medium whitespace-nowrap"
            data-testid="job-status"
          >
            <span aria-hidden className={running ? "size-2 rounded-full bg-success" : "size-2 rounded-full bg-muted"} />
            {jobStatusText({ status: job.status, stopReason: job.stopReason, stoppedBy: job.stoppedBy })}
          </span>
        </div>
        <p className="text-sm text-muted">
          Charged up to <Time value={job.chargedUntil} /> UTC. Credits are runtime × the preset&apos;s credits per hour;
          the ledger has one row per job per UTC hour.
        </p>
      </div>

      <Card className="overflow-hidden">
        <dl className="grid grid-cols-2 gap-px bg-border sm:grid-cols-3">
          {facts.map((f, i) => (
            <div
              key={f.label}
              // The last of an odd count fills the phone's two-column row (no empty grey cell).
              className={cn(
                "min-w-0 bg-canvas px-4 py-3 sm:px-5",
                i === facts.length - 1 && facts.length % 2 === 1 && "col-span-2 sm:col-span-1",
              )}
            >
              <dt className="text-xs font-medium tracking-wide text-muted uppercase">{f.label}</dt>
              <dd className="mt-1 text-sm font-semibold break-words tabular-nums sm:truncate" data-testid={f.testId}>
                {f.value}
              </dd>
            </div>
          ))}
        </dl>
      </Card>

      <Card>
        <CardHeader
          title="Charges per hour"
          description="What the job was charged in each UTC hour, newest first: one ledger row each."
        />
        <div className="p-4">
          {hours.length === 0 ? (
            <p className="py-6 text-center text-sm text-muted" data-testid="job-hours-empty">
              Nothing charged yet.
            </p>
          ) : (
            <table className="w-full border-collapse text-sm" aria-label="Charges per hour" data-testid="job-hours">
              <thead className="text-left text-xs text-muted">
                <tr>
                  <th scope="col" className="border-b border-border py-2 pr-3 font-medium">
                    Hour (UTC)
                  </th>
                  <th scope="col" className="hidden border-b border-border py-2 pr-3 font-medium sm:table-cell">
                    <span className="sr-only">Share</span>
                  </th>
                  <th scope="col" className="border-b border-border py-2 pr-3 text-right font-medium">
                    Records
                  </th>
                  <th scope="col" className="border-b border-border py-2 text-right font-medium">
                    Credits
                  </th>
                </tr>
              </thead>
              <tbody>
                {hours.map((h) => (
                  <tr key={h.hour.toISOString()} className="border-b border-border last:border-0">
                    <td className="py-2 pr-3 whitespace-nowrap">
                      {dayFormat.format(h.hour)} <span className="text-muted">·</span> {hourSpan(h.hour)}
                    </td>
                    <td className="hidden w-1/2 py-2 pr-3 sm:table-cell" aria-hidden>
                      <div className="h-2 rounded-full bg-subtle">
                        <div
                          className="h-2 rounded-full bg-accent"
                          style={{ width: `${maxHour > 0 ? Math.max(2, (Number(h.amount) / maxHour) * 100) : 0}%` }}
                        />
                      </div>
                    </td>
                    <td className="py-2 pr-3 text-right text-muted tabular-nums">{h.records}</td>
                    <td className="py-2 text-right tabular-nums">{formatCreditsFine(h.amount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </Card>

      <Card>
        <CardHeader
          title="Usage records"
          description={
            usage.total > usage.rows.length
              ? `Each tick or runner report, newest first: the latest ${JOB_USAGE_LIMIT} of ${usage.total.toLocaleString("en")}.`
              : "Each tick or runner report, newest first."
          }
        />
        <div className="overflow-x-auto p-4">
          {usage.rows.length === 0 ? (
            <p className="py-6 text-center text-sm text-muted">No usage reported yet.</p>
          ) : (
            <table className="w-full border-collapse text-sm" aria-label="Usage records" data-testid="job-usage">
              <thead className="text-left text-xs text-muted">
                <tr>
                  <th scope="col" className="border-b border-border py-2 pr-3 font-medium">
                    Charged up to (UTC)
                  </th>
                  <th scope="col" className="border-b border-border py-2 pr-3 text-right font-medium">
                    Credits
                  </th>
                  <th scope="col" className="hidden border-b border-border py-2 font-medium sm:table-cell">
                    Report
                  </th>
                </tr>
              </thead>
              <tbody>
                {usage.rows.map((r) => (
                  <tr key={r.key} className="border-b border-border last:border-0" data-testid="job-usage-row">
                    <td className="py-2 pr-3 whitespace-nowrap">
                      <time dateTime={r.until.toISOString()}>
                        <span className="hidden sm:inline">{dayFormat.format(r.until)}, </span>
                        {clockFormat.format(r.until)}
                      </time>
                    </td>
                    <td className="py-2 pr-3 text-right tabular-nums">
                      {r.outcome === "charged" ? (
                        formatCredits(r.amount, 4)
                      ) : (
                        <span className="text-muted">nothing due</span>
                      )}
                    </td>
                    <td
                      className="hidden max-w-64 truncate py-2 font-mono text-xs text-muted sm:table-cell"
                      title={r.key}
                    >
                      {r.key}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </Card>
    </div>
  );
}
