import { listOrgProjectUsers, addOrgProjectUser } from "@/app/_server/api/endpoints/admin-projects";

export const dynamic = "force-dynamic";
export const GET = listOrgProjectUsers.route;
export const POST = addOrgProjectUser.route;
