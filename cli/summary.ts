/**
 * A replay's result for people (text) and for tools (JSON, documented in docs/formats.md).
 */
import { describeRelease } from '../lambdas/core/alert.ts';
import { formatClock, formatDuration, formatEffect, formatNumber, formatPercent, formatTime } from '../lambdas/core/format.ts';
import type { Anomaly } from '../lambdas/core/anomaly.ts';
import type { ReplayResult } from '../lambdas/app/replay.ts';

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

/** The first anomalous datapoint of the first episode, or of all anomalies when no episode opened. */
export function firstAnomaly(result: ReplayResult): Anomaly | undefined {
  return result.episodes[0]?.first ?? result.anomalies[0];
}

/** Without a guardrail, the heap ran out this long after the first rollback. */
export function leadTimeMs(result: ReplayResult, withoutGuardrail: ReplayResult = result): number | undefined {
  const rollback = result.decisions.find((d) => d.action === 'rollback' && d.mode === 'enforce');
  return rollback && withoutGuardrail.heapExhausted ? withoutGuardrail.heapExhausted.time - rollback.time : undefined;
}

export function renderText(result: ReplayResult, summary: ReplaySummary): string {
  const lines: string[] = [];
  const section = (title: string) => lines.push('', title);
  lines.push(`Stormguard replay: ${summary.title} (${summary.mode} mode)`);
  lines.push(`  ${summary.series} series, ${formatTime(result.from)} → ${formatTime(result.to)}, ${result.periodMs / 1000} s periods`);
  for (const warning of summary.warnings) lines.push(`  warning: ${warning}`);

  section('Release timeline');
  if (result.releases.length === 0) lines.push('  (no releases)');
  for (const release of result.releases) lines.push(`  ${formatClock(release.time)}  ${describeRelease(release, { withTime: false })}`);

  const first = firstAnomaly(result);
  section('First anomalous datapoint');
  lines.push(first ? `  ${formatClock(first.time)}  ${describeAnomaly(first, summary)}` : '  none: every signal stayed within its baseline');

  section('Detection');
  if (result.episodes.length === 0) lines.push('  no episode');
  for (const episode of result.episodes) {
    const attribution = episode.attribution;
    const cause =
      attribution?.kind === 'attributed'
        ? `attributed to ${describeRelease(attribution.best.release)} (confidence ${attribution.best.confidence.toFixed(2)})`
        : attribution?.kind === 'ambiguous'
          ? 'ambiguous attribution'
          : 'no release correlates';
    const periods = Math.round((episode.detectedAt - episode.onset) / result.periodMs);
    lines.push(
      `  ${formatClock(episode.detectedAt)}  episode ${episode.id}: ${episode.series.length} series, ${episode.signals.join(', ')}; ` +
        `detected ${periods} period${periods === 1 ? '' : 's'} after the first anomalous datapoint; ${cause}` +
        `${episode.resolvedAt !== undefined ? `; resolved ${formatClock(episode.resolvedAt)}` : ''}`,
    );
    if (episode.holdReason) lines.push(`         no rollback: ${episode.holdReason}`);
  }

  section('Decisions');
  if (result.decisions.length === 0) lines.push('  none: nothing was rolled back');
  for (const decision of result.decisions) {
    const outcome = result.outcomes[decision.id];
    lines.push(
      `  ${formatClock(decision.time)}  ${decision.action.toUpperCase()} ${decision.flag} in ${decision.environment} ` +
        `${formatPercent(decision.fromPercent)} → ${formatPercent(decision.toPercent)} (${decision.mode} mode): ${decision.reason}`,
    );
    if (outcome) lines.push(`         ${outcome.status}: ${outcome.detail}`);
  }

  section('Alerts');
  if (result.alerts.length === 0) lines.push('  none');
  for (const alert of result.alerts) {
    lines.push(`  ${formatClock(alert.time)}  [${alert.severity}] ${alert.title}`);
    if (alert.kind === 'episode') lines.push(...alert.text.split('\n').map((line) => `         ${line}`));
  }

  const without = summary.withoutGuardrail;
  section(without ? 'Without a guardrail (the same simulation, open loop)' : 'Without a guardrail (the same data)');
  const exhausted = (without ?? result).heapExhausted;
  lines.push(
    exhausted
      ? `  ${exhausted.series} reached ${formatNumber(exhausted.value)}% (heap exhausted) at ${formatTime(exhausted.time)}`
      : '  the heap never ran out in this data',
  );
  const lead = leadTimeMs(result, without);
  if (lead !== undefined) lines.push(`  lead time gained by the rollback: ${formatDuration(lead)}`);
  if (without) {
    section('With the guardrail in the loop (the same seeded world, its rollback applied)');
    const peak = result.heapPeak;
    lines.push(peak ? `  heap after GC peaked at ${formatNumber(peak.value)}% (${peak.series}, ${formatTime(peak.time)})${result.heapExhausted ? '' : ': it never ran out'}` : '  no heap data');
  } else if (lead !== undefined) {
    lines.push('  (the data after the rollback is what happened without it: live, the rollback and the freeze would have stopped what follows; see --closed-loop)');
  }
  for (const error of result.notifierErrors) lines.push(`  notifier error: ${error}`);
  lines.push('', `State, decisions, flags and alerts (JSON lines): ${summary.stateFolder}`);
  return `${lines.join('\n')}\n`;
}

export function toJson(result: ReplayResult, summary: ReplaySummary): unknown {
  const iso = (time: number) => new Date(time).toISOString();
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
    episodes: result.episodes.map((e) => ({
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
            release: e.attribution.kind === 'none' ? null : { ...e.attribution.best.release, time: iso(e.attribution.best.release.time) },
            confidence: e.attribution.kind === 'none' ? null : e.attribution.best.confidence,
          }
        : null,
      holdReason: e.holdReason ?? null,
      decisionIds: e.decisionIds,
    })),
    decisions: result.decisions.map((d) => ({
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
      },
      outcome: result.outcomes[d.id] ? { ...result.outcomes[d.id], time: iso(result.outcomes[d.id]!.time) } : null,
    })),
    alerts: result.alerts.map((a) => ({ ...a, time: iso(a.time) })),
    anomalies: result.anomalies.map(anomalyJson),
    closedLoop: summary.withoutGuardrail !== undefined,
    withoutGuardrail: without.heapExhausted ? { heapExhaustedAt: iso(without.heapExhausted.time), series: without.heapExhausted.series, value: without.heapExhausted.value } : null,
    heapPeak: result.heapPeak ? { time: iso(result.heapPeak.time), series: result.heapPeak.series, value: result.heapPeak.value } : null,
    leadTimeSeconds: lead === undefined ? null : lead / 1000,
  };
}

function anomalyJson(a: Anomaly): unknown {
  return { ...a, time: new Date(a.time).toISOString() };
}

function describeAnomaly(anomaly: Anomaly, summary: ReplaySummary): string {
  const limit = anomaly.msToLimit !== undefined ? `, limit in ${formatDuration(anomaly.msToLimit)}` : '';
  return `${anomaly.label}: ${formatNumber(anomaly.value)} against a baseline of ${formatNumber(anomaly.baseline)} (${formatEffect(anomaly.effect, summary.logScale(anomaly.signal))}, z ${anomaly.z.toFixed(1)}${limit})`;
}
