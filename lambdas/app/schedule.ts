/**
 * The schedule of a replay: one evaluation per metric period, each seeing only the points that had
 * arrived by then (CloudWatch publishes late) and the releases made by then.
 */
import { InputError } from '../core/errors.ts';
import { formatTime } from '../core/format.ts';
import { type MetricSeries, seriesName } from '../core/metric-series.ts';
import type { ReleaseEvent } from '../core/release.ts';

export interface ReplayInput {
  readonly series: readonly MetricSeries[];
  readonly releases: readonly ReleaseEvent[];
  /**
   * How long after its period ends each datapoint becomes visible (CloudWatch publishes late).
   * Default 0: every point is there as soon as its period is complete.
   */
  readonly publishDelayMs?: (series: MetricSeries, pointIndex: number) => number;
}

/** What a scheduled detector sees at one period's evaluation. */
export interface Period {
  readonly index: number;
  readonly now: number;
  /** Points that became visible since the last evaluation, per series, in time order. */
  readonly series: MetricSeries[];
  /** Releases up to now, and those new since the last evaluation. */
  readonly releases: readonly ReleaseEvent[];
  readonly due: readonly ReleaseEvent[];
}

/**
 * The evaluations a scheduled detector would have made over this data, one per period: what it
 * could see at each. Shared by the replay and by anything else judged on the same data.
 */
export function periods(input: ReplayInput, periodMs: number): { from: number; to: number; total: number; ticks: Iterable<Period> } {
  const arrivals = input.series.map((s) => arrivalOrder(s, periodMs, input.publishDelayMs));
  const from = Math.min(...input.series.flatMap((s) => (s.points.length ? [s.points[0]!.time] : [])));
  // The last evaluation sees the last point to arrive.
  const lastArrival = Math.max(...arrivals.flatMap((a) => (a.length ? [a.at(-1)!.at] : [])));
  const to = from + Math.ceil((lastArrival - from) / periodMs) * periodMs;
  const total = Math.round((to - from) / periodMs);
  if (total > MAX_PERIODS) throw new InputError({}, tooLong(input.series, periodMs, total));
  function* ticks(): Iterable<Period> {
    const cursors = input.series.map(() => 0);
    let releaseCursor = 0;
    for (let now = from + periodMs, index = 1; now <= to; now += periodMs, index++) {
      const due: ReleaseEvent[] = [];
      while (releaseCursor < input.releases.length && input.releases[releaseCursor]!.time <= now)
        due.push(input.releases[releaseCursor++]!);
      const series = input.series.map((s, i) => ({ ...s, points: takeVisible(s, arrivals[i]!, cursors, i, now) }));
      yield { index, now, series, releases: input.releases.slice(0, releaseCursor), due };
    }
  }
  return { from, to, total, ticks: ticks() };
}

interface Arrival {
  readonly at: number;
  readonly index: number;
}

/** When each point of a series becomes visible, in that order. */
function arrivalOrder(series: MetricSeries, periodMs: number, delay: ReplayInput['publishDelayMs']): Arrival[] {
  return series.points
    .map((point, index) => ({ at: point.time + periodMs + (delay?.(series, index) ?? 0), index }))
    .sort((a, b) => a.at - b.at || a.index - b.index);
}

/** The points of series i that became visible by `now`, in time order, advancing its cursor. */
function takeVisible(
  series: MetricSeries,
  arrivals: readonly Arrival[],
  cursors: number[],
  i: number,
  now: number,
): MetricSeries['points'] {
  const start = cursors[i]!;
  let end = start;
  while (end < arrivals.length && arrivals[end]!.at <= now) end++;
  cursors[i] = end;
  return arrivals
    .slice(start, end)
    .map((a) => a.index)
    .sort((a, b) => a - b)
    .map((index) => series.points[index]!);
}

/** A replay spans at most 92 days of one-minute periods: more is a stray timestamp, not an incident. */
const MAX_PERIODS = 92 * 1440;

/** Why a span is refused, naming the series with the earliest and the latest point. */
function tooLong(series: readonly MetricSeries[], periodMs: number, total: number): string {
  const withPoints = series.filter((s) => s.points.length > 0);
  const earliest = withPoints.reduce((a, b) => (b.points[0]!.time < a.points[0]!.time ? b : a));
  const latest = withPoints.reduce((a, b) => (b.points.at(-1)!.time > a.points.at(-1)!.time ? b : a));
  return (
    `the data spans ${total} periods of ${periodMs / 1000} s, more than ${MAX_PERIODS}: ` +
    `its earliest point is ${formatTime(earliest.points[0]!.time)} (${seriesName(earliest)}), its latest ${formatTime(latest.points.at(-1)!.time)} (${seriesName(latest)}); ` +
    'a timestamp in milliseconds where seconds were expected, or a point from another year, does this'
  );
}
