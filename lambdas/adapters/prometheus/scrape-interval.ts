/**
 * A scrape interval longer than the period, read from a range result. Prometheus answers each step
 * with the latest sample within its lookback, so a broker scraped every 3 minutes at a 60 s period
 * gives each sample three periods: a burst counts three times, and a baseline sees a third of the
 * samples it believes. CloudWatch exports are spaced by their timestamps (metric-spacing.ts); a
 * range result has a point at every step, and shows its scrapes only as runs of one value. Pure.
 */
import type { MetricPoint, MetricSeries } from '../../core/metric-series.ts';
import { LOOKBACK_MS } from './series.ts';

/** Fewer runs than this say nothing of a series' scrapes (a short read, a flat series). */
const MIN_RUNS = 10;
/** The share of a series' runs that must be a multiple of its commonest length: a scrape's stride, not chance. */
const REGULAR = 0.9;

/**
 * A warning where every series whose value changes often holds each value over a regular stride
 * of 2 periods or more (its scrapes come that far apart); none where any changes at a step's
 * stride, or none says anything.
 */
export function repeatedSamples(series: readonly MetricSeries[], periodMs: number): string[] {
  const strides: number[] = [];
  for (const s of series) {
    const runs = runsOf(s.points, periodMs);
    if (runs.length < MIN_RUNS) continue;
    const stride = strideOf(runs);
    if (stride === undefined) return [];
    strides.push(stride);
  }
  if (strides.length === 0) return [];
  const stride = Math.min(...strides);
  const period = periodMs / 1000;
  return [
    `Prometheus: each of the ${strides.length} series that change often holds every value over ${stride} periods or a multiple: ` +
      `the brokers are scraped about every ${stride * period} s, and Prometheus's ${LOOKBACK_MS / 60_000}-minute lookback repeats each sample over the ${period} s periods between, ` +
      `so one sample counts ${stride} times; scrape every ${period} s, or set \`metricPeriodSeconds: ${stride * period}\` in the configuration`,
  ];
}

/**
 * The lengths, in periods, of the runs of one value that begin and end with a change of value:
 * a run cut by a gap or by the read's ends is not a scrape's whole stride.
 */
function runsOf(points: readonly MetricPoint[], periodMs: number): number[] {
  const runs: number[] = [];
  let length = 0;
  let fromChange = false;
  for (const [i, point] of points.entries()) {
    const previous = points[i - 1];
    const next = previous !== undefined && point.time - previous.time === periodMs;
    if (next && point.value === previous.value) {
      length++;
      continue;
    }
    if (next && fromChange) runs.push(length);
    fromChange = next;
    length = 1;
  }
  return runs;
}

/** The commonest run length where nearly every run is a multiple of it and it is 2 or more; else undefined. */
function strideOf(runs: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const length of runs) counts.set(length, (counts.get(length) ?? 0) + 1);
  let commonest = 0;
  let most = 0;
  for (const [length, count] of counts) if (count > most || (count === most && length < commonest)) [commonest, most] = [length, count];
  if (commonest < 2) return undefined;
  const multiples = runs.filter((length) => length % commonest === 0).length;
  return multiples >= REGULAR * runs.length ? commonest : undefined;
}
