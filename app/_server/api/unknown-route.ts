import { NotFound } from "@/lib/core";
import { familyError, type ApiFamily } from "./endpoint";

/**
 * The answer under /api/v1 and /apis/admin/v1 for a path no endpoint has (a typo, an empty segment): a JSON 404
 * in the family's shape, as every other API error, instead of the console's HTML not-found page.
 */
export function unknownRoute(family: ApiFamily) {
  return async (req: Request) => {
    const { pathname } = new URL(req.url);
    return familyError(family, new NotFound(`No endpoint ${req.method} ${pathname}`), "unknown route");
  };
}
