import { setClusterOrgQuota } from "@/app/_server/api/endpoints/admin-projects";

export const dynamic = "force-dynamic";
export const PATCH = setClusterOrgQuota.route;
