/**
 * What the guardrail knows between evaluations: per-series detector state and history, episodes,
 * freezes, the percentages it set itself, and its cooldowns. Plain JSON, saved with a revision so
 * that two overlapping runs cannot both save.
 */
import { type DetectorState, newDetectorState } from './detector.ts';
import type { Episode } from './episode.ts';
import type { Freeze } from './freeze.ts';
import { type History, newHistory } from './history.ts';
import type { Anomaly } from './anomaly.ts';
import type { MetricSeries } from './metric-series.ts';

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

export interface GuardrailState {
  readonly version: 1;
  /** Advanced by every save: two runs that loaded the same revision cannot both save. */
  revision: number;
  /** The last evaluation's time. */
  evaluatedAt: number | null;
  series: Record<string, SeriesState>;
  episodes: Episode[];
  /** Freezes by flag key (release.ts, flagKey). */
  freezes: Record<string, Freeze>;
  /** Percentages the guardrail itself set, by target key (release.ts, targetKey): newer than the timeline knows. */
  setPercents: Record<string, { percent: number; time: number }>;
  /** Rollbacks by flag key: for the cooldown. */
  lastRollbackAt: Record<string, number>;
}

export function newGuardrailState(): GuardrailState {
  return { version: 1, revision: 0, evaluatedAt: null, series: {}, episodes: [], freezes: {}, setPercents: {}, lastRollbackAt: {} };
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
