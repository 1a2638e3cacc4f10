/**
 * The period grid: evaluations, watches and their windows sit on multiples of the metric period
 * from the epoch, as CloudWatch's 1-minute datapoints and the Prometheus source's steps do. An
 * export whose timestamps sit off that grid matched no watched period, so no release was ever
 * blamed: a 5-minute GetMetricData export asked from 08:02 (CloudWatch rounds StartTime to the
 * minute and counts its periods from there), or a Prometheus range query started off the minute.
 * Each point is moved up to the grid (to the next multiple of the period, or left where it is):
 * never earlier, so a point that holds part of a release's effect never lands before the release's
 * own period, where it would read as an effect already under way. Pure.
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
  const aligned = series.map((s) => {
    const shifts = s.points.map((p) => Math.ceil(p.time / periodMs) * periodMs - p.time);
    if (shifts.every((shift) => shift === 0)) return s;
    moved++;
    most = Math.max(most, ...shifts);
    return { ...s, points: lastPerPeriod(s.points.map((p, i) => ({ time: p.time + shifts[i]!, value: p.value }))) };
  });
  if (moved === 0) return { series: aligned };
  return {
    series: aligned,
    warning:
      `${moved} of ${series.length} series have timestamps off the ${periodMs / 1000} s period grid (by up to ${Math.round(most / 1000)} s): ` +
      'each point is read as the period at or after it (metricPeriodSeconds sets the period)',
  };
}

/** The points in time order, one per time: where two moved onto one, the later. */
function lastPerPeriod(points: ReadonlyArray<{ time: number; value: number }>): Array<{ time: number; value: number }> {
  const byTime = new Map<number, number>();
  for (const p of [...points].sort((a, b) => a.time - b.time)) byTime.set(p.time, p.value);
  return [...byTime].map(([time, value]) => ({ time, value }));
}
