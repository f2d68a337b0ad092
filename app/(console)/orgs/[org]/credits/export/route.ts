import { NextResponse, type NextRequest } from "next/server";
import { currentActor } from "@/app/_server/session";
import { getDb } from "@/db";
import { exportLedgerCsv } from "@/lib/credits";
import { isDomainError } from "@/lib/errors";

/** The ledger view as CSV, with the page's filters. Same lib call and authorization as the page. */
export async function GET(req: NextRequest, { params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  try {
    const csv = await exportLedgerCsv(
      await getDb(),
      await currentActor(),
      org,
      Object.fromEntries(req.nextUrl.searchParams),
    );
    return new NextResponse(csv, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${org}-ledger.csv"`,
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
