/**
 * Findings: what a release-anchored check concluded, with its evidence. A fast signal's release
 * watch raised an alarm (and the alarm was blamed on a release), or a heap trend that started at a
 * release is forecast to reach its limit within the horizon, or what a rolled-back flag left
 * persists at its lower percentage. The policy decides on findings; decisions, alerts, the replay's
 * JSON and the incident report carry their evidence as it is here.
 */
import { formatDuration, formatNumber, formatTime } from './format.ts';
import { type ReleaseEvent, releaseName } from './release.ts';

/** One broker at the period that raised the alarm: what it reported and what was expected of it. */
export interface BrokerEvidence {
  readonly series: string;
  readonly value: number;
  readonly expected: number;
}

export interface WatchEvidence {
  /** fast: a release watch's sequential test; heap: a heap trend that started at the release. */
  readonly kind: 'fast' | 'heap';
  /** step: the release's own effect; excess: what persists of a rolled-back flag's, against its level before its first step (heap: against a flat heap). */
  readonly purpose: 'step' | 'excess';
  readonly cluster: string;
  readonly signal: string;
  /** The change-point estimate: when the effect began. */
  readonly onset: number;
  /** The releases that could have caused it (the latest watched at or before the onset), by name. */
  readonly candidates: readonly string[];
  /** fast: the pooled effect (mean of the median log ratio over brokers since the onset), as a factor. */
  readonly factor?: number;
  /** fast, a flag's later step: the factor over the flag's first step's levels (this step's and what its earlier steps left), which `minFactor` is asked of. */
  readonly sinceFirstStep?: number;
  /** fast, sustained: the watch's second stage (watch-sustained.ts): the statistic is the mean log excess over `periods` since the release, the threshold the one it had to reach. */
  readonly stage?: 'sustained';
  /** fast: the CUSUM statistic, its threshold, the smallest factor the mean excess had to reach, the periods since the onset; heap: the change of slope asked (points per hour) over the periods the slope since was measured on. */
  readonly statistic?: number;
  readonly threshold?: number;
  readonly minFactor?: number;
  readonly periods?: number;
  /** fast: the null spread of the pooled log ratio (log units), from the cluster's own recent past. */
  readonly sd?: number;
  readonly brokers?: readonly BrokerEvidence[];
  /** fast: the values are per unit of the cluster's traffic signal, at its level before the release (traffic-reference.ts). */
  readonly perTraffic?: boolean;
  /** heap: slopes (points per hour) before the release (0 for an excess: a flat heap) and since; the level now; the forecast. */
  readonly slopeBefore?: number;
  readonly slopeAfter?: number;
  readonly level?: number;
  readonly msToLimit?: number;
  readonly limitPercent?: number;
  readonly horizonMs?: number;
}

export interface Finding {
  /** The release acted on or named: a rollout step (rolled back) or a deploy (alerted). */
  readonly release: ReleaseEvent;
  /** Other releases of the same minute, named in the alert. */
  readonly others: readonly ReleaseEvent[];
  readonly evidence: WatchEvidence;
  /** The series (one per broker) whose values are the evidence. */
  readonly series: readonly string[];
}

/** The evidence in one sentence, for reasons, alerts and reports. */
export function describeEvidence(evidence: WatchEvidence): string {
  const e = evidence;
  if (e.kind === 'heap') {
    const excess = e.purpose === 'excess';
    const against = excess ? 'after the rollback' : `${formatNumber(e.slopeBefore ?? 0)} before the release`;
    const asked =
      e.threshold !== undefined
        ? `; ${excess ? '' : 'a change of '}≥ ${formatNumber(e.threshold)} asked over ${e.periods ?? 0} periods`
        : '';
    return (
      `${e.signal} on ${e.cluster} climbing ${formatNumber(e.slopeAfter ?? 0)} points/h since ${formatTime(e.onset)} ` +
      `(${against}${asked}), at ${formatNumber(e.level ?? 0)}%: ` +
      `${formatNumber(e.limitPercent ?? 0)}% in ${Number.isFinite(e.msToLimit ?? Infinity) ? formatDuration(e.msToLimit!) : 'never at this slope'}` +
      `${e.horizonMs !== undefined ? ` (horizon ${formatDuration(e.horizonMs)})` : ''}`
    );
  }

  const against = `${e.purpose === 'excess' ? "its level before the flag's first step" : 'expected'}${e.perTraffic ? ' per unit of traffic' : ''}`;
  const brokers = (e.brokers ?? []).map((b) => `${b.series} ${formatNumber(b.value)} (expected ${formatNumber(b.expected)})`).join(', ');
  return (
    `${e.signal} ${formatNumber(e.factor ?? 1)}x ${against} on ${e.cluster} from ${formatTime(e.onset)} ` +
    `${e.sinceFirstStep !== undefined ? `(${formatNumber(e.sinceFirstStep)}x over its level before the flag's first step) ` : ''}` +
    `(release watch: ${e.stage === 'sustained' ? 'mean log excess since the release' : 'CUSUM'} ${formatNumber(e.statistic ?? 0)} ≥ ${formatNumber(e.threshold ?? 0)} over ${e.periods ?? 0} period${e.periods === 1 ? '' : 's'}, ` +
    `mean excess ≥ ${formatNumber(e.minFactor ?? 1)}x, noise sd ${formatNumber(e.sd ?? 0)}` +
    `${brokers ? `; ${brokers}` : ''})`
  );
}

/** "flag a 0% → 1% (and deploy api 2.1, the same minute)": what the alert says the candidates were. */
export function describeCandidates(finding: Finding): string {
  if (finding.others.length === 0) return releaseName(finding.release);
  return `${releaseName(finding.release)} (candidates of the same minute: ${[finding.release, ...finding.others].map(releaseName).join(', ')})`;
}
