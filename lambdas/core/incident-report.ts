/**
 * The incident report's data: what the guardrail saw and did, on one time axis.
 *
 * Per signal, every series' values on a shared grid, the baseline and band of the series that
 * moved first, and the anomalous points; per flag, its rollout percentage as a step line; markers
 * for the rollout steps, the detection, the rollback and the alerts; and the same facts as table
 * rows. A `ReportRecorder` collects the scored points during a replay (its `onScore` hook).
 *
 * A closed-loop replay also has the world without the guardrail: one broker's heap after GC in
 * both worlds, side by side, the one climbing to exhaustion and the other staying flat.
 */

import type { Alert } from './alert.ts';
import { describeRelease } from './alert.ts';
import type { Episode } from './episode.ts';
import { describeEvidence } from './finding.ts';
import { formatClock, formatDuration, formatNumber, formatPercent } from './format.ts';
import { groupBy } from './group-by.ts';
import type { Counterfactual, MarkerKind, ReportData, ReportSource } from './incident-report-data.ts';
import { seriesName } from './metric-series.ts';
import { flagTarget, releaseName } from './release.ts';
import { type Recorded, ReportRecorder } from './report-recorder.ts';

export type { Counterfactual, MarkerKind, ReportData, ReportSource };
export { ReportRecorder };

/** Around the first episode: from two hours before its onset to an hour after it ends. */
const BEFORE_MS = 2 * 3_600_000;
const AFTER_MS = 3_600_000;
/** With a counterfactual, the window runs on to half an hour after the heap ran out without the guardrail. */
const AFTER_EXHAUSTION_MS = 30 * 60_000;

export function buildReport(
  result: ReportSource,
  recorder: ReportRecorder,
  title: string,
  environment: string,
  counterfactual?: Counterfactual,
): ReportData {
  const episode = result.episodes[0];
  const first = episode?.first;
  const from = episode ? Math.max(result.from, episode.onset - BEFORE_MS) : result.from;
  const exhausted = counterfactual?.result.heapExhausted;
  const to = Math.min(
    result.to,
    Math.max(
      episode ? (episode.resolvedAt ?? result.to) + AFTER_MS : result.to,
      exhausted ? exhausted.time + AFTER_EXHAUSTION_MS : -Infinity,
    ),
  );
  const within = (time: number) => time >= from && time <= to;
  const charts = signalCharts(recorder, within, first);
  return {
    title,
    subtitle: `${new Date(from).toISOString().slice(0, 16).replace('T', ' ')} → ${new Date(to).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${environment}${episode ? `: episode ${episode.id}` : ''}`,
    charts,
    rollouts: rolloutLines(result, environment, from, to),
    ...(counterfactual ? counterfactualChart(counterfactual, recorder, environment, from, to) : {}),
    focus: first ? first.time / 1000 : null,
    markers: [...markers(result), ...exhaustionMarker(exhausted)].sort((a, b) => a.time - b.time).filter((m) => within(m.time * 1000)),
    rows: rows(result, exhausted),
    alerts: result.alerts.map((a: Alert) => ({ time: new Date(a.time).toISOString(), title: a.title, text: a.text })),
  };
}

/** Per signal, its series within the window, the lead series' baseline and band, and the anomalous points. */
function signalCharts(
  recorder: ReportRecorder,
  within: (time: number) => boolean,
  first: Episode['first'] | undefined,
): ReportData['charts'] {
  const sorted = [...recorder.series.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const bySignal = groupBy(sorted, (recorded) => recorded.signal);
  return [...bySignal].map(([signal, series]) => {
    const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.time)))].filter(within).sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    const grid = <T>(s: Recorded, pick: (p: Recorded['points'][number]) => T | null) => {
      const values: Array<T | null> = times.map(() => null);
      for (const p of s.points) if (index.has(p.time)) values[index.get(p.time)!] = pick(p);
      return values;
    };
    const lead = series.find((s) => first && first.signal === signal && first.label.endsWith(s.name)) ?? series[0]!;
    const anomalies: Array<number | null> = times.map(() => null);
    for (const s of series)
      for (const p of s.points)
        if (p.anomalous && index.has(p.time)) anomalies[index.get(p.time)!] = Math.max(anomalies[index.get(p.time)!] ?? -Infinity, p.value);
    return {
      signal,
      times: times.map((t) => t / 1000),
      series: series.map((s) => ({ name: s.name, values: grid(s, (p) => p.value) })),
      baseline: {
        name: lead.name,
        mean: grid(lead, (p) => p.mean),
        low: grid(lead, (p) => Math.max(0, p.low)),
        high: grid(lead, (p) => p.high),
      },
      anomalies,
    };
  });
}

