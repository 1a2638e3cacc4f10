/**
 * A prototype of the engine with release watches (lambdas/core/release-watch.ts) deciding, beside
 * main's engine (lambdas/core/guardrail.ts, unchanged, run in observe mode for its warnings). For
 * measuring on bench:guard what the integration would do; not production code.
 *
 * - Each rollout step up and deploy opens a watch per cluster and fast signal, from the per-broker
 *   points before it. An alarm is blamed on the latest watched release at or before the effect's
 *   onset (the earliest onset among the cluster's open excursions of that signal): a storm that
 *   began before a release is not that release's, and of two steps minutes apart, the one the
 *   effect followed is.
 * - A blamed rollout step is rolled back (previous step, or 0 / off as configured) and frozen; a
 *   critical alert says so. While the flag's excess over its level before its first watched step
 *   persists (judged again a few periods after each rollback), it is stepped back again, to 0.
 * - Heap after GC: a trend that starts at a step, with no fast-signal response and no traffic to
 *   explain it, rolls the step back when the limit is forecast within the horizon (critical); the
 *   flag is stepped back again while its heap slope stays over the one before its first step.
 * - Everything else main's engine sees (episodes no release explains, blind signals) is a warning:
 *   pages are for rollbacks and heap forecast to exhaustion only.
 */
import type { Alert } from '../../lambdas/core/alert.ts';
import type { GuardrailConfig } from '../../lambdas/core/config.ts';
import { evaluate } from '../../lambdas/core/evaluation.ts';
import { newGuardrailState } from '../../lambdas/core/state.ts';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';
import type { Decision } from '../../lambdas/core/decision.ts';
import { heapTrend, heapTrendSettings } from '../../lambdas/core/heap-trend.ts';
import {
  type BrokerHistory,
  observeReleaseWatch,
  openReleaseWatch,
  pooledLogRatio,
  type ReleaseWatch,
  type ReleaseWatchSettings,
  releaseWatchSettings,
  type WatchPoint,
} from '../../lambdas/core/release-watch.ts';
import { periods, type ReplayInput } from '../../lambdas/app/schedule.ts';
import { type ReleaseEvent, releaseName, type RolloutStep, targetName } from '../../lambdas/core/release.ts';
import type { Engine, EngineRun } from './loop.ts';

const FAST_SIGNALS = ['ConnectionCreationRate', 'ProducerIdCount', 'ClientConnectionCount', 'ConnectionCount'] as const;
const HEAP = 'HeapMemoryAfterGC';
/** Periods after a rollback before the flag's remaining excess is judged: the rollback takes a minute to act. */
const SETTLE_PERIODS = 2;
/** How long a step's heap is watched for a trend (or until the flag's next step). */
const HEAP_WATCH_MS = 6 * 3_600_000;
/** A heap climb with traffic up this much (log ratio of a connection signal) is traffic's, not the release's. */
const TRAFFIC_EXPLAINS = Math.log(1.2);
/** Points whose per-broker median is a connection signal's level now, for the traffic check. */
const TRAFFIC_WINDOW_PERIODS = 30;
/** An excess judged against a level older than this is not judged: traffic has moved since. */
const MAX_BASELINE_AGE_MS = 6 * 3_600_000;
/** A rise at the release counts as the release's when it stands this many null spreads out of the noise. */
const RISE_SDS = 3;
/** A heap slope over a longer window is surer: the smallest excess slope shrinks with the window, to this floor (points/h). */
const MIN_EXCESS_SLOPE = 0.3;

export const anchoredEngine: Engine = {
  name: 'Stormguard (release watch prototype)',
  run: async (input, config) => new AnchoredRun(config).run(input),
};

interface Buffer {
  readonly cluster: string;
  readonly signal: string;
  readonly broker: string;
  readonly points: WatchPoint[];
}

interface FastWatch {
  readonly release: ReleaseEvent;
  readonly cluster: string;
  readonly signal: string;
  readonly settings: ReleaseWatchSettings;
  readonly watch: ReleaseWatch;
  /** step: the release's own effect; excess: what remains of a rolled-back flag's effect. */
  readonly purpose: 'step' | 'excess';
  /** Pooled log ratios seen during the watch: did the signal move at the release, alarm or not? */
  readonly seen: number[];
}

interface HeapWatch {
  readonly release: ReleaseEvent;
  readonly cluster: string;
  /** step: a trend starting at the release; excess: the slope since a rollback against `reference`. */
  readonly purpose: 'step' | 'excess';
  readonly since: number;
  readonly reference?: number;
  done: boolean;
}

/** A flag's first watched step: the levels and heap slope before it, what its excess is judged against. */
interface FlagBaseline {
  readonly time: number;
  readonly fast: Map<string, FastWatch>;
  heapSlope?: number;
}

