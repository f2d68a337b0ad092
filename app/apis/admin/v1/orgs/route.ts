import { listOrgsApi, createOrgApi } from "@/app/_server/api/endpoints/admin-orgs";

export const dynamic = "force-dynamic";
export const GET = listOrgsApi.route;
export const POST = createOrgApi.route;
