import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';
import { checkSpacing } from '../../../lambdas/formats/metric-spacing.ts';

const T0 = Date.parse('2025-08-28T12:00:00Z');
/** A series with points at these offsets, in seconds from T0. */
const series = (key: string, seconds: number[]): MetricSeries => ({
  key,
  signal: 'ConnectionCreationRate',
  dimensions: {},
  cluster: 'c',
  points: seconds.map((s) => ({ time: T0 + s * 1000, value: 1 })),
});
const every = (step: number, count: number, offset = 0) => Array.from({ length: count }, (_, i) => offset + i * step);

describe('the spacing of exported points against metricPeriodSeconds', () => {
  it('a 5-minute export on 60 s periods is refused, naming the files, the spacing and the key to set', () => {
    const fiveMinutes = [series('a', every(300, 20)), series('b', every(300, 20, 120))];
    expect(() => checkSpacing(fiveMinutes, 60, 'p1.json, p2.json')).toThrow(
      'p1.json, p2.json: the points are 300 s apart (the median spacing of 2 of 2 series), but metricPeriodSeconds is 60: set `metricPeriodSeconds: 300` in the configuration (--config)',
    );
    expect(() => checkSpacing(fiveMinutes, 300, 'p1.json')).not.toThrow();
  });

  it('a 60 s export on 5-minute periods is refused too', () => {
    expect(() => checkSpacing([series('a', every(60, 30))], 300, 'p.json')).toThrow(/60 s apart .* set `metricPeriodSeconds: 60`/);
  });

  it('gaps, late or off-grid points, and a minority of odd series do not count against an export', () => {
    const gappy = every(60, 30).filter((s) => s % 180 !== 0); // a third of the periods missing
    const late = [...every(60, 30, 30), 1799 + 45]; // off the minute grid, one extra late point
    const sparse = every(300, 10); // one sparse series among regular ones
    const twoPoints = [0, 3600]; // too few gaps to say
    const all = [series('a', gappy), series('b', late), series('c', every(60, 30)), series('d', sparse), series('e', twoPoints)];
    expect(() => checkSpacing(all, 60, 'p.json')).not.toThrow();
  });

  it('a spacing beyond the longest period says so instead of naming a value the configuration refuses', () => {
    expect(() => checkSpacing([series('a', every(86_400, 5))], 60, 'daily.json')).toThrow(
      /86400 s apart .* export them at a period of at most 3600 s/,
    );
  });
});
