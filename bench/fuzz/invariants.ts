/**
 * What an accepted input's result must hold, judged against the documented bounds (bounds.ts):
 * each function lists the invariants a result breaks, none when it holds them all.
 */
import type { GuardrailConfig } from '../../lambdas/core/config.ts';
import type { MetricReadout } from '../../lambdas/core/metric-series.ts';
import type { ReleaseEvent } from '../../lambdas/core/release.ts';
import { inWindow, MAX_MAGNITUDE, TOTAL_WEIGHT } from './bounds.ts';

/** `signals` as given to the reader: a percentage is bounded to 0..100 only where its kind was given. */
export function metricsProblems(readout: MetricReadout, signals: readonly (string | { name: string; kind?: string })[]): string[] {
  const names = signals.map((s) => (typeof s === 'string' ? s : s.name));
  const kinds = new Map(signals.flatMap((s) => (typeof s === 'string' ? [] : [[s.name, s.kind] as const])));
  const problems: string[] = [];
  const keys = new Set<string>();
  for (const series of readout.series) {
    if (keys.has(series.key)) problems.push(`series key ${series.key.slice(0, 60)} twice`);
    keys.add(series.key);
    if (!names.includes(series.signal)) problems.push(`signal ${series.signal} not configured`);
    if (typeof series.cluster !== 'string' || series.cluster.length > 256) problems.push('cluster not a name');
    if (Object.getPrototypeOf(series.dimensions) !== Object.prototype) problems.push('dimensions not a plain object');
    let last = Number.NEGATIVE_INFINITY;
    for (const point of series.points) {
      if (!inWindow(point.time)) problems.push(`time ${point.time} outside 2006..2100`);
      if (!(point.time > last)) problems.push('points not in strictly increasing time');
      last = point.time;
      const kind = kinds.get(series.signal);
      if (!Number.isFinite(point.value)) problems.push(`value ${point.value} not finite`);
      else if (kind === 'percent' ? point.value < 0 || point.value > 100 : Math.abs(point.value) > MAX_MAGNITUDE)
        problems.push(`value ${point.value} out of bounds for a ${kind}`);
    }
  }
  return problems;
}

export function eventsProblems(events: readonly ReleaseEvent[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  let last = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    if (!inWindow(event.time)) problems.push(`release time ${event.time} outside 2006..2100`);
    if (event.time < last) problems.push('releases not in time order');
    last = event.time;
    if (ids.has(event.id)) problems.push(`release id ${event.id} twice`);
    ids.add(event.id);
    if (event.kind === 'rollout-step') {
      for (const percent of [event.fromPercent, event.toPercent])
        if (!(percent >= 0 && percent <= 100)) problems.push(`percentage ${percent} outside 0..100`);
      if (event.fromPercent === event.toPercent) problems.push('a step that moves nothing');
      if (!event.flag || !event.environment) problems.push('a step without flag or environment');
    } else if (!event.service || !event.version || !event.environment) problems.push('a deploy without service, version or environment');
  }
  return problems;
}

/** Every rollout of an accepted flag entry: weights in 0..100000 summing to 100000, variations among the flag's. */
export function weightProblems(document: unknown): string[] {
  const problems: string[] = [];
  const entries = Array.isArray(document)
    ? document
    : Array.isArray((document as { items?: unknown })?.items)
      ? (document as { items: unknown[] }).items
      : [document];
  for (const entry of entries as Array<Record<string, unknown>>) {
    // Entries the reader reads steps from: flag entries with both versions (others are skipped, and said).
    if (
      typeof entry !== 'object' ||
      entry === null ||
      entry.kind !== 'flag' ||
      !('_id' in entry) ||
      ('service' in entry && 'version' in entry)
    )
      continue;
    if (!entry.previousVersion || !entry.currentVersion) continue;
    for (const version of [entry.previousVersion, entry.currentVersion] as Array<
      { variations?: unknown[]; environments?: Record<string, Record<string, unknown>> } | undefined
    >) {
      if (!version?.environments) continue;
      const count = version.variations?.length;
      // Own keys as zod reads them: a `__proto__` environment is dropped by the schema, never read.
      for (const [name, env] of Object.entries(version.environments)) {
        if (name === '__proto__' || typeof env !== 'object' || env === null) continue;
        const targets = [env.fallthrough, ...((env.rules as unknown[]) ?? [])] as Array<
          { variation?: number; rollout?: { variations: Array<{ variation: number; weight: number }> } } | undefined
        >;
        if (count !== undefined && typeof env.offVariation === 'number' && env.offVariation >= count)
          problems.push(`offVariation ${env.offVariation} of ${count} accepted`);
        for (const target of targets) {
          if (count !== undefined && typeof target?.variation === 'number' && target.variation >= count)
            problems.push(`variation ${target.variation} of ${count} accepted`);
          const weights = target?.rollout?.variations;
          if (!Array.isArray(weights)) continue;
          const sum = weights.reduce((total, w) => total + w.weight, 0);
          if (sum !== TOTAL_WEIGHT) problems.push(`weights summing to ${sum} accepted`);
          for (const w of weights) {
            if (!(w.weight >= 0 && w.weight <= TOTAL_WEIGHT)) problems.push(`weight ${w.weight} accepted`);
            if (count !== undefined && w.variation >= count) problems.push(`variation ${w.variation} of ${count} accepted`);
          }
        }
      }
    }
  }
  return problems;
}

