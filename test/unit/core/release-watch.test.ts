import { describe, expect, it } from 'vitest';
import {
  alarmThresholds,
  observeReleaseWatch,
  openReleaseWatch,
  scoredLogRatio,
  thresholdOf,
} from '../../../lambdas/core/release-watch.ts';
import { calibrate } from '../../../lambdas/core/watch-calibration.ts';
import { offsetOf, priorExcess } from '../../../lambdas/core/watch-points.ts';

import { alarmOf, cluster, MIN, RELEASE, run, START, settings } from './release-watch-fixtures.ts';

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
    // The first stage's watch, then the second stage's (watch-sustained.ts).
    expect(verdicts[settings.watchPeriods - 1]).toMatchObject({ kind: 'watching' });
    expect(verdicts[settings.sustainedPeriods - 1]).toEqual({ kind: 'cleared' });
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
    // 2x: no period stands out of the bursts in the first stage; its mean over the watch does, in the second.
    const twice = run(cluster({ sd: 0.03, effect: (p) => burst(p) * (p >= 0 ? 2 : 1) }));
    expect(alarmOf(twice.verdicts)).toBe(settings.watchPeriods - 1);
    expect(twice.watch.alarm).toMatchObject({ stage: 'sustained', onset: START, periods: settings.watchPeriods - 1 });
    expect(twice.watch.alarm!.factor).toBeCloseTo(2, 0);
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
    const ratio = scoredLogRatio(
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

  it('reads a factor as a factor on a quiet cluster: the log offset is at most a tenth of each broker’s level', () => {
    // 1.5 connections a second, the log offset 1: 2x would read as ln(4 / 2.5), about 1.6x.
    const quiet = run(cluster({ level: 1.5, sd: 0.05, effect: (p) => (p >= 0 ? 2 : 1) }));
    expect(quiet.watch.alarm!.factor).toBeGreaterThan(1.85);
    expect(offsetOf(Math.log(2), settings)).toBeCloseTo(0.1, 12);
    expect(offsetOf(Math.log(101), settings)).toBe(settings.logOffset);
    // Under the offset, it is the signal's noise floor: kept.
    expect(offsetOf(Math.log(1.5), settings)).toBe(settings.logOffset);
    expect(offsetOf(0, settings)).toBe(settings.logOffset);
    const levels = { a: Math.log(2), b: Math.log(2), c: Math.log(2) };
    const doubled = [2, 2, 2].map((value, i) => ({ broker: 'abc'[i]!, value }));
    expect(scoredLogRatio(levels, doubled, settings)).toBeCloseTo(Math.log(2.1 / 1.1), 12);
    // With the offset as configured (no share of the level), the same 2x reads as 1.5x.
    expect(scoredLogRatio(levels, doubled, { ...settings, levelOffsetShare: Infinity })).toBeCloseTo(Math.log(3 / 2), 12);
  });

  it('asks the smallest effect of a flag’s later step of the flag: what its earlier steps left counts', () => {
    // 1.1x left by the flag's first step, then 1.3x more at this one: 1.43x over the flag's baseline.
    const step = cluster({ effect: (p) => (p >= 0 ? 1.3 : 1) });
    const first = openReleaseWatch({ id: 'first', time: RELEASE }, 'ConnectionCreationRate', cluster({ seed: 5 }).histories, settings);
    const later = openReleaseWatch({ id: 'later', time: RELEASE }, 'ConnectionCreationRate', step.histories, settings);
    const shifted = {
      levels: Object.fromEntries(Object.entries(first.levels).map(([b, l]) => [b, Math.log((Math.exp(l) - 1) / 1.1 + 1)])),
    };
    const prior = priorExcess(shifted.levels, later.levels, settings)!;
    expect(prior).toBeCloseTo(Math.log(1.1), 1);
    expect(alarmThresholds({ ...later, prior }, settings).excess).toBeCloseTo(settings.minEffect - prior, 12);
    // 1.2x at the step is under a smallest effect of 1.3x; with 1.1x left by the flag's earlier steps it is over, and the alarm says so.
    const burst = (p: number) => ((((p + 20) % 40) + 40) % 40 < 2 ? 1.25 : 1);
    const s = { ...settings, excessMargin: 0 };
    const alone = run(cluster({ effect: (p) => (p >= 0 ? 1.2 : 1) * burst(p) }), 30, { ...s, minEffect: Math.log(1.3) });
    expect(alarmOf(alone.verdicts)).toBe(-1);
    const watch = openReleaseWatch({ id: 'later', time: RELEASE }, 'ConnectionCreationRate', cluster({ effect: burst }).histories, s);
    const withPrior = { ...watch, prior: Math.log(1.1) };
    const c = cluster({ effect: (p) => (p >= 0 ? 1.2 : 1) * burst(p) });
    const verdicts = Array.from({ length: 10 }, (_, p) =>
      observeReleaseWatch(withPrior, START + p * MIN, c.after(p), { ...s, minEffect: Math.log(1.3) }),
    );
    expect(alarmOf(verdicts)).toBeGreaterThanOrEqual(0);
    expect(withPrior.alarm!.sinceFirstStep).toBeCloseTo(withPrior.alarm!.factor * 1.1, 6);
    // Read at the first step's traffic (traffic-reference.ts): a value 1.1x its traffic's is what the flag left, none of it.
    expect(priorExcess(shifted.levels, later.levels, settings, (v) => v / 1.1)).toBeCloseTo(0, 1);
    expect(priorExcess(first.levels, {}, settings)).toBeUndefined();
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
