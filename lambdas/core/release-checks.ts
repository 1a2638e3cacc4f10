/**
 * The release-anchored checks of one evaluation. Every rollout step up and every deploy in the
 * guarded environment opens, per cluster, a release watch per fast signal (watches.ts) and a heap
 * watch (heap-watch.ts); a flag's step also starts or joins the flag's baseline (step-back.ts).
 * Each evaluation feeds the watches the periods that arrived and says what they found: alarms
 * blamed on a release (blame.ts), heap trends to the limit within the horizon, and what persists
 * of a rolled-back flag's effect. The state keeps all of it as plain JSON, and drops what is done.
 */
import { blame, excessFinding } from './blame.ts';
import { startsWatch } from './cadence.ts';
import type { GuardrailConfig, SignalConfig } from './config.ts';
import type { Decision } from './decision.ts';
import { fellWithDose } from './dose.ts';
import type { Finding } from './finding.ts';
import { checkHeap, expireHeapWatches, heapFinding, heapSettings, heapSignal, openHeapWatch } from './heap-watch.ts';
import type { ReleaseEvent, RolloutStep } from './release.ts';
import { type ReleaseWatch, scoredLogRatio } from './release-watch.ts';
import { indexKey, type SeriesIndex } from './series-index.ts';
import type { GuardrailState } from './state.ts';
import {
  baselineFor,
  baselineOf,
  climbedBefore,
  excessHeapWatches,
  excessWatches,
  expireBaselines,
  rememberHeapClimb,
  rememberHeapSlope,
  rememberWatch,
} from './step-back.ts';
import { perTrafficOf, trafficLookup, trafficOf, trafficSignals } from './traffic-reference.ts';
import {
  expireWatches,
  fastSignals,
  feedWatch,
  isWatching,
  openWatch,
  recentValues,
  type WatchEntry,
  watchSettings,
  watchTraffic,
} from './watches.ts';

/** What the checks need of the evaluation. */
export interface CheckInput {
  readonly now: number;
  readonly releases: readonly ReleaseEvent[];
  readonly index: SeriesIndex;
}

/** The watches' state, created on first use (a state saved before watches has none). */
export function watchState(state: GuardrailState) {
  state.watches ??= [];
  state.heapWatches ??= [];
  state.flagBaselines ??= {};
  return { watches: state.watches, heapWatches: state.heapWatches, flagBaselines: state.flagBaselines };
}

/** Opens the watches of releases not watched yet, that landed within a watch's length of now. */
export function openChecks(state: GuardrailState, input: CheckInput, config: GuardrailConfig): void {
  const { watches, heapWatches } = watchState(state);
  const periodMs = config.metricPeriodSeconds * 1000;
  const watched = new Set([...watches.map((w) => w.release.id), ...heapWatches.map((h) => h.release.id)]);
  const window = Math.max(...fastSignals(config).map((s) => watchSettings(s, config).watchPeriods), 1) * periodMs;
  for (const release of input.releases) {
    if (release.time > input.now || input.now - release.time > window || watched.has(release.id) || !isWatched(release, config)) continue;
    openRelease(state, release, input, config);
  }
}

/** Step-ups and deploys in the guarded environment (a frozen flag's step-up is reverted, and watched: what it did is explained). */
function isWatched(release: ReleaseEvent, config: GuardrailConfig): boolean {
  if (!startsWatch(release, config)) return false;
  return release.kind === 'deploy' || release.toPercent > release.fromPercent;
}

function openRelease(state: GuardrailState, release: ReleaseEvent, input: CheckInput, config: GuardrailConfig): void {
  const { watches, heapWatches, flagBaselines } = watchState(state);
  const earlier = input.releases.filter((r) => r.time < release.time && r.environment === release.environment).map((r) => r.time);
  const baseline = release.kind === 'rollout-step' ? baselineFor(flagBaselines, release) : undefined;
  for (const signal of fastSignals(config)) {
    for (const series of clusterSeries(input.index, signal)) {
      const first = baseline?.fast[indexKey(series[0]!.cluster, signal.name)]?.watch;
      // A flag's later step reads the traffic its first step did: its prior compares their levels.
      const traffic = trafficOf(input.index, config, series[0]!.cluster, first && watchTraffic(first));
      const entry = openWatch(release, series, signal, config, earlier, traffic, first);
      watches.push(entry);
      if (baseline) rememberWatch(baseline, entry);
    }
  }
  const heap = heapSignal(config);
  if (heap) for (const series of clusterSeries(input.index, heap)) heapWatches.push(openHeapWatch(release, series[0]!.cluster, heap.name));
}

/** The series of the signal, one list per cluster. */
function clusterSeries(index: SeriesIndex, signal: SignalConfig) {
  return [...index.values()].filter((list) => list.length > 0 && list[0]!.signal === signal.name);
}

