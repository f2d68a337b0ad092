import { listAllClusterUsers, postClusterUser } from "@/app/_server/api/endpoints/apolo-users";

export const dynamic = "force-dynamic";
export const GET = listAllClusterUsers.route;
export const POST = postClusterUser.route;
