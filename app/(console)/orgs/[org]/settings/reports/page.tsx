import type { OrgSearchPageProps } from "@/app/_server/page-props";
import { currentCaller, loadPage } from "@/app/_server/session";
import { BalanceChart, RunningJobsChart, SpendByMemberChart } from "./lazy-charts";
import { GrafanaPanels } from "@/components/reports/grafana-panels";
import { MemberReportTable } from "@/components/reports/member-report-table";
import {
  AdditionsTable,
  EmptyState,
  PresetBars,
  ProjectBars,
  ReportPanel,
  SummaryTiles,
} from "@/components/reports/panels";
import { PeriodPicker } from "@/components/reports/period-picker";
import { ReportProjectFilter } from "@/components/reports/project-filter";
import { buttonClass } from "@/components/ui/button-class";
import { getDb } from "@/db";
import { addCredits, creditUnits } from "@/lib/core";
import {
  ADDITIONS_LIMIT,
  getBalanceProjection,
  getOrgReport,
  grafanaConfigFromEnv,
  grafanaEmbeds,
  listMemberReport,
  OTHERS,
  parseReportPeriod,
  REPORT_PRESETS,
} from "@/lib/reports";
import { listProjectFilterOptions } from "@/lib/projects";
import type { Metadata } from "next";

export const metadata: Metadata = { title: "Reports" };

export default async function ReportsPage({ params, searchParams }: OrgSearchPageProps) {
  const { org } = await params;
  const query = await searchParams;
  const db = await getDb();
  const actor = await currentCaller();
  const [report, members, projects, projection] = await loadPage(async () =>
    Promise.all([
      getOrgReport(db, actor, org, query),
      listMemberReport(db, actor, org, query),
      listProjectFilterOptions(db, actor, org),
      getBalanceProjection(db, actor, org, query),
    ]),
  );
  const clusterCount = new Set(projects.map((p) => p.cluster)).size;
  const projectOptions = projects.map((p) => ({
    value: `${p.cluster}/${p.name}`,
    label: clusterCount > 1 ? `${p.name} · ${p.cluster}` : p.name,
  }));
  // What the spending figures cover: the whole org, one project, or what ran without a project.
  const f = report.project;
  const scope =
    f.kind === "project"
      ? `project ${f.name}`
      : f.kind === "none"
        ? "no project"
        : f.kind === "hidden"
          ? "an unknown project"
          : undefined;
  const projectParam = f.kind === "project" ? `${f.cluster}/${f.name}` : f.kind === "none" ? "none" : undefined;
  const periodResult = parseReportPeriod(query);
  const base = `/orgs/${report.org}/settings/reports`;
  const embeds = grafanaEmbeds(grafanaConfigFromEnv(process.env), report.org, report.period);

  const csvQuery = new URLSearchParams({ period: report.period.preset });
  if (report.period.preset === "custom") {
    csvQuery.set("from", report.period.from);
    csvQuery.set("to", report.period.to);
  }
  if (projectParam) csvQuery.set("project", projectParam);
  csvQuery.set("sort", members.query.sort);
  csvQuery.set("dir", members.query.dir);
  if (members.query.zero === "hide") csvQuery.set("zero", "hide");

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-x-6 gap-y-3">
        <div className="w-full min-w-0 lg:w-auto lg:flex-1">
          <PeriodPicker base={base} query={query} result={periodResult} presets={REPORT_PRESETS} />
        </div>
        <ReportProjectFilter value={projectParam} options={projectOptions} />
      </div>
      {scope && (
        <p className="text-sm text-muted" data-testid="report-project-scope">
          Spending, jobs and members cover <span className="font-medium text-fg">{scope}</span>; the balance, top-ups
          and grants are the organization&apos;s.
        </p>
      )}
      <SummaryTiles totals={report.totals} scope={scope} />
      {embeds ? (
        <GrafanaPanels embeds={embeds} />
      ) : (
        <div className="grid gap-6 xl:grid-cols-2">
          <ReportPanel
            testId="panel-balance"
            title="Balance over time"
            description={
              projection
                ? "The org's balance at the end of each day; dashed, where it heads at the current rate."
                : "The org's balance at the end of each day."
            }
          >
            {report.balance.every((b) => creditUnits(b.balance) === 0n) ? (
              <EmptyState title="No credits in this period" hint="The balance shows here after the first top-up." />
            ) : (
              <BalanceChart points={report.balance} projection={projection} />
            )}
          </ReportPanel>
          <ReportPanel
            testId="panel-running-jobs"
            title="Running jobs"
            description="Jobs that were running at some time during each day."
          >
            {report.runningJobs.every((d) => d.jobs === 0) ? (
              <EmptyState title="No jobs ran in this period" />
            ) : (
              <RunningJobsChart points={report.runningJobs} />
            )}
          </ReportPanel>
          <ReportPanel
            testId="panel-spend-by-member"
            className="xl:col-span-2"
            title="Credits spent per day"
            description="Charges for jobs, stacked by member: the top spenders of the period, the rest as Others."
          >
            {report.spendByMember.series.length === 0 ? (
              <EmptyState title="No charges in this period" hint="Running jobs are charged by the hour." />
            ) : (
              <SpendByMemberChart
                series={report.spendByMember.series}
                days={report.spendByMember.days}
                others={OTHERS}
              />
            )}
          </ReportPanel>
          <ReportPanel
            testId="panel-spend-by-preset"
            title="Spent per cluster and preset"
            description="Where the period's charges went, largest first."
          >
            {report.spendByPreset.length === 0 ? (
              <EmptyState title="No charges in this period" />
            ) : (
              <PresetBars rows={report.spendByPreset} />
            )}
          </ReportPanel>
          <ReportPanel
            testId="panel-spend-by-project"
            title="Spent per project"
            description="The period's charges by the project their jobs ran in, largest first."
          >
            {report.spendByProject.length === 0 ? (
              <EmptyState title="No charges in this period" />
            ) : (
              <ProjectBars rows={report.spendByProject} />
            )}
          </ReportPanel>
          <ReportPanel
            testId="panel-additions"
            title="Top-ups and grants"
            description="Credits added to the balance in the period, newest first."
          >
            {report.additions.count === 0 && report.adjustments.count === 0 ? (
              <EmptyState title="No top-ups or grants in this period" />
            ) : (
              <AdditionsTable
                additions={report.additions}
                adjustments={report.adjustments}
                total={addCredits(report.totals.topups, report.totals.grants)}
                limit={ADDITIONS_LIMIT}
              />
            )}
          </ReportPanel>
        </div>
      )}
      <ReportPanel
        testId="panel-members"
        title="Members"
        description="Each member's spending and jobs in the period, and their credit limit."
        actions={
          <a
            href={`${base}/members.csv?${csvQuery}`}
            className={buttonClass("secondary", "sm")}
            download
            data-testid="members-export"
          >
            Export CSV
          </a>
        }
      >
        <MemberReportTable rows={members.rows} total={members.total} query={members.query} />
      </ReportPanel>
    </div>
  );
}
