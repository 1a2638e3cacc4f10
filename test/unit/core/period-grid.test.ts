import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';
import { alignToPeriods } from '../../../lambdas/core/period-grid.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T08:00:00Z');
const series = (offsetMs: number, step = MINUTE): MetricSeries => ({
  key: `s${offsetMs}`,
  signal: 'ConnectionCreationRate',
  cluster: 'c',
  dimensions: {},
  points: [0, 1, 2].map((i) => ({ time: t0 + offsetMs + i * step, value: i })),
});

describe('the period grid', () => {
  it('leaves series on the grid as they are, and says nothing', () => {
    const on = series(0);
    const aligned = alignToPeriods([on], MINUTE);
    expect(aligned.series[0]).toBe(on);
    expect(aligned.warning).toBeUndefined();
  });

  it('moves each point up to the grid, never earlier, and says by how much at most', () => {
    // A 5-minute export asked from 08:02: its periods start at 08:02, 08:07, 08:12.
    const aligned = alignToPeriods([series(2 * MINUTE, 5 * MINUTE), series(0, 5 * MINUTE)], 5 * MINUTE);
    expect(aligned.series[0]!.points.map((p) => (p.time - t0) / MINUTE)).toEqual([5, 10, 15]);
    expect(aligned.series[0]!.points.map((p) => p.value)).toEqual([0, 1, 2]);
    expect(aligned.warning).toBe(
      '1 of 2 series have timestamps off the 300 s period grid (by up to 180 s): each point is read as the period at or after it (metricPeriodSeconds sets the period)',
    );
  });

  it('keeps the later of two points that land on one period, and says how many were lost', () => {
    const aligned = alignToPeriods([series(10_000, 20_000)], MINUTE);
    // 08:00:10 and 08:00:30 both land on 08:01; 08:00:50 too: the last one stands.
    expect(aligned.series[0]!.points).toEqual([{ time: t0 + MINUTE, value: 2 }]);
    expect(aligned.warning).toMatch(/; 2 points landed on a period another already had, the later kept$/);
  });

  it("takes a point stamped a little after its grid time as that period's: none is lost to jitter", () => {
    const jittered: MetricSeries = {
      ...series(0),
      points: [0, 1, 2, 3, 4, 5].map((i) => ({ time: t0 + i * MINUTE + (i % 2 === 0 ? -200 : 200), value: i })),
    };
    const aligned = alignToPeriods([jittered], MINUTE);
    expect(aligned.series[0]!.points).toEqual([0, 1, 2, 3, 4, 5].map((i) => ({ time: t0 + i * MINUTE, value: i })));
    expect(aligned.warning).toMatch(
      /by up to 0 s\): each point is read as the period at or after it \(metricPeriodSeconds sets the period\)$/,
    );
  });
});
