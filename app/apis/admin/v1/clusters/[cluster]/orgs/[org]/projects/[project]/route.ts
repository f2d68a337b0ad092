import { getOrgProject, updateOrgProject, deleteOrgProject } from "@/app/_server/api/endpoints/admin-projects";

export const dynamic = "force-dynamic";
export const GET = getOrgProject.route;
export const PUT = updateOrgProject.route;
export const DELETE = deleteOrgProject.route;
