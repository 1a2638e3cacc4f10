/**
 * Episodes: what on-call is told about, one per cluster and signal at a time (noise on one signal
 * never delays news of another). Background detection opens one on a confirmed anomaly (or several
 * series anomalous at once); a finding of a release-anchored check (finding.ts) attributes it to
 * a release, or opens one itself when no anomaly did. An episode holds its first and peak anomaly
 * and resolves after a quiet spell.
 *
 * Background detection alerts and never rolls back on its own: an episode no release explains is
 * a warning, sent once no release watch of its signal could still explain it, at most one per
 * cluster per WARNING_INTERVAL_MS.
 */
import type { Anomaly } from './anomaly.ts';
import type { GuardrailConfig } from './config.ts';
import type { Finding, WatchEvidence } from './finding.ts';
import type { ReleaseEvent } from './release.ts';
import type { SeriesState } from './series.ts';

export type Attribution =
  | {
      readonly kind: 'attributed';
      readonly release: ReleaseEvent;
      readonly others: readonly ReleaseEvent[];
      readonly evidence: WatchEvidence;
    }
  | { readonly kind: 'none' };

export interface Episode {
  readonly id: string;
  readonly cluster: string;
  /** The signal it is about (absent in episodes saved before episodes were per signal: their first anomaly's). */
  readonly signal?: string;
  /** The first anomalous datapoint's time, or the onset of the effect a finding opened it with. */
  readonly onset: number;
  readonly detectedAt: number;
  lastAnomalyAt: number;
  resolvedAt?: number;
  /** The first anomalous datapoint (for an episode a finding opened: the finding's, at its onset). */
  readonly first: Anomaly;
  /** The anomaly furthest from its baseline so far, in z. */
  peak: Anomaly;
  series: string[];
  signals: string[];
  /** Which release it is the effect of, with the evidence; `none` once no release can explain it. */
  attribution?: Attribution;
  /** Why no rollback was made, when none was. */
  holdReason?: string;
  decisionIds: string[];
  /** Opened by a finding of a release-anchored check rather than by background detection. */
  readonly openedBy?: 'release-watch';
  /** When on-call was first told (absent: not yet, or a warning held back by the rate limit). */
  alertedAt?: number;
}

/** At most one warning per cluster this often: background noise is not a page, and not a flood. */
export const WARNING_INTERVAL_MS = 60 * 60_000;

export function isOpen(episode: Episode): boolean {
  return episode.resolvedAt === undefined;
}

export function episodeSignal(episode: Episode): string {
  return episode.signal ?? episode.first.signal;
}

export function openEpisode(episodes: readonly Episode[], cluster: string, signal: string): Episode | undefined {
  for (let i = episodes.length - 1; i >= 0; i--) {
    const e = episodes[i]!;
    if (e.cluster === cluster && episodeSignal(e) === signal && isOpen(e)) return e;
  }
  return undefined;
}

/** An episode starts on a confirmed anomaly, or on several series anomalous at once. */
export function triggers(
  series: Readonly<Record<string, SeriesState>>,
  anomalies: readonly Anomaly[],
  detector: GuardrailConfig['detector'],
): boolean {
  const keys = new Set(anomalies.map((a) => a.series));
  return keys.size >= detector.corroboratingSeries || [...keys].some((key) => series[key]!.run >= detector.confirmPeriods);
}

export function startEpisode(
  series: Readonly<Record<string, SeriesState>>,
  cluster: string,
  anomalies: readonly Anomaly[],
  now: number,
): Episode {
  // The first anomalous datapoint: the earliest first point of the anomalous runs.
  const first = anomalies.map((a) => series[a.series]!.runFirst ?? a).sort((a, b) => a.time - b.time || b.z - a.z)[0]!;
  const episode = newEpisode(cluster, first, now);
  extend(episode, anomalies);
  return episode;
}

function newEpisode(cluster: string, first: Anomaly, now: number, openedBy?: 'release-watch'): Episode {
  return {
    id: `${cluster}/${first.signal}/${new Date(first.time).toISOString()}`,
    cluster,
    signal: first.signal,
    onset: first.time,
    detectedAt: now,
    lastAnomalyAt: first.time,
    first,
    peak: first,
    series: [],
    signals: [first.signal],
    decisionIds: [],
    ...(openedBy ? { openedBy } : {}),
  };
}

