/**
 * The decision rules that established tools use by default, emulated on the same data the
 * guardrail sees (same evaluations, same late and missing points). Each one, like a rollout
 * controller, rolls back the rollout in progress: the latest step-up before its alarm.
 *
 * - Static alarm: HeapMemoryAfterGC above 60% on any broker, 1 of 1 datapoints (the level AWS
 *   recommends alarming on for Amazon MSK).
 * - CloudWatch-anomaly-detection-like band: a band of 2 standard deviations (CloudWatch's default
 *   width) around each broker's ConnectionCreationRate, here the trailing hour's mean and standard
 *   deviation; alarm on 3 of 3 datapoints above it.
 * - Flagger-like analysis: every 60 s (Flagger's default interval), the cluster's connection
 *   creation rate over the last minute against a static threshold; failure threshold 1.
 * - Argo-Rollouts-like analysis: every 5 minutes, the last 5 minutes' average against the same
 *   threshold; failureLimit 3 (the analysis fails on the fourth failed measurement).
 *
 * The static threshold is what a careful operator would set: 1.5 times the busiest minute of
 * the hour before the first rollout step.
 */
import type { Period } from '../../lambdas/app/schedule.ts';
import type { ReleaseEvent, RolloutStep } from '../../lambdas/core/release.ts';

export interface RuleDecision {
  readonly time: number;
  readonly step: RolloutStep | undefined;
}

export interface Rule {
  readonly name: string;
  /** Feeds one evaluation; returns the rollback when the rule fires (once). */
  evaluate(evaluation: Period): RuleDecision | undefined;
}

const HEAP_ALARM_PERCENT = 60;
const BAND_WIDTH_SD = 2;
const BAND_HISTORY_PERIODS = 60;
const BAND_DATAPOINTS = 3;
const THRESHOLD_FACTOR = 1.5;
const THRESHOLD_HISTORY_MS = 3_600_000;
const ARGO_INTERVAL_PERIODS = 5;
const ARGO_FAILURE_LIMIT = 3;

export function emulatedRules(environment: string, periodMs: number): Rule[] {
  return [staticHeapAlarm(environment), anomalyBand(environment), flaggerLike(environment), argoLike(environment, periodMs)];
}

function staticHeapAlarm(environment: string): Rule {
  return once(`static alarm: HeapMemoryAfterGC > ${HEAP_ALARM_PERCENT}% (AWS-recommended)`, (e) =>
    e.series.some((s) => s.signal === 'HeapMemoryAfterGC' && s.points.some((p) => p.value > HEAP_ALARM_PERCENT))
      ? rollbackAt(e, environment)
      : undefined,
  );
}

function anomalyBand(environment: string): Rule {
  const history = new Map<string, number[]>();
  const above = new Map<string, number>();
  return once(`CloudWatch-anomaly-detection-like band (${BAND_WIDTH_SD} sd, ${BAND_DATAPOINTS} of ${BAND_DATAPOINTS})`, (e) => {
    let alarm = false;
    for (const s of e.series) {
      if (s.signal !== 'ConnectionCreationRate') continue;
      const values = history.get(s.key) ?? [];
      for (const { value } of s.points) {
        if (values.length >= BAND_HISTORY_PERIODS / 2) {
          const mean = values.reduce((a, b) => a + b, 0) / values.length;
          const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
          const count = value > mean + BAND_WIDTH_SD * sd ? (above.get(s.key) ?? 0) + 1 : 0;
          above.set(s.key, count);
          if (count >= BAND_DATAPOINTS) alarm = true;
        }
        values.push(value);
        if (values.length > BAND_HISTORY_PERIODS) values.shift();
      }
      history.set(s.key, values);
    }
    return alarm ? rollbackAt(e, environment) : undefined;
  });
}

function flaggerLike(environment: string): Rule {
  const totals = new ClusterRate();
  return once('Flagger-like analysis (60 s interval, static threshold, failure threshold 1)', (e) => {
    totals.add(e);
    const threshold = totals.threshold(e.releases, environment);
    const latest = totals.latest();
    return threshold !== undefined && latest !== undefined && latest > threshold ? rollbackAt(e, environment) : undefined;
  });
}

function argoLike(environment: string, periodMs: number): Rule {
  const totals = new ClusterRate();
  let failures = 0;
  return once(`Argo-Rollouts-like analysis (5 min interval, failureLimit ${ARGO_FAILURE_LIMIT})`, (e) => {
    totals.add(e);
    if (Math.round(e.now / periodMs) % ARGO_INTERVAL_PERIODS !== 0) return undefined;
    const threshold = totals.threshold(e.releases, environment);
    const average = totals.average(ARGO_INTERVAL_PERIODS);
    if (threshold === undefined || average === undefined || average <= threshold) return undefined;
    failures++;
    return failures > ARGO_FAILURE_LIMIT ? rollbackAt(e, environment) : undefined;
  });
}

/** The cluster's connection creation rate per period: the sum over the brokers that reported. */
class ClusterRate {
  private readonly byTime = new Map<number, number>();

  add(e: Period): void {
    for (const s of e.series) {
      if (s.signal !== 'ConnectionCreationRate') continue;
      for (const p of s.points) this.byTime.set(p.time, (this.byTime.get(p.time) ?? 0) + p.value);
    }
  }

  latest(): number | undefined {
    const newest = Math.max(...this.byTime.keys());
    return Number.isFinite(newest) ? this.byTime.get(newest) : undefined;
  }

  average(periods: number): number | undefined {
    const times = [...this.byTime.keys()].sort((a, b) => a - b).slice(-periods);
    return times.length === 0 ? undefined : times.reduce((sum, t) => sum + this.byTime.get(t)!, 0) / times.length;
  }

  /** 1.5 × the busiest minute of the hour before the first step-up; undefined before it. */
  threshold(releases: readonly ReleaseEvent[], environment: string): number | undefined {
    const first = releases.find((r) => isStepUp(r, environment));
    if (!first) return undefined;
    const before = [...this.byTime].filter(([t]) => t < first.time && t >= first.time - THRESHOLD_HISTORY_MS).map(([, v]) => v);
    return before.length > 0 ? THRESHOLD_FACTOR * Math.max(...before) : undefined;
  }
}

function once(name: string, fire: (e: Period) => RuleDecision | undefined): Rule {
  let fired = false;
  return {
    name,
    evaluate(e) {
      if (fired) return undefined;
      const decision = fire(e);
      // With no rollout in progress there is nothing to roll back: the controller keeps watching.
      if (!decision?.step) return undefined;
      fired = true;
      return decision;
    },
  };
}

/** The rollout in progress: the latest step-up before now. */
function rollbackAt(e: Period, environment: string): RuleDecision {
  const step = [...e.releases].reverse().find((r): r is RolloutStep => isStepUp(r, environment));
  return { time: e.now, step };
}

function isStepUp(release: ReleaseEvent, environment: string): release is RolloutStep {
  return release.kind === 'rollout-step' && release.environment === environment && release.toPercent > release.fromPercent;
}
