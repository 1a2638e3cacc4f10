import fc from 'fast-check';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { heapTrend, heapTrendSettings } from '../../../lambdas/core/heap-trend.ts';
import {
  type BrokerHistory,
  observeReleaseWatch,
  openReleaseWatch,
  pooledLogRatio,
  type ReleaseWatch,
  releaseWatchSettings,
  thresholdOf,
  type WatchVerdict,
} from '../../../lambdas/core/release-watch.ts';
import { calibrate, siegmundArl, statedFalseAlarmRate } from '../../../lambdas/core/watch-calibration.ts';

const MIN = 60_000;
const RELEASE = Date.UTC(2025, 9, 7, 12, 0, 20); // 20 s into a minute
const START = Math.floor(RELEASE / MIN) * MIN;
const BROKERS = ['1', '2', '3', '4', '5', '6'];
const settings = releaseWatchSettings(MIN, 1.5);

/** Seeded log-normal noise: value × exp(sd · N(0,1)). */
function noise(seed: number, sd: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => Math.exp(sd * Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng))) * Math.cos(2 * Math.PI * uniformFloat64(rng)));
}

/** Per broker, `minutes` of points before the release around `level`, and a value per broker for each period after it. */
function cluster(
  options: {
    seed?: number;
    sd?: number;
    level?: number;
    minutes?: number;
    effect?: (period: number) => number;
    broker?: (broker: string, period: number) => number;
  } = {},
) {
  const { seed = 1, sd = 0.05, level = 100, minutes = 120, effect = () => 1, broker = () => 1 } = options;
  const draw = noise(seed, sd);
  const histories: BrokerHistory[] = BROKERS.map((b) => ({
    broker: b,
    points: Array.from({ length: minutes }, (_, i) => {
      const period = i - minutes; // negative: before the release's period
      return { time: START + period * MIN, value: level * draw() * effect(period) * broker(b, period) };
    }),
  }));
  const after = (period: number) => BROKERS.map((b) => ({ broker: b, value: level * draw() * effect(period) * broker(b, period) }));
  return { histories, after };
}

/** Watches `periods` periods; returns every verdict and the watch. */
function run(c: ReturnType<typeof cluster>, periods = 30, s = settings): { watch: ReleaseWatch; verdicts: WatchVerdict[] } {
  const watch = openReleaseWatch({ id: 'step', time: RELEASE }, 'ConnectionCreationRate', c.histories, s);
  const verdicts: WatchVerdict[] = [];
  for (let p = 0; p < periods; p++) verdicts.push(observeReleaseWatch(watch, START + p * MIN, c.after(p), s));
  return { watch, verdicts };
}

const alarmOf = (verdicts: readonly WatchVerdict[]) => verdicts.findIndex((v) => v.kind === 'alarm');

describe('the CUSUM false-alarm rate it states', () => {
  it("matches the one-sided CUSUM's in-control run lengths of the literature (Siegmund's approximation)", () => {
    // Montgomery, Introduction to Statistical Quality Control, table of two-sided tabular CUSUM ARL0:
    // k = 0.5, h = 4: 168; h = 5: 465. One-sided: twice those.
    expect(siegmundArl(0.5, 4) / 336).toBeCloseTo(1, 1);
    expect(siegmundArl(0.5, 5) / 930).toBeCloseTo(1, 1);
  });

  it('states the chance of a false alarm within one watch from the ARL', () => {
    const rate = statedFalseAlarmRate(settings);
    expect(rate).toBeCloseTo(1 - Math.exp(-settings.watchPeriods / siegmundArl(settings.k, settings.h)), 12);
    expect(rate).toBeLessThan(0.01);
  });

  it('says which constant is wrong', () => {
    expect(() => siegmundArl(0, 4)).toThrow('expected positive CUSUM constants, got k 0, h 4');
    expect(() => releaseWatchSettings(0, 1.5)).toThrow('expected a positive period, got 0');
    expect(() => releaseWatchSettings(MIN, 0.5)).toThrow('expected a factor of at least 1, got 0.5');
  });
});

