/**
 * The period grid: evaluations, watches and their windows sit on multiples of the metric period
 * from the epoch, as CloudWatch's 1-minute datapoints and the Prometheus source's steps do. An
 * export whose timestamps sit off that grid matched no watched period, so no release was ever
 * blamed: a 5-minute GetMetricData export asked from 08:02 (CloudWatch rounds StartTime to the
 * minute and counts its periods from there), or a Prometheus range query started off the minute.
 * Each point is moved up to the grid (to the next multiple of the period, or left where it is):
 * never earlier, so a point that holds part of a release's effect never lands before the release's
 * own period, where it would read as an effect already under way. A point within JITTER of a period
 * after a grid time is that period's, stamped a little late, and moves down to it: moved up, it
 * would land on its successor's period and one of the two would be lost. Pure.
 */
import type { MetricSeries } from './metric-series.ts';

export interface Aligned {
  readonly series: MetricSeries[];
  /** Said when any point moved: how many series, by how much at most. */
  readonly warning?: string;
}

export function alignToPeriods(series: readonly MetricSeries[], periodMs: number): Aligned {
  let moved = 0;
  let most = 0;
  let lost = 0;
  const aligned = series.map((s) => {
    const shifts = s.points.map((p) => shiftOf(p.time, periodMs));
    if (shifts.every((shift) => shift === 0)) return s;
    moved++;
    most = Math.max(most, ...shifts.map(Math.abs));
    const points = lastPerPeriod(s.points.map((p, i) => ({ time: p.time + shifts[i]!, value: p.value })));
    lost += s.points.length - points.length;
    return { ...s, points };
  });
  if (moved === 0) return { series: aligned };
  return {
    series: aligned,
    warning:
      `${moved} of ${series.length} series have timestamps off the ${periodMs / 1000} s period grid (by up to ${Math.round(most / 1000)} s): ` +
      'each point is read as the period at or after it (metricPeriodSeconds sets the period)' +
      (lost > 0 ? `; ${lost} point${lost > 1 ? 's' : ''} landed on a period another already had, the later kept` : ''),
  };
}

/** Timestamps jitter (an exporter's scrape time) by up to this share of a period: a point this far after a grid time is that period's, stamped late. */
export const JITTER = 0.1;

/** How far a point at `time` moves: up to the next grid time, or down to the one just before it when within JITTER of it. */
function shiftOf(time: number, periodMs: number): number {
  const up = Math.ceil(time / periodMs) * periodMs - time;
  return up > 0 && periodMs - up <= JITTER * periodMs ? up - periodMs : up;
}

/** The points in time order, one per time: where two moved onto one, the later. */
function lastPerPeriod(points: ReadonlyArray<{ time: number; value: number }>): Array<{ time: number; value: number }> {
  const byTime = new Map<number, number>();
  for (const p of [...points].sort((a, b) => a.time - b.time)) byTime.set(p.time, p.value);
  return [...byTime].map(([time, value]) => ({ time, value }));
}
