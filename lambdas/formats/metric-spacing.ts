/**
 * Whether an export's points are as far apart as the configured metric period. A replay takes each
 * point for one period: a 5-minute export read on 60 s periods finds the storm but its release
 * checks see a fifth of the data they count on, and never blame or roll back.
 */
import { InputError } from '../core/errors.ts';
import type { MetricSeries } from '../core/metric-series.ts';
import { JITTER } from '../core/period-grid.ts';

/** A series' spacing counts only with this many gaps between points: one gap says little. */
const MIN_GAPS = 2;
/** The longest period a configuration accepts (config-schema.ts: an hour). */
const MAX_PERIOD_SECONDS = 3600;

/**
 * Refuses series most of which are spaced otherwise than `periodSeconds`. Each series' spacing is
 * its median gap, so missing points (CloudWatch omits empty periods), a late point or one off the
 * grid do not count against it.
 */
export function checkSpacing(series: readonly MetricSeries[], periodSeconds: number, source: string): void {
  const spacings = series.flatMap((s) => (s.points.length > MIN_GAPS ? [medianGapSeconds(s)] : []));
  // Timestamps that jitter still match their period (period-grid.ts JITTER).
  const mismatched = spacings.filter((spacing) => Math.abs(spacing - periodSeconds) > periodSeconds * JITTER);
  if (mismatched.length * 2 <= spacings.length) return;
  const found = mostCommon(mismatched);
  const fix =
    found >= 1 && found <= MAX_PERIOD_SECONDS
      ? `set \`metricPeriodSeconds: ${found}\` in the configuration (--config)`
      : `export them at a period of at most ${MAX_PERIOD_SECONDS} s and set \`metricPeriodSeconds\` to it in the configuration (--config)`;
  throw new InputError(
    { file: source },
    `the points are ${found} s apart (the median spacing of ${mismatched.length} of ${spacings.length} series), but metricPeriodSeconds is ${periodSeconds}: ${fix}`,
  );
}

/** The median gap between a series' consecutive points, to the second (points are sorted, distinct). */
function medianGapSeconds(series: MetricSeries): number {
  const gaps = series.points.slice(1).map((p, i) => p.time - series.points[i]!.time);
  gaps.sort((a, b) => a - b);
  // The lower median: with as many gaps from missing points as regular ones, the regular spacing.
  return Math.round(gaps[Math.floor((gaps.length - 1) / 2)]! / 1000);
}

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}
