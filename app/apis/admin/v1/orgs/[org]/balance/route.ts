import { patchOrgBalanceApi } from "@/app/_server/api/endpoints/admin-orgs";

export const dynamic = "force-dynamic";
export const PATCH = patchOrgBalanceApi.route;
