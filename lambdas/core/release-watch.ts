/**
 * The release watch: did this release (a rollout step, a deploy) move a fast signal, from the
 * minute it landed? A sequential test per release and signal, pooled over the cluster's brokers.
 *
 * The maths, per watched period t (from the period holding the release on):
 *   expected   e_b = median of ln(y_b + c_b) over the `levelPeriods` before the release, per broker b
 *              (frozen at the release: its own effect cannot leak into what it is judged against),
 *              c_b = min(c, `levelOffsetShare` · the broker's median ȳ_b) where ȳ_b ≥ c, else c: the
 *              offset keeps a zero finite without flattening a factor on a quiet broker, and stays
 *              the noise floor of a signal that sits under it (watch-points.ts offsetOf);
 *   evidence   x_t = median_b( ln(y_b,t + c_b) − e_b ), the pooled log ratio observed / expected: a
 *              cluster-wide change moves every broker, one broker's spike does not move the median;
 *   scale      σ_j = the null spread of x at horizon j (periods after the release), measured on the
 *              cluster's own recent past by backtest: the same predictor from pseudo-releases
 *              before the release, σ_j = q90(|x_j|) / 1.645 (the sd for Gaussian noise, wider for
 *              heavy tails and for the drift and autocorrelation of real traffic), floored at
 *              `minSd`, never less than at a nearer horizon, the last one holding beyond;
 *   test       one-sided CUSUM (Page 1954) on u_t = x_t / σ_j: S_t = max(0, S_{t−1} + u_t − k),
 *              alarm when S_t ≥ H, with at least `minPeriods` periods since the excursion began
 *              and a mean excess over them of at least `minEffect` (half the log of the smallest
 *              factor worth acting on). The excursion's start is the change-point estimate (the onset).
 *   threshold  H = max(h, m · the q-quantile of the CUSUM peaks of the backtest's pseudo-releases),
 *              and the mean excess at least e · the largest excursion's mean there: a cluster
 *              whose own recent past would have alarmed with no release needs more.
 * For independent standard normal u, the average run length to a false alarm is, by Siegmund's
 * approximation, ARL0 ≈ (e^{2k(h+1.166)} − 1 − 2k(h+1.166)) / 2k², so the chance of a false alarm
 * within a watch of N periods is ≈ 1 − e^{−N/ARL0} (`statedFalseAlarmRate`). Real traffic is neither
 * independent nor normal: the measured rate on real textures is in bench/guard/RESULTS.md.
 *
 * What is not the release's: an effect already there before it (the pooled log ratio of the last
 * `preexistingPeriods` before the release, against the level before them, at least `minEffect`
 * and 2σ): `unrelated`, never an alarm; an excursion that begins more than
 * `onsetTolerancePeriods` after the release (a surge twenty minutes later): `unrelated`. A flag's
 * effect is immediate: it scales with the share of requests served the new code from the step on.
 * After `watchPeriods` without an alarm the first stage ends; the second (watch-sustained.ts)
 * judges the mean since the release against the backtest's means of the same length, to
 * `sustainedPeriods` or the next release on the cluster; then the release is `cleared` for this
 * signal. A flag's later step is asked the smallest effect of the flag's (`prior`: what its earlier
 * steps left over its first step's levels), the evidence of a change of its own.
 *
 * Pure: time comes in as arguments; the state is plain JSON and is updated in place. Missing data
 * is not zero: a period where too few brokers report is skipped, never scored.
 */
import { InputError } from './errors.ts';
import { calibrate, preexisting } from './watch-calibration.ts';
import { type BrokerHistory, logPoints, medianBetween, offsetOf, type ReleaseWatchSettings, scoredLogRatio } from './watch-points.ts';
import { lastPeriod, sustainedMean, sustainedThreshold } from './watch-sustained.ts';

export type { BrokerHistory, WatchPoint } from './watch-points.ts';
export { scoredLogRatio } from './watch-points.ts';
export type { ReleaseWatch, WatchAlarm, WatchStatus, WatchVerdict } from './watch-state.ts';
export type { ReleaseWatchSettings };

import type { ReleaseWatch, WatchAlarm, WatchVerdict } from './watch-state.ts';

/**
 * Defaults chosen on realAWSCloudwatch textures by `bench/guard/calibrate.ts` (the most shifts of
 * 1.5x to 10x caught within 3 periods at a measured false-alarm rate of at most 1% per step),
 * reported on realTweets and realAdExchange in bench/guard/RESULTS.md. k = 1.5σ: only periods well
 * over expected build evidence, which real traffic's drift and autocorrelation rarely give for
 * long; an excess margin of 1.5 over the cluster's own recent bursts rather than a higher
 * threshold, so a storm far bigger than them is caught as fast as on a quiet cluster.
 */
