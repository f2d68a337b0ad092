import type { Metadata } from "next";
import { currentCaller, loadPage } from "@/app/_server/session";
import { GrantCreditsForm } from "@/components/admin/grant-credits-form";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { listClusters } from "@/lib/compute";
import type { SearchPageProps } from "@/app/_server/page-props";

export const metadata: Metadata = { title: "Admin · Credits" };

export default async function AdminCreditsPage({ searchParams }: SearchPageProps) {
  const { org } = await searchParams;
  // The orgs on any cluster are the suggestions (default clusters hold every org created since).
  const clusters = await loadPage(async () => listClusters(await getDb(), await currentCaller()));
  const knownOrgs = [...new Set(clusters.flatMap((c) => c.orgs.map((o) => o.org)))].sort();
  return (
    <Card>
      <CardHeader
        title="Grant credits"
        description="Credit an organization without payment, or set its balance. Recorded in its ledger as a grant by you."
      />
      <div className="p-5">
        <GrantCreditsForm initialOrg={typeof org === "string" ? org.slice(0, 63) : ""} knownOrgs={knownOrgs} />
      </div>
    </Card>
  );
}
