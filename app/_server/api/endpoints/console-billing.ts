import { z } from "zod";
import {
  createTopUp,
  exportLedgerCsv,
  getPayment,
  LEDGER_CURSOR_LIMITS,
  LEDGER_KINDS,
  listLedgerByCursor,
} from "@/lib/billing";
import { appConfig } from "../../config";
import { paymentProvider } from "../../services";
import { defineEndpoint } from "../endpoint";
import { decimal, iso, isoDate, orgParam, orgParams } from "./console-shared";

/** The console's own API: the credit ledger (cursor-paged, or CSV) and top-ups (a checkout, then its state). */

const ledgerFilters = {
  kind: z.enum(LEDGER_KINDS).optional(),
  member: z.string().max(64).optional().describe("A member's username: their entries only."),
  project: z
    .string()
    .max(130)
    .optional()
    .describe('"<cluster>/<project>" (a project the caller can see), or "none" (entries without a project).'),
  from: z.iso.date().optional().describe("First UTC day (YYYY-MM-DD), inclusive."),
  to: z.iso.date().optional().describe("Last UTC day (YYYY-MM-DD), inclusive."),
};

export const ledgerQuery = z.object({
  ...ledgerFilters,
  cursor: z.string().max(200).optional().describe("The `next_cursor` of the previous page; absent: the newest."),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LEDGER_CURSOR_LIMITS.max)
    .optional()
    .describe(`Rows per page, 1 to ${LEDGER_CURSOR_LIMITS.max} (${LEDGER_CURSOR_LIMITS.default} unless given).`),
  format: z.enum(["json", "csv"]).optional().describe("csv: the whole filtered ledger as CSV (no paging)."),
});

export const ledgerResponse = z.object({
  entries: z.array(
    z.object({
      id: z.number().int(),
      created_at: isoDate,
      kind: z.enum(LEDGER_KINDS),
      amount: decimal.describe("Signed: top-ups and grants positive, charges negative."),
      balance_after: decimal,
      actor: z.string().nullable().describe("Who did it (payer, granting admin); null for metering."),
      member: z.string().nullable().describe("The member whose usage was charged."),
      job: z.string().nullable(),
      period_start: isoDate
        .nullable()
        .describe(
          "A job's hourly charge row: the start of the UTC hour it covers (the row grows as the job runs in that hour). Null for every other row.",
        ),
      updated_at: isoDate
        .nullable()
        .describe("When an hourly charge row last grew (its last charge); null for rows written once."),
      project: z.object({ name: z.string(), cluster: z.string() }).nullable(),
      note: z.string().nullable(),
    }),
  ),
  next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page."),
});

function csvAnswer(org: string, csv: string): Response {
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${`${org}-ledger.csv`.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      "cache-control": "no-store",
    },
  });
}

/** GET /api/v1/orgs/{org}/ledger: the ledger, newest first, cursor-paged; `format=csv` for the CSV. */
export const getLedger = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs/{org}/ledger",
    tag: "Credits",
    summary: "An org's credit ledger, newest first, filtered, paged by cursor (or CSV with format=csv).",
    description:
      "Users see top-ups, grants and their own usage; managers and admins see every entry. Same filters as the Credits page.",
    params: orgParams,
    query: ledgerQuery,
    response: ledgerResponse,
  },
  async ({ db, caller, params, query }) => {
    const { cursor, limit, format, ...filters } = query;
    if (format === "csv") return csvAnswer(params.org, await exportLedgerCsv(db, caller, params.org, filters));
    const r = await listLedgerByCursor(db, caller, params.org, { ...filters, cursor, limit });
    return {
      entries: r.rows.map((e) => ({
        id: e.id,
        created_at: iso(e.createdAt),
        kind: e.kind,
        amount: e.amount,
        balance_after: e.balanceAfter,
        actor: e.actor,
        member: e.member,
        job: e.jobName,
        period_start: iso(e.periodStart),
        updated_at: iso(e.updatedAt),
        project: e.projectName === null ? null : { name: e.projectName, cluster: e.projectCluster ?? "" },
        note: e.note,
      })),
      next_cursor: r.nextCursor,
    } satisfies z.input<typeof ledgerResponse>;
  },
);

