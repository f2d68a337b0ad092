import { listOrgProjects, createOrgProject } from "@/app/_server/api/endpoints/admin-projects";

export const dynamic = "force-dynamic";
export const GET = listOrgProjects.route;
export const POST = createOrgProject.route;
