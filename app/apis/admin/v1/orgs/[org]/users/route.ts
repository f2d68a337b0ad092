import { listOrgUsersApi, addOrgUserApi } from "@/app/_server/api/endpoints/admin-orgs";

export const dynamic = "force-dynamic";
export const GET = listOrgUsersApi.route;
export const POST = addOrgUserApi.route;
