import { listClusterOrgs, createClusterOrg } from "@/app/_server/api/endpoints/admin-projects";

export const dynamic = "force-dynamic";
export const GET = listClusterOrgs.route;
export const POST = createClusterOrg.route;
