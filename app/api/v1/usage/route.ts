import { NextResponse } from "next/server";
import { services } from "@/app/_server/services";
import { getDb } from "@/db";
import { handleUsageRequest, INVALID_JSON, readBodyText } from "@/lib/usage-api";

export const dynamic = "force-dynamic";

/** 1000 records fit in well under this. */
const MAX_BODY_BYTES = 1024 * 1024;

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
    const result = await handleUsageRequest(await getDb(), req.headers.get("authorization"), body, await services());
    return NextResponse.json(result.body, {
      status: result.status,
      headers: { "Cache-Control": "no-store", ...result.headers },
    });
  } catch (err) {
    console.error("[usage] request failed:", err);
    return NextResponse.json({ error: "Internal error" }, { status: 500 });
  }
}
