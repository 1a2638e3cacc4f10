/**
 * Episodes: anomalies grouped across a cluster's series and signals over time. An episode starts
 * on a confirmed anomaly (or several series anomalous at once), holds its first and peak anomaly,
 * and resolves after a quiet spell. One episode, one alert.
 */
import type { Anomaly } from './anomaly.ts';
import type { Attribution } from './correlation.ts';
import type { GuardrailConfig } from './config.ts';
import type { SeriesState } from './series.ts';

export interface Episode {
  readonly id: string;
  readonly cluster: string;
  /** The first anomalous datapoint's time. */
  readonly onset: number;
  readonly detectedAt: number;
  lastAnomalyAt: number;
  resolvedAt?: number;
  /** The first anomalous datapoint. */
  readonly first: Anomaly;
  /** The anomaly furthest from its baseline so far, in z. */
  peak: Anomaly;
  series: string[];
  signals: string[];
  attribution?: Attribution;
  /** Why no rollback was made, when none was. */
  holdReason?: string;
  decisionIds: string[];
}

export function isOpen(episode: Episode): boolean {
  return episode.resolvedAt === undefined;
}

export function openEpisode(episodes: readonly Episode[], cluster: string): Episode | undefined {
  return episodes.find((e) => e.cluster === cluster && isOpen(e));
}

/** An episode starts on a confirmed anomaly, or on several series anomalous at once. */
export function triggers(series: Readonly<Record<string, SeriesState>>, anomalies: readonly Anomaly[], detector: GuardrailConfig['detector']): boolean {
  const keys = new Set(anomalies.map((a) => a.series));
  return keys.size >= detector.corroboratingSeries || [...keys].some((key) => series[key]!.run >= detector.confirmPeriods);
}

export function startEpisode(series: Readonly<Record<string, SeriesState>>, cluster: string, anomalies: readonly Anomaly[], now: number): Episode {
  // The first anomalous datapoint: the earliest first point of the anomalous runs.
  const first = anomalies.map((a) => series[a.series]!.runFirst ?? a).sort((a, b) => a.time - b.time || b.z - a.z)[0]!;
  const episode: Episode = {
    id: `${cluster}/${new Date(first.time).toISOString()}`,
    cluster,
    onset: first.time,
    detectedAt: now,
    lastAnomalyAt: first.time,
    first,
    peak: first,
    series: [],
    signals: [],
    decisionIds: [],
  };
  extend(episode, anomalies);
  return episode;
}

export function extend(episode: Episode, anomalies: readonly Anomaly[]): void {
  for (const anomaly of anomalies) {
    episode.lastAnomalyAt = Math.max(episode.lastAnomalyAt, anomaly.time);
    if (!episode.series.includes(anomaly.series)) episode.series.push(anomaly.series);
    if (!episode.signals.includes(anomaly.signal)) episode.signals.push(anomaly.signal);
    if (anomaly.kind === episode.peak.kind && Math.abs(anomaly.z) > Math.abs(episode.peak.z)) episode.peak = anomaly;
  }
}

/** Resolves the episodes with no anomaly for the quiet spell; returns them. */
export function resolveQuiet(episodes: readonly Episode[], now: number, quietMs: number): Episode[] {
  const resolved: Episode[] = [];
  for (const episode of episodes) {
    if (!isOpen(episode) || now - episode.lastAnomalyAt < quietMs) continue;
    episode.resolvedAt = now;
    resolved.push(episode);
  }
  return resolved;
}
