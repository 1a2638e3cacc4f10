/**
 * A replay's result for people (text) and for tools (JSON, documented in docs/formats.md).
 */

import type { ReplayResult } from '../lambdas/app/replay.ts';
import { describeRelease } from '../lambdas/core/alert.ts';
import type { Anomaly } from '../lambdas/core/anomaly.ts';
import { describeEvidence, type WatchEvidence } from '../lambdas/core/finding.ts';
import { formatClock, formatDuration, formatEffect, formatNumber, formatPercent, formatTime } from '../lambdas/core/format.ts';
import { flagTarget } from '../lambdas/core/release.ts';

export interface ReplaySummary {
  readonly title: string;
  readonly mode: string;
  readonly series: number;
  readonly warnings: readonly string[];
  readonly logScale: (signal: string) => boolean;
  readonly stateFolder: string;
  /** A closed-loop replay's first pass: the world without the guardrail in the loop. */
  readonly withoutGuardrail?: ReplayResult;
}

/** The first anomalous datapoint of the first episode background detection opened, or of all anomalies when none did. */
export function firstAnomaly(result: ReplayResult): Anomaly | undefined {
  return result.episodes.find((e) => !e.openedBy)?.first ?? result.anomalies[0];
}

/** Without a guardrail, the heap ran out this long after the first rollback. */
export function leadTimeMs(result: ReplayResult, withoutGuardrail: ReplayResult = result): number | undefined {
  const rollback = result.decisions.find((d) => d.action === 'rollback' && d.mode === 'enforce');
  return rollback && withoutGuardrail.heapExhausted ? withoutGuardrail.heapExhausted.time - rollback.time : undefined;
}

