import { errorResponse, jsonError } from "@/app/_server/http-errors";
import { getDb } from "@/db";
import { internal } from "@/lib/artifacts";
import { authenticateClusterToken, readBodyText } from "@/lib/compute";
import { Malformed, Unauthenticated } from "@/lib/core";

export const dynamic = "force-dynamic";

/** An image's record (a thousand tags) fits in well under this. */
const MAX_BODY_BYTES = 256 * 1024;

const HEADERS = { "Cache-Control": "no-store, no-transform" };

/**
 * Images pushed to a cluster's registry, reported by the cluster's runner (bearer cluster token only: cookies
 * are never read here). `POST` registers or updates one `{ org, project, name, tags, size_bytes, pushed_at?,
 * owner? }`; `DELETE` removes one `{ org, project, name }` (a missing one is fine). Both are idempotent, and a
 * runner only reaches projects on its own cluster (any other is 404). Errors as JSON (app/_server/http-errors.ts):
 * 401 with `WWW-Authenticate: Bearer`, 400 for a body that isn't JSON, 422 with `fields`, 413 above MAX_BODY_BYTES.
 */
async function handle(req: Request, op: "register" | "remove") {
  const text = await readBodyText(req, MAX_BODY_BYTES);
  if (text === null) {
    return jsonError(413, "payload_too_large", `The body must be at most ${MAX_BODY_BYTES} bytes.`, {
      headers: HEADERS,
    });
  }
  try {
    const db = await getDb();
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.get("authorization") ?? "")?.[1] ?? null;
    const cluster = bearer ? await authenticateClusterToken(db, bearer) : null;
    if (!cluster) throw new Unauthenticated("Send a valid cluster token: Authorization: Bearer apc_…");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Malformed("The body must be JSON.");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new Malformed("The body must be a JSON object.");
    }
    // The cluster is the token's: a `cluster` field in the body is ignored.
    const input = { ...body, cluster: undefined };
    const result =
      op === "register"
        ? await internal.registerImage(db, cluster, input)
        : await internal.removeImage(db, cluster, input);
    return Response.json(result, {
      status: op === "register" && "created" in result && result.created ? 201 : 200,
      headers: HEADERS,
    });
  } catch (err) {
    return errorResponse(err, { bearerRealm: "apolo-artifacts", context: "artifacts", headers: HEADERS });
  }
}

export function POST(req: Request) {
  return handle(req, "register");
}

export function DELETE(req: Request) {
  return handle(req, "remove");
}