class AnchoredRun {
  private readonly periodMs: number;
  private readonly buffers = new Map<string, Buffer>();
  private readonly fast: FastWatch[] = [];
  private readonly heap: HeapWatch[] = [];
  private readonly baselines = new Map<string, FlagBaseline>();
  private readonly percents = new Map<string, number>();
  private readonly decisions: Decision[] = [];
  private readonly alerts: Alert[] = [];
  private releases: readonly ReleaseEvent[] = [];

  constructor(private readonly config: GuardrailConfig) {
    this.periodMs = config.metricPeriodSeconds * 1000;
  }

  async run(input: ReplayInput): Promise<EngineRun> {
    const observer = newGuardrailState();
    const observeOnly = { ...this.config, mode: 'observe' as const };
    for (const evaluation of periods(input, this.periodMs).ticks) {
      this.releases = evaluation.releases;
      this.ingest(evaluation.series);
      for (const release of evaluation.due) this.openWatches(release, evaluation.now);
      this.observeFast(evaluation.now);
      this.watchHeap(evaluation.now);
      for (const intent of evaluate(observer, { now: evaluation.now, series: evaluation.series, releases: evaluation.releases }, observeOnly).alerts) {
        if (intent.kind === 'episode' || intent.kind === 'blind') this.alert(intent.time, 'warning', `${intent.kind}: ${'episodeId' in intent ? intent.episodeId : intent.signal}`);
      }
    }
    return { decisions: this.decisions, alerts: this.alerts };
  }

  private ingest(series: readonly MetricSeries[]): void {
    for (const s of series) {
      if (s.points.length === 0) continue;
      let buffer = this.buffers.get(s.key);
      if (!buffer) {
        buffer = { cluster: s.cluster, signal: s.signal, broker: s.dimensions['Broker ID'] ?? s.key, points: [] };
        this.buffers.set(s.key, buffer);
      }
      for (const p of s.points) if (buffer.points.length === 0 || p.time > buffer.points.at(-1)!.time) buffer.points.push(p);
    }
  }

  private histories(cluster: string, signal: string): BrokerHistory[] {
    return [...this.buffers.values()].filter((b) => b.cluster === cluster && b.signal === signal).map((b) => ({ broker: b.broker, points: b.points }));
  }

  private clusters(): string[] {
    return [...new Set([...this.buffers.values()].map((b) => b.cluster))];
  }

  private openWatches(release: ReleaseEvent, now: number): void {
    if (release.environment !== this.config.environment) return;
    if (release.kind === 'rollout-step' && (release.toPercent <= release.fromPercent || this.percents.has(release.flag))) return;
    for (const cluster of this.clusters()) {
      for (const signal of FAST_SIGNALS) {
        const histories = this.histories(cluster, signal);
        if (histories.length === 0) continue;
        const settings = releaseWatchSettings(this.periodMs, this.minFactor(signal));
        const earlier = this.releases.filter((r) => r.time < release.time).map((r) => r.time);
        const watch: FastWatch = { release, cluster, signal, settings, watch: openReleaseWatch(release, signal, histories, settings, earlier), purpose: 'step', seen: [] };
        this.fast.push(watch);
        if (release.kind === 'rollout-step') this.baselineOf(release, now).fast.set(`${cluster}/${signal}`, watch);
      }
      if (this.histories(cluster, HEAP).length > 0) this.heap.push({ release, cluster, purpose: 'step', since: release.time, done: false });
    }
  }

  /** The flag's first watched step within the baseline age: what its excess is measured against. */
  private baselineOf(step: RolloutStep, now: number): FlagBaseline {
    const existing = this.baselines.get(step.flag);
    if (existing && now - existing.time <= MAX_BASELINE_AGE_MS) return existing;
    const created: FlagBaseline = { time: step.time, fast: new Map() };
    this.baselines.set(step.flag, created);
    return created;
  }

  private minFactor(signal: string): number {
    return this.config.signals.find((s) => s.name === signal)?.minFactor ?? 1.5;
  }

  private observeFast(now: number): void {
    for (const f of this.fast) {
      if (f.watch.status !== 'watching') continue;
      const from = f.watch.lastTime === null ? f.watch.start : f.watch.lastTime + this.periodMs;
      for (let period = from; period + this.periodMs <= now && f.watch.status === 'watching'; period += this.periodMs) {
        const verdict = observeReleaseWatch(f.watch, period, this.valuesAt(f.cluster, f.signal, period), f.settings);
        if (verdict.kind === 'watching' && verdict.logRatio !== undefined) f.seen.push(verdict.logRatio);
        if (verdict.kind === 'alarm') this.onAlarm(f, now);
      }
    }
  }

