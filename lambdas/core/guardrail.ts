/**
 * One evaluation of the guardrail: the pure step that the Lambda runs every minute and a replay
 * runs once per metric period.
 *
 * In order: score the new complete datapoints of every series; say which series went blind (no
 * data is not zero: it is never a reason to roll back); group anomalies into episodes per cluster;
 * attribute each new episode to a release and decide; revert step-ups of frozen flags; resolve
 * episodes that have been quiet. Time comes in as `now`; nothing here reads a clock or does I/O.
 * The state is plain JSON, updated in place.
 */
import type { Alert } from './alert.ts';
import type { GuardrailConfig, SignalConfig } from './config.ts';
import { type Attribution, correlate } from './correlate.ts';
import { type DetectorSettings, type DetectorState, detectorSettings, newDetectorState, observe, type PointScore } from './detect.ts';
import { formatTime } from './format.ts';
import { forecastToLimit } from './forecast.ts';
import { type History, newHistory, remember } from './history.ts';
import { type MetricSeries, seriesName } from './metrics.ts';
import { type Decision, type Freeze, decide, freezeKey, revertsFreeze } from './policy.ts';
import { type ReleaseEvent, type RolloutStep, type RolloutTarget, targetName } from './timeline.ts';

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

export interface GuardrailState {
  readonly version: 1;
  /** Advanced by every save: two runs that loaded the same revision cannot both save. */
  revision: number;
  /** The last evaluation's time. */
  evaluatedAt: number | null;
  series: Record<string, SeriesState>;
  episodes: Episode[];
  freezes: Record<string, Freeze>;
  /** Percentages the guardrail itself set, by flag/environment: newer than the timeline knows. */
  setPercents: Record<string, { percent: number; time: number }>;
  /** Rollbacks by flag/environment: for the cooldown. */
  lastRollbackAt: Record<string, number>;
  /** Alerts about saved evaluations not yet delivered everywhere: the next run delivers them (app/effects.ts). */
  outbox?: Alert[];
}

/** Something to tell people; rendered into text once the decisions' outcomes are known. */
export type AlertIntent =
  | { readonly kind: 'episode'; readonly time: number; readonly episodeId: string; readonly decisionIds: readonly string[] }
  | { readonly kind: 'resolved'; readonly time: number; readonly episodeId: string }
  | { readonly kind: 'reverted'; readonly time: number; readonly decisionId: string }
  | { readonly kind: 'blind' | 'sight-restored'; readonly time: number; readonly cluster: string; readonly signal: string; readonly series: readonly string[]; readonly since: number };

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

/**
 * A flag's rollout percentage for one target, as the guardrail knows it at `now`: the later of
 * the timeline's last step and the guardrail's own change (a rollback or revert it made). Undefined
 * when there is neither. The one rule for the engine, the gate and the run's report.
 */
export function knownPercent(
  state: Pick<GuardrailState, 'setPercents'>,
  releases: readonly ReleaseEvent[],
  flag: string,
  environment: string,
  target: RolloutTarget,
  now: number,
): { percent: number; time: number } | undefined {
  const name = targetName(target);
  let latest: { percent: number; time: number } | undefined;
  for (const r of releases) {
    if (r.time > now) break;
    if (r.kind === 'rollout-step' && r.flag === flag && r.environment === environment && targetName(r.target) === name) latest = { percent: r.toPercent, time: r.time };
  }
  const own = state.setPercents[setPercentKey(flag, environment, target)];
  return own && (!latest || own.time >= latest.time) ? own : latest;
}

function setPercentKey(flag: string, environment: string, target: RolloutTarget): string {
  return `${freezeKey(flag, environment)}/${targetName(target)}`;
}

export function newGuardrailState(): GuardrailState {
  return { version: 1, revision: 0, evaluatedAt: null, series: {}, episodes: [], freezes: {}, setPercents: {}, lastRollbackAt: {} };
}

