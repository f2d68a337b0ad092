import { getOrgUserApi, putOrgUserApi, deleteOrgUserApi } from "@/app/_server/api/endpoints/admin-orgs";

export const dynamic = "force-dynamic";
export const GET = getOrgUserApi.route;
export const PUT = putOrgUserApi.route;
export const DELETE = deleteOrgUserApi.route;
