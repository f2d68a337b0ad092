import { DeleteProjectSection } from "@/components/projects/delete-project";
import { ProjectSettingsForm } from "@/components/projects/project-settings-form";
import { Card, CardHeader } from "@/components/ui/card";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { projectFromParams, type ProjectParams } from "../load";

export const metadata: Metadata = { title: "Project settings" };

/** Settings for those who may change them or delete the project; everyone else gets the not-found page. */
export default async function ProjectSettingsPage({ params }: ProjectParams) {
  const { org, cluster, project, view } = await projectFromParams(params);
  const { can } = view;
  if (!can["project.updateSettings"] && !can["project.delete"]) notFound();
  const projectKey = { org, cluster, project };
  return (
    <div className="space-y-6">
      {can["project.updateSettings"] && (
        <Card>
          <CardHeader
            title="General"
            description={`The project stays on ${cluster}; renaming it changes its URL and its Apolo URIs.`}
          />
          <ProjectSettingsForm
            key={view.project.name}
            projectKey={projectKey}
            current={{
              name: view.project.name,
              displayName: view.project.displayName,
              description: view.project.description,
              defaultRole: view.project.defaultRole,
              isDefault: view.project.isDefault,
            }}
            canSetDefault={can.canSetDefault}
          />
        </Card>
      )}
      {can["project.delete"] && (
        <Card className="border-danger/40">
          <CardHeader title="Danger zone" />
          <DeleteProjectSection projectKey={projectKey} />
        </Card>
      )}
    </div>
  );
}