/** GET /api/v1/orgs/{org}/ledger.csv: the filtered ledger as CSV (the Credits page's export). */
export const getLedgerCsv = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs/{org}/ledger.csv",
    tag: "Credits",
    summary: "An org's credit ledger as CSV (text/csv), with the same filters; at most 100000 rows.",
    params: orgParams,
    query: z.object(ledgerFilters),
    response: z
      .string()
      .describe(
        "text/csv: time,hour,last_updated,kind,amount,amount_exact,balance_after,balance_after_exact,actor,member,job,project,cluster,note",
      ),
  },
  async ({ db, caller, params, query }) => csvAnswer(params.org, await exportLedgerCsv(db, caller, params.org, query)),
);

export const topUpBody = z.object({
  credits: z.string().max(40).describe('Credits to buy, a decimal string from "1" to "100000" (at most 2 decimals).'),
});

const paymentStatus = z.enum(["pending", "paid", "failed", "cancelled"]);

export const topUpResponse = z.object({
  id: z.uuid().describe("The payment's id: GET top-ups/{id} for its state."),
  status: paymentStatus,
  checkout_url: z.string().describe("Where the payer completes the payment (Stripe Checkout or the sandbox page)."),
  credits: decimal,
  amount_minor: z.number().int().describe("The price in the currency's minor unit (cents)."),
  currency: z.string(),
});

/** POST /api/v1/orgs/{org}/top-ups: starts a top-up, answering the checkout URL. */
export const createTopUpEndpoint = defineEndpoint(
  {
    family: "console",
    method: "POST",
    path: "/api/v1/orgs/{org}/top-ups",
    tag: "Credits",
    summary: "Start a top-up: a pending payment and its checkout URL (Stripe, or the sandbox checkout).",
    description:
      "The credits are added when the payment succeeds (never by this call). Every member may top up unless the org raised the minimum role. Send an Idempotency-Key to retry safely.",
    params: orgParams,
    body: topUpBody,
    response: topUpResponse,
    status: 201,
    idempotent: true,
  },
  async ({ db, caller, params, body, services }) => {
    const svc = await services();
    const r = await createTopUp(db, caller, params.org, body, {
      ...svc,
      provider: paymentProvider(svc.appUrl),
      pricing: appConfig().pricing,
    });
    return {
      id: r.paymentId,
      status: "pending",
      checkout_url: r.url,
      credits: r.credits,
      amount_minor: r.amountMinor,
      currency: r.currency,
    } satisfies z.input<typeof topUpResponse>;
  },
);

export const paymentResponse = z.object({
  id: z.uuid(),
  status: paymentStatus,
  provider: z.enum(["sandbox", "stripe"]),
  credits: decimal,
  amount_minor: z.number().int(),
  amount: z.string().describe("The price formatted for display."),
  currency: z.string(),
  created_at: isoDate,
  completed_at: isoDate.nullable(),
});

/** GET /api/v1/orgs/{org}/top-ups/{id}: a top-up's state (its payer only). */
export const getTopUp = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/orgs/{org}/top-ups/{id}",
    tag: "Credits",
    summary: "A top-up's state: pending, paid, failed or cancelled. Only its payer sees it.",
    params: z.object({ org: orgParam, id: z.string().max(64).describe("The payment's id.") }),
    response: paymentResponse,
  },
  async ({ db, caller, params }) => {
    const p = await getPayment(db, caller, params.org, params.id);
    return {
      id: p.id,
      status: p.status,
      provider: p.provider,
      credits: p.credits,
      amount_minor: p.amountMinor,
      amount: p.amount,
      currency: p.currency,
      created_at: iso(p.createdAt),
      completed_at: iso(p.completedAt),
    } satisfies z.input<typeof paymentResponse>;
  },
);
