import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../lambdas/core/config.ts';
import { newDetectorState, observe, observeAll } from '../../../lambdas/core/detector.ts';
import { type DetectorSettings, detectorSettings } from '../../../lambdas/core/detector-settings.ts';
import { alphaForHalfLife } from '../../../lambdas/core/ewma.ts';

const MINUTE = 60_000;
const config = defaultConfig();
const rate = detectorSettings(config.signals.find((s) => s.name === 'ConnectionCreationRate')!, config.detector, MINUTE);
const percent = detectorSettings(config.signals.find((s) => s.name === 'HeapMemoryAfterGC')!, config.detector, MINUTE);

/** A deterministic wiggle: ±5% around a level, no randomness needed. */
const wiggle = (i: number) => 1 + 0.05 * Math.sin(i * 1.7);

describe('alphaForHalfLife', () => {
  it('halves the weight of a point after the half-life', () => {
    for (const halfLife of [1, 7.5, 30, 240]) expect((1 - alphaForHalfLife(halfLife)) ** halfLife).toBeCloseTo(0.5, 12);
  });
});

describe('observe', () => {
  it('scores nothing as anomalous while warming up', () => {
    const state = newDetectorState();
    const scores = observeAll(
      state,
      rate,
      Array.from({ length: rate.warmupPeriods }, (_, i) => ({ time: i * MINUTE, value: i === 5 ? 1000 : 10 })),
    );
    expect(scores.every((s) => s.warmingUp && !s.anomalous && s.score === 0)).toBe(true);
  });

  it('flags a doubling of a rate, as a factor over baseline, after warm-up', () => {
    const state = newDetectorState();
    observeAll(
      state,
      rate,
      Array.from({ length: 60 }, (_, i) => ({ time: i * MINUTE, value: 10 * wiggle(i) })),
    );
    const jump = observe(state, rate, 60 * MINUTE, 20)!;
    expect(jump.anomalous).toBe(true);
    // log space with offset 1: (20 + 1) / (10 + 1) ≈ 1.9
    expect(jump.effect).toBeCloseTo(21 / 11, 1);
    expect(jump.baseline).toBeCloseTo(10, 0);
    expect(jump.z).toBeGreaterThan(rate.zThreshold);
  });

  it('judges factors alike at any level: 2x at 10 and 2x at 10,000 score alike', () => {
    const zAt = (level: number) => {
      const state = newDetectorState();
      observeAll(
        state,
        { ...rate, logOffset: 1e-9 },
        Array.from({ length: 60 }, (_, i) => ({ time: i * MINUTE, value: level * wiggle(i) })),
      );
      return observe(state, { ...rate, logOffset: 1e-9 }, 60 * MINUTE, 2 * level)!.z;
    };
    expect(zAt(10)).toBeCloseTo(zAt(10_000), 6);
  });

  it('does not flag a rise below the smallest factor worth acting on, however steady the series', () => {
    const state = newDetectorState();
    observeAll(
      state,
      rate,
      Array.from({ length: 60 }, (_, i) => ({ time: i * MINUTE, value: 100 })),
    );
    const small = observe(state, rate, 60 * MINUTE, 130)!; // 1.3x < minFactor 1.5
    expect(small.z).toBeGreaterThan(rate.zThreshold);
    expect(small.anomalous).toBe(false);
  });

  it('only flags the configured direction', () => {
    const state = newDetectorState();
    observeAll(
      state,
      rate,
      Array.from({ length: 60 }, (_, i) => ({ time: i * MINUTE, value: 100 * wiggle(i) })),
    );
    const drop = observe(state, rate, 60 * MINUTE, 10)!;
    expect(drop.z).toBeLessThan(-rate.zThreshold);
    expect(drop.anomalous).toBe(false);
  });

  it('confirms only after the configured number of consecutive anomalous points', () => {
    const state = newDetectorState();
    observeAll(
      state,
      rate,
      Array.from({ length: 60 }, (_, i) => ({ time: i * MINUTE, value: 10 * wiggle(i) })),
    );
    const runs = observeAll(
      state,
      rate,
      [60, 61, 62].map((m) => ({ time: m * MINUTE, value: 40 })),
    );
    expect(runs.map((s) => s.confirmed)).toEqual([false, true, true]);
  });

  it('keeps a sustained storm anomalous for hours: anomalies do not widen the band or become the baseline', () => {
    const state = newDetectorState();
    observeAll(
      state,
      rate,
      Array.from({ length: 60 }, (_, i) => ({ time: i * MINUTE, value: 10 * wiggle(i) })),
    );
    const storm = observeAll(
      state,
      rate,
      Array.from({ length: 120 }, (_, i) => ({ time: (60 + i) * MINUTE, value: 30 * wiggle(i) })),
    );
    expect(storm.every((s) => s.anomalous)).toBe(true);
  });

  it('learns a mean and standard deviation close to those of the data', () => {
    // A frozen sample with mean 50 and sd 2: sin of an irrational multiple follows the arcsine law (sd 1/√2).
    const state = newDetectorState();
    const settings: DetectorSettings = { ...percent, alpha: alphaForHalfLife(500), zThreshold: 100, minSd: 1e-9 };
    const values = Array.from({ length: 4000 }, (_, i) => 50 + 2 * Math.sin(i * 12.9898) * Math.SQRT2);
    observeAll(
      state,
      settings,
      values.map((value, i) => ({ time: i * MINUTE, value })),
    );
    expect(state.baseline.mean).toBeCloseTo(50, 0);
    expect(Math.sqrt(state.baseline.variance)).toBeCloseTo(2, 0);
  });

  it('counts gaps, duplicates, out-of-order and invalid values, and skips them', () => {
    const state = newDetectorState();
    const scores = observeAll(state, rate, [
      { time: 0, value: 1 },
      { time: 0, value: 2 }, // duplicate
      { time: 3 * MINUTE, value: 1 }, // two missing periods
      { time: 2 * MINUTE, value: 1 }, // out of order
      { time: 4 * MINUTE, value: Number.NaN },
      { time: 5 * MINUTE, value: -3 },
      { time: 6 * MINUTE, value: Number.POSITIVE_INFINITY },
      { time: 7 * MINUTE, value: 1 },
    ]);
    expect(scores).toHaveLength(3);
    expect(state.counts).toEqual({ points: 3, gaps: 2 + 3, duplicates: 1, outOfOrder: 1, invalid: 3 });
  });

  it('accepts negative values on a linear scale', () => {
    const state = newDetectorState();
    expect(observe(state, { ...percent, logScale: false }, 0, -5)).toBeDefined();
    expect(state.counts.invalid).toBe(0);
  });
});

