import { listOrgMembers } from "@/app/_server/api/endpoints/console-orgs";

export const dynamic = "force-dynamic";
export const GET = listOrgMembers.route;
