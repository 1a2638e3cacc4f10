import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FULL_POINTS, type History, medianBetween, newHistory, remember, valuesBetween } from '../../../lambdas/core/history.ts';

const MINUTE = 60_000;
/** Older points become one median per this many (history.ts, not exported). */
const BLOCK = 5;

const fill = (capacity: number, points: ReadonlyArray<readonly [number, number]>): History => {
  const history = newHistory();
  for (const [time, value] of points) remember(history, capacity, time, value);
  return history;
};
const minutes = (count: number, value: (i: number) => number = (i) => i) =>
  Array.from({ length: count }, (_, i) => [i * MINUTE, value(i)] as const);

/**
 * Strictly ascending times (gaps of 1 ms to 10 min) with any finite values, up to 400 of them
 * (size 'max': fast-check otherwise generates at most about 10, too few to compact).
 */
const stream = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 10 * MINUTE }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
    maxLength: 400,
    size: 'max',
  })
  .map((steps) => {
    let time = Date.parse('2025-08-28T00:00:00Z');
    return steps.map(([gap, value]) => [(time += gap), value] as const);
  });
const capacity = fc.oneof(
  fc.integer({ min: 0, max: 400 }),
  fc.constantFrom(FULL_POINTS, FULL_POINTS + BLOCK - 1, FULL_POINTS + BLOCK, 780),
);

describe('remember (compaction)', () => {
  it("keeps times strictly ascending, never more than `capacity` points' worth, and the newest points as they came", () => {
    fc.assert(
      fc.property(stream, capacity, (points, cap) => {
        const history = newHistory();
        // Plain checks per point, one expect per failure: expect() on every pair would be slow.
        points.forEach(([time, value], n) => {
          remember(history, cap, time, value);
          const { times, values, compacted } = history;
          const full = times.length - compacted;
          const at = `after point ${n}, capacity ${cap}`;
          if (values.length !== times.length) expect.fail(`${at}: ${values.length} values for ${times.length} times`);
          for (let i = 1; i < times.length; i++)
            if (!(times[i]! > times[i - 1]!)) expect.fail(`${at}: times[${i}] not after times[${i - 1}]`);
          if (compacted * BLOCK + full > cap) expect.fail(`${at}: ${compacted} medians and ${full} points exceed the capacity`);
          // The full-resolution tail is the input's newest points, unchanged, and at least as many
          // as FULL_POINTS allows (or all of them, or the capacity).
          if (full < Math.min(n + 1, FULL_POINTS, cap)) expect.fail(`${at}: only ${full} points at full resolution`);
          for (let k = 1; k <= full; k++) {
            const [t, v] = points[n + 1 - k]!;
            if (times[times.length - k] !== t || !Object.is(values[values.length - k], v))
              expect.fail(`${at}: the newest point ${k} back is not as it came`);
          }
        });
        expect(history.compacted * BLOCK + history.times.length - history.compacted).toBeLessThanOrEqual(cap);
      }),
      { seed: 42, numRuns: 150 },
    );
  });

  it('keeps every point as it came until FULL_POINTS + BLOCK are held', () => {
    const history = fill(10_000, minutes(FULL_POINTS + BLOCK - 1));
    expect(history.compacted).toBe(0);
    expect(history.times).toHaveLength(FULL_POINTS + BLOCK - 1);
  });

  it('turns the oldest BLOCK points into one: their middle time, their median value', () => {
    // Values out of order within the block: the median, not the middle value.
    const shuffled = [7, 1, 9, 3, 5];
    const history = fill(
      10_000,
      minutes(FULL_POINTS + BLOCK, (i) => (i < BLOCK ? shuffled[i]! : 100 + i)),
    );
    expect(history.compacted).toBe(1);
    expect(history.times[0]).toBe(2 * MINUTE);
    expect(history.values[0]).toBe(5);
    expect(history.times.slice(1)).toEqual(
      minutes(FULL_POINTS + BLOCK)
        .slice(BLOCK)
        .map(([t]) => t),
    );
  });

  it('holds medians of consecutive blocks, oldest first, after many points', () => {
    const history = fill(10_000, minutes(FULL_POINTS + 4 * BLOCK));
    expect(history.compacted).toBe(4);
    expect(history.values.slice(0, 4)).toEqual([2, 7, 12, 17]);
    expect(history.times.slice(0, 4)).toEqual([2, 7, 12, 17].map((m) => m * MINUTE));
  });

  it('takes about 252 values for the default 780 minutes, not 780', () => {
    const history = fill(780, minutes(3000));
    expect(history.times.length).toBeGreaterThanOrEqual(252);
    expect(history.times.length).toBeLessThanOrEqual(255);
    expect(history.compacted * BLOCK + history.times.length - history.compacted).toBeLessThanOrEqual(780);
    // It still reaches back about 780 minutes.
    expect(history.times.at(-1)! - history.times[0]!).toBeGreaterThan(770 * MINUTE);
  });

  it('keeps only the newest `capacity` points when that is fewer than FULL_POINTS', () => {
    const history = fill(10, minutes(50));
    expect(history.compacted).toBe(0);
    expect(history.values).toEqual(Array.from({ length: 10 }, (_, i) => 40 + i));
  });

  it('keeps nothing with capacity 0', () => {
    expect(fill(0, minutes(20)).times).toEqual([]);
  });
});

describe('valuesBetween', () => {
  const history = fill(
    10_000,
    minutes(10, (i) => i * 10),
  );

  it('takes from <= time < to', () => {
    expect(valuesBetween(history, 2 * MINUTE, 5 * MINUTE)).toEqual([20, 30, 40]);
    expect(valuesBetween(history, 2 * MINUTE + 1, 5 * MINUTE + 1)).toEqual([30, 40, 50]);
  });

  it('is empty for an empty or reversed window, or one outside the history', () => {
    expect(valuesBetween(history, 3 * MINUTE, 3 * MINUTE)).toEqual([]);
    expect(valuesBetween(history, 5 * MINUTE, 2 * MINUTE)).toEqual([]);
    expect(valuesBetween(history, 100 * MINUTE, 200 * MINUTE)).toEqual([]);
    expect(valuesBetween(newHistory(), 0, Infinity)).toEqual([]);
  });
});

describe('medianBetween', () => {
  const history = fill(
    10_000,
    minutes(10, (i) => [5, 1, 4, 2, 3, 100, 0, 0, 7, 9][i]!),
  );

  it('is the median of the window', () => {
    expect(medianBetween(history, 0, 5 * MINUTE)).toBe(3);
    expect(medianBetween(history, 0, 4 * MINUTE)).toBe(3); // even count: the mean of the middle two (2, 4)
    expect(medianBetween(history, 3 * MINUTE, 7 * MINUTE)).toBe(2.5); // 2, 3, 100, 0
  });

  it('is undefined with fewer than minPoints', () => {
    expect(medianBetween(history, 0, 2 * MINUTE)).toBeUndefined();
    expect(medianBetween(history, 0, 2 * MINUTE, 2)).toBe(3);
    expect(medianBetween(history, 0, 10 * MINUTE, 11)).toBeUndefined();
  });

  it('counts a compacted block as its median', () => {
    const long = fill(10_000, minutes(FULL_POINTS + 2 * BLOCK));
    // Before minute 10 only the two medians (2 and 7) are left.
    expect(valuesBetween(long, 0, 10 * MINUTE)).toEqual([2, 7]);
    expect(medianBetween(long, 0, 10 * MINUTE, 2)).toBe(4.5);
  });
});