export function renderText(result: ReplayResult, summary: ReplaySummary): string {
  const sections = [
    header(result, summary),
    ['Release timeline', ...timelineLines(result)],
    ['First anomalous datapoint', firstAnomalyLine(result, summary)],
    ['Detection', ...detectionLines(result)],
    ['Decisions', ...decisionLines(result)],
    ['Alerts', ...alertLines(result)],
    ...counterfactualSections(result, summary),
    [`State, decisions, flags and alerts (JSON lines): ${summary.stateFolder}`],
  ];
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

function header(result: ReplayResult, summary: ReplaySummary): string[] {
  return [
    `Stormguard replay: ${summary.title} (${summary.mode} mode)`,
    `  ${summary.series} series, ${formatTime(result.from)} → ${formatTime(result.to)}, ${result.periodMs / 1000} s periods`,
    ...summary.warnings.map((warning) => `  warning: ${warning}`),
  ];
}

function timelineLines(result: ReplayResult): string[] {
  if (result.releases.length === 0) return ['  (no releases)'];
  return result.releases.map((release) => `  ${formatClock(release.time)}  ${describeRelease(release, { withTime: false })}`);
}

function firstAnomalyLine(result: ReplayResult, summary: ReplaySummary): string {
  const first = firstAnomaly(result);
  return first ? `  ${formatClock(first.time)}  ${describeAnomaly(first, summary)}` : '  none: every signal stayed within its baseline';
}

function detectionLines(result: ReplayResult): string[] {
  if (result.episodes.length === 0) return ['  no episode'];
  return result.episodes.flatMap((episode) => {
    const attribution = episode.attribution;
    const cause =
      attribution?.kind === 'attributed'
        ? `attributed to ${describeRelease(attribution.release)}${attribution.others.length > 0 ? ` (candidates of the same minute: ${attribution.others.map((r) => describeRelease(r)).join('; ')})` : ''}: ${describeEvidence(attribution.evidence)}`
        : attribution?.kind === 'none'
          ? 'no release correlates'
          : 'a release watch of its signal is still deciding';
    const periods = Math.round((episode.detectedAt - episode.onset) / result.periodMs);
    const line =
      `  ${formatClock(episode.detectedAt)}  episode ${episode.id}: ${episode.series.length} series, ${episode.signals.join(', ')}; ` +
      `detected ${periods} period${periods === 1 ? '' : 's'} after the first anomalous datapoint; ${cause}` +
      `${episode.resolvedAt !== undefined ? `; resolved ${formatClock(episode.resolvedAt)}` : ''}`;
    return episode.holdReason ? [line, `         no rollback: ${episode.holdReason}`] : [line];
  });
}

function decisionLines(result: ReplayResult): string[] {
  if (result.decisions.length === 0) return ['  none: nothing was rolled back'];
  return result.decisions.flatMap((decision) => {
    const outcome = result.outcomes[decision.id];
    const line =
      `  ${formatClock(decision.time)}  ${decision.action.toUpperCase()} ${flagTarget(decision.flag, decision.target)} in ${decision.environment} ` +
      `${formatPercent(decision.fromPercent)} → ${formatPercent(decision.toPercent)} (${decision.mode} mode): ${decision.reason}`;
    return outcome ? [line, `         ${outcome.status}: ${outcome.detail}`] : [line];
  });
}

function alertLines(result: ReplayResult): string[] {
  if (result.alerts.length === 0) return ['  none'];
  return result.alerts.flatMap((alert) => [
    `  ${formatClock(alert.time)}  [${alert.severity}] ${alert.title}`,
    ...(alert.kind === 'episode' ? alert.text.split('\n').map((line) => `         ${line}`) : []),
  ]);
}

/** What happened without the guardrail (the same data, or the open-loop simulation) and, closed loop, with it. */
function counterfactualSections(result: ReplayResult, summary: ReplaySummary): string[][] {
  const without = summary.withoutGuardrail;
  const exhausted = (without ?? result).heapExhausted;
  const lead = leadTimeMs(result, without);
  const withoutLines = [
    without ? 'Without a guardrail (the same simulation, open loop)' : 'Without a guardrail (the same data)',
    exhausted
      ? `  ${exhausted.series} reached ${formatNumber(exhausted.value)}% (heap exhausted) at ${formatTime(exhausted.time)}`
      : '  the heap never ran out in this data',
    ...(lead !== undefined ? [`  lead time gained by the rollback: ${formatDuration(lead)}`] : []),
  ];
  const errors = result.notifierErrors.map((error) => `  notifier error: ${error}`);
  if (!without) {
    const note =
      '  (the data after the rollback is what happened without it: live, the rollback and the freeze would have stopped what follows; see --closed-loop)';
    return [[...withoutLines, ...(lead !== undefined ? [note] : []), ...errors]];
  }
  const peak = result.heapPeak;
  const withLines = [
    'With the guardrail in the loop (the same seeded world, its rollback applied)',
    peak
      ? `  heap after GC peaked at ${formatNumber(peak.value)}% (${peak.series}, ${formatTime(peak.time)})${result.heapExhausted ? '' : ': it never ran out'}`
      : '  no heap data',
    ...errors,
  ];
  return [withoutLines, withLines];
}

const iso = (time: number) => new Date(time).toISOString();

export function toJson(result: ReplayResult, summary: ReplaySummary): unknown {
  const first = firstAnomaly(result);
  const without = summary.withoutGuardrail ?? result;
  const lead = leadTimeMs(result, without);
  return {
    replay: summary.title,
    mode: summary.mode,
    from: iso(result.from),
    to: iso(result.to),
    periodSeconds: result.periodMs / 1000,
    series: summary.series,
    warnings: summary.warnings,
    releases: result.releases.map((r) => ({ ...r, time: iso(r.time) })),
    firstAnomaly: first ? anomalyJson(first) : null,
    episodes: result.episodes.map(episodeJson),
    decisions: result.decisions.map((d) => decisionJson(d, result.outcomes[d.id])),
    alerts: result.alerts.map((a) => ({ ...a, time: iso(a.time) })),
    anomalies: result.anomalies.map(anomalyJson),
    closedLoop: summary.withoutGuardrail !== undefined,
    withoutGuardrail: without.heapExhausted
      ? { heapExhaustedAt: iso(without.heapExhausted.time), series: without.heapExhausted.series, value: without.heapExhausted.value }
      : null,
    heapPeak: result.heapPeak ? { time: iso(result.heapPeak.time), series: result.heapPeak.series, value: result.heapPeak.value } : null,
    leadTimeSeconds: lead === undefined ? null : lead / 1000,
  };
}

/** An episode with its times as ISO strings, and its attribution's release and evidence. */
function episodeJson(e: ReplayResult['episodes'][number]): unknown {
  return {
    id: e.id,
    cluster: e.cluster,
    onset: iso(e.onset),
    detectedAt: iso(e.detectedAt),
    resolvedAt: e.resolvedAt === undefined ? null : iso(e.resolvedAt),
    series: e.series,
    signals: e.signals,
    attribution: e.attribution
      ? {
          kind: e.attribution.kind,
          release: e.attribution.kind === 'none' ? null : { ...e.attribution.release, time: iso(e.attribution.release.time) },
          others: e.attribution.kind === 'none' ? [] : e.attribution.others.map((r) => ({ ...r, time: iso(r.time) })),
          evidence: e.attribution.kind === 'none' ? null : evidenceJson(e.attribution.evidence),
        }
      : null,
    holdReason: e.holdReason ?? null,
    decisionIds: e.decisionIds,
  };
}

/** A decision with its times as ISO strings, and its outcome where there is one. */
function decisionJson(d: ReplayResult['decisions'][number], outcome: ReplayResult['outcomes'][string] | undefined): unknown {
  return {
    id: d.id,
    time: iso(d.time),
    flag: d.flag,
    environment: d.environment,
    action: d.action,
    fromPercent: d.fromPercent,
    toPercent: d.toPercent,
    mode: d.mode,
    reason: d.reason,
    evidence: {
      ...d.evidence,
      ...(d.evidence.firstAnomalyAt !== undefined ? { firstAnomalyAt: iso(d.evidence.firstAnomalyAt) } : {}),
      ...(d.evidence.release ? { release: { ...d.evidence.release, time: iso(d.evidence.release.time) } } : {}),
      ...(d.evidence.watch ? { watch: evidenceJson(d.evidence.watch) } : {}),
    },
    outcome: outcome ? { ...outcome, time: iso(outcome.time) } : null,
  };
}

/** A check's evidence with its times as ISO strings; a forecast that never reaches the limit is null. */
function evidenceJson(e: WatchEvidence): unknown {
  return {
    ...e,
    onset: new Date(e.onset).toISOString(),
    ...(e.msToLimit !== undefined ? { msToLimit: Number.isFinite(e.msToLimit) ? e.msToLimit : null } : {}),
  };
}

function anomalyJson(a: Anomaly): unknown {
  return { ...a, time: new Date(a.time).toISOString() };
}

function describeAnomaly(anomaly: Anomaly, summary: ReplaySummary): string {
  const limit = anomaly.msToLimit !== undefined ? `, limit in ${formatDuration(anomaly.msToLimit)}` : '';
  return `${anomaly.label}: ${formatNumber(anomaly.value)} against a baseline of ${formatNumber(anomaly.baseline)} (${formatEffect(anomaly.effect, summary.logScale(anomaly.signal))}, z ${anomaly.z.toFixed(1)}${limit})`;
}