export function releaseWatchSettings(
  periodMs: number,
  minFactor: number,
  overrides: Partial<ReleaseWatchSettings> = {},
): ReleaseWatchSettings {
  if (!(periodMs > 0)) throw new InputError({ field: 'periodMs' }, `expected a positive period, got ${periodMs}`);
  if (!(minFactor >= 1)) throw new InputError({ field: 'minFactor' }, `expected a factor of at least 1, got ${minFactor}`);
  return {
    periodMs,
    logOffset: 1,
    levelOffsetShare: 0.1,
    levelPeriods: 30,
    calibrationHorizon: 10,
    calibrationStride: 2,
    minCalibrationSamples: 40,
    uncalibratedSd: 0.25,
    minSd: 0.03,
    k: 1.5,
    h: 4,
    peakMargin: 0,
    peakQuantile: 1,
    excessMargin: 1.5,
    minEffect: Math.log(minFactor) / 2,
    minPeriods: 2,
    spikeMargin: 1.5,
    spikePeriods: 2,
    watchPeriods: 10,
    sustainedPeriods: 30,
    onsetTolerancePeriods: 5,
    preexistingPeriods: 5,
    minBrokerShare: 0.5,
    ...overrides,
  };
}

/**
 * Opens the watch of a release on one signal, from each broker's points before it. Points at or
 * after the release's period are ignored here (they are observed one period at a time).
 * `otherReleases`: times of earlier releases; the backtest leaves out pseudo-releases whose
 * windows hold one, since a real change there is not the cluster's noise.
 */
export function openReleaseWatch(
  release: { readonly id: string; readonly time: number },
  signal: string,
  histories: readonly BrokerHistory[],
  settings: ReleaseWatchSettings,
  otherReleases: readonly number[] = [],
): ReleaseWatch {
  if (!Number.isFinite(release.time)) throw new InputError({ field: 'release.time' }, `expected a time in epoch ms, got ${release.time}`);
  const start = Math.floor(release.time / settings.periodMs) * settings.periodMs;
  const levels: Record<string, number> = {};
  for (const { broker, points } of histories) {
    const level = medianBetween(
      logPoints(points, settings, start),
      start - settings.levelPeriods * settings.periodMs,
      start,
      settings.levelPeriods / 2,
    );
    if (level !== undefined) levels[broker] = level;
  }
  // The past as the watch scores it: each broker's logs with its own offset (watch-points.ts offsetOf).
  const logs = histories.map((h) => {
    const level = levels[h.broker];
    return {
      broker: h.broker,
      points: logPoints(h.points, { logOffset: level === undefined ? settings.logOffset : offsetOf(level, settings) }, start),
    };
  });
  const { sd, sdByHorizon, samples, peak, excess, spike, sustained } = calibrate(logs, start, settings, otherReleases);
  const watch = freshWatch({
    version: 1,
    release: { id: release.id, time: release.time },
    signal,
    start,
    levels,
    sd,
    sdByHorizon,
    calibrationSamples: samples,
    calibrationPeak: peak,
    calibrationExcess: excess,
    calibrationSpike: spike,
    ...(sustained !== undefined ? { sustainedExcess: sustained } : {}),
  });
  if (preexisting(logs, start, sd, settings)) {
    watch.status = 'unrelated';
    watch.reason = 'preexisting';
  }
  return watch;
}

/** What a watch knows before it scores anything (its expectations and calibration). */
export type WatchBasis = Omit<
  ReleaseWatch,
  'status' | 'reason' | 'cusum' | 'onset' | 'excess' | 'lastTime' | 'periods' | 'alarm' | 'since'
>;

/** A watch on `basis` that has scored nothing yet: the one place its running state starts. */
export function freshWatch(basis: WatchBasis): ReleaseWatch {
  return { ...basis, status: 'watching', cusum: 0, onset: null, excess: [], lastTime: null, periods: 0, alarm: null, since: [] };
}

/** The basis of a watch, without its running state. */
export function basisOf(watch: ReleaseWatch): WatchBasis {
  const { status, reason, cusum, onset, excess, lastTime, periods, alarm, since, ...basis } = watch;
  return basis;
}

/**
 * Scores one period (`time` is its start) from each broker's observed value, and says where the
 * watch stands. A period already scored, or before the release, changes nothing.
 */
export function observeReleaseWatch(
  watch: ReleaseWatch,
  time: number,
  observed: ReadonlyArray<{ readonly broker: string; readonly value: number }>,
  settings: ReleaseWatchSettings,
): WatchVerdict {
  if (watch.status !== 'watching') return { kind: 'done', reason: watch.status };
  if (time < watch.start || (watch.lastTime !== null && time <= watch.lastTime))
    return { kind: 'skipped', reason: 'not a new period of the watch' };
  const x = scoredLogRatio(watch.levels, observed, settings);
  if (x === undefined) return { kind: 'skipped', reason: 'too few brokers reported' };
  watch.lastTime = time;
  watch.periods++;
  const period = Math.round((time - watch.start) / settings.periodMs);
  if (watch.since) {
    while (watch.since.length < period) watch.since.push(null);
    watch.since.push(x);
  }
  const verdict = period < settings.watchPeriods ? cusumStage(watch, time, period, x, settings) : undefined;
  if (verdict) return verdict;
  const sustained = sustainedStage(watch, time, settings);
  if (sustained) return sustained;
  if (period + 1 >= lastPeriod(watch, settings)) {
    watch.status = 'cleared';
    return { kind: 'cleared' };
  }
  return { kind: 'watching', statistic: watch.cusum, logRatio: x };
}