describe('a release watch', () => {
  it('expects each broker at its median before the release, measured on the cluster’s own past', () => {
    const c = cluster({ sd: 0.05, broker: (b) => Number(b) });
    const watch = openReleaseWatch({ id: 'step', time: RELEASE }, 'ConnectionCreationRate', c.histories, settings);
    expect(watch.start).toBe(START);
    expect(Math.exp(watch.levels['3']!) - 1).toBeCloseTo(300, -1);
    expect(watch.calibrationSamples).toBeGreaterThan(settings.minCalibrationSamples);
    expect(watch.sd).toBeGreaterThanOrEqual(settings.minSd);
    expect(watch.sd).toBeLessThan(0.1);
  });

  it('raises an alarm within 3 periods when every broker moves 1.5x at the release, with the onset at the release', () => {
    const { watch, verdicts } = run(cluster({ effect: (p) => (p >= 0 ? 1.5 : 1) }));
    const at = alarmOf(verdicts);
    expect(at).toBeGreaterThanOrEqual(settings.minPeriods - 1);
    expect(at).toBeLessThanOrEqual(2);
    expect(watch.alarm).toMatchObject({ onset: START });
    expect(watch.alarm!.factor).toBeCloseTo(1.5, 1);
    expect(observeReleaseWatch(watch, START + 40 * MIN, cluster().after(0), settings)).toEqual({ kind: 'done', reason: 'alarm' });
  });

  it('alarms after one period on a storm far beyond what the cluster’s own recent past showed, in its first periods only', () => {
    const big = run(cluster({ effect: (p) => (p >= 0 ? 3 : 1) }));
    expect(alarmOf(big.verdicts)).toBe(0);
    expect(big.watch.alarm).toMatchObject({ onset: START, periods: 1 });
    // Below the smallest factor worth acting on in one period (1.5x): two periods, as before.
    expect(alarmOf(run(cluster({ effect: (p) => (p >= 0 ? 1.4 : 1) })).verdicts)).toBe(1);
    // Not within the watch's first periods: two periods.
    expect(alarmOf(run(cluster({ effect: (p) => (p >= 3 ? 3 : 1) })).verdicts)).toBe(4);
    // Off: two periods.
    expect(alarmOf(run(cluster({ effect: (p) => (p >= 0 ? 3 : 1) }), 30, { ...settings, spikeMargin: 0 }).verdicts)).toBe(1);
  });

  it('clears the release after its watch when nothing moves', () => {
    const { watch, verdicts } = run(cluster({ seed: 3 }));
    expect(alarmOf(verdicts)).toBe(-1);
    expect(watch.status).toBe('cleared');
    expect(verdicts[settings.watchPeriods - 1]).toEqual({ kind: 'cleared' });
  });

  it('does not blame the release for one broker’s spike, however big', () => {
    const { verdicts } = run(cluster({ broker: (b, p) => (b === '4' && p >= 0 ? 50 : 1) }));
    expect(alarmOf(verdicts)).toBe(-1);
  });

  it('does not blame the release for an effect that began before it', () => {
    const { watch, verdicts } = run(cluster({ effect: (p) => (p >= -4 ? 3 : 1) }));
    expect(watch).toMatchObject({ status: 'unrelated', reason: 'preexisting' });
    expect(alarmOf(verdicts)).toBe(-1);
  });

  it('does not blame the release for a surge that begins minutes after it: late onset, or after the watch', () => {
    const late = run(cluster({ effect: (p) => (p >= settings.onsetTolerancePeriods + 2 ? 3 : 1) }));
    expect(alarmOf(late.verdicts)).toBe(-1);
    expect(late.watch).toMatchObject({ status: 'unrelated', reason: 'late-onset' });
    const after = run(cluster({ effect: (p) => (p >= 20 ? 3 : 1) }));
    expect(alarmOf(after.verdicts)).toBe(-1);
    expect(after.watch.status).toBe('cleared');
  });

  it('asks more of a cluster whose own past would have alarmed, and no more time of a storm far bigger than its bursts', () => {
    // A two-minute burst of 2.5x every 40 minutes: too rare to widen σ, the kind of texture that fools a fixed rule.
    const burst = (p: number) => ((((p + 20) % 40) + 40) % 40 < 2 ? 2.5 : 1);
    const bursty = cluster({ sd: 0.03, effect: burst });
    const watch = openReleaseWatch({ id: 'step', time: RELEASE }, 'ConnectionCreationRate', bursty.histories, settings);
    expect(Math.exp(watch.calibrationExcess)).toBeCloseTo(2.5, 0);
    expect(thresholdOf(watch, { ...settings, peakMargin: 2 })).toBeGreaterThan(settings.h);
    expect(thresholdOf(watch, settings)).toBe(settings.h);
    expect(alarmOf(run(cluster({ sd: 0.03, effect: (p) => burst(p) * (p >= 0 ? 2 : 1) })).verdicts)).toBe(-1);
    const big = alarmOf(run(cluster({ sd: 0.03, effect: (p) => burst(p) * (p >= 0 ? 10 : 1) })).verdicts);
    expect(big).toBeGreaterThanOrEqual(0);
    expect(big).toBeLessThanOrEqual(2);
  });

  it('skips periods where too few brokers report: missing data is not zero', () => {
    const c = cluster({ effect: (p) => (p >= 0 ? 3 : 1) });
    const s = { ...settings, spikeMargin: 0 };
    const watch = openReleaseWatch({ id: 'step', time: RELEASE }, 'ConnectionCreationRate', c.histories, s);
    expect(observeReleaseWatch(watch, START, c.after(0).slice(0, 2), s)).toEqual({ kind: 'skipped', reason: 'too few brokers reported' });
    expect(watch.periods).toBe(0);
    expect(observeReleaseWatch(watch, START - MIN, c.after(0), s)).toMatchObject({ kind: 'skipped' });
    observeReleaseWatch(watch, START, c.after(0), s);
    expect(observeReleaseWatch(watch, START, c.after(0), s)).toEqual({ kind: 'skipped', reason: 'not a new period of the watch' });
  });

  it('is cautious without history: an uncalibrated spread, and no level for a broker with too few points', () => {
    const c = cluster({ minutes: 20 });
    const watch = openReleaseWatch({ id: 'step', time: RELEASE }, 'ConnectionCreationRate', c.histories, settings);
    expect(watch.calibrationSamples).toBe(0);
    expect(watch.sd).toBe(settings.uncalibratedSd);
    expect(Object.keys(watch.levels)).toHaveLength(6);
    const few = openReleaseWatch({ id: 'step', time: RELEASE }, 'ConnectionCreationRate', cluster({ minutes: 10 }).histories, settings);
    expect(few.levels).toEqual({});
    expect(observeReleaseWatch(few, START, c.after(0), settings)).toMatchObject({ kind: 'skipped' });
  });

  it('rejects histories out of time order, naming them', () => {
    const histories = [
      {
        broker: '1',
        points: [
          { time: START - MIN, value: 1 },
          { time: START - 2 * MIN, value: 1 },
        ],
      },
    ];
    expect(() => openReleaseWatch({ id: 'step', time: RELEASE }, 'x', histories, settings)).toThrow(
      'field `histories`: points must be in time order',
    );
    expect(() => openReleaseWatch({ id: 'step', time: Number.NaN }, 'x', histories, settings)).toThrow('field `release.time`');
  });

  it('pools with the median of per-broker log ratios, ignoring brokers with no level and values a log cannot take', () => {
    const levels = { a: Math.log(11), b: Math.log(11), c: Math.log(11) };
    const ratio = pooledLogRatio(
      levels,
      [
        { broker: 'a', value: 21 },
        { broker: 'b', value: 32 },
        { broker: 'c', value: 10 },
        { broker: 'z', value: 1e9 },
        { broker: 'a', value: Number.NaN },
      ],
      settings,
    );
    expect(ratio).toBeCloseTo(Math.log(22 / 11), 12);
  });

  it('measures the null spread by backtest: wider for noisier clusters', () => {
    const quiet = calibrate(
      cluster({ sd: 0.02 }).histories.map((h) => ({
        broker: h.broker,
        points: h.points.map((p) => ({ time: p.time, value: Math.log(p.value + 1) })),
      })),
      START,
      settings,
    );
    const noisy = calibrate(
      cluster({ sd: 0.3 }).histories.map((h) => ({
        broker: h.broker,
        points: h.points.map((p) => ({ time: p.time, value: Math.log(p.value + 1) })),
      })),
      START,
      settings,
    );
    expect(quiet.sd).toBe(settings.minSd);
    // Pooling six brokers' noise of 0.3 by the median: about 0.3 × 1.25 / √6 ≈ 0.15.
    expect(noisy.sd).toBeGreaterThan(0.1);
    expect(noisy.sd).toBeLessThan(0.25);
  });
});