export function extend(episode: Episode, anomalies: readonly Anomaly[]): void {
  for (const anomaly of anomalies) {
    episode.lastAnomalyAt = Math.max(episode.lastAnomalyAt, anomaly.time);
    if (!episode.series.includes(anomaly.series)) episode.series.push(anomaly.series);
    if (!episode.signals.includes(anomaly.signal)) episode.signals.push(anomaly.signal);
    if (anomaly.kind === episode.peak.kind && Math.abs(anomaly.z) > Math.abs(episode.peak.z)) episode.peak = anomaly;
  }
}

/**
 * The episode a finding belongs to: the open one of its cluster and signal that began at or after
 * the release (or that already holds the same release's findings), else a new one.
 */
export function episodeForFinding(episodes: Episode[], finding: Finding, now: number): Episode {
  const e = finding.evidence;
  const open = openEpisode(episodes, e.cluster, e.signal);
  const same = open?.attribution?.kind === 'attributed' && open.attribution.release.id === finding.release.id;
  const unexplained =
    open && open.attribution?.kind !== 'attributed' && open.onset >= Math.min(finding.release.time, e.onset) - ONSET_SLACK_MS;
  const episode = open && (same || unexplained) ? open : newEpisode(e.cluster, findingAnomaly(finding), now, 'release-watch');
  if (episode !== open) episodes.push(episode);
  episode.attribution = { kind: 'attributed', release: finding.release, others: finding.others, evidence: e };
  // An episode the finding opened has no anomaly of its own to keep it open: the finding is its evidence, now.
  if (episode !== open) episode.lastAnomalyAt = now;
  for (const key of finding.series) if (!episode.series.includes(key)) episode.series.push(key);
  return episode;
}

/** A background episode may begin a few periods before the release watch's onset estimate. */
const ONSET_SLACK_MS = 5 * 60_000;

/** The anomaly a finding stands for: its effect at its onset, pooled over the brokers. */
function findingAnomaly(finding: Finding): Anomaly {
  const e = finding.evidence;
  const broker = [...(e.brokers ?? [])].sort((a, b) => a.value / a.expected - b.value / b.expected)[
    Math.floor((e.brokers?.length ?? 0) / 2)
  ];
  const heap = e.kind === 'heap';
  return {
    time: e.onset,
    series: finding.series[0] ?? `${e.cluster}/${e.signal}`,
    label: heap ? `${e.signal} on ${e.cluster}` : (broker?.series ?? e.signal),
    signal: e.signal,
    cluster: e.cluster,
    kind: heap ? 'forecast' : 'level',
    value: heap ? (e.level ?? 0) : (broker?.value ?? 0),
    baseline: heap ? (e.level ?? 0) : (broker?.expected ?? 0),
    effect: heap ? (e.slopeAfter ?? 0) - (e.slopeBefore ?? 0) : (e.factor ?? 1),
    z: heap || !e.sd ? 0 : Math.log(e.factor ?? 1) / e.sd,
    score: 1,
    ...(heap && e.msToLimit !== undefined && Number.isFinite(e.msToLimit) ? { msToLimit: e.msToLimit } : {}),
  };
}

/** A release watch in the state, as far as an episode's warning cares. */
export interface PendingWatch {
  readonly cluster: string;
  readonly signal: string;
  /** The watched release's period. */
  readonly start: number;
  readonly watching: boolean;
}

/**
 * Whether a background episode may still be explained by a release watch of its signal that has
 * not decided: one of a release at most `toleranceMs` before the episode's onset (or in its period).
 */
export function awaitsWatch(episode: Episode, watches: readonly PendingWatch[], periodMs: number, toleranceMs: number): boolean {
  const signal = episodeSignal(episode);
  return watches.some(
    (w) =>
      w.watching &&
      w.cluster === episode.cluster &&
      w.signal === signal &&
      w.start <= episode.onset + periodMs &&
      episode.onset - w.start <= toleranceMs,
  );
}

/** Whether an alert about this cluster went out within the rate limit (a surge moves several signals at once: one warning). */
export function warnedRecently(episodes: readonly Episode[], episode: Episode, now: number): boolean {
  return episodes.some(
    (e) => e !== episode && e.cluster === episode.cluster && e.alertedAt !== undefined && now - e.alertedAt < WARNING_INTERVAL_MS,
  );
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