export function evaluate(state: GuardrailState, input: EvaluationInput, config: GuardrailConfig): Evaluation {
  const context = new EvaluationContext(state, input, config);
  const anomalies = context.scoreNewPoints();
  const alerts: AlertIntent[] = context.watchFreshness();
  const decisions: Decision[] = [];
  context.updateEpisodes(anomalies, decisions, alerts);
  context.revertFrozenStepUps(decisions, alerts);
  context.resolveQuietEpisodes(alerts);
  state.evaluatedAt = input.now;
  return { anomalies, decisions, alerts };
}

class EvaluationContext {
  private readonly periodMs: number;
  private readonly signals: Map<string, { config: SignalConfig; settings: DetectorSettings }>;

  constructor(
    private readonly state: GuardrailState,
    private readonly input: EvaluationInput,
    private readonly config: GuardrailConfig,
  ) {
    this.periodMs = config.metricPeriodSeconds * 1000;
    this.signals = new Map(
      config.signals.map((signal) => [signal.name, { config: signal, settings: detectorSettings(signal, config.detector, this.periodMs) }]),
    );
  }

  scoreNewPoints(): Anomaly[] {
    const anomalies: Anomaly[] = [];
    const historyCapacity = Math.max(
      Math.ceil((this.config.correlation.lookbackMinutes * 60_000) / this.periodMs) + HISTORY_EXTRA_PERIODS,
      ...this.config.signals.map((s) => s.forecast?.windowPeriods ?? 0),
    );
    for (const series of this.input.series) {
      const signal = this.signals.get(series.signal);
      if (!signal) continue;
      const state = (this.state.series[series.key] ??= newSeriesState(series));
      for (const point of series.points) {
        if (point.time + this.periodMs > this.input.now) continue; // not complete yet
        if (state.detector.lastTime !== null && point.time <= state.detector.lastTime) continue; // read again: already counted
        const scored = observe(state.detector, signal.settings, point.time, point.value);
        if (!scored) continue;
        this.input.onScore?.(state, scored);
        const { settings } = signal;
        remember(state.history, historyCapacity, point.time, settings.logScale ? Math.log(point.value + settings.logOffset) : point.value);
        const forecast = this.forecast(state, signal.config);
        const kind = scored.anomalous ? 'level' : forecast !== undefined ? 'forecast' : undefined;
        if (!kind) {
          state.run = 0;
          state.runFirst = null;
          continue;
        }
        const anomaly: Anomaly = {
          time: point.time,
          series: state.key,
          label: seriesName(state),
          signal: state.signal,
          cluster: state.cluster,
          kind,
          value: point.value,
          baseline: scored.baseline,
          effect: scored.effect,
          z: scored.z,
          score: scored.score,
          ...(forecast !== undefined ? { msToLimit: forecast } : {}),
        };
        state.run++;
        state.runFirst ??= anomaly;
        anomalies.push(anomaly);
      }
    }
    return anomalies;
  }

  /** Milliseconds until the heap limit when within the horizon, else undefined. */
  private forecast(state: SeriesState, signal: SignalConfig): number | undefined {
    if (!signal.forecast) return undefined;
    const { windowPeriods, limitPercent, horizonMinutes } = signal.forecast;
    const forecast = forecastToLimit(state.history, windowPeriods, limitPercent);
    return forecast && forecast.msToLimit <= horizonMinutes * 60_000 ? forecast.msToLimit : undefined;
  }

  /** Series that stopped reporting make the guardrail blind for them: said once, and again when they return. */
  watchFreshness(): AlertIntent[] {
    const staleMs = this.config.freshness.staleAfterPeriods * this.periodMs;
    const changed = new Map<string, { kind: 'blind' | 'sight-restored'; cluster: string; signal: string; series: string[]; since: number }>();
    for (const series of Object.values(this.state.series)) {
      const last = series.detector.lastTime;
      if (last === null) continue;
      const stale = this.input.now - (last + this.periodMs) >= staleMs;
      if (stale === series.blind) continue;
      series.blind = stale;
      const kind = stale ? 'blind' : 'sight-restored';
      const group = `${kind}/${series.cluster}/${series.signal}`;
      const entry = changed.get(group) ?? { kind, cluster: series.cluster, signal: series.signal, series: [], since: last + this.periodMs };
      entry.series.push(seriesName(series));
      entry.since = Math.min(entry.since, last + this.periodMs);
      changed.set(group, entry);
    }
    return [...changed.values()].map((c) => ({ ...c, time: this.input.now }));
  }

