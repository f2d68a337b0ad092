"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { changeProjectMemberRoleAction, removeProjectMemberAction } from "@/app/actions";
import { RoleBadge } from "@/components/console/role-badge";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/field";
import { Menu, MenuContent, MenuItem, MenuTrigger } from "@/components/ui/menu";
import { Pagination } from "@/components/ui/pagination";
import { Select } from "@/components/ui/select";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import { ProjectRoleBadge } from "./project-role-badge";
import {
  PROJECT_ROLE_HINT,
  PROJECT_ROLE_LABELS,
  type ProjectKey,
  type ProjectMemberView,
  type ProjectRole,
} from "./types";

const helper = createColumnHelper<typeof sortableFeatures, ProjectMemberView>();
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/** On phones the org role and added columns are hidden and repeated under the member's name. */
const PHONE_COLUMNS = [
  "max-sm:[&_td:nth-child(3)]:hidden max-sm:[&_th:nth-child(3)]:hidden",
  "max-sm:[&_td:nth-child(4)]:hidden max-sm:[&_th:nth-child(4)]:hidden",
].join(" ");

/** Whether a row gets a menu: the own row's "remove" is leaving, the page's "Leave project" button instead. */
const acts = (m: ProjectMemberView) => !m.isSelf && (m.actions.changeRole || m.actions.remove);

type Pending = { kind: "role" | "remove"; member: ProjectMemberView } | null;

/** A project's members: search and paging in the URL; change role and remove exactly where the server allows. */
export function ProjectMembersView({
  projectKey,
  members,
  total,
  query,
}: {
  projectKey: ProjectKey;
  members: ProjectMemberView[];
  total: number;
  query: { q: string; page: number; pageSize: number };
}) {
  const { org, cluster, project } = projectKey;
  const { update, pending: navigating } = useUrlState();
  const { value: search, setValue: setSearch, pending: filtering } = useDebouncedParam("q", query.q);
  const pending = navigating || filtering;
  const [dialog, setDialog] = useState<Pending>(null);
  const [role, setRole] = useState<ProjectRole>("reader");
  const anyActions = members.some(acts);

  const columns = useMemo(() => {
    const cols: Columns<ProjectMemberView> = [
      helper.accessor("username", {
        header: "Member",
        enableSorting: false,
        cell: (c) => {
          const m = c.row.original;
          return (
            <div className="min-w-28">
              <span className="font-medium break-all">
                {m.username}
                {m.isSelf && <span className="ml-1.5 text-xs font-normal text-muted">(you)</span>}
              </span>
              {m.name && <p className="text-xs text-muted">{m.name}</p>}
              <p className="mt-0.5 text-xs text-muted sm:hidden">
                Org {m.orgRole} · added {dateFormat.format(m.joinedAt)}
              </p>
            </div>
          );
        },
      }),
      helper.accessor("role", {
        header: "Project role",
        enableSorting: false,
        cell: (c) => <ProjectRoleBadge role={c.getValue()} />,
      }),
      helper.accessor("orgRole", {
        header: "Org role",
        enableSorting: false,
        cell: (c) => <RoleBadge role={c.getValue()} />,
      }),
      helper.accessor("joinedAt", {
        header: "Added",
        enableSorting: false,
        cell: (c) => (
          <time className="whitespace-nowrap" dateTime={c.getValue().toISOString()}>
            {dateFormat.format(c.getValue())}
          </time>
        ),
      }),
    ];
    if (anyActions) {
      cols.push(
        helper.display({
          id: "actions",
          header: () => <span className="sr-only">Actions</span>,
          cell: (c) => {
            const m = c.row.original;
            if (!acts(m)) return <div className="h-8" />;
            return (
              <div className="text-right">
                <Menu>
                  <MenuTrigger asChild>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`Actions for ${m.username}`}
                      data-testid={`project-member-actions-${m.username}`}
                    >
                      •••
                    </Button>
                  </MenuTrigger>
                  <MenuContent align="end" className="min-w-40">
                    {m.actions.changeRole && (
                      <MenuItem
                        onSelect={() => {
                          setRole(m.role);
                          setDialog({ kind: "role", member: m });
                        }}
                      >
                        Change role
                      </MenuItem>
                    )}
                    {m.actions.remove && (
                      <MenuItem className="text-danger" onSelect={() => setDialog({ kind: "remove", member: m })}>
                        Remove from project
                      </MenuItem>
                    )}
                  </MenuContent>
                </Menu>
              </div>
            );
          },
        }),
      );
    }
    return cols;
  }, [anyActions]);

  const member = dialog?.member;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <Label htmlFor="project-member-search" className="sr-only">
          Search members
        </Label>
        <Input
          id="project-member-search"
          type="search"
          placeholder="Search by username or name"
          className="max-w-sm"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        {pending && <span className="text-xs text-muted">Loading…</span>}
      </div>
      <div className={PHONE_COLUMNS}>
        <DataTable
          label="Project members"
          columns={columns}
          data={members}
          getRowId={(m) => m.userId}
          pending={pending}
          empty={query.q ? `No members match “${query.q}”.` : "No members yet."}
        />
      </div>
      <Pagination page={query.page} pageSize={query.pageSize} total={total} pending={pending} update={update} />

      {member && dialog?.kind === "role" && (
        <ActionDialog
          open
          onOpenChange={(o) => !o && setDialog(null)}
          title={`Change the role of ${member.username}`}
          description={PROJECT_ROLE_HINT}
          confirmLabel="Save role"
          pendingLabel="Saving…"
          disabled={role === member.role}
          testId="project-role-dialog"
          onConfirm={() => changeProjectMemberRoleAction(org, cluster, project, member.username, role)}
        >
          <div className="space-y-1.5">
            <Label htmlFor="project-member-role">Project role</Label>
            <Select id="project-member-role" value={role} onChange={(e) => setRole(e.target.value as ProjectRole)}>
              {member.actions.roles.map((r) => (
                <option key={r} value={r}>
                  {PROJECT_ROLE_LABELS[r]}
                </option>
              ))}
            </Select>
          </div>
        </ActionDialog>
      )}
      {member && dialog?.kind === "remove" && (
        <ActionDialog
          open
          onOpenChange={(o) => !o && setDialog(null)}
          title={`Remove ${member.username} from ${project}?`}
          description={`${member.username} stays in ${org} but loses access to this project's jobs and artifacts (unless they manage the organization). You can add them again later.`}
          confirmLabel="Remove member"
          pendingLabel="Removing…"
          danger
          testId="remove-project-member-dialog"
          onConfirm={() => removeProjectMemberAction(org, cluster, project, member.username)}
        />
      )}
    </div>
  );
}
