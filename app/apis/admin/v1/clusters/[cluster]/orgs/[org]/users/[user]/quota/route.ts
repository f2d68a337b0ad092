import { patchOrgClusterUserQuota } from "@/app/_server/api/endpoints/apolo-users";

export const dynamic = "force-dynamic";
export const PATCH = patchOrgClusterUserQuota.route;
