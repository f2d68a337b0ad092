import { orgAccess } from "@/app/_server/org-access";
import { currentCaller, loadPage } from "@/app/_server/session";
import { DeleteOrgSection, LeaveOrgSection } from "@/components/console/danger-zone";
import { OrgNameSettings } from "@/components/console/org-name-settings";
import { CreditSettings } from "@/components/credits/credit-settings";
import { ProjectionWarnings } from "@/components/credits/projection-warnings";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { can, formatCredits, requireOrgAccess } from "@/lib/core";
import { ORG_NAME_REDIRECT_DAYS } from "@/lib/orgs";
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
      <OrgNameSettings
        org={access.org.name}
        displayName={access.org.displayName}
        createdAt={dateFormat.format(access.org.createdAt)}
        canEdit={can(access.role, "org.updateSettings")}
        redirectDays={ORG_NAME_REDIRECT_DAYS}
      />
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