  updateEpisodes(anomalies: readonly Anomaly[], decisions: Decision[], alerts: AlertIntent[]): void {
    const byCluster = groupBy(anomalies, (a) => a.cluster);
    for (const [cluster, clusterAnomalies] of byCluster) {
      let episode = this.openEpisode(cluster);
      if (!episode) {
        if (!this.triggers(clusterAnomalies)) continue;
        episode = this.startEpisode(cluster, clusterAnomalies);
        this.state.episodes.push(episode);
        this.attributeAndDecide(episode, decisions);
        alerts.push({ kind: 'episode', time: this.input.now, episodeId: episode.id, decisionIds: episode.decisionIds });
        continue;
      }
      this.extend(episode, clusterAnomalies);
      if (episode.decisionIds.length === 0) {
        // A release may have reached the timeline late (webhooks can lag): try again while open.
        this.attributeAndDecide(episode, decisions);
        if (episode.decisionIds.length > 0) {
          alerts.push({ kind: 'episode', time: this.input.now, episodeId: episode.id, decisionIds: episode.decisionIds });
        }
      }
    }
  }

  /** An episode starts on a confirmed anomaly, or on several series anomalous at once. */
  private triggers(anomalies: readonly Anomaly[]): boolean {
    const { confirmPeriods, corroboratingSeries } = this.config.detector;
    const series = new Set(anomalies.map((a) => a.series));
    return series.size >= corroboratingSeries || [...series].some((key) => this.state.series[key]!.run >= confirmPeriods);
  }

  private startEpisode(cluster: string, anomalies: readonly Anomaly[]): Episode {
    // The first anomalous datapoint: the earliest first point of the anomalous runs.
    const first = anomalies
      .map((a) => this.state.series[a.series]!.runFirst ?? a)
      .sort((a, b) => a.time - b.time || b.z - a.z)[0]!;
    const episode: Episode = {
      id: `${cluster}/${new Date(first.time).toISOString()}`,
      cluster,
      onset: first.time,
      detectedAt: this.input.now,
      lastAnomalyAt: first.time,
      first,
      peak: first,
      series: [],
      signals: [],
      decisionIds: [],
    };
    this.extend(episode, anomalies);
    return episode;
  }

  private extend(episode: Episode, anomalies: readonly Anomaly[]): void {
    for (const anomaly of anomalies) {
      episode.lastAnomalyAt = Math.max(episode.lastAnomalyAt, anomaly.time);
      if (!episode.series.includes(anomaly.series)) episode.series.push(anomaly.series);
      if (!episode.signals.includes(anomaly.signal)) episode.signals.push(anomaly.signal);
      if (anomaly.kind === episode.peak.kind && Math.abs(anomaly.z) > Math.abs(episode.peak.z)) episode.peak = anomaly;
    }
  }