describe('detector properties', () => {
  const points = fc.array(
    fc.record({
      time: fc.integer({ min: 0, max: 500 }).map((m) => m * MINUTE),
      value: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(Number.NaN, -1, Number.POSITIVE_INFINITY, 0)),
    }),
    { maxLength: 300 },
  );

  it('never throws, gives scores in [0, 1], and accounts for every point', () => {
    fc.assert(
      fc.property(points, (input) => {
        const state = newDetectorState();
        const scores = observeAll(state, rate, input);
        const { points: scored, duplicates, outOfOrder, invalid } = state.counts;
        expect(scored + duplicates + outOfOrder + invalid).toBe(input.length);
        expect(scores).toHaveLength(scored);
        for (const s of scores) {
          expect(s.score).toBeGreaterThanOrEqual(0);
          expect(s.score).toBeLessThanOrEqual(1);
          expect(Number.isFinite(s.z)).toBe(true);
        }
      }),
    );
  });

  it('gives the same result fed at once, one by one, or through a JSON round trip of its state', () => {
    fc.assert(
      fc.property(points, fc.nat(), (input, cut) => {
        const atOnce = newDetectorState();
        const all = observeAll(atOnce, rate, input);
        const split = cut % (input.length + 1);
        let resumed = newDetectorState();
        const first = observeAll(resumed, rate, input.slice(0, split));
        resumed = JSON.parse(JSON.stringify(resumed));
        const second = observeAll(resumed, rate, input.slice(split));
        expect([...first, ...second]).toEqual(all);
        expect(resumed).toEqual(JSON.parse(JSON.stringify(atOnce)));
      }),
    );
  });
});
