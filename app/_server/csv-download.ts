import { NextResponse } from "next/server";
import { isDomainError } from "@/lib/core";

/**
 * A CSV export route's answer: the document as an attachment, or the lib call's error as JSON. A refusal is a
 * 404 like the page it exports (a user must not learn that the export exists).
 */
export async function csvDownload(filename: string, produce: () => Promise<string>): Promise<NextResponse> {
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
    if (isDomainError(err)) {
      const status = err.kind === "forbidden" ? 404 : err.status;
      return NextResponse.json({ error: status === 404 ? "Not found" : err.message }, { status });
    }
    throw err;
  }
}
