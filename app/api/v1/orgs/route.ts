import { listOrgs } from "@/app/_server/api/endpoints/console-orgs";

export const dynamic = "force-dynamic";
export const GET = listOrgs.route;
