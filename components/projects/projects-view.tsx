"use client";

import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/field";
import { Pagination } from "@/components/ui/pagination";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import { Breakable } from "./breakable";
import { ProjectRoleBadge } from "./project-role-badge";
import type { ProjectRowView } from "./types";

const helper = createColumnHelper<typeof sortableFeatures, ProjectRowView>();

/** On phones the table keeps its first two columns (project, your role); the first cell repeats the rest. */
const PHONE_COLUMNS = "max-sm:[&_td:nth-child(n+3)]:hidden max-sm:[&_th:nth-child(n+3)]:hidden";

function Num({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <span className="block text-right whitespace-nowrap tabular-nums" data-testid={testId}>
      {children}
    </span>
  );
}

/** The Projects list: search and paging in the URL (the server filters), Mine / All for org managers. */
export function ProjectsView({
  rows,
  total,
  query,
  canSeeAll,
  emptyAction,
}: {
  rows: ProjectRowView[];
  total: number;
  query: { q: string; scope: string; page: number; pageSize: number };
  canSeeAll: boolean;
  /** Shown in the empty list (a first "New project" button). */
  emptyAction?: ReactNode;
}) {
  const { update, pending: navigating } = useUrlState();
  const { value: search, setValue: setSearch, pending: filtering } = useDebouncedParam("q", query.q);
  const pending = navigating || filtering;
  const all = query.scope === "all";

  const columns = useMemo<Columns<ProjectRowView>>(
    () => [
      helper.accessor("name", {
        header: "Project",
        enableSorting: false,
        cell: (c) => {
          const p = c.row.original;
          return (
            <div className="max-w-72 min-w-32">
              <Link
                href={p.href}
                className="font-medium break-words text-fg hover:text-accent hover:underline"
                data-testid={`project-link-${p.cluster}-${p.name}`}
              >
                <Breakable text={p.name} />
              </Link>
              {p.isDefault && (
                <span className="ml-1.5 rounded border border-border px-1 text-[10px] font-medium text-muted uppercase">
                  default
                </span>
              )}
              {p.displayName && <p className="truncate text-xs text-muted">{p.displayName}</p>}
              {/* Phones: the columns after "Your role" are hidden (PHONE_COLUMNS); their figures show here. */}
              <p className="mt-0.5 text-xs text-muted tabular-nums sm:hidden">
                {p.cluster} · {p.members.toLocaleString("en")} member{p.members === 1 ? "" : "s"} ·{" "}
                {p.jobsRunning.toLocaleString("en")} running · {p.credits} credits this month
              </p>
            </div>
          );
        },
      }),
      helper.accessor("role", {
        header: "Your role",
        enableSorting: false,
        cell: (c) => {
          const p = c.row.original;
          if (!p.role) return <span className="text-muted">—</span>;
          // An org manager or admin who isn't a member acts as the project's admin.
          return p.memberRole ? (
            <ProjectRoleBadge role={p.memberRole} />
          ) : (
            <span className="inline-flex items-center gap-1 whitespace-nowrap">
              <ProjectRoleBadge role={p.role} title="As an org manager or admin, you act as this project's admin." />
              <span className="text-xs text-muted">via org</span>
            </span>
          );
        },
      }),
      helper.accessor("cluster", {
        header: "Cluster",
        enableSorting: false,
        cell: (c) => <span className="whitespace-nowrap">{c.getValue()}</span>,
      }),
      helper.accessor("members", {
        header: () => <span data-align="right">Members</span>,
        meta: { label: "Members" },
        enableSorting: false,
        cell: (c) => <Num>{c.getValue().toLocaleString("en")}</Num>,
      }),
      helper.accessor("jobsRunning", {
        header: () => <span data-align="right">Jobs running</span>,
        meta: { label: "Jobs running" },
        enableSorting: false,
        cell: (c) => <Num>{c.getValue().toLocaleString("en")}</Num>,
      }),
      helper.accessor("credits", {
        header: () => <span data-align="right">Credits this month</span>,
        meta: { label: "Credits this month" },
        enableSorting: false,
        cell: (c) => <Num testId={`project-credits-${c.row.original.name}`}>{c.getValue()}</Num>,
      }),
    ],
    [],
  );

  const empty = query.q ? (
    `No projects match “${query.q}”.`
  ) : (
    <div className="space-y-3">
      <p>
        {all
          ? "This organization has no projects yet."
          : "You aren't in any project yet. Create one to run jobs and keep artifacts together, or ask a project's manager to add you."}
      </p>
      {emptyAction}
    </div>
  );

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <Label htmlFor="project-search" className="sr-only">
          Search projects
        </Label>
        <Input
          id="project-search"
          type="search"
          placeholder="Search by name or display name"
          className="max-w-sm"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        {canSeeAll && (
          <div className="flex gap-1 text-sm" role="group" aria-label="Whose projects">
            {(["mine", "all"] as const).map((s) => (
              <Button
                key={s}
                size="sm"
                variant={(s === "all") === all ? "secondary" : "ghost"}
                aria-pressed={(s === "all") === all}
                onClick={() => update({ scope: s, page: null })}
              >
                {s === "mine" ? "My projects" : "All projects"}
              </Button>
            ))}
          </div>
        )}
        {pending && <span className="text-xs text-muted">Loading…</span>}
      </div>
      <div className={PHONE_COLUMNS}>
        <DataTable
          label="Projects"
          columns={columns}
          data={rows}
          getRowId={(r) => r.id}
          pending={pending}
          empty={empty}
        />
      </div>
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />
    </div>
  );
}
