/**
 * Anomalies: the new complete datapoints of every series, scored by its detector; a point far from
 * its baseline (level) or a heap forecast to reach its limit within the horizon (forecast) is one.
 * Each series counts its consecutive anomalous points, so an episode can wait for confirmation.
 */
import type { SignalConfig } from './config.ts';
import { type DetectorSettings, observe, type PointScore, scaled } from './detector.ts';
import { forecastToLimit } from './forecast.ts';
import { remember } from './history.ts';
import { type MetricSeries, seriesName } from './metric-series.ts';
import { type GuardrailState, newSeriesState, type SeriesState } from './state.ts';

export interface Anomaly {
  readonly time: number;
  readonly series: string;
  /** The series as people name it: "ConnectionCreationRate on broker 3". */
  readonly label: string;
  readonly signal: string;
  readonly cluster: string;
  /** level: far from the baseline; forecast: heap reaches its limit within the horizon. */
  readonly kind: 'level' | 'forecast';
  readonly value: number;
  readonly baseline: number;
  readonly effect: number;
  readonly z: number;
  readonly score: number;
  readonly msToLimit?: number;
}

/** A configured signal and the detector settings derived from it. */
export interface Signal {
  readonly config: SignalConfig;
  readonly settings: DetectorSettings;
}

export interface Scoring {
  readonly now: number;
  readonly periodMs: number;
  readonly signals: ReadonlyMap<string, Signal>;
  /** Points of history kept per series. */
  readonly historyCapacity: number;
  /** Told of every scored point (for reports): the series and its score. */
  readonly onScore?: (series: SeriesState, score: PointScore) => void;
}

/** Scores the points not seen before, of periods complete at `now`; returns the anomalous ones. */
export function findAnomalies(state: GuardrailState, input: readonly MetricSeries[], scoring: Scoring): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const series of input) {
    const signal = scoring.signals.get(series.signal);
    if (!signal) continue;
    const seriesState = (state.series[series.key] ??= newSeriesState(series));
    for (const point of series.points) {
      if (point.time + scoring.periodMs > scoring.now) continue; // not complete yet
      if (seriesState.detector.lastTime !== null && point.time <= seriesState.detector.lastTime) continue; // read again: already counted
      const anomaly = scorePoint(seriesState, signal, point.time, point.value, scoring);
      if (anomaly) anomalies.push(anomaly);
    }
  }
  return anomalies;
}

function scorePoint(series: SeriesState, signal: Signal, time: number, value: number, scoring: Scoring): Anomaly | undefined {
  const scored = observe(series.detector, signal.settings, time, value);
  if (!scored) return undefined;
  scoring.onScore?.(series, scored);
  remember(series.history, scoring.historyCapacity, time, scaled(signal.settings, value));
  const msToLimit = forecast(series, signal.config);
  const kind = scored.anomalous ? 'level' : msToLimit !== undefined ? 'forecast' : undefined;
  if (!kind) {
    series.run = 0;
    series.runFirst = null;
    return undefined;
  }
  const anomaly: Anomaly = {
    time,
    series: series.key,
    label: seriesName(series),
    signal: series.signal,
    cluster: series.cluster,
    kind,
    value,
    baseline: scored.baseline,
    effect: scored.effect,
    z: scored.z,
    score: scored.score,
    ...(msToLimit !== undefined ? { msToLimit } : {}),
  };
  series.run++;
  series.runFirst ??= anomaly;
  return anomaly;
}

/** Milliseconds until the heap limit when within the horizon, else undefined. */
function forecast(series: SeriesState, signal: SignalConfig): number | undefined {
  if (!signal.forecast) return undefined;
  const { windowPeriods, limitPercent, horizonMinutes } = signal.forecast;
  const result = forecastToLimit(series.history, windowPeriods, limitPercent);
  return result && result.msToLimit <= horizonMinutes * 60_000 ? result.msToLimit : undefined;
}
