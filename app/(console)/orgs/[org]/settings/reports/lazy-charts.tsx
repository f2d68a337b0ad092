"use client";

/*
 * The Reports tab's charts, loaded after first paint: recharts is most of the tab's JavaScript, so the page's
 * first load carries only these placeholders (the same size as the charts they stand for: a 240 px plot and,
 * where the chart has one, a legend line), and the chart code arrives in its own chunk.
 */
import dynamic from "next/dynamic";

const PLOT_HEIGHT = 240;

function ChartSkeleton({ legend }: { legend: boolean }) {
  return (
    <div className="space-y-3" aria-busy="true" aria-label="Loading chart" role="status" data-testid="chart-skeleton">
      <div className="animate-pulse rounded-md bg-hover/60" style={{ height: PLOT_HEIGHT }} />
      {legend && <div className="h-4 w-48 animate-pulse rounded bg-hover/60" />}
    </div>
  );
}

export const BalanceChart = dynamic(() => import("@/components/reports/charts").then((m) => m.BalanceChart), {
  ssr: false,
  loading: () => <ChartSkeleton legend />,
});

export const RunningJobsChart = dynamic(() => import("@/components/reports/charts").then((m) => m.RunningJobsChart), {
  ssr: false,
  loading: () => <ChartSkeleton legend={false} />,
});

export const SpendByMemberChart = dynamic(
  () => import("@/components/reports/charts").then((m) => m.SpendByMemberChart),
  { ssr: false, loading: () => <ChartSkeleton legend /> },
);
