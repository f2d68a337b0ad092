import { listArtifacts } from "@/app/_server/api/endpoints/console-artifacts";

export const dynamic = "force-dynamic";
export const GET = listArtifacts.route;
