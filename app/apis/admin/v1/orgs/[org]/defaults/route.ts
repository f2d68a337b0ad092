import { patchOrgDefaultsApi } from "@/app/_server/api/endpoints/admin-orgs";

export const dynamic = "force-dynamic";
export const PATCH = patchOrgDefaultsApi.route;
