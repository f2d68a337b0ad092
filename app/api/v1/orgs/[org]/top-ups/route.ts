import { createTopUpEndpoint } from "@/app/_server/api/endpoints/console-billing";

export const dynamic = "force-dynamic";
export const POST = createTopUpEndpoint.route;
