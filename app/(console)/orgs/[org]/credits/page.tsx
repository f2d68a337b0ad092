import type { OrgSearchPageProps } from "@/app/_server/page-props";
import { currentCaller, loadPage } from "@/app/_server/session";
import { LedgerView, type LedgerRowView } from "@/components/credits/ledger-view";
import { ProjectionLine, ProjectionRates } from "@/components/credits/projection-line";
import { TopUpDialog } from "@/components/credits/top-up-dialog";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import {
  describeProjection,
  formatRate,
  getCreditsSummary,
  getOrgProjection,
  getPayment,
  listLedger,
} from "@/lib/billing";
import { listProjectFilterOptions } from "@/lib/projects";
import { appConfig } from "@/app/_server/config";
import { formatCredits, formatCreditsFine, isNonPositive } from "@/lib/core";
import type { Metadata } from "next";
import { AutoTopUpStatus } from "./auto-topup-status";

export const metadata: Metadata = { title: "Credits" };

export default async function CreditsPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const db = await getDb();
  const actor = await currentCaller();
  const now = new Date();
  const [summary, ledger, projects, projection] = await loadPage(async () =>
    Promise.all([
      getCreditsSummary(db, actor, org),
      listLedger(db, actor, org, await searchParams),
      listProjectFilterOptions(db, actor, org),
      getOrgProjection(db, actor, org, now),
    ]),
  );
  const p = projection.projection;
  const outlook = describeProjection(p, now, projection.intervals);
  const jobs = `${p.runningJobs} running job${p.runningJobs === 1 ? "" : "s"}`;
  const rates = [
    {
      label: "Current rate",
      value: formatRate(p.ratePerHour),
      note: "what the projection uses",
      testId: "rate-current",
    },
    {
      label: "Running now",
      value: formatRate(p.rates.running),
      note: p.runningJobs === 0 ? "no jobs running" : `from ${jobs}`,
      testId: "rate-running",
    },
    { label: "Average over 24 h", value: formatRate(p.rates.last24h), testId: "rate-24h" },
    { label: "Average over 7 days", value: formatRate(p.rates.last7d), testId: "rate-7d" },
  ];
  const clusterCount = new Set(projects.map((p) => p.cluster)).size;
  const projectOptions = projects.map((p) => ({
    value: `${p.cluster}/${p.name}`,
    label: clusterCount > 1 ? `${p.name} · ${p.cluster}` : p.name,
  }));
  const pricing = appConfig().pricing;
  const { payment: paymentId, toasted } = await searchParams;
  const found = typeof paymentId === "string" ? await getPayment(db, actor, org, paymentId).catch(() => null) : null;
  // A sandbox payment that went through was announced by a toast already: one message, not a banner as well.
  const payment = found?.status === "paid" && toasted === "1" ? null : found;
  const rows: LedgerRowView[] = ledger.rows.map((r) => ({
    ...r,
    negative: r.amount.startsWith("-"),
    // A small charge (a job's first seconds) shows 4 decimals rather than a signless "0.00".
    amount: (r.amount.startsWith("-") ? "" : "+") + formatCreditsFine(r.amount),
    balanceAfter: formatCredits(r.balanceAfter),
  }));
  const stats = [
    {
      label: "Org balance",
      value: formatCredits(summary.balance),
      testId: "credits-balance",
      danger: summary.balance.startsWith("-"),
    },
    { label: "Spent by the org", value: formatCredits(summary.spent), testId: "credits-spent" },
    {
      label: "Your spending / limit",
      value: `${formatCredits(summary.me.spent)} / ${formatCredits(summary.me.creditLimit)}`,
      testId: "credits-mine",
    },
  ];
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold tracking-tight">Credits</h1>
        {summary.canTopUp ? (
          <TopUpDialog
            org={org}
            price={pricing.pricePerCredit}
            currency={pricing.currency}
            sandbox={!process.env.STRIPE_SECRET_KEY}
          />
        ) : (
          <p className="text-sm text-muted">Only {summary.topUpMinRole}s and admins can top up in this organization.</p>
        )}
      </div>
      {payment && (
        <p
          role="status"
          data-testid="payment-status"
          className={
            payment.status === "paid"
              ? "rounded-md border border-success/30 bg-success-soft px-4 py-2.5 text-sm text-success"
              : "rounded-md border border-border bg-subtle px-4 py-2.5 text-sm"
          }
        >
          {payment.status === "pending"
            ? `Payment of ${formatCredits(payment.credits)} credits is processing: they appear as soon as the payment provider confirms it.`
            : payment.status === "paid"
              ? `Payment received: ${formatCredits(payment.credits)} credits were added.`
              : `That top-up was ${payment.status}; nothing was charged.`}
        </p>
      )}
      <Card>
        <dl className="grid divide-y divide-border sm:grid-cols-3 sm:divide-x sm:divide-y-0">
          {stats.map((s) => (
            <div key={s.label} className="px-5 py-4">
              <dt className="text-xs font-medium tracking-wide text-muted uppercase">{s.label}</dt>
              <dd
                className={`mt-1.5 text-xl font-semibold tabular-nums ${s.danger ? "text-danger" : ""}`}
                data-testid={s.testId}
              >
                {s.value}
              </dd>
            </div>
          ))}
        </dl>
      </Card>
      <AutoTopUpStatus org={org} />
      <Card>
        <CardHeader
          title="Outlook"
          description="Where the balance is heading, in credits per hour. While jobs run, the current rate is the highest of what runs now and the 24-hour and 7-day averages; when none runs, only disk storage counts."
        />
        <div className="space-y-4 px-5 py-4">
          <ProjectionLine text={outlook.text} tone={outlook.tone} testId="credits-projection" className="text-base" />
          <ProjectionRates rates={rates} />
          {!isNonPositive(p.rates.storage) && (
            <p className="text-xs text-muted" data-testid="rate-storage">
              Includes disk storage: {formatRate(p.rates.storage)} /h.
            </p>
          )}
        </div>
      </Card>
      <Card>
        <CardHeader
          title="Ledger"
          description={
            summary.seesAllLedger
              ? "Every change of the balance, newest first."
              : "Credits added to the balance and your own usage, newest first."
          }
        />
        <div className="p-4">
          <LedgerView
            org={org}
            rows={rows}
            total={ledger.total}
            query={ledger.query}
            showMemberFilter={summary.seesAllLedger}
            projectOptions={projectOptions}
          />
        </div>
      </Card>
    </div>
  );
}
