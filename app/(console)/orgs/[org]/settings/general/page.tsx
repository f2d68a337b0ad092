import { orgAccess } from "@/app/_server/org-access";
import { currentCaller, loadPage } from "@/app/_server/session";
import { DeleteOrgSection, LeaveOrgSection } from "@/components/console/danger-zone";
import { CreditSettings } from "@/components/credits/credit-settings";
import { ProjectionWarnings } from "@/components/credits/projection-warnings";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { can, formatCredits, requireOrgAccess } from "@/lib/core";
import type { Metadata } from "next";
import { AutoTopUpSection } from "./auto-topup-section";

export const metadata: Metadata = { title: "General settings" };

export default async function GeneralSettingsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await loadPage(async () =>
    requireOrgAccess(await getDb(), await currentCaller(), await orgAccess(org), "settings.open"),
  );
  const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader title="Organization" />
        <dl className="divide-y divide-border text-sm">
          {[
            [
              "Name",
              <code key="n" className="font-mono">
                {access.org.name}
              </code>,
            ],
            ["Display name", access.org.displayName ?? "—"],
            ["Created", dateFormat.format(access.org.createdAt)],
          ].map(([label, value]) => (
            <div key={String(label)} className="grid gap-1 px-5 py-3 sm:grid-cols-3">
              <dt className="text-muted">{label}</dt>
              <dd className="sm:col-span-2">{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card>
        <CardHeader title="Credits" description="Limits for new members and who may buy credits." />
        <CreditSettings
          org={access.org.name}
          defaultUserCreditLimit={
            access.org.defaultUserCreditLimit === null
              ? ""
              : formatCredits(access.org.defaultUserCreditLimit).replace(/,/g, "")
          }
          topUpMinRole={access.org.topUpMinRole}
          canChangeTopUp={can(access.role, "org.updateSettings")}
        />
      </Card>
      <ProjectionWarnings
        org={access.org.name}
        intervals={access.org.balanceProjectionSeconds}
        canEdit={can(access.role, "org.updateSettings")}
      />
      <AutoTopUpSection org={access.org.name} />
      <Card className="border-danger/40">
        <CardHeader title="Danger zone" />
        <div className="divide-y divide-border">
          <LeaveOrgSection org={access.org.name} />
          {can(access.role, "org.delete") && <DeleteOrgSection org={access.org.name} />}
        </div>
      </Card>
    </div>
  );
}
