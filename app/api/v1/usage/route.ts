import { errorResponse, jsonError } from "@/app/_server/http-errors";
import { services } from "@/app/_server/services";
import type { Db } from "@/db";
import { getDb } from "@/db";
import { BATCHER_DEFAULTS, handleUsageRequest, INVALID_JSON, readBodyText, UsageBatcher } from "@/lib/compute";

export const dynamic = "force-dynamic";

/** 1000 records fit in well under this. */
const MAX_BODY_BYTES = 1024 * 1024;

const holder = globalThis as unknown as { __apoloUsageBatcher?: UsageBatcher };

/**
 * Concurrent small reports are charged together (lib/compute/usage-batcher.ts): USAGE_BATCH_CONCURRENCY shared
 * transactions at most (default 1), and concurrent requests' tokens are checked in one query; 0 checks and
 * charges each request on its own.
 */
function batcher(db: Db): UsageBatcher | undefined {
  const concurrency = Number(process.env.USAGE_BATCH_CONCURRENCY || BATCHER_DEFAULTS.maxConcurrent);
  if (!Number.isSafeInteger(concurrency) || concurrency <= 0) return undefined;
  // One per process; each request brings its own mail services (used only after its token was checked).
  holder.__apoloUsageBatcher ??= new UsageBatcher(db, { ...BATCHER_DEFAULTS, maxConcurrent: concurrency });
  return holder.__apoloUsageBatcher;
}

// no-transform: these answers are small JSON; gzipping each one cost the server more than it saves.
const HEADERS = { "Cache-Control": "no-store, no-transform" };

/**
 * External cluster runners report usage. Bearer cluster token only: cookies are never read here. Errors are
 * answered by http-errors.ts: 401 with `WWW-Authenticate: Bearer`, 400 for a body that isn't JSON, 422 with
 * `fields` per record path, 413 above MAX_BODY_BYTES.
 */
export async function POST(req: Request) {
  const text = await readBodyText(req, MAX_BODY_BYTES);
  if (text === null) {
    return jsonError(413, "payload_too_large", `The body must be at most ${MAX_BODY_BYTES} bytes.`, {
      headers: HEADERS,
    });
  }
  let body: unknown = INVALID_JSON;
  try {
    body = JSON.parse(text);
  } catch {
    // handleUsageRequest refuses it (Malformed, 400) once the token has been checked.
  }
  try {
    const [db, svc] = await Promise.all([getDb(), services()]);
    const shared = batcher(db);
    const result = await handleUsageRequest(db, req.headers.get("authorization"), body, svc, {
      meter: shared?.meter,
      authenticate: shared?.authenticate,
    });
    return Response.json(result, { headers: HEADERS });
  } catch (err) {
    return errorResponse(err, { bearerRealm: "apolo-usage", context: "usage", headers: HEADERS });
  }
}
