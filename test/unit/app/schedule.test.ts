import { describe, expect, it } from 'vitest';
import { periods } from '../../../lambdas/app/schedule.ts';
import { InputError } from '../../../lambdas/core/errors.ts';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T12:00:00Z');
const series = (times: number[]): MetricSeries => ({
  key: 'ConnectionCount Broker ID=1',
  signal: 'ConnectionCount',
  dimensions: { 'Broker ID': '1' },
  cluster: 'c',
  points: times.map((time) => ({ time, value: 1 })),
});

describe('the replay schedule', () => {
  it('makes one evaluation per period, each seeing the points complete by then', () => {
    const schedule = periods({ series: [series([t0, t0 + MINUTE, t0 + 2 * MINUTE])], releases: [] }, MINUTE);
    const seen = [...schedule.ticks].map((p) => p.series[0]!.points.map((point) => (point.time - t0) / MINUTE));
    expect(seen).toEqual([[0], [1], [2]]);
  });

  it('refuses before evaluating anything, naming the stray point, a span no incident has: a timestamp in milliseconds where seconds were expected', () => {
    const stray = t0 * 1000;
    let error: unknown;
    try {
      periods(
        { series: [series([t0, t0 + MINUTE]), { ...series([stray]), key: 'other', dimensions: { 'Broker ID': '2' } }], releases: [] },
        MINUTE,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      /more than 132480: its earliest point is 2025-08-28 12:00 UTC \(ConnectionCount on broker 1\), its latest .* \(ConnectionCount on broker 2\)/,
    );
  });
});
