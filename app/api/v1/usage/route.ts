import { services } from "@/app/_server/services";
import type { Db } from "@/db";
import { getDb } from "@/db";
import { BATCHER_DEFAULTS, handleUsageRequest, INVALID_JSON, readBodyText, UsageBatcher } from "@/lib/compute";
import { NextResponse } from "next/server";

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

/** External cluster runners report usage. Bearer cluster token only: cookies are never read here. */
export async function POST(req: Request) {
  const text = await readBodyText(req, MAX_BODY_BYTES);
  if (text === null) {
    return NextResponse.json({ error: `The body must be at most ${MAX_BODY_BYTES} bytes.` }, { status: 413 });
  }
  let body: unknown = INVALID_JSON;
  try {
    body = JSON.parse(text);
  } catch {
    // handleUsageRequest answers 400 once the token has been checked.
  }
  try {
    const [db, svc] = await Promise.all([getDb(), services()]);
    const shared = batcher(db);
    const result = await handleUsageRequest(db, req.headers.get("authorization"), body, svc, {
      meter: shared?.meter,
      authenticate: shared?.authenticate,
    });
    return NextResponse.json(result.body, {
      status: result.status,
      // no-transform: these answers are small JSON; gzipping each one cost the server more than it saves.
      headers: { "Cache-Control": "no-store, no-transform", ...result.headers },
    });
  } catch (err) {
    console.error("[usage] request failed:", err);
    return NextResponse.json({ error: "Internal error" }, { status: 500 });
  }
}