/** Each flag's percentage over time, a line per rolled-out target (named by its rule): its steps, then what the guardrail set. */
function rolloutLines(
  result: Pick<ReportSource, 'releases' | 'decisions'>,
  environment: string,
  from: number,
  to: number,
): ReportData['rollouts'] {
  const changes = new Map<string, Array<{ time: number; percent: number }>>();
  for (const r of result.releases)
    if (r.kind === 'rollout-step' && r.environment === environment) {
      const line = flagTarget(r.flag, r.target);
      changes.set(line, [...(changes.get(line) ?? []), { time: r.time, percent: r.toPercent }]);
    }
  for (const d of result.decisions)
    if (d.mode === 'enforce') {
      const line = flagTarget(d.flag, d.target);
      changes.set(line, [...(changes.get(line) ?? []), { time: d.time + 1, percent: d.toPercent }]);
    }
  return [...changes].map(([flag, list]) => {
    const sorted = list.sort((a, b) => a.time - b.time);
    const at = (time: number) => sorted.filter((c) => c.time <= time).at(-1)?.percent ?? 0;
    // The percentage at the window's start, each change within it, and the percentage at its end.
    const points = [
      { time: from, percent: at(from) },
      ...sorted.filter((c) => c.time > from && c.time <= to),
      { time: to, percent: at(to) },
    ];
    return { flag, times: points.map((p) => p.time / 1000), percents: points.map((p) => p.percent) };
  });
}

function markers(result: ReportSource): ReportData['markers'] {
  const list: Array<{ time: number; kind: MarkerKind; label: string }> = [];
  for (const r of result.releases) {
    list.push(
      r.kind === 'deploy'
        ? { time: r.time, kind: 'deploy', label: `deploy ${r.service} ${r.version}` }
        : { time: r.time, kind: 'step', label: releaseName(r) },
    );
  }
  for (const e of result.episodes) list.push({ time: e.detectedAt, kind: 'detection', label: `detected: ${e.first.signal}` });
  for (const d of result.decisions)
    list.push({
      time: d.time,
      kind: d.action,
      label: `${d.action} ${flagTarget(d.flag, d.target)} ${formatPercent(d.fromPercent)} → ${formatPercent(d.toPercent)}`,
    });
  for (const a of result.alerts) if (a.kind === 'resolved') list.push({ time: a.time, kind: 'resolved', label: 'resolved' });
  return list.sort((a, b) => a.time - b.time).map((m) => ({ ...m, time: m.time / 1000 }));
}

