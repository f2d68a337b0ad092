import { orgAccess } from "@/app/_server/org-access";
import type { OrgSearchPageProps } from "@/app/_server/page-props";
import { currentCaller, loadPage } from "@/app/_server/session";
import { InvitationsTable } from "@/components/members/invitations-table";
import { InviteDialog } from "@/components/members/invite-dialog";
import { MembersView } from "@/components/members/members-view";
import type { InvitationView, MemberView } from "@/components/members/types";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { can, canGrant, formatCredits, grantableRoles, memberActions } from "@/lib/core";
import { listMembers, listOrgInvitations } from "@/lib/orgs";
import type { Metadata } from "next";

export const metadata: Metadata = { title: "Members" };

export default async function UsersPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  // The layouts loaded the caller's access for this request: the lib calls check it without a query.
  const access = await loadPage(() => orgAccess(org));
  const list = await loadPage(async () => listMembers(db, actor, access, await searchParams));
  const { viewer } = list;
  const manages = can(viewer.role, "members.invite");
  const invitations = manages ? await listOrgInvitations(db, actor, access) : [];

  const members: MemberView[] = list.rows.map((m) => ({
    ...m,
    credits: `${formatCredits(m.spent)} / ${formatCredits(m.creditLimit)}`,
    creditLimit: m.creditLimit === null ? null : formatCredits(m.creditLimit).replace(/,/g, ""),
    isSelf: m.userId === viewer.userId,
    actions: memberActions(viewer, m),
  }));
  const invitationViews: InvitationView[] = invitations.map((i) => ({
    ...i,
    manageable: canGrant(viewer.role, i.role),
  }));

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader
          title={manages ? "Users" : "Members"}
          description={
            // An empty search says so once, in the table: no "0 matching members" above it.
            list.total === 0 && (list.query.q || list.query.role)
              ? `Members of ${org}`
              : `${list.total.toLocaleString("en")}${list.totalCapped ? "+" : ""} ${list.query.q || list.query.role ? "matching " : ""}member${list.total === 1 ? "" : "s"} of ${org}`
          }
          actions={
            manages && (
              <InviteDialog
                org={org}
                roles={grantableRoles(viewer.role)}
                mailDelivered={Boolean(process.env.SMTP_URL)}
              />
            )
          }
        />
        <div className="p-4">
          <MembersView
            org={org}
            members={members}
            total={list.total}
            totalCapped={list.totalCapped}
            query={list.query}
            showActions={manages}
            showEmail={list.seesEmail}
          />
        </div>
      </Card>
      {manages && (
        <Card>
          <CardHeader
            title="Pending invitations"
            description="Invitations not yet answered, valid for 7 days. People invited by username accept in the console; email links work once."
          />
          <div className="p-4">
            <InvitationsTable org={org} invitations={invitationViews} />
          </div>
        </Card>
      )}
    </div>
  );
}