  private valuesAt(cluster: string, signal: string, time: number): Array<{ broker: string; value: number }> {
    const out: Array<{ broker: string; value: number }> = [];
    for (const b of this.buffers.values()) {
      if (b.cluster !== cluster || b.signal !== signal) continue;
      const point = findAt(b.points, time);
      if (point) out.push({ broker: b.broker, value: point.value });
    }
    return out;
  }

  private onAlarm(f: FastWatch, now: number): void {
    const alarm = f.watch.alarm!;
    if (f.purpose === 'excess') {
      if (f.release.kind === 'rollout-step') this.stepBack(f.release, now, `${f.signal} still ${alarm.factor.toFixed(2)}x its level before ${f.release.flag}'s first step`, 'fast');
      return;
    }
    // The effect began at the earliest onset among this cluster's excursions of the signal.
    const onsets = this.fast
      .filter((o) => o.cluster === f.cluster && o.signal === f.signal && o.purpose === 'step' && o.watch.onset !== null && (o.watch.status === 'watching' || o.watch.status === 'alarm'))
      .map((o) => (o.watch.status === 'alarm' ? o.watch.alarm!.onset : o.watch.onset!));
    const onset = Math.min(alarm.onset, ...onsets);
    const blamed = this.fast
      .filter((o) => o.cluster === f.cluster && o.signal === f.signal && o.purpose === 'step' && o.watch.start <= onset && onset - o.watch.start <= f.settings.onsetTolerancePeriods * this.periodMs)
      .sort((a, b) => b.watch.start - a.watch.start || b.release.time - a.release.time)[0];
    if (!blamed) {
      this.alert(now, 'warning', `${f.signal} ${alarm.factor.toFixed(2)}x on ${f.cluster}: the effect began before the releases watched`);
      return;
    }
    if (blamed.release.kind === 'deploy') {
      this.alert(now, 'warning', `${f.signal} ${alarm.factor.toFixed(2)}x on ${f.cluster} after ${releaseName(blamed.release)}: Stormguard rolls back flags only`);
      return;
    }
    this.rollback(blamed.release, now, `${f.signal} ${alarm.factor.toFixed(2)}x expected from ${new Date(onset).toISOString()} on ${f.cluster}`, 'fast');
  }

  private watchHeap(now: number): void {
    const settings = heapTrendSettings(this.periodMs);
    for (const h of this.heap) {
      if (h.done) continue;
      if (now - h.since > HEAP_WATCH_MS || (h.purpose === 'step' && this.laterStep(h.release, now))) {
        h.done = true;
        continue;
      }
      const trend = heapTrend(this.histories(h.cluster, HEAP), h.since, now, settings);
      if (trend.kind === 'too-early') continue;
      if (h.purpose === 'excess') {
        const periods = (now - h.since) / this.periodMs;
        const needed = Math.max(MIN_EXCESS_SLOPE, (settings.minSlopeChange * settings.minAfterPeriods) / periods);
        if (trend.slopeAfter! - (h.reference ?? 0) >= needed && h.release.kind === 'rollout-step') {
          h.done = true;
          this.stepBack(h.release, now, `heap after GC still climbing ${trend.slopeAfter!.toFixed(1)} points/h`, 'heap');
        }
        continue;
      }
      if (h.release.kind === 'rollout-step') this.baselineOf(h.release, now).heapSlope ??= trend.slopeBefore;
      if (!trend.withinHorizon || this.fastResponded(h.release) || this.trafficExplains(h)) continue;
      h.done = true;
      const why = `heap after GC climbing ${trend.slopeAfter!.toFixed(1)} points/h since the release (${trend.slopeBefore!.toFixed(1)} before): ${this.config.signals.find((s) => s.name === HEAP)?.forecast?.limitPercent ?? 90}% in ${(trend.msToLimit! / 3_600_000).toFixed(1)} h`;
      if (h.release.kind === 'deploy') this.alert(now, 'critical', `${why}, after ${releaseName(h.release)}`);
      else this.rollback(h.release, now, why, 'heap');
    }
  }

  private laterStep(release: ReleaseEvent, now: number): boolean {
    return release.kind === 'rollout-step' && this.releases.some((r) => r.kind === 'rollout-step' && r.flag === release.flag && r.time > release.time && r.time <= now);
  }

  private fastResponded(release: ReleaseEvent): boolean {
    return this.fast.some((f) => f.release === release && f.watch.status === 'alarm');
  }

