/**
 * One evaluation of the guardrail: the pure step that the Lambda runs every minute and a replay
 * runs once per metric period.
 *
 * In order: score the new complete datapoints (anomalies, and the history the watches read); say
 * which series went blind, and record the signals a cluster never reported (coverage.ts); open
 * release watches for the releases new since the last evaluation and feed every watch the periods that arrived (release-checks.ts); group anomalies into
 * episodes per cluster and signal; decide on each finding (policy.ts: roll back, step back, or
 * hold and name the release) and attribute its episode; warn about episodes no release explains;
 * revert step-ups of frozen flags; resolve episodes that have been quiet. Time comes in as `now`;
 * nothing here reads a clock or does I/O. The state is plain JSON, updated in place.
 */
import type { AlertIntent } from './alert.ts';
import type { Anomaly } from './anomaly.ts';
import type { GuardrailConfig } from './config.ts';
import { coverageOf } from './coverage.ts';
import { type Decision, revertDecision, rollbackDecision } from './decision.ts';
import type { PointScore } from './detector.ts';
import { detectorSettings } from './detector-settings.ts';
import {
  awaitsWatch,
  episodeForFinding,
  extend,
  isOpen,
  openEpisode,
  resolveQuiet,
  startEpisode,
  triggers,
  warnedRecently,
} from './episode.ts';
import { knownPercent } from './exposure.ts';
import type { Finding } from './finding.ts';
import { freezeOf, rekeyRuleFreezes, remember, revertsFreeze } from './freeze.ts';
import { watchFreshness } from './freshness.ts';
import { groupBy } from './group-by.ts';
import { HEAP_WATCH_MS, heapSettings, heapSignal } from './heap-watch.ts';
import { FULL_POINTS } from './history.ts';
import type { MetricSeries } from './metric-series.ts';
import { decide, type PolicyContext } from './policy.ts';
import { guardKey, type ReleaseEvent, type RolloutStep, sameRollout } from './release.ts';
import { type CheckInput, expireChecks, openChecks, runChecks, watchExcess, watchState } from './release-checks.ts';
import { findAnomalies, type SeriesState, type Signal } from './series.ts';
import { indexKey, seriesIndex } from './series-index.ts';
import type { GuardrailState } from './state.ts';
import { fastSignals, isWatching, watchSettings } from './watches.ts';

/** What one evaluation found, decided and has to tell. */
export interface Evaluation {
  readonly anomalies: Anomaly[];
  readonly findings: Finding[];
  readonly decisions: Decision[];
  readonly alerts: AlertIntent[];
}

export interface EvaluationInput {
  readonly now: number;
  /** New datapoints; points of periods not complete at `now` are left for a later evaluation. */
  readonly series: readonly MetricSeries[];
  /** The release timeline, ordered by time. */
  readonly releases: readonly ReleaseEvent[];
  /** Told of every scored point (for reports): the series and its score. */
  readonly onScore?: (series: SeriesState, score: PointScore) => void;
}

/** History kept per series beyond what the heap watch reads (its slope before the release and its watch). */
const HISTORY_EXTRA_PERIODS = 30;

export function evaluate(state: GuardrailState, input: EvaluationInput, config: GuardrailConfig): Evaluation {
  rekeyRuleFreezes(state);
  const context = new EvaluationContext(state, input, config);
  const anomalies = findAnomalies(state.series, input.series, context.scoring());
  const alerts: AlertIntent[] = watchFreshness(state.series, input.now, config);
  state.coverage = coverageOf(state.series, config);
  const checks: CheckInput = { now: input.now, releases: input.releases, index: seriesIndex(state.series) };
  openChecks(state, checks, config);
  const findings = runChecks(state, checks, config);
  // Traffic is not a storm: the watches judge the fast signals per unit of it; its own anomalies open no episode.
  const traffic = new Set(config.signals.filter((s) => s.traffic).map((s) => s.name));
  const episodic = anomalies.filter((a) => !traffic.has(a.signal));
  for (const group of groupBy(episodic, (a) => indexKey(a.cluster, a.signal)).values()) context.updateEpisode(group);
  const decisions: Decision[] = [];
  for (const finding of findings) {
    const { decision, intent } = context.act(finding, checks);
    if (decision) decisions.push(decision);
    if (intent) alerts.push(intent);
  }
  alerts.push(...context.warnUnexplained());
  for (const decision of context.revertFrozenStepUps()) {
    decisions.push(decision);
    alerts.push({ kind: 'reverted', time: input.now, decisionId: decision.id });
  }
  const quietMs = config.episodes.quietPeriods * config.metricPeriodSeconds * 1000;
  for (const episode of resolveQuiet(state.episodes, input.now, quietMs)) {
    if (episode.alertedAt !== undefined) alerts.push({ kind: 'resolved', time: input.now, episodeId: episode.id });
  }
  expireChecks(state, input.now);
  state.evaluatedAt = input.now;
  return { anomalies, findings, decisions, alerts };
}