/** The first stage: the CUSUM's update and judgement. */
function cusumStage(
  watch: ReleaseWatch,
  time: number,
  period: number,
  x: number,
  settings: ReleaseWatchSettings,
): WatchVerdict | undefined {
  const u = x / watch.sdByHorizon[Math.min(watch.sdByHorizon.length - 1, period)]!;
  const next = Math.max(0, watch.cusum + u - settings.k);
  if (next === 0) {
    watch.onset = null;
    watch.excess = [];
  } else {
    if (watch.cusum === 0) watch.onset = time;
    watch.excess.push(x);
  }
  watch.cusum = next;
  return judge(watch, time, settings);
}

/** The second stage (watch-sustained.ts): the mean since the release against the cluster's own past's means of the same length. */
function sustainedStage(watch: ReleaseWatch, time: number, settings: ReleaseWatchSettings): WatchVerdict | undefined {
  if (watch.sustainedExcess === undefined || !watch.since) return undefined;
  const mean = sustainedMean(watch.since, settings);
  if (mean === undefined || mean < sustainedThreshold(watch, settings)) return undefined;
  const periods = watch.since.length - 1;
  const alarm: WatchAlarm = {
    time,
    onset: watch.start,
    factor: Math.exp(mean),
    ...(watch.prior !== undefined ? { sinceFirstStep: Math.exp(mean + watch.prior) } : {}),
    statistic: mean,
    periods,
    stage: 'sustained',
  };
  watch.status = 'alarm';
  watch.alarm = alarm;
  return { kind: 'alarm', alarm };
}

function judge(watch: ReleaseWatch, time: number, settings: ReleaseWatchSettings): WatchVerdict | undefined {
  if (watch.cusum < thresholdOf(watch, settings) || watch.onset === null) return undefined;
  const mean = watch.excess.reduce((a, b) => a + b, 0) / watch.excess.length;
  if (watch.excess.length < settings.minPeriods && !isSpike(watch, time, mean, settings)) return undefined;
  if (mean < alarmThresholds(watch, settings).excess) return undefined;
  if (watch.onset > watch.start + settings.onsetTolerancePeriods * settings.periodMs) {
    watch.status = 'unrelated';
    watch.reason = 'late-onset';
    return { kind: 'unrelated', reason: 'late-onset' };
  }
  const alarm: WatchAlarm = {
    time,
    onset: watch.onset,
    factor: Math.exp(mean),
    ...(watch.prior !== undefined ? { sinceFirstStep: Math.exp(mean + watch.prior) } : {}),
    statistic: watch.cusum,
    periods: watch.excess.length,
  };
  watch.status = 'alarm';
  watch.alarm = alarm;
  return { kind: 'alarm', alarm };
}

/** One period that no noise of this cluster's recent past comes near, in the watch's first periods. */
function isSpike(watch: ReleaseWatch, time: number, excess: number, settings: ReleaseWatchSettings): boolean {
  if (!(settings.spikeMargin > 0) || watch.calibrationSamples === 0) return false;
  if (time - watch.start >= settings.spikePeriods * settings.periodMs) return false;
  return excess >= Math.max(2 * settings.minEffect, settings.spikeMargin * (watch.calibrationSpike ?? Infinity));
}

/** The CUSUM threshold of this watch: h, or more where the backtest's pseudo-releases peaked higher. */
export function thresholdOf(
  watch: Pick<ReleaseWatch, 'calibrationPeak'>,
  settings: Pick<ReleaseWatchSettings, 'h' | 'peakMargin'>,
): number {
  return Math.max(settings.h, settings.peakMargin * watch.calibrationPeak);
}

/** The CUSUM threshold and smallest mean excess an alarm of this watch needs: its evidence, stated. */
export function alarmThresholds(watch: ReleaseWatch, settings: ReleaseWatchSettings): { statistic: number; excess: number } {
  if (watch.alarm?.stage === 'sustained')
    return { statistic: sustainedThreshold(watch, settings), excess: sustainedThreshold(watch, settings) };
  const effect = settings.minEffect - (watch.prior ?? 0);
  return { statistic: thresholdOf(watch, settings), excess: Math.max(effect, settings.excessMargin * watch.calibrationExcess) };
}
