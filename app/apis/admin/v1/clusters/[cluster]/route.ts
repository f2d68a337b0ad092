import { getApoloCluster } from "@/app/_server/api/endpoints/apolo-config";

export const dynamic = "force-dynamic";
export const GET = getApoloCluster.route;
