import { orgAccess } from "@/app/_server/org-access";
import type { SearchPageProps } from "@/app/_server/page-props";
import { currentCaller, currentUser, loadPage } from "@/app/_server/session";
import { AddProjectMemberDialog } from "@/components/projects/add-member-dialog";
import { LeaveProjectButton } from "@/components/projects/leave-project";
import { ProjectMembersView } from "@/components/projects/project-members-view";
import type { ProjectMemberView } from "@/components/projects/types";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { allowed } from "@/lib/core";
import { listProjectMembers } from "@/lib/projects";
import type { Metadata } from "next";
import { projectFromParams, type ProjectParams } from "../load";

export const metadata: Metadata = { title: "Project members" };

export default async function ProjectMembersPage({ params, searchParams }: ProjectParams & SearchPageProps) {
  const { org, cluster, project, view } = await projectFromParams(params);
  const me = await currentUser();
  const list = await loadPage(async () =>
    listProjectMembers(
      await getDb(),
      await currentCaller(),
      await orgAccess(org),
      { cluster, project },
      await searchParams,
    ),
  );
  const projectKey = { org, cluster, project };
  const members: ProjectMemberView[] = list.rows.map((m) => ({
    userId: m.userId,
    username: m.username,
    name: m.name,
    role: m.role,
    orgRole: m.orgRole,
    joinedAt: m.joinedAt,
    isSelf: m.userId === me?.id,
    actions: m.actions,
  }));
  const q = list.query.q;
  // Leaving is the own row's "remove" (never for the last admin); when that row is on another page, the
  // button shows for any member and the server answers.
  const self = members.find((m) => m.isSelf);
  const canLeave = Boolean(view.memberRole && me && (self ? self.actions.remove : true));
  return (
    <Card>
      <CardHeader
        title="Members"
        description={`${list.total.toLocaleString("en")} ${q ? "matching " : ""}member${list.total === 1 ? "" : "s"}. Org managers and admins act as admins in every project.`}
        actions={
          <div className="flex flex-wrap gap-2">
            {canLeave && me && (
              <LeaveProjectButton
                projectKey={projectKey}
                username={me.username}
                keepsAccess={allowed(await orgAccess(org), "projects.viewAll")}
              />
            )}
            {list.canAdd && (
              <AddProjectMemberDialog
                projectKey={projectKey}
                roles={list.addableRoles}
                defaultRole={view.project.defaultRole}
              />
            )}
          </div>
        }
      />
      <div className="p-4">
        <ProjectMembersView projectKey={projectKey} members={members} total={list.total} query={list.query} />
      </div>
    </Card>
  );
}