/** Feeds every open watch the periods that arrived; returns what they found. */
export function runChecks(state: GuardrailState, input: CheckInput, config: GuardrailConfig): Finding[] {
  const { watches } = watchState(state);
  const findings: Finding[] = [];
  const alarmed = [];
  const trafficFor = trafficLookup(input.index, config);
  for (const entry of watches) {
    const signal = config.signals.find((s) => s.name === entry.signal);
    if (!signal || !isWatching(entry)) continue;
    const series = input.index.get(indexKey(entry.cluster, entry.signal)) ?? [];
    const pinned = watchTraffic(entry.watch);
    const traffic = trafficFor(entry.cluster, pinned);
    // Another traffic signal stands in for periods the watch's own has no reading of.
    const others = pinned === undefined ? [] : trafficSignals(config).filter((s) => s.name !== pinned);
    const spare = others.map((s) => trafficFor(entry.cluster, s.name)).find((t) => t !== undefined);
    if (feedWatch(entry, series, signal, config, input.now, traffic, nextRelease(entry, watches), spare)) alarmed.push({ entry, signal });
  }
  // Every watch has seen this evaluation's periods before any alarm is blamed: releases minutes apart see the same excursion.
  for (const { entry, signal } of alarmed) {
    const settings = watchSettings(signal, config);
    if (entry.purpose === 'step') findings.push(...blame(entry, watches, settings));
    // What did not fall with the percentage is not the flag's to answer for: no further step back.
    else if (fellWithDose(entry.before, Math.log(entry.watch.alarm!.factor))) findings.push(excessFinding(entry, settings));
  }
  findings.push(...heapFindings(state, input, config));
  return findings;
}

/** The period of the first watched release on the entry's cluster after its own, if any. */
function nextRelease(entry: WatchEntry, watches: readonly WatchEntry[]): number | undefined {
  let next: number | undefined;
  for (const w of watches)
    if (w.purpose === 'step' && w.cluster === entry.cluster && w.release.time > entry.release.time)
      next = Math.min(next ?? Infinity, w.watch.start);
  return next;
}

function heapFindings(state: GuardrailState, input: CheckInput, config: GuardrailConfig): Finding[] {
  const { watches, heapWatches, flagBaselines } = watchState(state);
  const signal = heapSignal(config);
  if (!signal) return [];
  const context = {
    ...input,
    watches,
    slopeBefore: (release: ReleaseEvent, cluster: string, slope: () => number | undefined) => {
      if (release.kind === 'rollout-step') rememberHeapSlope(flagBaselines, release, cluster, slope);
    },
    flagSlopeBefore: (release: ReleaseEvent, cluster: string) => {
      const baseline = release.kind === 'rollout-step' ? baselineOf(flagBaselines, release) : undefined;
      return baseline && baseline.since < release.time ? baseline.heapSlope[cluster] : undefined;
    },
    climbed: (release: ReleaseEvent, cluster: string) => {
      if (release.kind === 'rollout-step') rememberHeapClimb(flagBaselines, release, cluster);
    },
    flagClimbed: (release: ReleaseEvent, cluster: string) =>
      release.kind === 'rollout-step' && climbedBefore(flagBaselines, release, cluster),
  };
  const findings: Finding[] = [];
  for (const entry of heapWatches) {
    if (entry.done) continue;
    const trend = checkHeap(entry, signal, config, context);
    if (!trend) continue;
    const series = (input.index.get(indexKey(entry.cluster, entry.signal)) ?? []).map((s) => s.key);
    findings.push(heapFinding(entry, trend, heapSettings(signal, config), series));
  }
  return findings;
}

/** After an enforced rollback to more than 0%: watch what persists of the flag's effect, against its baseline. */
export function watchExcess(state: GuardrailState, decision: Decision, finding: Finding, input: CheckInput, config: GuardrailConfig): void {
  const step = finding.release as RolloutStep;
  const { watches, heapWatches, flagBaselines } = watchState(state);
  const baseline = baselineOf(flagBaselines, step);
  if (decision.mode !== 'enforce' || decision.turnOff || decision.toPercent <= 0 || !baseline) return;
  if (finding.evidence.kind === 'fast') {
    const before = (cluster: string, signal: string, watch: ReleaseWatch) => {
      const signalConfig = config.signals.find((s) => s.name === signal);
      if (!signalConfig) return undefined;
      const settings = watchSettings(signalConfig, config);
      const per = perTrafficOf(watch, trafficOf(input.index, config, cluster, watchTraffic(watch))?.reference, settings);
      const recent = recentValues(input.index.get(indexKey(cluster, signal)) ?? [], signalConfig, DOSE_PERIODS, per);
      return scoredLogRatio(watch.levels, recent, settings);
    };
    watches.push(...excessWatches(baseline, step, input.now, config.metricPeriodSeconds * 1000, before));
    return;
  }
  const heap = heapSignal(config);
  const clusters = heap ? clusterSeries(input.index, heap).map((list) => list[0]!.cluster) : [];
  if (heap) heapWatches.push(...excessHeapWatches(step, clusters, heap.name, input.now));
}

/** Periods whose per-broker median is a signal's level at a rollback: the dose its excess must fall from. */
const DOSE_PERIODS = 3;

/** Drops the watches, heap watches and baselines that are done with. */
export function expireChecks(state: GuardrailState, now: number): void {
  const { watches, heapWatches, flagBaselines } = watchState(state);
  state.watches = expireWatches(watches, now);
  state.heapWatches = expireHeapWatches(heapWatches);
  expireBaselines(flagBaselines, now);
}
