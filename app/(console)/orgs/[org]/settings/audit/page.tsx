import type { Metadata } from "next";
import { headers } from "next/headers";
import { orgAccess } from "@/app/_server/org-access";
import { currentCaller, loadPage } from "@/app/_server/session";
import { AuditView } from "@/components/audit/audit-view";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { AUDIT_ACTION_LABELS, AUDIT_ACTIONS, listAuditEvents } from "@/lib/orgs";
import type { OrgSearchPageProps } from "@/app/_server/page-props";

export const metadata: Metadata = { title: "Audit log" };

/** The viewer's first Accept-Language tag that Intl knows, for dates; "en-GB" ("1 Dec 2026, 14:03:12") otherwise. */
function viewerLocale(acceptLanguage: string | null): string {
  const tag = acceptLanguage?.split(",")[0]?.split(";")[0]?.trim();
  if (!tag || tag === "*") return "en-GB";
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag])[0] ?? "en-GB";
  } catch {
    return "en-GB";
  }
}

export default async function AuditPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const result = await loadPage(async () =>
    listAuditEvents(await getDb(), await currentCaller(), await orgAccess(org), await searchParams),
  );
  const locale = viewerLocale((await headers()).get("accept-language"));
  const q = result.query;
  const exportQuery = new URLSearchParams();
  for (const key of ["action", "actor", "from", "to"] as const) if (q[key]) exportQuery.set(key, q[key]);
  const exportHref = `/orgs/${encodeURIComponent(org)}/settings/audit/audit.csv${exportQuery.size ? `?${exportQuery}` : ""}`;
  return (
    <Card>
      <CardHeader
        title="Audit log"
        description="Every change to this organization, its members and invitations, newest first."
      />
      <div className="p-4">
        <AuditView
          rows={result.rows}
          total={result.total}
          query={q}
          actions={AUDIT_ACTIONS}
          labels={AUDIT_ACTION_LABELS}
          locale={locale}
          exportHref={exportHref}
        />
      </div>
    </Card>
  );
}
