import { getMe } from "@/app/_server/api/endpoints/account";

export const dynamic = "force-dynamic";
export const GET = getMe.route;