  /**
   * Did traffic (a connection signal's pooled level) climb since the release, having not moved at
   * it? Then heap moving with it is traffic's. A rise that began at the release is the release's,
   * even one too small against the cluster's bursts for the fast watch to act on.
   */
  private trafficExplains(h: HeapWatch): boolean {
    for (const f of this.fast) {
      if (f.release !== h.release || f.cluster !== h.cluster || f.purpose !== 'step') continue;
      if (f.seen.length > 0 && medianOf(f.seen) >= Math.max(TRAFFIC_EXPLAINS, RISE_SDS * f.watch.sd)) return false;
      const recent = [...this.buffers.values()]
        .filter((b) => b.cluster === h.cluster && b.signal === f.signal)
        .map((b) => ({ broker: b.broker, value: medianOf(b.points.slice(-TRAFFIC_WINDOW_PERIODS).map((p) => p.value)) }));
      const ratio = pooledLogRatio(f.watch.levels, recent, f.settings);
      if (ratio !== undefined && ratio >= TRAFFIC_EXPLAINS) return true;
    }
    return false;
  }

  private currentPercent(flag: string, now: number): number {
    const own = this.percents.get(flag);
    if (own !== undefined) return own;
    let percent = 0;
    for (const r of this.releases) if (r.kind === 'rollout-step' && r.flag === flag && r.time <= now && targetName(r.target) === 'fallthrough') percent = r.toPercent;
    return percent;
  }

  private rollback(step: RolloutStep, now: number, why: string, kind: 'fast' | 'heap'): void {
    if (this.percents.has(step.flag)) return; // already rolled back: its excess watches step it back further
    const policy = this.config.flags[step.flag];
    if (policy && !policy.guarded) return void this.alert(now, 'warning', `${why}: ${step.flag} is not guarded`);
    const to = (policy?.rollbackTo ?? this.config.rollback.to) === 'previous-step' ? step.fromPercent : 0;
    this.decide(step, now, to, `${releaseName(step)}: ${why}`, kind);
  }

  /** The flag's next lower percentage among its earlier steps (0 below them). */
  private stepBack(step: RolloutStep, now: number, why: string, kind: 'fast' | 'heap'): void {
    const current = this.currentPercent(step.flag, now);
    const lower = this.releases
      .filter((r): r is RolloutStep => r.kind === 'rollout-step' && r.flag === step.flag && r.time <= now)
      .map((r) => r.fromPercent)
      .filter((p) => p < current);
    const to = lower.length > 0 && (this.config.flags[step.flag]?.rollbackTo ?? this.config.rollback.to) === 'previous-step' ? Math.max(...lower) : 0;
    if (to >= current) return;
    this.decide(step, now, to, `${step.flag}: ${why}`, kind);
  }

  private decide(step: RolloutStep, now: number, toPercent: number, reason: string, kind: 'fast' | 'heap'): void {
    const fromPercent = this.currentPercent(step.flag, now);
    if (toPercent >= fromPercent) return;
    const decision: Decision = {
      id: `${step.id}/rollback/${now}`,
      time: now,
      action: 'rollback',
      mode: this.config.mode,
      flag: step.flag,
      environment: step.environment,
      target: step.target,
      fromPercent,
      toPercent,
      turnOff: false,
      reason,
      evidence: { release: step },
    };
    this.decisions.push(decision);
    this.alert(now, 'critical', `rolled back ${step.flag} ${fromPercent}% → ${toPercent}%: ${reason}`);
    if (this.config.mode !== 'enforce') return;
    this.percents.set(step.flag, toPercent);
    if (toPercent > 0) this.watchExcess(step, now, kind);
  }

  /** After a rollback to more than 0%, whatever of the flag's effect remains is judged against its level before its first step. */
  private watchExcess(step: RolloutStep, now: number, kind: 'fast' | 'heap'): void {
    const baseline = this.baselines.get(step.flag);
    if (!baseline) return;
    const start = Math.floor(now / this.periodMs) * this.periodMs + SETTLE_PERIODS * this.periodMs;
    if (kind === 'heap') {
      for (const cluster of this.clusters()) this.heap.push({ release: step, cluster, purpose: 'excess', since: now, reference: baseline.heapSlope ?? 0, done: false });
      return;
    }
    for (const first of baseline.fast.values()) {
      const watch: ReleaseWatch = { ...structuredClone(first.watch), release: { id: `${step.id}/excess/${now}`, time: start }, start, status: 'watching', cusum: 0, onset: null, excess: [], lastTime: null, periods: 0, alarm: null };
      delete watch.reason;
      this.fast.push({ ...first, release: step, watch, purpose: 'excess', seen: [] });
    }
  }

  private alert(time: number, severity: Alert['severity'], title: string): void {
    this.alerts.push({ key: `${severity}/${title}`, kind: 'episode', severity, time, title: `[Stormguard] ${title}`, text: title });
  }
}

function findAt(points: readonly WatchPoint[], time: number): WatchPoint | undefined {
  // The newest points are the ones asked for: search from the end.
  for (let i = points.length - 1; i >= 0; i--) {
    const t = points[i]!.time;
    if (t === time) return points[i];
    if (t < time) return undefined;
  }
  return undefined;
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[sorted.length >> 1]!;
}
