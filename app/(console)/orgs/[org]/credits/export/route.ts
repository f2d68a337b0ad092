import type { NextRequest } from "next/server";
import { csvDownload } from "@/app/_server/csv-download";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { exportLedgerCsv } from "@/lib/billing";

/** The ledger view as CSV, with the page's filters. Same lib call and authorization as the page. */
export async function GET(req: NextRequest, { params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const query = Object.fromEntries(req.nextUrl.searchParams);
  return csvDownload(`${org}-ledger.csv`, async () =>
    exportLedgerCsv(await getDb(), await currentCaller(), org, query),
  );
}
