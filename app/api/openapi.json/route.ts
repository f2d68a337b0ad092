import { ALL_ENDPOINTS } from "@/app/_server/api/endpoints";
import { buildOpenApi } from "@/app/_server/api/openapi";
import { appUrl } from "@/app/_server/services";

export const dynamic = "force-dynamic";

/** The OpenAPI 3.1 document of the token API (both families), generated from the endpoints' zod schemas. Public. */
export async function GET() {
  const doc = buildOpenApi(ALL_ENDPOINTS, await appUrl());
  return Response.json(doc, { headers: { "Cache-Control": "no-store" } });
}
