import { setClusterOrgBalance } from "@/app/_server/api/endpoints/admin-projects";

export const dynamic = "force-dynamic";
export const PATCH = setClusterOrgBalance.route;
