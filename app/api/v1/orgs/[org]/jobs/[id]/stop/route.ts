import { stopOrgJob } from "@/app/_server/api/endpoints/console-jobs";

export const dynamic = "force-dynamic";
export const POST = stopOrgJob.route;
