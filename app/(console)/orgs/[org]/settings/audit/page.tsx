import type { Metadata } from "next";
import { orgAccess } from "@/app/_server/org-access";
import { currentCaller, loadPage } from "@/app/_server/session";
import { AuditView } from "@/components/audit/audit-view";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { AUDIT_ACTIONS, listAuditEvents } from "@/lib/orgs";
import type { OrgSearchPageProps } from "@/app/_server/page-props";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const result = await loadPage(async () =>
    listAuditEvents(await getDb(), await currentCaller(), await orgAccess(org), await searchParams),
  );
  return (
    <Card>
      <CardHeader
        title="Audit log"
        description="Every change to this organization, its members and invitations, newest first."
      />
      <div className="p-4">
        <AuditView rows={result.rows} total={result.total} query={result.query} actions={AUDIT_ACTIONS} />
      </div>
    </Card>
  );
}