  private attributeAndDecide(episode: Episode, decisions: Decision[]): void {
    const leading = this.signals.get(episode.first.signal)!;
    const histories = episode.series
      .map((key) => this.state.series[key]!)
      .filter((series) => series.signal === episode.first.signal)
      .map((series) => series.history);
    const attribution = correlate(episode.onset, this.input.now, histories, this.input.releases, {
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
    episode.attribution = attribution;
    const verdict = decide(attribution, this.config, {
      now: this.input.now,
      lastRollbackAt: (flag, environment) => this.state.lastRollbackAt[freezeKey(flag, environment)],
      freezeOf: (flag, environment) => this.state.freezes[freezeKey(flag, environment)],
      currentPercent: (step) => this.currentPercent(step),
    });
    if (verdict.kind === 'hold') {
      episode.holdReason = verdict.reason;
      return;
    }
    delete episode.holdReason;
    const best = attribution.kind === 'attributed' ? attribution.best : undefined;
    const decision: Decision = {
      id: `${episode.id}/${verdict.step.flag}/${verdict.step.environment}`,
      time: this.input.now,
      action: 'rollback',
      mode: this.config.mode,
      flag: verdict.step.flag,
      environment: verdict.step.environment,
      target: verdict.step.target,
      fromPercent: this.currentPercent(verdict.step),
      toPercent: verdict.toPercent,
      turnOff: verdict.turnOff,
      reason: verdict.reason,
      episodeId: episode.id,
      evidence: {
        signal: episode.first.signal,
        series: episode.first.label,
        value: episode.first.value,
        baseline: episode.first.baseline,
        effect: episode.first.effect,
        z: episode.first.z,
        firstAnomalyAt: episode.onset,
        seriesAffected: episode.series.length,
        signalsAffected: [...episode.signals],
        release: verdict.step,
        ...(best
          ? { confidence: best.confidence, proximity: best.proximity, response: best.response, ...(best.doseResponse ? { doseResponse: best.doseResponse } : {}) }
          : {}),
      },
    };
    episode.decisionIds.push(decision.id);
    decisions.push(decision);
    this.applyDecision(decision);
  }

  /** What the guardrail knows after deciding: the flag's new percentage, its freeze, its cooldown. */
  private applyDecision(decision: Decision): void {
    if (decision.mode !== 'enforce') return;
    const key = freezeKey(decision.flag, decision.environment);
    this.state.setPercents[setPercentKey(decision.flag, decision.environment, decision.target)] = { percent: decision.toPercent, time: decision.time };
    if (decision.action === 'rollback') {
      this.state.lastRollbackAt[key] = decision.time;
      this.state.freezes[key] = {
        flag: decision.flag,
        environment: decision.environment,
        target: decision.target,
        percent: decision.toPercent,
        since: decision.time,
        decisionId: decision.id,
      };
    }
  }

  /** The percentage of the step's flag and target now (the step itself is in the timeline). */
  private currentPercent(step: RolloutStep): number {
    return knownPercent(this.state, this.input.releases, step.flag, step.environment, step.target, this.input.now)?.percent ?? step.toPercent;
  }

  revertFrozenStepUps(decisions: Decision[], alerts: AlertIntent[]): void {
    const since = this.state.evaluatedAt ?? -Infinity;
    for (const release of this.input.releases) {
      if (release.kind !== 'rollout-step' || release.time <= since || release.time > this.input.now) continue;
      const freeze = this.state.freezes[freezeKey(release.flag, release.environment)];
      if (!freeze || !revertsFreeze(release, freeze)) continue;
      const decision: Decision = {
        id: `${release.id}/revert`,
        time: this.input.now,
        action: 'revert',
        mode: this.config.mode,
        flag: release.flag,
        environment: release.environment,
        target: release.target,
        fromPercent: release.toPercent,
        toPercent: freeze.percent,
        turnOff: false,
        reason: `${release.flag} is frozen at ${freeze.percent}% since ${formatTime(freeze.since)}, until acknowledged`,
        evidence: { release },
      };
      decisions.push(decision);
      this.applyDecision(decision);
      alerts.push({ kind: 'reverted', time: this.input.now, decisionId: decision.id });
    }
  }

  resolveQuietEpisodes(alerts: AlertIntent[]): void {
    const quietMs = this.config.episodes.quietPeriods * this.periodMs;
    for (const episode of this.state.episodes) {
      if (episode.resolvedAt !== undefined || this.input.now - episode.lastAnomalyAt < quietMs) continue;
      episode.resolvedAt = this.input.now;
      alerts.push({ kind: 'resolved', time: this.input.now, episodeId: episode.id });
    }
  }

  private openEpisode(cluster: string): Episode | undefined {
    return this.state.episodes.find((e) => e.cluster === cluster && e.resolvedAt === undefined);
  }
}

function newSeriesState(series: MetricSeries): SeriesState {
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
