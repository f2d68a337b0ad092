"use client";

import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo, useState } from "react";
import { Button } from "@/components/ui/button";
import { buttonClass } from "@/components/ui/button-class";
import { DataTable, sortableFeatures, type Columns } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/field";
import { Pagination } from "@/components/ui/pagination";
import { useDebouncedParam, useUrlState } from "@/components/ui/use-url-state";
import { AddMemberDialog } from "./add-member-dialog";
import { ActionsHeader } from "./table-bits";

export interface AdminOrgRow {
  name: string;
  displayName: string | null;
  memberCount: number;
  /** Pre-formatted on the server. */
  balance: string;
  createdAt: Date;
}

const helper = createColumnHelper<typeof sortableFeatures, AdminOrgRow>();
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/** Every organization on the platform, searched by name (in the URL), with Add member and Grant credits. */
export function AdminOrgsTable({
  rows,
  total,
  query,
}: {
  rows: AdminOrgRow[];
  total: number;
  query: { q: string; page: number; pageSize: number };
}) {
  const { update, pending: navigating } = useUrlState();
  const { value, setValue, pending: filtering } = useDebouncedParam("q", query.q);
  const pending = navigating || filtering;
  const [adding, setAdding] = useState<string | null>(null);
  const columns = useMemo<Columns<AdminOrgRow>>(
    () => [
      helper.accessor("name", {
        header: "Organization",
        enableSorting: false,
        cell: (c) => (
          <span>
            <span className="font-medium">{c.getValue()}</span>
            {c.row.original.displayName && <span className="ml-2 text-muted">{c.row.original.displayName}</span>}
          </span>
        ),
      }),
      helper.accessor("memberCount", {
        header: "Members",
        enableSorting: false,
        cell: (c) => <span className="tabular-nums">{c.getValue().toLocaleString("en")}</span>,
      }),
      helper.accessor("balance", {
        header: "Balance",
        enableSorting: false,
        cell: (c) => <span className="tabular-nums">{c.getValue()}</span>,
      }),
      helper.accessor("createdAt", {
        header: "Created",
        enableSorting: false,
        cell: (c) => dateFormat.format(c.getValue()),
      }),
      helper.display({
        id: "actions",
        header: () => <ActionsHeader />,
        meta: { card: "footer" },
        cell: (c) => {
          const org = c.row.original.name;
          return (
            <div className="flex justify-end gap-1.5" data-testid={`admin-org-actions-${org}`}>
              <Button variant="secondary" size="sm" aria-label={`Add member to ${org}`} onClick={() => setAdding(org)}>
                Add member
              </Button>
              <Link
                href={`/admin/credits?org=${encodeURIComponent(org)}`}
                className={buttonClass("ghost", "sm")}
                aria-label={`Grant credits to ${org}`}
              >
                Grant credits
              </Link>
            </div>
          );
        },
      }),
    ],
    [],
  );
  return (
    <div className="space-y-3">
      <Label htmlFor="admin-org-search" className="sr-only">
        Search organizations
      </Label>
      <Input
        id="admin-org-search"
        type="search"
        className="max-w-sm"
        placeholder="Search by name"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <DataTable
        label="Organizations"
        columns={columns}
        data={rows}
        getRowId={(r) => r.name}
        pending={pending}
        empty={query.q ? `No organization matches “${query.q}”.` : "No organizations yet."}
      />
      <Pagination
        page={query.page}
        pageSize={query.pageSize}
        total={total}
        pageSizes={[query.pageSize]}
        pending={pending}
        update={update}
      />
      {adding && <AddMemberDialog key={adding} org={adding} onClose={() => setAdding(null)} />}
    </div>
  );
}
