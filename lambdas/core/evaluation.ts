/**
 * One evaluation of the guardrail: the pure step that the Lambda runs every minute and a replay
 * runs once per metric period.
 *
 * In order: find the anomalies among the new complete datapoints; say which series went blind;
 * group anomalies into episodes per cluster; attribute each new episode to a release and decide;
 * revert step-ups of frozen flags; resolve episodes that have been quiet. Time comes in as `now`;
 * nothing here reads a clock or does I/O. The state is plain JSON, updated in place.
 */
import type { AlertIntent } from './alert.ts';
import type { Anomaly } from './anomaly.ts';
import type { GuardrailConfig } from './config.ts';
import { correlate } from './correlation.ts';
import { type Decision, revertDecision, rollbackDecision } from './decision.ts';
import { detectorSettings } from './detector-settings.ts';
import { type PointScore } from './detector.ts';
import { type Episode, extend, openEpisode, resolveQuiet, startEpisode, triggers } from './episode.ts';
import { knownPercent } from './exposure.ts';
import { watchFreshness } from './freshness.ts';
import { freezeOf, remember, revertsFreeze } from './freeze.ts';
import type { MetricSeries } from './metric-series.ts';
import { decide } from './policy.ts';
import { flagKey, type ReleaseEvent, type RolloutStep } from './release.ts';
import { findAnomalies, type SeriesState, type Signal } from './series.ts';
import type { GuardrailState } from './state.ts';

/** What one evaluation found, decided and has to tell. */
export interface Evaluation {
  readonly anomalies: Anomaly[];
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

/** History kept per series: the correlator's lookback plus a window before it (and at least the forecast window). */
const HISTORY_EXTRA_PERIODS = 60;

export function evaluate(state: GuardrailState, input: EvaluationInput, config: GuardrailConfig): Evaluation {
  const context = new EvaluationContext(state, input, config);
  const anomalies = findAnomalies(state.series, input.series, context.scoring());
  const alerts: AlertIntent[] = watchFreshness(state.series, input.now, config);
  const decisions: Decision[] = [];
  for (const [cluster, clusterAnomalies] of groupBy(anomalies, (a) => a.cluster)) {
    const episode = context.updateEpisode(cluster, clusterAnomalies);
    if (!episode || episode.decisionIds.length > 0) continue;
    // A new episode, or one whose release reached the timeline late (webhooks can lag): decide.
    const decision = context.attributeAndDecide(episode);
    if (decision) decisions.push(decision);
    if (decision || episode.detectedAt === input.now) alerts.push({ kind: 'episode', time: input.now, episodeId: episode.id, decisionIds: episode.decisionIds });
  }
  for (const decision of context.revertFrozenStepUps()) {
    decisions.push(decision);
    alerts.push({ kind: 'reverted', time: input.now, decisionId: decision.id });
  }
  const quietMs = config.episodes.quietPeriods * config.metricPeriodSeconds * 1000;
  for (const episode of resolveQuiet(state.episodes, input.now, quietMs)) alerts.push({ kind: 'resolved', time: input.now, episodeId: episode.id });
  state.evaluatedAt = input.now;
  return { anomalies, decisions, alerts };
}

/** The configured signals with their detector settings, by name. */
export function signalsOf(config: GuardrailConfig): Map<string, Signal> {
  const periodMs = config.metricPeriodSeconds * 1000;
  return new Map(config.signals.map((signal) => [signal.name, { config: signal, settings: detectorSettings(signal, config.detector, periodMs) }]));
}

class EvaluationContext {
  private readonly periodMs: number;
  private readonly signals: Map<string, Signal>;

  constructor(
    private readonly state: GuardrailState,
    private readonly input: EvaluationInput,
    private readonly config: GuardrailConfig,
  ) {
    this.periodMs = config.metricPeriodSeconds * 1000;
    this.signals = signalsOf(config);
  }

  scoring() {
    const historyCapacity = Math.max(
      Math.ceil((this.config.correlation.lookbackMinutes * 60_000) / this.periodMs) + HISTORY_EXTRA_PERIODS,
      ...this.config.signals.map((s) => s.forecast?.windowPeriods ?? 0),
    );
    const { now, onScore } = this.input;
    return { now, periodMs: this.periodMs, signals: this.signals, historyCapacity, ...(onScore ? { onScore } : {}) };
  }

  /** The cluster's open episode, extended; or a new one when the anomalies trigger it. */
  updateEpisode(cluster: string, anomalies: readonly Anomaly[]): Episode | undefined {
    const open = openEpisode(this.state.episodes, cluster);
    if (open) {
      extend(open, anomalies);
      return open;
    }
    if (!triggers(this.state.series, anomalies, this.config.detector)) return undefined;
    const episode = startEpisode(this.state.series, cluster, anomalies, this.input.now);
    this.state.episodes.push(episode);
    return episode;
  }

  attributeAndDecide(episode: Episode): Decision | undefined {
    const leading = this.signals.get(episode.first.signal)!;
    const histories = episode.series
      .map((key) => this.state.series[key]!)
      .filter((series) => series.signal === episode.first.signal)
      .map((series) => series.history);
    episode.attribution = correlate(episode.onset, this.input.now, histories, this.input.releases, {
      environment: this.config.environment,
      periodMs: this.periodMs,
      lookbackMs: this.config.correlation.lookbackMinutes * 60_000,
      minConfidence: this.config.correlation.minConfidence,
      ambiguityMargin: this.config.correlation.ambiguityMargin,
      responseMs: leading.config.responseMinutes * 60_000,
      minEffect: leading.settings.minEffect,
      logScale: leading.settings.logScale,
      trend: episode.first.kind === 'forecast',
    });
    const verdict = decide(episode.attribution, this.config, {
      now: this.input.now,
      lastRollbackAt: (flag, environment) => this.state.lastRollbackAt[flagKey(flag, environment)],
      freezeOf: (flag, environment) => freezeOf(this.state, flag, environment),
      currentPercent: (step) => this.currentPercent(step),
    });
    if (verdict.kind === 'hold') {
      episode.holdReason = verdict.reason;
      return undefined;
    }
    delete episode.holdReason;
    const decision = rollbackDecision(episode, verdict, { now: this.input.now, mode: this.config.mode, fromPercent: this.currentPercent(verdict.step) });
    episode.decisionIds.push(decision.id);
    remember(this.state, decision);
    return decision;
  }

  /** The percentage of the step's flag and target now (the step itself is in the timeline). */
  private currentPercent(step: RolloutStep): number {
    return knownPercent(this.state, this.input.releases, step.flag, step.environment, step.target, this.input.now)?.percent ?? step.toPercent;
  }

  revertFrozenStepUps(): Decision[] {
    const since = this.state.evaluatedAt ?? -Infinity;
    const decisions: Decision[] = [];
    for (const release of this.input.releases) {
      if (release.kind !== 'rollout-step' || release.time <= since || release.time > this.input.now) continue;
      const freeze = freezeOf(this.state, release.flag, release.environment);
      if (!freeze || !revertsFreeze(release, freeze)) continue;
      const decision = revertDecision(release, freeze, { now: this.input.now, mode: this.config.mode });
      decisions.push(decision);
      remember(this.state, decision);
    }
    return decisions;
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
