import { patchOrgUserBalanceApi } from "@/app/_server/api/endpoints/admin-orgs";

export const dynamic = "force-dynamic";
export const PATCH = patchOrgUserBalanceApi.route;
