import { Breakable } from "@/components/projects/breakable";
import { PROJECT_ROLE_LABELS } from "@/components/projects/types";
import { Card, CardHeader } from "@/components/ui/card";
import { formatCredits } from "@/lib/core";
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { projectFromParams, type ProjectParams } from "./load";

export async function generateMetadata({ params }: ProjectParams): Promise<Metadata> {
  const { project } = await params;
  return { title: decodeURIComponent(project) };
}

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function Stat({
  label,
  value,
  href,
  link,
  testId,
}: {
  label: string;
  value: ReactNode;
  href?: string;
  link?: string;
  testId: string;
}) {
  return (
    <Card className="flex flex-col gap-1 p-3 sm:p-4">
      <p className="text-xs font-medium text-muted">{label}</p>
      <p className="text-lg font-semibold tabular-nums sm:text-2xl" data-testid={testId}>
        {value}
      </p>
      {href && (
        <Link href={href} className="mt-auto text-sm text-accent hover:underline">
          {link} →
        </Link>
      )}
    </Card>
  );
}

/** A project's overview: what it is, who may use it, and what it runs and costs this month. */
export default async function ProjectOverviewPage({ params }: ProjectParams) {
  const { view, base } = await projectFromParams(params);
  const { project, counts } = view;
  const showSettings = view.can["project.updateSettings"] || view.can["project.delete"];
  return (
    <div className="space-y-6">
      <div className="grid grid-cols-3 gap-2 sm:gap-4">
        <Stat
          label="Members"
          value={counts.members.toLocaleString("en")}
          href={`${base}/members`}
          link="Members"
          testId="project-members-count"
        />
        <Stat
          label="Jobs running"
          value={counts.jobsRunning.toLocaleString("en")}
          href={`${base}/jobs`}
          link="Jobs"
          testId="project-jobs-running"
        />
        <Stat label="Credits this month" value={formatCredits(view.creditsThisMonth)} testId="project-credits-month" />
      </div>
      <Card>
        <CardHeader
          title="About"
          actions={
            showSettings && (
              <Link href={`${base}/settings`} className="text-sm text-accent hover:underline">
                Edit settings
              </Link>
            )
          }
        />
        <dl className="divide-y divide-border text-sm">
          {(
            [
              [
                "Description",
                project.description ? (
                  <p key="d" className="whitespace-pre-line">
                    {project.description}
                  </p>
                ) : (
                  <span key="d" className="text-muted">
                    No description.
                  </span>
                ),
              ],
              [
                "Name",
                <code key="n" className="font-mono">
                  <Breakable text={project.name} />
                </code>,
              ],
              [
                "Display name",
                project.displayName ?? (
                  <span key="dn" className="text-muted">
                    —
                  </span>
                ),
              ],
              [
                "Cluster",
                <code key="c" className="font-mono">
                  {project.cluster}
                </code>,
              ],
              [
                "Default role",
                `${PROJECT_ROLE_LABELS[project.defaultRole]}: what members get when added without a role`,
              ],
              [
                "Default project",
                project.isDefault ? "Yes: new members of the organization join it automatically" : "No",
              ],
              [
                "Created",
                `${dateFormat.format(project.createdAt)} UTC${project.createdBy ? ` by ${project.createdBy}` : ""}`,
              ],
            ] as const
          ).map(([label, value]) => (
            <div key={label} className="grid gap-1 px-5 py-3 sm:grid-cols-3">
              <dt className="text-muted">{label}</dt>
              <dd className="min-w-0 break-words sm:col-span-2">{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
    </div>
  );
}
