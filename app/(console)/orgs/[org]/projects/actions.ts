"use server";

import { formField, formValues, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { setFlash } from "@/app/_server/flash";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import {
  addProjectMember,
  changeProjectMemberRole,
  createProject,
  deleteProject,
  listProjectCandidates,
  removeProjectMember,
  updateProject,
} from "@/lib/projects";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";

const projectsPath = (org: string) => `/orgs/${org}/projects`;
const projectPath = (org: string, cluster: string, project: string) =>
  `${projectsPath(org)}/${encodeURIComponent(cluster)}/${encodeURIComponent(project)}`;

/**
 * A checkbox the form shows only to those who may change it: an unchecked box sends nothing, so the form also
 * sends `<name>Shown`; without it the field is left out (undefined), never turned off.
 */
function checkbox(formData: FormData, name: string): boolean | undefined {
  return formField(formData, `${name}Shown`) ? formField(formData, name) === "on" : undefined;
}

/** "New project": created with the caller as its admin, then opened. */
export async function createProjectAction(org: string, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["cluster", "name", "displayName", "description", "defaultRole", "isDefault"]);
  return runFormAction(values, async () => {
    requireArgs({ org });
    const p = await createProject(await getDb(), await currentCaller(), org, {
      ...values,
      isDefault: checkbox(formData, "isDefault"),
    });
    revalidatePath(`/orgs/${org}`, "layout");
    await setFlash(`Project ${p.cluster}/${p.name} created. You are its admin.`);
    redirect(projectPath(org, p.cluster, p.name));
  });
}

/** Settings → General: a rename moves the project's URL, so the browser follows it. */
export async function updateProjectAction(
  org: string,
  cluster: string,
  project: string,
  formData: FormData,
): Promise<FormState> {
  const values = formValues(formData, ["name", "displayName", "description", "defaultRole", "isDefault"]);
  return runFormAction(values, async () => {
    requireArgs({ org, cluster, project });
    const r = await updateProject(
      await getDb(),
      await currentCaller(),
      org,
      { cluster, project },
      { ...values, isDefault: checkbox(formData, "isDefault") },
    );
    revalidatePath(`/orgs/${org}`, "layout");
    if (r.name !== project) {
      await setFlash(`Project renamed to ${r.name}.`);
      redirect(`${projectPath(org, r.cluster, r.name)}/settings`);
    }
    return { ok: true, message: "Project settings saved.", values };
  });
}

/** The danger zone: the name typed again; a project with running jobs is refused with their names. */
export async function deleteProjectAction(org: string, cluster: string, project: string, confirm: string) {
  return runAction(async () => {
    requireArgs({ org, cluster, project, confirm });
    const r = await deleteProject(await getDb(), await currentCaller(), org, { cluster, project }, { confirm });
    revalidatePath(`/orgs/${org}`, "layout");
    await setFlash(`Project ${cluster}/${r.name} was deleted.`);
    redirect(projectsPath(org));
  });
}

/** "Add member": an org member by username; a refusal (not in the org, already in) goes next to the field. */
export async function addProjectMemberAction(
  org: string,
  cluster: string,
  project: string,
  formData: FormData,
): Promise<FormState> {
  const values = formValues(formData, ["username", "role"]);
  return runFormAction(values, async () => {
    requireArgs({ org, cluster, project });
    await addProjectMember(await getDb(), await currentCaller(), org, { cluster, project }, values);
    revalidatePath(projectPath(org, cluster, project), "layout");
    return {
      ok: true,
      message: `${(values.username ?? "").trim()} was added to ${project}.`,
      values: { username: "", role: values.role ?? "" },
    };
  });
}

export async function changeProjectMemberRoleAction(
  org: string,
  cluster: string,
  project: string,
  username: string,
  role: string,
) {
  return runAction(
    async () => {
      requireArgs({ org, cluster, project, username, role });
      await changeProjectMemberRole(
        await getDb(),
        await currentCaller(),
        org,
        { cluster, project },
        { username, role },
      );
      revalidatePath(projectPath(org, cluster, project), "layout");
    },
    () => `${username} is now ${role} in ${project}.`,
  );
}

export async function removeProjectMemberAction(org: string, cluster: string, project: string, username: string) {
  return runAction(
    async () => {
      requireArgs({ org, cluster, project, username });
      await removeProjectMember(await getDb(), await currentCaller(), org, { cluster, project }, { username });
      revalidatePath(projectPath(org, cluster, project), "layout");
    },
    () => `${username} was removed from ${project}.`,
  );
}

/** Leaving a project (removing one's own membership): back to the projects list, which may no longer show it. */
export async function leaveProjectAction(org: string, cluster: string, project: string, username: string) {
  return runAction(async () => {
    requireArgs({ org, cluster, project, username });
    await removeProjectMember(await getDb(), await currentCaller(), org, { cluster, project }, { username });
    revalidatePath(`/orgs/${org}`, "layout");
    await setFlash(`You left ${cluster}/${project}.`);
    redirect(projectsPath(org));
  });
}

/** Suggestions for the "Add member" username field: org members not yet in the project. */
export async function projectCandidatesAction(org: string, cluster: string, project: string, q: string) {
  return runAction(async () => {
    requireArgs({ org, cluster, project, q });
    return listProjectCandidates(await getDb(), await currentCaller(), org, { cluster, project }, { q });
  });
}
