import "server-only";
import { orgAccess } from "@/app/_server/org-access";
import { currentCaller, loadPage } from "@/app/_server/session";
import { getDb } from "@/db";
import { getProject } from "@/lib/projects";
import { cache } from "react";

/** Route params of every page under a project. */
export interface ProjectParams {
  params: Promise<{ org: string; cluster: string; project: string }>;
}

/**
 * The project as the caller sees it, loaded once per request (React `cache`) for the layout and the tab: a
 * project the caller can't see renders the not-found page (loadPage), exactly like one that doesn't exist.
 */
export const loadProject = cache(async (org: string, cluster: string, project: string) => {
  const access = await loadPage(() => orgAccess(org));
  return loadPage(async () => getProject(await getDb(), await currentCaller(), access, { cluster, project }));
});

/** The params decoded (Next passes them URL-encoded) and the project loaded. */
export async function projectFromParams(params: ProjectParams["params"]) {
  const p = await params;
  const cluster = decodeURIComponent(p.cluster);
  const project = decodeURIComponent(p.project);
  const view = await loadProject(p.org, cluster, project);
  const base = `/orgs/${p.org}/projects/${encodeURIComponent(cluster)}/${encodeURIComponent(project)}`;
  return { org: p.org, cluster, project, view, base };
}
