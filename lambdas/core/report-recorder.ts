/**
 * The incident report's data points: every scored point of a replay as the detector scored it, or
 * a scheduled run's series histories against their current baselines.
 */
import type { GuardrailConfig } from './config.ts';
import type { PointScore } from './detector.ts';
import { detectorSettings } from './detector-settings.ts';
import { seriesName } from './metric-series.ts';
import type { SeriesState } from './series.ts';
import type { GuardrailState } from './state.ts';

export interface Recorded {
  readonly signal: string;
  readonly name: string;
  readonly points: Array<{ time: number; value: number; mean: number; low: number; high: number; anomalous: boolean }>;
}

/** Collects every scored point during a replay, for the report. */
export class ReportRecorder {
  readonly series = new Map<string, Recorded>();

  /**
   * From the guardrail's state, as a scheduled run has it: each series' history, against its
   * current baseline and band (the state keeps no baseline per point); points above the band marked.
   */
  static fromState(state: GuardrailState, config: GuardrailConfig): ReportRecorder {
    const recorder = new ReportRecorder();
    const periodMs = config.metricPeriodSeconds * 1000;
    for (const series of Object.values(state.series)) {
      const signal = config.signals.find((s) => s.name === series.signal);
      if (!signal) continue;
      const settings = detectorSettings(signal, config.detector, periodMs);
      const { mean, variance } = series.detector.baseline;
      const halfWidth = settings.zThreshold * Math.sqrt(Math.max(variance, settings.minSd * settings.minSd));
      const raw = (y: number) => (settings.logScale ? Math.exp(y) - settings.logOffset : y);
      const [baseline, low, high] = [raw(mean), raw(mean - halfWidth), raw(mean + halfWidth)];
      recorder.series.set(series.key, {
        signal: series.signal,
        name: seriesName(series).replace(`${series.signal} on `, ''),
        points: series.history.times.map((time, i) => {
          const value = raw(series.history.values[i]!);
          return { time, value, mean: baseline, low, high, anomalous: value > high };
        }),
      });
    }
    return recorder;
  }

  readonly onScore = (series: SeriesState, score: PointScore): void => {
    let recorded = this.series.get(series.key);
    if (!recorded)
      this.series.set(
        series.key,
        (recorded = { signal: series.signal, name: seriesName(series).replace(`${series.signal} on `, ''), points: [] }),
      );
    const [low, high] = score.band;
    recorded.points.push({ time: score.time, value: score.value, mean: score.baseline, low, high, anomalous: score.anomalous });
  };
}
