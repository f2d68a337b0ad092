import type { NextRequest } from "next/server";
import { csvDownload } from "@/app/_server/csv-download";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { exportAuditCsv } from "@/lib/orgs";

/** The Audit log as CSV, for the page's filters (action, actor, days). Same lib authorization as the page. */
export async function GET(req: NextRequest, { params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const query = Object.fromEntries(req.nextUrl.searchParams);
  return csvDownload(`${org}-audit-log.csv`, async () =>
    exportAuditCsv(await getDb(), await currentCaller(), org, query),
  );
}
