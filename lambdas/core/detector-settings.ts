/**
 * Detector settings: how a configured signal (or a series of unknown meaning) is scored. Rates and
 * counts move by factors, not by sums, so they are scored in log space; percentages as they are.
 */
import type { GuardrailConfig, SignalConfig } from './config.ts';
import { StormguardError } from './errors.ts';
import { alphaForHalfLife } from './ewma.ts';
import { QUIET_PERIODS, RECENT_ALPHA, type ScoringSettings, SUSTAINED_HALF_LIFE } from './likelihood.ts';

export interface DetectorSettings {
  readonly periodMs: number;
  /** Score ln(value + logOffset) instead of the value. */
  readonly logScale: boolean;
  readonly logOffset: number;
  /** EWMA weight of the newest point. */
  readonly alpha: number;
  readonly warmupPeriods: number;
  readonly confirmPeriods: number;
  readonly zThreshold: number;
  /** Smallest distance from the baseline, in scored units, that counts as anomalous. */
  readonly minEffect: number;
  /** Floor of the standard deviation, in scored units: a flat series is not infinitely sure. */
  readonly minSd: number;
  /** 1: only rises are anomalous; -1: only falls; 0: both. */
  readonly direction: 1 | -1 | 0;
  /** How the anomaly score is calibrated (lambdas/core/likelihood.ts). */
  readonly scoring: ScoringSettings;
}

/** Log-space standard deviation floor: 5% fluctuations are never surprising. */
const LOG_MIN_SD = 0.05;
/** Linear-scale floor, in the series' units (percentage points for heap). */
const LINEAR_MIN_SD = 0.5;
/** A value in the units the detector scores: the log for rates and counts (they move by factors), as is for percentages. */
export function scaled(settings: Pick<DetectorSettings, 'logScale' | 'logOffset'>, value: number): number {
  return settings.logScale ? Math.log(value + settings.logOffset) : value;
}

/** Rates and counts move by factors, not by sums: they are scored in log space. */
export function isLogScale(kind: SignalConfig['kind']): boolean {
  return kind !== 'percent';
}

/** Detector settings for a configured signal. */
export function detectorSettings(signal: SignalConfig, detector: GuardrailConfig['detector'], periodMs: number): DetectorSettings {
  const logScale = isLogScale(signal.kind);
  return {
    periodMs,
    logScale,
    logOffset: signal.logOffset,
    alpha: alphaForHalfLife(detector.halfLifePeriods),
    warmupPeriods: detector.warmupPeriods,
    confirmPeriods: detector.confirmPeriods,
    zThreshold: signal.zThreshold,
    minEffect: logScale ? Math.log(signal.minFactor) : signal.minChange,
    minSd: signal.minSd ?? (logScale ? LOG_MIN_SD : LINEAR_MIN_SD),
    direction: signal.direction === 'up' ? 1 : signal.direction === 'down' ? -1 : 0,
    scoring: {
      extraAlphas: detector.extraHalfLives.map(alphaForHalfLife),
      seasonPeriods: detector.seasonPeriods,
      likelihoodAlpha: alphaForHalfLife(detector.likelihoodHalfLife),
      quietPeriods: detector.quietPeriods,
    },
  };
}

/** How a series of unknown meaning is scored: as a rate, count or percentage, or `auto`. */
export type SeriesKind = SignalConfig['kind'] | 'auto';

/**
 * Settings for a series whose meaning is unknown (`stormguard detect`, the NAB benchmark): a slow
 * baseline with a faster one beside it, a daily seasonal baseline when the series spans days, no
 * floor but a sliver of its range, and no smallest effect. `auto` scores a series with no
 * negative value in log space, as the guardrail scores rates and counts: most metrics of systems
 * are counts, rates or utilisations, and move by factors. Chosen on NAB (docs/benchmarks.md).
 */
export function settingsForSeries(
  series: { readonly times: readonly number[]; readonly values: readonly number[] },
  options: { kind: SeriesKind; direction: SignalConfig['direction'] },
  tuning: SeriesTuning = SERIES_TUNING,
): DetectorSettings {
  const { times, values } = series;
  const periodMs = medianSpacing(times);
  const spansDays = times.length > 0 && times.at(-1)! - times[0]! >= SEASON_MIN_CYCLES * DAY_MS;
  const logScale = options.kind === 'auto' ? values.every((value) => value >= 0) : isLogScale(options.kind);
  return {
    periodMs,
    logScale,
    logOffset: 1,
    alpha: alphaForHalfLife(tuning.halfLife),
    warmupPeriods: 30,
    confirmPeriods: 2,
    zThreshold: 4,
    minEffect: 0,
    minSd: 1e-9,
    direction: options.direction === 'up' ? 1 : options.direction === 'down' ? -1 : 0,
    scoring: {
      extraAlphas: [alphaForHalfLife(tuning.fastHalfLife)],
      seasonPeriods: spansDays ? Math.round(DAY_MS / periodMs) : 0,
      likelihoodAlpha: alphaForHalfLife(1000),
      quietPeriods: tuning.quietPeriods,
      recentAlpha: tuning.recentAlpha,
      sustainedAlpha: alphaForHalfLife(tuning.sustainedHalfLife),
    },
  };
}

/**
 * The constants of `settingsForSeries` that were chosen on NAB (docs/benchmarks.md). Only the NAB
 * bench's leave-one-category-out passes others; `stormguard detect` always runs these.
 */
export interface SeriesTuning {
  /** Half-life of the detector's own (slow) baseline, in periods. */
  readonly halfLife: number;
  /** Half-life of the faster level baseline beside it. */
  readonly fastHalfLife: number;
  readonly quietPeriods: number;
  /** Weight of the newest deviation in its recent average. */
  readonly recentAlpha: number;
  /** Half-life of the deviation's sustained average. */
  readonly sustainedHalfLife: number;
}

export const SERIES_TUNING: SeriesTuning = {
  halfLife: 1000,
  fastHalfLife: 100,
  quietPeriods: QUIET_PERIODS,
  recentAlpha: RECENT_ALPHA,
  sustainedHalfLife: SUSTAINED_HALF_LIFE,
};
const SEASON_MIN_CYCLES = 3;
const DAY_MS = 86_400_000;

function medianSpacing(times: readonly number[]): number {
  const spacings = times
    .slice(1)
    .map((t, i) => t - times[i]!)
    .filter((s) => s > 0)
    .sort((a, b) => a - b);
  return spacings[spacings.length >> 1] ?? 60_000;
}

/** Whether each configured signal is scored in log space; an unknown signal is a bug, named. */
export function logScaleOf(config: Pick<GuardrailConfig, 'signals'>): (signal: string) => boolean {
  const scales = new Map(config.signals.map((s) => [s.name, isLogScale(s.kind)]));
  return (signal) => {
    const logScale = scales.get(signal);
    if (logScale === undefined)
      throw new StormguardError('UNKNOWN_SIGNAL', `signal ${signal} is not configured (configured: ${[...scales.keys()].join(', ')})`);
    return logScale;
  };
}
