/**
 * A series' state between evaluations (its detector, its history, its current anomalous run), and
 * the scoring of its new complete datapoints: the anomalies are the points far from their baseline
 * or a heap forecast within the horizon. Each series counts its consecutive anomalous points, so an
 * episode can wait for confirmation.
 */
import type { Anomaly } from './anomaly.ts';
import type { SignalConfig } from './config.ts';
import { type DetectorState, newDetectorState, observe, type PointScore } from './detector.ts';
import { type DetectorSettings, scaled } from './detector-settings.ts';
import { forecastToLimit } from './forecast.ts';
import { type History, newHistory, remember } from './history.ts';
import { type MetricSeries, seriesName } from './metric-series.ts';

export interface SeriesState {
  readonly key: string;
  readonly signal: string;
  readonly cluster: string;
  readonly dimensions: Readonly<Record<string, string>>;
  detector: DetectorState;
  /** Scored values (logs for rates and counts), for the correlator and the heap forecast. */
  history: History;
  /** Consecutive anomalous points (level or forecast) and the first of them. */
  run: number;
  runFirst: Anomaly | null;
  blind: boolean;
}

export function newSeriesState(series: Pick<MetricSeries, 'key' | 'signal' | 'cluster' | 'dimensions'>): SeriesState {
  return {
    key: series.key,
    signal: series.signal,
    cluster: series.cluster,
    dimensions: series.dimensions,
    detector: newDetectorState(),
    history: newHistory(),
    run: 0,
    runFirst: null,
    blind: false,
  };
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
export function findAnomalies(states: Record<string, SeriesState>, input: readonly MetricSeries[], scoring: Scoring): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const series of input) {
    const signal = scoring.signals.get(series.signal);
    if (!signal) continue;
    // A series keyed `constructor` or `toString` is a series like any other, not Object.prototype's.
    const seriesState = Object.hasOwn(states, series.key) ? states[series.key]! : (states[series.key] = newSeriesState(series));
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
