import { getOrgApi, deleteOrgApi } from "@/app/_server/api/endpoints/admin-orgs";

export const dynamic = "force-dynamic";
export const GET = getOrgApi.route;
export const DELETE = deleteOrgApi.route;
