import { deleteOrgClusterUser, getOrgClusterUser, putOrgClusterUser } from "@/app/_server/api/endpoints/apolo-users";

export const dynamic = "force-dynamic";
export const GET = getOrgClusterUser.route;
export const PUT = putOrgClusterUser.route;
export const DELETE = deleteOrgClusterUser.route;
