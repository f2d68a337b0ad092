import { listInvitations, createInvitations } from "@/app/_server/api/endpoints/console-orgs";

export const dynamic = "force-dynamic";
export const GET = listInvitations.route;
export const POST = createInvitations.route;
