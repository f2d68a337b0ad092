import type { Metadata } from "next";
import { currentCaller, loadPage } from "@/app/_server/session";
import { AdminOrgsTable } from "@/components/admin/orgs-table";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { formatCredits } from "@/lib/core";
import { listAllOrgs } from "@/lib/orgs";
import type { SearchPageProps } from "@/app/_server/page-props";

export const metadata: Metadata = { title: "Admin · Organizations" };

export default async function AdminOrgsPage({ searchParams }: SearchPageProps) {
  const list = await loadPage(async () => listAllOrgs(await getDb(), await currentCaller(), await searchParams));
  return (
    <Card>
      <CardHeader title="Organizations" description="Every organization on the platform." />
      <div className="p-4">
        <AdminOrgsTable
          rows={list.rows.map((r) => ({ ...r, balance: formatCredits(r.balance) }))}
          total={list.total}
          query={list.query}
        />
      </div>
    </Card>
  );
}
