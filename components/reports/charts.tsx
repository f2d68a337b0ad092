"use client";

import type { ReactNode } from "react";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { addCredits, formatCredits } from "@/lib/core/money";
import { evenDayTicks, formatDay, formatDayLong, OTHERS_COLOR, SERIES_COLORS } from "./format";

/*
 * The built-in charts of the Reports tab. Colours come from the app's tokens (CSS variables that switch with
 * the theme), so axes, grid and tooltips read well on both canvases. Amounts arrive as exact decimal strings:
 * Number() is only for drawing; every figure shown in text goes through formatCredits.
 */

const HEIGHT = 240;
const AXIS_TICK = { fill: "var(--color-muted)", fontSize: 11 };
const AXIS_LINE = { stroke: "var(--color-border-strong)" };
const chartStyle = { width: "100%", height: HEIGHT } as const;
// Room on the right for the last date label, which recharts centres on its tick.
const margin = { top: 8, right: 16, bottom: 0, left: 0 };

/** Axis labels: whole credits, grouped ("1,200"); decimals only for small ranges. */
function creditTick(value: number): string {
  const whole = Math.abs(value) >= 10 || Number.isInteger(value);
  return formatCredits(value.toFixed(2), whole ? 0 : 2);
}

function TooltipBox({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <div className="min-w-40 rounded-md border border-border bg-canvas px-3 py-2 text-xs text-fg shadow-lg">
      <p className="mb-1 font-medium">{title}</p>
      <div className="space-y-0.5">{children}</div>
    </div>
  );
}

function TooltipLine({ color, label, value }: { color?: string; label: ReactNode; value: ReactNode }) {
  return (
    <p className="flex items-center justify-between gap-4">
      <span className="flex min-w-0 items-center gap-1.5 text-muted">
        {color && <span aria-hidden className="size-2 shrink-0 rounded-sm" style={{ background: color }} />}
        <span className="truncate">{label}</span>
      </span>
      <span className="font-medium tabular-nums">{value}</span>
    </p>
  );
}

/**
 * Days on the x axis: "3 Nov", at regular intervals (every day, every other, weekly… whatever keeps six labels
 * or fewer), all of them shown.
 */
function DayAxis({ days }: { days: string[] }) {
  return (
    <XAxis
      dataKey="day"
      tickFormatter={formatDay}
      tick={AXIS_TICK}
      axisLine={AXIS_LINE}
      tickLine={false}
      ticks={evenDayTicks(days)}
      interval={0}
    />
  );
}

function Grid() {
  return <CartesianGrid stroke="var(--color-border)" strokeDasharray="3 3" vertical={false} />;
}

const cursor = { fill: "var(--color-hover)", opacity: 0.6 };

/**
 * 1. The balance at the end of each day; with `projection` (lib/reports/balance-projection.ts), a dashed line
 * from today's balance down at the current rate, to the day it reaches zero or the end of the horizon.
 */
