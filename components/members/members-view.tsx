"use client";

import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { changeRoleAction, removeMemberAction, setQuotaAction } from "@/app/actions";
import { RoleBadge } from "@/components/console/role-badge";
import { ActionDialog } from "@/components/ui/action-dialog";
import { Button } from "@/components/ui/button";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Field, Input, Label } from "@/components/ui/field";
import { Menu, MenuContent, MenuItem, MenuTrigger } from "@/components/ui/menu";
import { Pagination } from "@/components/ui/pagination";
import { Select } from "@/components/ui/select";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import { ROLE_LABELS, type MemberView, type Role } from "./types";

const ROLE_PLURALS: Record<Role, string> = { admin: "Admins", manager: "Managers", user: "Users" };

const helper = createColumnHelper<typeof sortableFeatures, MemberView>();
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

type Pending = { kind: "role" | "remove" | "quotas"; member: MemberView } | null;

export function MembersView({
  org,
  members,
  total,
  totalCapped,
  query,
  showActions,
  showEmail,
}: {
  org: string;
  members: MemberView[];
  total: number;
  /** The count stopped at its limit: `total` is "at least". */
  totalCapped: boolean;
  query: { q: string; role?: Role; sort: string; dir: "asc" | "desc"; page: number; pageSize: number };
  showActions: boolean;
  /** Managers and admins see members' addresses; users see usernames and names only. */
  showEmail: boolean;
}) {
  const { update, pending: navigating } = useUrlState();
  const { value: search, setValue: setSearch, pending: filtering } = useDebouncedParam("q", query.q);
  const pending = navigating || filtering;
  // "Clear filters" empties the search in the URL: the box follows (without a debounced write of the old
  // value, which would bring back the role filter it just removed).
  const [seenQ, setSeenQ] = useState(query.q);
  if (seenQ !== query.q) {
    setSeenQ(query.q);
    if (!query.q) setSearch("");
  }
  const [dialog, setDialog] = useState<Pending>(null);
  const [role, setRole] = useState<Role>("user");
  const [limit, setLimit] = useState("");
  const [maxJobs, setMaxJobs] = useState("");

  const columns = useMemo(() => {
    const cols: Columns<MemberView> = [
      helper.accessor("username", {
        id: "username",
        header: "Username",
        // Username over name (one column, so an email and a date keep their line at 1440 px).
        meta: { wrap: true, card: "title" },
        cell: (c) => (
          <span className="block min-w-36 max-sm:break-all sm:max-w-72">
            <span className="block font-medium sm:truncate" title={c.getValue()}>
              {c.getValue()}
              {c.row.original.isSelf && <span className="ml-1.5 text-xs font-normal text-muted">(you)</span>}
            </span>
            {c.row.original.name && (
              <span
                className="block text-xs text-muted sm:truncate"
                title={c.row.original.name}
                data-testid={`member-name-${c.row.original.username}`}
              >
                {c.row.original.name}
              </span>
            )}
          </span>
        ),
      }),
      ...(showEmail
        ? [
            helper.accessor((m) => m.email ?? null, {
              id: "email",
              header: "Email",
              enableSorting: false,
              meta: { label: "Email" },
              cell: (c) => <span className="text-muted">{c.getValue() ?? "—"}</span>,
            }),
          ]
        : []),
      helper.accessor("role", {
        id: "role",
        header: "Role",
        sortDescFirst: true,
        cell: (c) => <RoleBadge role={c.getValue()} />,
      }),
      helper.accessor("credits", {
        id: "credits",
        header: "Credits used / limit",
        meta: { label: "Credits used / limit" },
        enableSorting: false,
        cell: (c) => (
          <span className="whitespace-nowrap tabular-nums" data-testid={`member-credits-${c.row.original.username}`}>
            {c.getValue()}
          </span>
        ),
      }),
      helper.accessor("joinedAt", {
        id: "joined",
        header: "Joined",
        sortDescFirst: true,
        cell: (c) => <time dateTime={c.getValue().toISOString()}>{dateFormat.format(c.getValue())}</time>,
      }),
    ];
    if (showActions) {
      cols.push(
        helper.display({
          id: "actions",
          header: () => <span className="sr-only">Actions</span>,
          cell: (c) => {
            const m = c.row.original;
            // An empty cell keeps the row as tall as the rows with a menu button.
            if (!m.actions.changeRole && !m.actions.remove && !m.actions.quotas) return <div className="h-8" />;
            return (
              <div className="text-right">
                <Menu>
                  <MenuTrigger asChild>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`Actions for ${m.username}`}
                      data-testid={`member-actions-${m.username}`}
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
                        Edit role
                      </MenuItem>
                    )}
                    {m.actions.quotas && (
                      <MenuItem
                        onSelect={() => {
                          setLimit(m.creditLimit ?? "");
                          setMaxJobs(m.maxRunningJobs === null ? "" : String(m.maxRunningJobs));
                          setDialog({ kind: "quotas", member: m });
                        }}
                      >
                        Edit quotas
                      </MenuItem>
                    )}
                    {m.actions.remove && (
                      <MenuItem className="text-danger" onSelect={() => setDialog({ kind: "remove", member: m })}>
                        Remove from organization
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
  }, [showActions, showEmail]);

  const member = dialog?.member;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <Label htmlFor="member-search" className="sr-only">
          Search members
        </Label>
        <Input
          id="member-search"
          type="search"
          placeholder={showEmail ? "Search by username, email or name" : "Search by username or name"}
          className="max-w-sm"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <Label htmlFor="member-role" className="sr-only">
          Filter by role
        </Label>
        <div className="w-40">
          <Select
            id="member-role"
            value={query.role ?? ""}
            onChange={(e) => update({ role: e.target.value || null, page: null })}
          >
            <option value="">All roles</option>
            {(["admin", "manager", "user"] as const).map((r) => (
              <option key={r} value={r}>
                {ROLE_PLURALS[r]}
              </option>
            ))}
          </Select>
        </div>
        {pending && <span className="text-xs text-muted">Loading…</span>}
      </div>
      <DataTable
        label="Members"
        columns={columns}
        data={members}
        getRowId={(m) => m.userId}
        pending={pending}
        sort={{ id: query.sort, desc: query.dir === "desc" }}
        onSort={(s) => update({ sort: s.id, dir: s.desc ? "desc" : "asc", page: null })}
        empty={
          query.q || query.role ? (
            // The one message of an empty search: no count above it and no "No results" pager below it.
            <div className="space-y-3" data-testid="members-empty">
              <p>
                {query.role
                  ? query.q
                    ? `No ${ROLE_PLURALS[query.role].toLowerCase()} match “${query.q}”.`
                    : `No ${ROLE_PLURALS[query.role].toLowerCase()} in ${org}.`
                  : `No members match “${query.q}”.`}
              </p>
              <Button variant="secondary" size="sm" onClick={() => update({ q: null, role: null, page: null })}>
                Clear {query.q && query.role ? "filters" : query.q ? "search" : "role filter"}
              </Button>
            </div>
          ) : (
            "No members yet."
          )
        }
      />
      {total > 0 && (
        <Pagination
          page={query.page}
          pageSize={query.pageSize}
          total={total}
          totalCapped={totalCapped}
          pending={pending}
          update={update}
        />
      )}

      {member && dialog?.kind === "role" && (
        <ActionDialog
          open
          onOpenChange={(o) => !o && setDialog(null)}
          title={`Edit role of ${member.username}`}
          description="Users run jobs and see the org; managers also manage members and quotas; admins also change settings and delete the org."
          confirmLabel="Save role"
          pendingLabel="Saving…"
          disabled={role === member.role}
          testId="edit-role-dialog"
          onConfirm={() => changeRoleAction(org, member.username, role)}
        >
          <div className="space-y-1.5">
            <Label htmlFor="edit-role">Role</Label>
            <Select id="edit-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {member.actions.roles.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </Select>
          </div>
        </ActionDialog>
      )}
      {member && dialog?.kind === "quotas" && (
        <ActionDialog
          open
          onOpenChange={(o) => !o && setDialog(null)}
          title={`Quotas of ${member.username}`}
          description="Leave a field empty for unlimited. Lowering the credit limit to what they already used stops their running jobs."
          confirmLabel="Save quotas"
          pendingLabel="Saving…"
          testId="quotas-dialog"
          onConfirm={() => setQuotaAction(org, member.username, limit, maxJobs)}
        >
          {(
            [
              ["Credit limit", "creditLimit", "decimal", limit, setLimit],
              ["Max running jobs", "maxRunningJobs", "numeric", maxJobs, setMaxJobs],
            ] as const
          ).map(([label, name, inputMode, value, setValue]) => (
            <Field
              key={name}
              label={label}
              name={name}
              inputMode={inputMode}
              placeholder="Unlimited"
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
          ))}
        </ActionDialog>
      )}
      {member && dialog?.kind === "remove" && (
        <ActionDialog
          open
          onOpenChange={(o) => !o && setDialog(null)}
          title={`Remove ${member.username}?`}
          description={`${member.username} loses access to ${org}, its clusters and its credits at once. You can add them again later.`}
          confirmLabel="Remove member"
          pendingLabel="Removing…"
          danger
          testId="remove-member-dialog"
          onConfirm={() => removeMemberAction(org, member.username)}
        />
      )}
    </div>
  );
}
