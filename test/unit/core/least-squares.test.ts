import { describe, expect, it } from 'vitest';
import { slopePerHour } from '../../../lambdas/core/least-squares.ts';

const MIN = 60_000;
const minutes = (n: number, value: (m: number) => number) => Array.from({ length: n }, (_, m) => ({ time: m * MIN, value: value(m) }));
/** Traffic that swings up and down every 20 minutes, as real request traffic does: not a trend. */
const swing = (m: number) => Math.sin((2 * Math.PI * m) / 40);

describe('the least-squares slope', () => {
  it('is the slope over time, in points per hour, of the points in the window', () => {
    const points = minutes(120, (m) => 40 + (6 * m) / 60);
    expect(slopePerHour(points, 0, 120 * MIN)).toBeCloseTo(6, 9);
    expect(slopePerHour(points, 60 * MIN, 120 * MIN)).toBeCloseTo(6, 9);
    expect(slopePerHour(points, 0, 9 * MIN)).toBeUndefined();
  });

  it('beside traffic, is the climb that traffic does not explain', () => {
    // Heap that follows traffic's swings, 8 points per unit of log traffic, on a climb of 3 points an hour.
    const points = minutes(90, (m) => 50 + 8 * swing(m) + (3 * m) / 60);
    const traffic = (time: number) => swing(time / MIN);
    expect(slopePerHour(points, 30 * MIN, 90 * MIN)).not.toBeCloseTo(3, 1);
    expect(slopePerHour(points, 30 * MIN, 90 * MIN, traffic)).toBeCloseTo(3, 6);
    // No climb: traffic's swings alone leave none.
    const flat = minutes(90, (m) => 50 + 8 * swing(m));
    expect(slopePerHour(flat, 30 * MIN, 90 * MIN, traffic)).toBeCloseTo(0, 6);
  });

  it('is time alone where traffic climbs with time (the two cannot be told apart) or would free heap', () => {
    const points = minutes(60, (m) => 50 + (4 * m) / 60);
    const ramp = (time: number) => time / MIN / 60 + 0.001 * swing(time / MIN);
    expect(slopePerHour(points, 0, 60 * MIN, ramp)).toBeCloseTo(4, 6);
    const againstTraffic = minutes(90, (m) => 50 - 8 * swing(m) + (3 * m) / 60);
    expect(slopePerHour(againstTraffic, 30 * MIN, 90 * MIN, (time) => swing(time / MIN))).toBeCloseTo(
      slopePerHour(againstTraffic, 30 * MIN, 90 * MIN)!,
      9,
    );
  });

  it('leaves out points with no traffic reading beside them', () => {
    const points = minutes(60, (m) => (m < 30 ? 100 : 50 + (2 * m) / 60));
    expect(slopePerHour(points, 0, 60 * MIN, (time) => (time < 30 * MIN ? undefined : 0))).toBeCloseTo(2, 6);
  });
});
