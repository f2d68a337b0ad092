import type { NextRequest } from "next/server";
import { csvDownload } from "@/app/_server/csv-download";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { exportMemberReportCsv, parseReportPeriod } from "@/lib/reports";

/** The Reports tab's members table as CSV, for the page's period and sort. Same lib call and authorization. */
export async function GET(req: NextRequest, { params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const query = Object.fromEntries(req.nextUrl.searchParams);
  const { period } = parseReportPeriod(query);
  return csvDownload(`${org}-members-${period.from}-${period.to}.csv`, async () =>
    exportMemberReportCsv(await getDb(), await currentCaller(), org, query),
  );
}