export function BalanceChart({
  points,
  projection,
}: {
  points: { day: string; balance: string }[];
  projection?: { today: string; points: { day: string; balance: string }[]; zeroDay: string | null } | null;
}) {
  type Row = { day: string; value?: number; raw?: string; projected?: number; projectedRaw?: string };
  const rows = new Map<string, Row>();
  for (const p of points) {
    // Days after today have no balance yet: the real line ends at today, where the projection starts.
    if (projection && p.day > projection.today) continue;
    rows.set(p.day, { day: p.day, value: Number(p.balance), raw: p.balance });
  }
  for (const p of projection?.points ?? []) {
    const row = rows.get(p.day) ?? { day: p.day };
    rows.set(p.day, { ...row, projected: Number(p.balance), projectedRaw: p.balance });
  }
  const data = [...rows.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  const dipsBelowZero = data.some((d) => (d.value ?? 0) < 0);
  const label = projection
    ? `Balance at the end of each day, and its projection at the current rate${
        projection.zeroDay ? ` to zero on ${formatDayLong(projection.zeroDay)}` : ""
      }`
    : "Balance at the end of each day";
  return (
    <div className="space-y-3">
      <div data-testid="chart-balance" role="img" aria-label={label}>
        <AreaChart data={data} margin={margin} style={chartStyle} responsive>
          <defs>
            <linearGradient id="balance-fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="var(--color-accent)" stopOpacity={0.3} />
              <stop offset="100%" stopColor="var(--color-accent)" stopOpacity={0.02} />
            </linearGradient>
          </defs>
          <Grid />
          <DayAxis days={data.map((d) => d.day)} />
          <YAxis
            width="auto"
            tickFormatter={creditTick}
            tick={AXIS_TICK}
            axisLine={false}
            tickLine={false}
            allowDecimals={false}
          />
          {dipsBelowZero && <ReferenceLine y={0} stroke="var(--color-danger)" strokeDasharray="4 4" />}
          {projection && <ReferenceLine x={projection.today} stroke="var(--color-border-strong)" />}
          <Tooltip
            cursor={{ stroke: "var(--color-border-strong)" }}
            content={({ active, payload }) => {
              const row = active ? (payload?.[0]?.payload as Row | undefined) : undefined;
              if (!row) return null;
              return (
                <TooltipBox title={formatDayLong(row.day)}>
                  {row.raw !== undefined && (
                    <TooltipLine
                      label={projection && row.day === projection.today ? "Balance now" : "Balance at day end"}
                      value={formatCredits(row.raw)}
                    />
                  )}
                  {row.projectedRaw !== undefined && row.day !== projection?.today && (
                    <TooltipLine label="Projected at day end" value={formatCredits(row.projectedRaw)} />
                  )}
                </TooltipBox>
              );
            }}
          />
          <Area
            type="linear"
            dataKey="value"
            name="Balance"
            stroke="var(--color-accent)"
            strokeWidth={2}
            fill="url(#balance-fill)"
            isAnimationActive={false}
            dot={false}
            activeDot={{ r: 3, fill: "var(--color-accent)", stroke: "var(--color-canvas)" }}
          />
          {projection && (
            <Area
              type="linear"
              dataKey="projected"
              name="Projection"
              stroke="var(--color-warning)"
              strokeWidth={2}
              strokeDasharray="6 4"
              fill="none"
              isAnimationActive={false}
              dot={false}
              activeDot={{ r: 3, fill: "var(--color-warning)", stroke: "var(--color-canvas)" }}
            />
          )}
        </AreaChart>
      </div>
      {projection && (
        <ul className="flex flex-wrap gap-x-4 gap-y-1.5 text-xs text-muted" aria-label="Lines" data-testid="legend">
          <li className="flex items-center gap-1.5">
            <span aria-hidden className="h-0.5 w-4 rounded-full bg-accent" />
            Balance
          </li>
          <li className="flex items-center gap-1.5" data-testid="legend-projection">
            <span aria-hidden className="w-4 border-t-2 border-dashed border-warning" />
            Projection
            {projection.zeroDay ? ` (zero on ${formatDay(projection.zeroDay)})` : " at the current rate"}
          </li>
        </ul>
      )}
    </div>
  );
}

export function seriesColor(index: number, name: string, others: string): string {
  return name === others ? OTHERS_COLOR : SERIES_COLORS[index % SERIES_COLORS.length]!;
}

/** 2. Credits spent per day, stacked by member (top spenders, then "Others"). */
export function SpendByMemberChart({
  series,
  days,
  others,
}: {
  series: string[];
  days: { day: string; values: Record<string, string> }[];
  others: string;
}) {
  // Usernames may hold dots, which recharts reads as paths: key the series by position instead.
  const keys = series.map((_, i) => `s${i}`);
  const data = days.map((d) => ({
    day: d.day,
    raw: d.values,
    ...Object.fromEntries(series.map((s, i) => [keys[i], Number(d.values[s] ?? "0")])),
  }));
  return (
    <div className="space-y-3">
      <div data-testid="chart-spend-by-member" role="img" aria-label="Credits spent per day, by member">
        <BarChart data={data} margin={margin} style={chartStyle} responsive>
          <Grid />
          <DayAxis days={data.map((d) => d.day)} />
          <YAxis width="auto" tickFormatter={creditTick} tick={AXIS_TICK} axisLine={false} tickLine={false} />
          <Tooltip
            cursor={cursor}
            content={({ active, payload }) => {
              const row = active ? (payload?.[0]?.payload as (typeof data)[number] | undefined) : undefined;
              if (!row) return null;
              const spent = series.filter((s) => Number(row.raw[s] ?? "0") !== 0);
              return (
                <TooltipBox title={formatDayLong(row.day)}>
                  {spent.length === 0 ? (
                    <p className="text-muted">Nothing spent</p>
                  ) : (
                    <>
                      {spent
                        .slice()
                        .reverse()
                        .map((s) => (
                          <TooltipLine
                            key={s}
                            color={seriesColor(series.indexOf(s), s, others)}
                            label={s}
                            value={formatCredits(row.raw[s]!)}
                          />
                        ))}
                      {spent.length > 1 && (
                        <div className="mt-1 border-t border-border pt-1">
                          <TooltipLine
                            label="Total"
                            value={formatCredits(addCredits(...spent.map((s) => row.raw[s]!)))}
                          />
                        </div>
                      )}
                    </>
                  )}
                </TooltipBox>
              );
            }}
          />
          {series.map((s, i) => (
            <Bar
              key={s}
              dataKey={keys[i]!}
              name={s}
              stackId="spend"
              fill={seriesColor(i, s, others)}
              maxBarSize={28}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </div>
      <ul className="flex flex-wrap gap-x-4 gap-y-1.5 text-xs text-muted" aria-label="Members" data-testid="legend">
        {series.map((s, i) => (
          <li key={s} className="flex items-center gap-1.5">
            <span aria-hidden className="size-2.5 rounded-sm" style={{ background: seriesColor(i, s, others) }} />
            {s}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** 4. Jobs running at some time during each day. */
export function RunningJobsChart({ points }: { points: { day: string; jobs: number }[] }) {
  return (
    <div data-testid="chart-running-jobs" role="img" aria-label="Jobs running during each day">
      <BarChart data={points} margin={margin} style={chartStyle} responsive>
        <Grid />
        <DayAxis days={points.map((d) => d.day)} />
        <YAxis width="auto" allowDecimals={false} tick={AXIS_TICK} axisLine={false} tickLine={false} />
        <Tooltip
          cursor={cursor}
          content={({ active, payload }) => {
            const row = active ? (payload?.[0]?.payload as (typeof points)[number] | undefined) : undefined;
            if (!row) return null;
            return (
              <TooltipBox title={formatDayLong(row.day)}>
                <TooltipLine label="Jobs running" value={row.jobs.toLocaleString("en")} />
              </TooltipBox>
            );
          }}
        />
        <Bar dataKey="jobs" name="Jobs" fill="var(--color-accent)" maxBarSize={28} isAnimationActive={false} />
      </BarChart>
    </div>
  );
}