/** The configured signals with their detector settings, by name. */
export function signalsOf(config: GuardrailConfig): Map<string, Signal> {
  const periodMs = config.metricPeriodSeconds * 1000;
  return new Map(
    config.signals.map((signal) => [signal.name, { config: signal, settings: detectorSettings(signal, config.detector, periodMs) }]),
  );
}

/** Points of history each series keeps: the release watch's full-resolution window, the heap watch's span, the forecast window. */
export function historyCapacity(config: GuardrailConfig): number {
  const periodMs = config.metricPeriodSeconds * 1000;
  const heap = heapSignal(config);
  const heapSpan = heap ? heapSettings(heap, config).beforePeriods + Math.ceil(HEAP_WATCH_MS / periodMs) : 0;
  return Math.max(FULL_POINTS, heapSpan, ...config.signals.map((s) => s.forecast?.windowPeriods ?? 0)) + HISTORY_EXTRA_PERIODS;
}

class EvaluationContext {
  private readonly periodMs: number;
  private readonly signals: Map<string, Signal>;
  /** Rollout targets decided on in this evaluation (by guardKey): one decision per target per evaluation. */
  private readonly decidedFlags = new Set<string>();

  constructor(
    private readonly state: GuardrailState,
    private readonly input: EvaluationInput,
    private readonly config: GuardrailConfig,
  ) {
    this.periodMs = config.metricPeriodSeconds * 1000;
    this.signals = signalsOf(config);
  }

  scoring() {
    const { now, onScore } = this.input;
    return {
      now,
      periodMs: this.periodMs,
      signals: this.signals,
      historyCapacity: historyCapacity(this.config),
      ...(onScore ? { onScore } : {}),
    };
  }

  /** The open episode of the anomalies' cluster and signal, extended; or a new one when they trigger it. */
  updateEpisode(anomalies: readonly Anomaly[]): void {
    const { cluster, signal } = anomalies[0]!;
    const open = openEpisode(this.state.episodes, cluster, signal);
    if (open) {
      extend(open, anomalies);
      return;
    }
    if (triggers(this.state.series, anomalies, this.config.detector))
      this.state.episodes.push(startEpisode(this.state.series, cluster, anomalies, this.input.now));
  }

  /** Decides on a finding, attributes its episode; what to record and tell. A hold about a release already told of is silent. */
  act(finding: Finding, checks: CheckInput): { decision?: Decision; intent?: AlertIntent } {
    const { now } = this.input;
    const release = finding.release;
    if (release.kind === 'rollout-step' && this.decidedFlags.has(guardKey(release.flag, release.environment, release.target))) return {};
    const verdict = decide(finding, this.config, this.policyContext());
    if (verdict.kind === 'hold' && (this.toldOf(finding) || this.reverted(release))) return this.explainQuietly(finding, verdict.reason);
    const episode = episodeForFinding(this.state.episodes, finding, now);
    episode.alertedAt ??= now;
    if (verdict.kind === 'hold') {
      episode.holdReason = verdict.reason;
      return {
        intent: {
          kind: 'episode',
          time: now,
          episodeId: episode.id,
          decisionIds: [],
          finding: `${release.id}/${finding.evidence.purpose}`,
        },
      };
    }
    delete episode.holdReason;
    const decision = rollbackDecision(finding, verdict, {
      now,
      mode: this.config.mode,
      fromPercent: this.currentPercent(verdict.step),
      episodeId: episode.id,
    });
    episode.decisionIds.push(decision.id);
    this.decidedFlags.add(guardKey(verdict.step.flag, verdict.step.environment, verdict.step.target));
    remember(this.state, decision);
    this.endExcessWatches(verdict.step);
    watchExcess(this.state, decision, finding, checks, this.config);
    return { decision, intent: { kind: 'episode', time: now, episodeId: episode.id, decisionIds: [decision.id] } };
  }

  /** Whether an episode already names this release for this kind of check (another signal or cluster found it first). */
  private toldOf(finding: Finding): boolean {
    return this.state.episodes.some(
      (e) =>
        e.attribution?.kind === 'attributed' &&
        e.attribution.release.id === finding.release.id &&
        e.attribution.evidence.kind === finding.evidence.kind,
    );
  }

