import { listOrgJobs, startOrgJob } from "@/app/_server/api/endpoints/console-jobs";

export const dynamic = "force-dynamic";
export const GET = listOrgJobs.route;
export const POST = startOrgJob.route;
