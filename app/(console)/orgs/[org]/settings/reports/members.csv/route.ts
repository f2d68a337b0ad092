import { NextResponse, type NextRequest } from "next/server";
import { currentActor } from "@/app/_server/session";
import { getDb } from "@/db";
import { isDomainError } from "@/lib/errors";
import { exportMemberReportCsv, parseReportPeriod } from "@/lib/reports";

/** The Reports tab's members table as CSV, for the page's period and sort. Same lib call and authorization. */
export async function GET(req: NextRequest, { params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const query = Object.fromEntries(req.nextUrl.searchParams);
  try {
    const csv = await exportMemberReportCsv(await getDb(), await currentActor(), org, query);
    const { period } = parseReportPeriod(query);
    return new NextResponse(csv, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${org}-members-${period.from}-${period.to}.csv"`,
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