describe('release watch properties', () => {
  const seeds = fc.integer({ min: 1, max: 1_000_000 });

  it('a state carried as JSON between periods gives the same verdicts as one kept in memory', () => {
    fc.assert(
      fc.property(seeds, fc.double({ min: 0.5, max: 20, noNaN: true }), fc.integer({ min: -10, max: 30 }), (seed, factor, from) => {
        const c = cluster({ seed, sd: 0.1, effect: (p) => (p >= from ? factor : 1) });
        const kept = openReleaseWatch({ id: 'step', time: RELEASE }, 'x', c.histories, settings);
        let carried: ReleaseWatch = JSON.parse(JSON.stringify(kept));
        for (let p = 0; p < 35; p++) {
          const observed = c.after(p);
          const a = observeReleaseWatch(kept, START + p * MIN, observed, settings);
          const b = observeReleaseWatch(carried, START + p * MIN, observed, settings);
          expect(b).toEqual(a);
          carried = JSON.parse(JSON.stringify(carried));
        }
        expect(carried).toEqual(kept);
      }),
      { numRuns: 60 },
    );
  });

  it('judges factors, not sums: scaling every value leaves the verdicts unchanged (no log offset)', () => {
    const exact = releaseWatchSettings(MIN, 1.5, { logOffset: 0 });
    fc.assert(
      fc.property(
        seeds,
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        (seed, scale, factor) => {
          const a = run(cluster({ seed, level: 50, effect: (p) => (p >= 0 ? factor : 1) }), 30, exact);
          const b = run(cluster({ seed, level: 50 * scale, effect: (p) => (p >= 0 ? factor : 1) }), 30, exact);
          expect(b.verdicts.map((v) => v.kind)).toEqual(a.verdicts.map((v) => v.kind));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('any shift of 2x or more on every broker at the release is an alarm within 3 periods, on quiet clusters', () => {
    fc.assert(
      fc.property(
        seeds,
        fc.double({ min: 2, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 0.08, noNaN: true }),
        (seed, factor, sd) => {
          const { verdicts, watch } = run(cluster({ seed, sd, effect: (p) => (p >= 0 ? factor : 1) }));
          const at = alarmOf(verdicts);
          expect(at).toBeGreaterThanOrEqual(0);
          expect(at).toBeLessThanOrEqual(2);
          expect(watch.alarm!.onset).toBe(START);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('one broker alone, whatever it does, never raises an alarm on an otherwise steady cluster', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 30, maxLength: 30 }),
        fc.constantFrom(...BROKERS),
        (spikes, who) => {
          const { verdicts } = run(cluster({ sd: 0, broker: (b, p) => (b === who && p >= 0 ? spikes[p]! : 1) }));
          expect(alarmOf(verdicts)).toBe(-1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the heap trend of a release', () => {
  const heap = heapTrendSettings(MIN);
  /** Heap after GC per broker, per minute from 3 h before the release to `after` minutes after it. */
  function heapHistories(at: (minutesFromRelease: number) => number, after: number, seed = 5): BrokerHistory[] {
    const draw = noise(seed, 1);
    return BROKERS.map((b) => ({
      broker: b,
      points: Array.from({ length: 180 + after }, (_, i) => ({
        time: START + (i - 180) * MIN,
        value: at(i - 180) + Math.log(draw()) * 0.8,
      })),
    }));
  }

  it('rises when heap climbs from the release on, and forecasts the limit', () => {
    const histories = heapHistories((m) => 55 + (m > 0 ? (5 * m) / 60 : 0), 90);
    const trend = heapTrend(histories, RELEASE, START + 90 * MIN, heap);
    expect(trend.kind).toBe('rising');
    expect(trend.slopeAfter!).toBeCloseTo(5, 0);
    expect(trend.slopeBefore!).toBeCloseTo(0, 0);
    // From about 62.5% at 5 points an hour: about 5.5 h to 90%.
    expect(trend.msToLimit! / 3_600_000).toBeCloseTo(5.5, 0);
    expect(trend.withinHorizon).toBe(true);
  });

  it('never calls a level bump a trend', () => {
    const trend = heapTrend(
      heapHistories((m) => (m >= 0 ? 75 : 55), 90),
      RELEASE,
      START + 90 * MIN,
      heap,
    );
    expect(trend).toMatchObject({ kind: 'steady', withinHorizon: false });
  });

  it('does not blame the release for a climb that was already there', () => {
    const trend = heapTrend(
      heapHistories((m) => 50 + (4 * m) / 60, 90),
      RELEASE,
      START + 90 * MIN,
      heap,
    );
    expect(trend.kind).toBe('steady');
  });

  it('waits for enough points after the release', () => {
    expect(
      heapTrend(
        heapHistories(() => 50, 30),
        RELEASE,
        START + 30 * MIN,
        heap,
      ),
    ).toEqual({ kind: 'too-early', withinHorizon: false });
  });

  it("does not blame the release for a climb that began within its window, before it (an earlier release's)", () => {
    const trend = heapTrend(
      heapHistories((m) => 50 + (m > -60 ? (8 * (m + 60)) / 60 : 0), 90),
      RELEASE,
      START + 90 * MIN,
      heap,
    );
    expect(trend.slopeBefore!).toBeCloseTo(8, 0);
    expect(trend.kind).toBe('steady');
  });

  it('does not call a bump that came and went a trend: the climb must hold over the recent half of its window', () => {
    const trend = heapTrend(
      heapHistories((m) => 50 + (m >= 30 && m < 70 ? 12 : 0), 100),
      RELEASE,
      START + 100 * MIN,
      heap,
    );
    expect(trend.kind).toBe('steady');
  });

  it('measures the slope after from where it is told to (after a surge), and waits for enough points from there', () => {
    const histories = heapHistories((m) => 50 + (m >= 0 && m < 40 ? 15 : 0) + (m >= 40 ? (6 * (m - 40)) / 60 : 0), 110);
    expect(heapTrend(histories, RELEASE, START + 90 * MIN, heap, START + 40 * MIN).kind).toBe('too-early');
    const trend = heapTrend(histories, RELEASE, START + 110 * MIN, heap, START + 40 * MIN);
    expect(trend.kind).toBe('rising');
    expect(trend.slopeAfter!).toBeCloseTo(6, 0);
  });
});