/** A configuration's numbers within the bounds docs/configuration.md states. */
export function configProblems(c: GuardrailConfig): string[] {
  const problems: string[] = [];
  const within = (field: string, value: unknown, min: number, max: number, integer = false) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
      problems.push(`${field} = ${String(value)} outside ${min}..${max}`);
  };
  within('metricPeriodSeconds', c.metricPeriodSeconds, 1, 3600, true);
  within('publishDelaySeconds', c.publishDelaySeconds, 0, 3600, true);
  within('detector.halfLifePeriods', c.detector.halfLifePeriods, Number.MIN_VALUE, 100_000);
  within('detector.warmupPeriods', c.detector.warmupPeriods, 2, 100_000, true);
  within('detector.confirmPeriods', c.detector.confirmPeriods, 1, 60, true);
  within('detector.corroboratingSeries', c.detector.corroboratingSeries, 1, 10_000, true);
  within('detector.seasonPeriods', c.detector.seasonPeriods, 0, 1440, true);
  within('detector.likelihoodHalfLife', c.detector.likelihoodHalfLife, Number.MIN_VALUE, 100_000);
  within('detector.quietPeriods', c.detector.quietPeriods, 0, 10_080, true);
  if (c.detector.extraHalfLives.length > 4) problems.push('more than 4 extraHalfLives');
  for (const h of c.detector.extraHalfLives) within('detector.extraHalfLives[]', h, Number.MIN_VALUE, 100_000);
  within('episodes.quietPeriods', c.episodes.quietPeriods, 1, 1440, true);
  within('releaseWatch.heapHorizonMinutes', c.releaseWatch.heapHorizonMinutes, Number.MIN_VALUE, 10_080);
  within('rollback.cooldownMinutes', c.rollback.cooldownMinutes, 0, 10_080);
  within('freshness.staleAfterPeriods', c.freshness.staleAfterPeriods, 1, 1440, true);
  within('gate.bakeMinutes', c.gate.bakeMinutes, 0, 10_080);
  within('heap.exhaustedPercent', c.heap.exhaustedPercent, Number.MIN_VALUE, 100);
  within('cadence.idleMinutes', c.cadence.idleMinutes, 1, 60, true);
  within('cadence.watchMinutes', c.cadence.watchMinutes, 0, 10_080);
  within('shards.maxSeries', c.shards.maxSeries, 1, 100_000, true);
  within('shards.brokersPerCluster', c.shards.brokersPerCluster, 1, 1000, true);
  if (c.clusters.length > 200) problems.push('more than 200 clusters');
  if (Object.keys(c.flags).length > 1000) problems.push('more than 1000 flags');
  if (c.signals.length > 32 + 5) problems.push('more than 32 signals');
  const names = new Set<string>();
  for (const s of c.signals) {
    if (names.has(s.name)) problems.push(`signal ${s.name} twice`);
    names.add(s.name);
    if (!/^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/.test(s.name)) problems.push(`signal name ${JSON.stringify(s.name).slice(0, 40)}`);
    within(`signals.${s.name}.zThreshold`, s.zThreshold, Number.MIN_VALUE, 100);
    within(`signals.${s.name}.minFactor`, s.minFactor, 1, 1000);
    within(`signals.${s.name}.minChange`, s.minChange, 0, 100);
    within(`signals.${s.name}.logOffset`, s.logOffset, Number.MIN_VALUE, 1e6);
    if (s.minSd !== undefined) within(`signals.${s.name}.minSd`, s.minSd, Number.MIN_VALUE, 1e6);
    if (s.forecast) {
      within(`signals.${s.name}.forecast.limitPercent`, s.forecast.limitPercent, Number.MIN_VALUE, 100);
      within(`signals.${s.name}.forecast.horizonMinutes`, s.forecast.horizonMinutes, Number.MIN_VALUE, 10_080);
      within(`signals.${s.name}.forecast.windowPeriods`, s.forecast.windowPeriods, 5, 120, true);
    }
    if (s.headroomPercent !== undefined) within(`signals.${s.name}.headroomPercent`, s.headroomPercent, Number.MIN_VALUE, 100);
    if (s.dimensions.length > 30) problems.push('more than 30 dimensions');
    for (const text of [s.namespace, s.statistic, ...s.dimensions])
      if (text.length > 256 || /["'\\{}]/.test(text)) problems.push(`SEARCH text ${JSON.stringify(text).slice(0, 40)}`);
  }
  for (const text of [c.environment, ...c.clusters, ...Object.keys(c.flags)])
    if (text.length > 256) problems.push('a name over 256 characters');
  return problems;
}
