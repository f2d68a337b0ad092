import { createDiskEndpoint } from "@/app/_server/api/endpoints/console-artifacts";

export const dynamic = "force-dynamic";
export const POST = createDiskEndpoint.route;
