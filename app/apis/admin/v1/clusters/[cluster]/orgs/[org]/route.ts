import { getClusterOrg, updateClusterOrg, deleteClusterOrg } from "@/app/_server/api/endpoints/admin-projects";

export const dynamic = "force-dynamic";
export const GET = getClusterOrg.route;
export const PUT = updateClusterOrg.route;
export const DELETE = deleteClusterOrg.route;
