/**
 * Blame: which release an alarm of a release watch is the effect of. The effect began at its
 * onset: the earliest start among the cluster's excursions of the signal that began within the
 * onset tolerance before the alarm's (two watches of releases minutes apart see the same
 * excursion, each from its own start). It is blamed on the
 * latest watched release at or before the onset, within the watch's onset tolerance: an effect
 * that began before a release is not that release's, and of two releases minutes apart, the one
 * the effect followed is. Releases of that same period are all candidates: every flag step among
 * them is acted on (a deploy of the same minute never vetoes a rollback the step's own check
 * supports), and the alert names them all. None of them a flag step: the deploy is named.
 */
import type { Finding, WatchEvidence } from './finding.ts';
import { type ReleaseEvent, releaseName } from './release.ts';
import { alarmThresholds, type ReleaseWatchSettings } from './release-watch.ts';
import { isWatching, type WatchEntry } from './watches.ts';

/** The findings of an alarmed step watch: one per release to act on (or the deploy to name); none when the effect began before every watched release. */
export function blame(alarmed: WatchEntry, entries: readonly WatchEntry[], settings: ReleaseWatchSettings): Finding[] {
  const alarm = alarmed.watch.alarm!;
  const peers = entries.filter((e) => e.purpose === 'step' && e.cluster === alarmed.cluster && e.signal === alarmed.signal);
  const tolerance = settings.onsetTolerancePeriods * settings.periodMs;
  // The same excursion, seen from an earlier release's watch: one that began shortly before this one's (not an effect long past).
  const onsets = peers
    .flatMap((e) => (e.watch.status === 'alarm' ? [e.watch.alarm!.onset] : isWatching(e) && e.watch.onset !== null ? [e.watch.onset] : []))
    .filter((t) => t <= alarm.onset && alarm.onset - t <= tolerance);
  const onset = Math.min(alarm.onset, ...onsets);
  const suspects = peers.filter((e) => e.watch.start <= onset && onset - e.watch.start <= tolerance);
  if (suspects.length === 0) return [];
  const latest = Math.max(...suspects.map((e) => e.watch.start));
  const group = uniqueReleases(suspects.filter((e) => e.watch.start === latest).map((e) => e.release));
  const steps = group.filter((r) => r.kind === 'rollout-step');
  const evidence = fastEvidence(alarmed, onset, group.map(releaseName), settings);
  const series = alarmed.brokers.map((b) => b.key);
  return (steps.length > 0 ? steps : group.slice(0, 1)).map((release) => ({
    release,
    others: group.filter((r) => r.id !== release.id),
    evidence,
    series,
  }));
}

/** The finding of an excess watch's alarm: the flag's effect persists at its lower percentage. */
export function excessFinding(entry: WatchEntry, settings: ReleaseWatchSettings): Finding {
  return {
    release: entry.release,
    others: [],
    evidence: fastEvidence(entry, entry.watch.alarm!.onset, [releaseName(entry.release)], settings),
    series: entry.brokers.map((b) => b.key),
  };
}

/** An alarm's evidence: the pooled effect, the test statistic against its threshold, the noise it was judged against, each broker. */
export function fastEvidence(
  entry: WatchEntry,
  onset: number,
  candidates: readonly string[],
  settings: ReleaseWatchSettings,
): WatchEvidence {
  const alarm = entry.watch.alarm!;
  const thresholds = alarmThresholds(entry.watch, settings);
  return {
    kind: 'fast',
    purpose: entry.purpose,
    cluster: entry.cluster,
    signal: entry.signal,
    onset,
    candidates,
    factor: alarm.factor,
    ...(alarm.sinceFirstStep !== undefined ? { sinceFirstStep: alarm.sinceFirstStep } : {}),
    ...(alarm.stage ? { stage: alarm.stage } : {}),
    statistic: alarm.statistic,
    threshold: thresholds.statistic,
    minFactor: Math.exp(thresholds.excess),
    periods: alarm.periods,
    sd: entry.watch.sd,
    brokers: entry.brokers.map(({ series, value, expected }) => ({ series, value, expected })),
    ...(entry.watch.trafficLevel !== undefined ? { perTraffic: true } : {}),
  };
}

function uniqueReleases(releases: readonly ReleaseEvent[]): ReleaseEvent[] {
  const byId = new Map<string, ReleaseEvent>();
  for (const r of releases) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