function rows(result: ReportSource, exhausted?: Counterfactual['result']['heapExhausted']): ReportData['rows'] {
  const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  const list: Array<{ t: number; what: ReportData['rows'][number]['what']; details: string }> = [];
  for (const r of result.releases)
    list.push({ t: r.time, what: r.kind === 'deploy' ? 'deploy' : 'step', details: describeRelease(r, { withTime: false }) });
  for (const e of result.episodes) {
    if (!e.openedBy)
      list.push({
        t: e.first.time,
        what: 'first anomalous datapoint',
        details: `${e.first.label}: ${e.first.value.toPrecision(3)} against a baseline of ${e.first.baseline.toPrecision(3)} (z ${e.first.z.toFixed(1)})`,
      });
    const found =
      e.attribution?.kind === 'attributed'
        ? `; after ${releaseName(e.attribution.release)}: ${describeEvidence(e.attribution.evidence)}`
        : e.attribution?.kind === 'none'
          ? '; no release correlates'
          : '';
    list.push({
      t: e.detectedAt,
      what: 'detection',
      details: `episode ${e.id}: ${e.series.length} series, ${e.signals.join(', ')}${found}${e.holdReason ? `; no rollback: ${e.holdReason}` : ''}`,
    });
  }
  for (const d of result.decisions)
    list.push({
      t: d.time,
      what: d.action,
      details: `${flagTarget(d.flag, d.target)} in ${d.environment} ${formatPercent(d.fromPercent)} → ${formatPercent(d.toPercent)} (${d.mode}): ${d.reason}; ${result.outcomes[d.id]?.detail ?? ''}`,
    });
  for (const a of result.alerts) list.push({ t: a.time, what: a.kind === 'resolved' ? 'resolved' : 'alert', details: a.title });
  if (exhausted) {
    const rollback = result.decisions.find((d) => d.action === 'rollback' && d.mode === 'enforce');
    const lead = rollback ? `; the rollback came ${formatDuration(exhausted.time - rollback.time)} before` : '';
    list.push({
      t: exhausted.time,
      what: 'exhausted',
      details: `without the guardrail (the same simulation, open loop): ${exhausted.series} reached ${formatNumber(exhausted.value)}%, heap exhausted${lead}`,
    });
  }
  return list.sort((a, b) => a.t - b.t).map((r) => ({ time: `${iso(r.t)} UTC`, what: r.what, details: r.details }));
}

function exhaustionMarker(exhausted: Counterfactual['result']['heapExhausted']): ReportData['markers'] {
  return exhausted
    ? [
        {
          time: exhausted.time / 1000,
          kind: 'exhausted',
          label: `without the guardrail: heap exhausted (${exhausted.series.replace('HeapMemoryAfterGC on ', '')})`,
        },
      ]
    : [];
}

/**
 * The broker whose heap ran out without the guardrail (or peaked, if none ran out), in both worlds
 * on one grid: the open loop's data, and what the closed loop's replay scored.
 */
function counterfactualChart(
  counterfactual: Counterfactual,
  recorder: ReportRecorder,
  environment: string,
  from: number,
  to: number,
): Pick<ReportData, 'counterfactual'> {
  const { heapExhausted, heapPeak, releases } = counterfactual.result;
  const focus = heapExhausted ?? heapPeak;
  const without = focus && counterfactual.series.find((s) => seriesName(s) === focus.series);
  if (!without) return {};
  const withPoints = recorder.series.get(without.key)?.points ?? [];
  const within = (time: number) => time >= from && time <= to;
  const times = [...new Set([...without.points, ...withPoints].map((p) => p.time))].filter(within).sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const grid = (points: ReadonlyArray<{ time: number; value: number }>) => {
    const values: Array<number | null> = times.map(() => null);
    for (const p of points) if (index.has(p.time)) values[index.get(p.time)!] = p.value;
    return values;
  };
  const broker = seriesName(without).replace(`${without.signal} on `, '');
  return {
    counterfactual: {
      title: `${seriesName(without)}: without the guardrail${heapExhausted ? ` (heap exhausted at ${formatClock(heapExhausted.time)} UTC)` : ''}, and with it`,
      times: times.map((t) => t / 1000),
      without: { name: `${broker} without the guardrail (open loop)`, values: grid(without.points) },
      with: { name: `${broker} with the guardrail (closed loop)`, values: grid(withPoints) },
      limit: counterfactual.exhaustedPercent,
      exhaustedAt: heapExhausted ? heapExhausted.time / 1000 : null,
      rollouts: rolloutLines({ releases, decisions: [] }, environment, from, to),
    },
  };
}
