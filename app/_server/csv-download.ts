import { NextResponse } from "next/server";
import { errorResponse } from "./http-errors";
import { requestId } from "./session";

/**
 * A CSV export route's answer: the document as an attachment, or the lib call's error as JSON (http-errors.ts).
 * A refusal is a 404 like the page it exports (a user must not learn that the export exists).
 */
export async function csvDownload(filename: string, produce: () => Promise<string>): Promise<Response> {
  try {
    const csv = await produce();
    return new NextResponse(csv, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
        "cache-control": "no-store",
      },
    });
  } catch (err) {
    return errorResponse(err, { forbiddenAsNotFound: true, requestId: await requestId(), context: "csv export" });
  }
}
