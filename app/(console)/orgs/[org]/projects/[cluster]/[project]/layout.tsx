import { NavLinks } from "@/components/console/nav-links";
import { Breakable } from "@/components/projects/breakable";
import { ProjectRoleBadge } from "@/components/projects/project-role-badge";
import { CopyButton } from "@/components/ui/copy-button";
import Link from "next/link";
import { projectFromParams, type ProjectParams } from "./load";

/**
 * Every page of a project: its header (display name, `cluster/name`, the caller's role, where it lives as an
 * Apolo path) and its tabs. A project the caller can't see is not found, like one that doesn't exist.
 */
export default async function ProjectLayout({ children, params }: ProjectParams & { children: React.ReactNode }) {
  const { org, cluster, view, base } = await projectFromParams(params);
  const { project, can } = view;
  const title = project.displayName || project.name;
  const showSettings = can["project.updateSettings"] || can["project.delete"];
  // Apolo addresses a project's things as <scheme>://<cluster>/<org>/<project>/…
  const path = `${cluster}/${org}/${project.name}`;
  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <nav aria-label="Breadcrumb" className="text-sm text-muted">
          <ol className="flex flex-wrap items-center gap-x-1.5 gap-y-1">
            <li>
              <Link href={`/orgs/${org}/projects`} className="hover:text-fg hover:underline">
                Projects
              </Link>
            </li>
            <li aria-hidden>/</li>
            <li className="font-mono text-xs">{cluster}</li>
            <li aria-hidden>/</li>
            <li className="font-mono text-xs">{org}</li>
            <li aria-hidden>/</li>
            <li className="font-mono text-xs break-words text-fg" aria-current="page">
              <Breakable text={project.name} />
            </li>
          </ol>
        </nav>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <div className="flex flex-wrap items-center gap-2">
              <h1 className="text-2xl font-semibold tracking-tight break-words" data-testid="project-title">
                <Breakable text={title} />
              </h1>
              <ProjectRoleBadge
                role={view.projectRole}
                title={view.memberRole ? undefined : "As an org manager or admin, you act as this project's admin."}
              />
              {!view.memberRole && <span className="-ml-1 text-xs text-muted">via org</span>}
              {project.isDefault && (
                <span className="rounded border border-border px-1 text-[10px] font-medium text-muted uppercase">
                  default
                </span>
              )}
            </div>
            <p className="mt-1 font-mono text-sm break-words text-muted" data-testid="project-path">
              <Breakable text={`${cluster}/${project.name}`} />
            </p>
          </div>
          <div className="flex items-center gap-2">
            <CopyButton value={path} label="Copy path" />
          </div>
        </div>
        <NavLinks
          variant="tabs"
          label="Project"
          items={[
            { href: base, label: "Overview" },
            { href: `${base}/members`, label: "Members", section: `${base}/members` },
            { href: `${base}/jobs`, label: "Jobs", section: `${base}/jobs` },
            { href: `${base}/artifacts`, label: "Artifacts", section: `${base}/artifacts` },
            ...(showSettings ? [{ href: `${base}/settings`, label: "Settings", section: `${base}/settings` }] : []),
          ]}
        />
      </div>
      {children}
    </div>
  );
}
