import type { Metadata } from "next";
import { currentCaller, loadPage } from "@/app/_server/session";
import { RoleBadge } from "@/components/console/role-badge";
import { GettingStarted } from "@/components/orgs/checklist";
import { ProjectionLine } from "@/components/credits/projection-line";
import { Card, CardHeader } from "@/components/ui/card";
import { listOrgClusters } from "@/lib/compute";
import { getDb } from "@/db";
import { getOrgChecklist, getOrgOverview } from "@/lib/orgs";
import { describeProjection, getOrgProjection } from "@/lib/billing";
import { formatCredits } from "@/lib/core";
import Link from "next/link";

// The org layout's title template adds the org: "Overview · acme · Apolo Console".
export const metadata: Metadata = { title: "Overview" };

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default async function OrgOverviewPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  const now = new Date();
  const [overview, clusters, projection, checklist] = await loadPage(async () =>
    Promise.all([
      getOrgOverview(db, actor, org),
      listOrgClusters(db, actor, org),
      getOrgProjection(db, actor, org, now),
      getOrgChecklist(db, actor, { org }),
    ]),
  );
  const balance = projection.projection.balance;
  const outlook = describeProjection(projection.projection, now, projection.intervals);
  const facts = [
    { label: "Your role", value: <RoleBadge role={overview.role} />, testId: "overview-role" },
    { label: "Members", value: overview.memberCount.toLocaleString("en"), testId: "overview-members" },
    {
      label: "Created",
      value: <time dateTime={overview.createdAt.toISOString()}>{dateFormat.format(overview.createdAt)}</time>,
      testId: "overview-created",
    },
  ];
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="org-title">
          {overview.displayName || overview.name}
        </h1>
        {overview.displayName && (
          <p className="mt-1 font-mono text-sm text-muted" data-testid="org-name">
            {overview.name}
          </p>
        )}
      </div>
      <GettingStarted org={overview.name} checklist={checklist} />
      <Card>
        <dl className="grid divide-y divide-border sm:grid-cols-3 sm:divide-x sm:divide-y-0">
          {facts.map((f) => (
            <div key={f.label} className="px-5 py-4">
              <dt className="text-xs font-medium tracking-wide text-muted uppercase">{f.label}</dt>
              <dd className="mt-1.5 text-lg font-semibold" data-testid={f.testId}>
                {f.value}
              </dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card>
        <CardHeader
          title="Credits"
          description="The balance every member's jobs draw from."
          actions={
            <Link
              href={`/orgs/${overview.name}/credits`}
              className="text-sm font-medium text-accent underline-offset-2 hover:underline"
            >
              Ledger and top-up →
            </Link>
          }
        />
        <div className="flex flex-wrap items-baseline gap-x-6 gap-y-2 px-5 py-4">
          <p
            className={`text-2xl font-semibold tabular-nums ${balance.startsWith("-") ? "text-danger" : ""}`}
            data-testid="overview-balance"
          >
            {formatCredits(balance)} <span className="text-sm font-normal text-muted">credits</span>
          </p>
          <ProjectionLine text={outlook.text} tone={outlook.tone} testId="overview-projection" />
        </div>
      </Card>
      <Card>
        <CardHeader title="Clusters" description="Every member can run jobs on the clusters this organization is on." />
        {clusters.length === 0 ? (
          <p className="px-5 py-4 text-sm text-muted">
            Not on any cluster yet.{" "}
            {checklist.cluster.request?.status === "pending"
              ? "Your request is waiting for a platform admin."
              : checklist.cluster.can
                ? "Request access under Get started above: a platform admin adds organizations to clusters."
                : "A manager or admin of the organization can request access from a platform admin."}
          </p>
        ) : (
          <ul className="divide-y divide-border" data-testid="org-clusters">
            {clusters.map((c) => (
              <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 px-5 py-3 text-sm">
                <div>
                  <p className="font-medium">{c.name}</p>
                  {c.description && <p className="text-muted">{c.description}</p>}
                </div>
                <p className="text-muted">
                  {c.presets.length} preset{c.presets.length === 1 ? "" : "s"} · {c.running} running
                  {c.maxRunningJobs !== null ? ` of max ${c.maxRunningJobs}` : ""} job{c.running === 1 ? "" : "s"}
                </p>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card className="p-5">
        <h2 className="text-sm font-semibold">Use this organization from the CLI</h2>
        <p className="mt-1 text-sm text-muted">
          Switch your CLI config to it, or pass <code className="font-mono">--org {overview.name}</code> to most
          commands:
        </p>
        <pre className="mt-3 overflow-x-auto rounded-md bg-subtle px-3 py-2 font-mono text-sm">
          apolo config switch-org {overview.name}
        </pre>
      </Card>
    </div>
  );
}