  /** A step up of a frozen flag: it was reverted, and its revert paged. */
  private reverted(release: ReleaseEvent): boolean {
    const freeze = release.kind === 'rollout-step' ? freezeOf(this.state, release.flag, release.environment, release.target) : undefined;
    return freeze !== undefined && release.kind === 'rollout-step' && revertsFreeze(release, freeze);
  }

  /**
   * A finding about a release already told of still explains its signal's open episode, without
   * another alert: one that names the release stays open while the finding lasts (a deploy's heap
   * climb), one no release explained yet is explained. Never marked alerted: nothing was sent about
   * it, so no "resolved" follows, and it holds back no warning of its cluster.
   */
  private explainQuietly(finding: Finding, reason: string): Record<string, never> {
    const { now } = this.input;
    const open = openEpisode(this.state.episodes, finding.evidence.cluster, finding.evidence.signal);
    const named = open?.attribution?.kind === 'attributed' && open.attribution.release.id === finding.release.id;
    if (named) open.lastAnomalyAt = Math.max(open.lastAnomalyAt, now);
    else if (open && open.attribution?.kind !== 'attributed' && open.alertedAt === undefined) {
      episodeForFinding(this.state.episodes, finding, now).holdReason = reason;
    }
    return {};
  }

  /** What persists of the flag's effect was judged at its previous percentage: those watches end with a new decision. */
  private endExcessWatches(step: RolloutStep): void {
    const { watches, heapWatches } = watchState(this.state);
    const same = (r: ReleaseEvent) => r.kind === 'rollout-step' && sameRollout(r, step);
    for (const w of watches) if (w.purpose === 'excess' && same(w.release) && isWatching(w)) w.endedAt = this.input.now;
    for (const h of heapWatches) if (h.purpose === 'excess' && same(h.release)) h.done = true;
  }

  private policyContext(): PolicyContext {
    const { now, releases } = this.input;
    const sameFlag = (r: ReleaseEvent, step: RolloutStep): r is RolloutStep => r.kind === 'rollout-step' && sameRollout(r, step);
    return {
      now,
      lastRollbackAt: (step) => this.state.lastRollbackAt[guardKey(step.flag, step.environment, step.target)],
      freezeOf: (step) => freezeOf(this.state, step.flag, step.environment, step.target),
      currentPercent: (step) => this.currentPercent(step),
      earlierPercents: (step) => releases.filter((r) => sameFlag(r, step) && r.time <= now).map((r) => (r as RolloutStep).fromPercent),
      decided: (step) => this.state.episodes.some((e) => e.decisionIds.includes(`${step.id}/rollback`)),
    };
  }

  /** The percentage of the step's flag and target now (the step itself is in the timeline). */
  private currentPercent(step: RolloutStep): number {
    return (
      knownPercent(this.state, this.input.releases, step.flag, step.environment, step.target, this.input.now)?.percent ?? step.toPercent
    );
  }

  /** Episodes no release explains, once no watch of their signal could: a warning each, within the rate limit. */
  warnUnexplained(): AlertIntent[] {
    const { now } = this.input;
    const watches = watchState(this.state).watches.map((w) => ({
      cluster: w.cluster,
      signal: w.signal,
      start: w.watch.start,
      watching: w.purpose === 'step' && isWatching(w),
    }));
    const tolerance =
      Math.max(0, ...fastSignals(this.config).map((s) => watchSettings(s, this.config).onsetTolerancePeriods)) * this.periodMs;
    const intents: AlertIntent[] = [];
    for (const episode of this.state.episodes) {
      if (!isOpen(episode) || episode.attribution || awaitsWatch(episode, watches, this.periodMs, tolerance)) continue;
      episode.attribution = { kind: 'none' };
      episode.holdReason = 'no release correlates';
      if (warnedRecently(this.state.episodes, episode, now)) continue;
      episode.alertedAt = now;
      intents.push({ kind: 'episode', time: now, episodeId: episode.id, decisionIds: [] });
    }
    return intents;
  }

  revertFrozenStepUps(): Decision[] {
    const since = this.state.evaluatedAt ?? -Infinity;
    const decisions: Decision[] = [];
    for (const release of this.input.releases) {
      if (release.kind !== 'rollout-step' || release.time <= since || release.time > this.input.now) continue;
      const freeze = freezeOf(this.state, release.flag, release.environment, release.target);
      if (!freeze || !revertsFreeze(release, freeze)) continue;
      const decision = revertDecision(release, freeze, { now: this.input.now, mode: this.config.mode });
      decisions.push(decision);
      remember(this.state, decision);
    }
    return decisions;
  }
}
