import Link from "next/link";
import type { ReactNode } from "react";
import { buttonClass } from "@/components/ui/button-class";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import type { OrgChecklist } from "@/lib/orgs";
import { RequestClusterAccess } from "./checklist-request";

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

interface Step {
  key: "invite" | "topUp" | "cluster" | "job";
  title: string;
  done: boolean;
  /** What the step is, or (done) what was done. */
  detail: ReactNode;
  /** The way to do it: a link, a button, or a note for people who can't. */
  action?: ReactNode;
}

function StepMark({ done, n }: { done: boolean; n: number }) {
  return done ? (
    <span className="mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full bg-success text-white">
      <svg viewBox="0 0 16 16" className="size-3.5" aria-hidden fill="none" stroke="currentColor" strokeWidth="2.2">
        <path d="M3.5 8.5l3 3 6-7" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
    </span>
  ) : (
    <span
      aria-hidden
      className="mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full border-2 border-border-strong text-xs font-semibold text-muted"
    >
      {n}
    </span>
  );
}

const linkAction = (href: string, label: string, testId: string) => (
  <Link href={href} className={buttonClass("secondary", "sm")} data-testid={testId}>
    {label}
  </Link>
);

const note = (text: string) => <p className="text-sm text-muted">{text}</p>;

/**
 * The overview's getting-started checklist (issue 14): invite people, top up, get on a cluster, run a first job,
 * each ticked off from the database (lib/orgs/checklist.ts). Once every step is done it collapses to one line.
 */
export function GettingStarted({ org, checklist }: { org: string; checklist: OrgChecklist }) {
  const c = checklist;
  if (c.allDone) {
    return (
      <div data-testid="checklist-done">
        <Card className="flex items-center gap-3 px-5 py-3">
          <StepMark done n={0} />
          <p className="text-sm">
            <span className="font-medium">All set.</span>{" "}
            <span className="text-muted">People invited, credits topped up, on a cluster, and jobs have run.</span>
          </p>
        </Card>
      </div>
    );
  }
  const request = c.cluster.request;
  const steps: Step[] = [
    {
      key: "invite",
      title: "Invite people",
      done: c.invite.done,
      detail: c.invite.done
        ? "Others have joined or been invited."
        : "Add your team: they share the organization's clusters and credits.",
      action: c.invite.done
        ? undefined
        : c.invite.can
          ? linkAction(`/orgs/${org}/settings/users?invite=1`, "Invite members", "checklist-invite-link")
          : note("A manager or admin invites people."),
    },
    {
      key: "topUp",
      title: "Top up credits",
      done: c.topUp.done,
      detail: c.topUp.done ? "Credits were added to the balance." : "Jobs draw on the organization's credits.",
      action: c.topUp.done
        ? undefined
        : c.topUp.can
          ? linkAction(`/orgs/${org}/credits?topup=1`, "Top up", "checklist-topup-link")
          : note("An admin decides who may top up."),
    },
    {
      key: "cluster",
      title: "Get on a cluster",
      done: c.cluster.done,
      detail: c.cluster.done ? (
        "The organization is on a cluster."
      ) : request?.status === "pending" ? (
        <span data-testid="checklist-cluster-pending">
          Requested on <time dateTime={request.createdAt.toISOString()}>{dateFormat.format(request.createdAt)}</time> —
          waiting for a platform admin.
        </span>
      ) : request?.status === "declined" ? (
        <span data-testid="checklist-cluster-declined">
          {request.reason && (
            <span className="block break-words whitespace-pre-line text-fg">
              Declined: <span data-testid="checklist-decline-reason">{request.reason}</span>
            </span>
          )}
          {request.reason ? "A platform admin declined your request" : "Your request was declined"}
          {request.decidedAt && (
            <>
              {" "}
              on <time dateTime={request.decidedAt.toISOString()}>{dateFormat.format(request.decidedAt)}</time>
            </>
          )}
          . You can ask again.
        </span>
      ) : (
        "A platform admin adds organizations to clusters: ask for access."
      ),
      action:
        c.cluster.done || request?.status === "pending" ? undefined : c.cluster.can ? (
          <RequestClusterAccess org={org} again={request?.status === "declined"} />
        ) : (
          note("A manager or admin requests cluster access.")
        ),
    },
    {
      key: "job",
      title: "Run a first job",
      done: c.job.done,
      detail: c.job.done ? "A job has run." : "Start a job from the Jobs page or the apolo CLI.",
      action: c.job.done ? undefined : linkAction(`/orgs/${org}/jobs`, "Go to Jobs", "checklist-job-link"),
    },
  ];
  const doneCount = steps.filter((s) => s.done).length;
  return (
    <Card>
      <CardHeader
        title={<span id="checklist-title">Get started</span>}
        description={`${doneCount} of ${steps.length} done. Each step ticks itself off.`}
        actions={
          <div
            className="mt-1 h-2 w-32 overflow-hidden rounded-full bg-border"
            role="progressbar"
            aria-label="Getting started progress"
            aria-valuemin={0}
            aria-valuemax={steps.length}
            aria-valuenow={doneCount}
          >
            <div className="h-full rounded-full bg-success" style={{ width: `${(doneCount / steps.length) * 100}%` }} />
          </div>
        }
      />
      <ol className="divide-y divide-border" aria-labelledby="checklist-title" data-testid="checklist">
        {steps.map((s, i) => (
          <li
            key={s.key}
            className="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-center sm:justify-between"
            data-testid={`checklist-${s.key}`}
            data-done={s.done}
          >
            <div className="flex min-w-0 gap-3">
              <StepMark done={s.done} n={i + 1} />
              <div className="min-w-0">
                <p className={cn("text-sm font-medium", s.done && "text-muted line-through decoration-1")}>
                  {s.title}
                  <span className="sr-only">{s.done ? " (done)" : " (to do)"}</span>
                </p>
                <p className="mt-0.5 text-sm text-muted">{s.detail}</p>
              </div>
            </div>
            {s.action && <div className="shrink-0 pl-9 sm:pl-0">{s.action}</div>}
          </li>
        ))}
      </ol>
    </Card>
  );
}
