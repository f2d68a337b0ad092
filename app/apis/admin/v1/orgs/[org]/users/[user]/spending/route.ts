import { postOrgUserSpendingApi } from "@/app/_server/api/endpoints/admin-orgs";

export const dynamic = "force-dynamic";
export const POST = postOrgUserSpendingApi.route;
