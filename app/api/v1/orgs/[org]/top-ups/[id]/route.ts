import { getTopUp } from "@/app/_server/api/endpoints/console-billing";

export const dynamic = "force-dynamic";
export const GET = getTopUp.route;
