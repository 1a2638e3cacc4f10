/**
 * What the fuzz tier feeds, and what it checks: every parser of a user's input, each with inputs
 * made from the bundled scenarios' real exports (mutated) and from scratch, and the invariants an
 * accepted input's result must hold. The bounds here are written out again, not imported: a
 * result is judged against what the documentation promises, not against the code under test.
 *
 * - crash: anything thrown that is not an InputError (for a Lambda handler: anything thrown);
 * - wrong: an accepted input whose result breaks an invariant (times finite and within
 *   2006..2100, values finite and within ±1e12 or 0..100 for percentages, weights in 0..100000
 *   summing to 100000, percentages in 0..100, series keys unique, configuration numbers within
 *   their documented bounds).
 */
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { optionsSchema as ackOptions } from '../../cli/ack.ts';
import { optionsSchema as detectOptions, readSeries } from '../../cli/detect.ts';
import { optionsSchema as gateOptions } from '../../cli/gate.ts';
import { readScenario } from '../../cli/inputs.ts';
import { parseOptions } from '../../cli/io.ts';
import { optionsSchema as replayOptions } from '../../cli/replay.ts';
import { optionsSchema as simulateOptions } from '../../cli/simulate.ts';
import { defaultConfig, type GuardrailConfig, parseConfig, resolveConfig } from '../../lambdas/core/config.ts';
import { InputError } from '../../lambdas/core/errors.ts';
import type { MetricReadout } from '../../lambdas/core/metric-series.ts';
import type { ReleaseEvent } from '../../lambdas/core/release.ts';
import { newGuardrailState } from '../../lambdas/core/state.ts';
import { readGetMetricData } from '../../lambdas/formats/get-metric-data.ts';
import { readTimeline } from '../../lambdas/formats/timeline.ts';
import { createAckHandler } from '../../lambdas/handlers/ack.ts';
import { createDeploysHandler } from '../../lambdas/handlers/deploys.ts';
import { createGateHandler } from '../../lambdas/handlers/gate.ts';
import { createWebhookHandler } from '../../lambdas/handlers/webhook.ts';
import { applyEdits, applyTextEdits, edit, interestingNumbers, interestingStrings, interestingValue, textEdit } from './mutate.ts';

export interface FuzzTarget<T = unknown> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Runs the parser; returns what it accepted (a throw is a rejection or a crash). */
  readonly run: (input: T) => unknown;
  /** The invariants an accepted result breaks, if any. */
  readonly check: (result: unknown, input: T) => string[];
  /** Whether a thrown error is a documented rejection (InputError unless said otherwise). */
  readonly rejects?: (error: unknown) => boolean;
}

// The documented bounds, written out.
const EARLIEST = Date.UTC(2006, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);
const MAX_MAGNITUDE = 1e12;
const TOTAL_WEIGHT = 100_000;
const T = Date.parse('2025-08-28T14:00:00Z');

const inWindow = (time: unknown) => typeof time === 'number' && Number.isFinite(time) && time >= EARLIEST && time < LATEST;

// The bundled scenarios' real exports.
const root = join(import.meta.dirname, '..', '..', 'scenarios');
const scenarios = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => join(root, e.name));
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as unknown;
const metricPages = scenarios.flatMap((folder) =>
  ['metrics-page-1.json', 'metrics-page-2.json'].map(
    (f) => json(join(folder, f)) as { MetricDataResults: Array<Record<string, unknown[]>> },
  ),
);
const auditEntries = scenarios.flatMap((folder) =>
  existsSync(join(folder, 'launchdarkly-audit-log.json')) ? (json(join(folder, 'launchdarkly-audit-log.json')) as unknown[]) : [],
);
const deployEvents = scenarios.flatMap((folder) =>
  existsSync(join(folder, 'deploys.json')) ? (json(join(folder, 'deploys.json')) as unknown[]) : [],
);
const scenarioDocuments = scenarios.map((folder) => json(join(folder, 'scenario.json')));
const config = defaultConfig();
const signalNames = config.signals.map((s) => s.name);

// --- invariants ---

/** `signals` as given to the reader: a percentage is bounded to 0..100 only where its kind was given. */
function metricsProblems(readout: MetricReadout, signals: readonly (string | { name: string; kind?: string })[]): string[] {
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

function eventsProblems(events: readonly ReleaseEvent[]): string[] {
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
function weightProblems(document: unknown): string[] {
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
function configProblems(c: GuardrailConfig): string[] {
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

// --- inputs ---

const edits = (max: number) => fc.array(edit, { maxLength: max });

/** A few results of a real page, each cut to a few points, then edited. */
const metricsDocument = fc
  .record({
    page: fc.nat(),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    from: fc.nat({ max: 400 }),
    length: fc.nat({ max: 12 }),
    nextToken: fc.boolean(),
    pages: fc.boolean(),
    edits: edits(4),
  })
  .map(({ page, picks, from, length, nextToken, pages, edits: e }) => {
    const source = metricPages[page % metricPages.length]!;
    const results = picks.map((p) => {
      const r = source.MetricDataResults[p % source.MetricDataResults.length]!;
      return { ...r, Timestamps: r.Timestamps!.slice(from, from + length), Values: r.Values!.slice(from, from + length) };
    });
    const document = { MetricDataResults: results, ...(nextToken ? { NextToken: 'token' } : {}), Messages: [] };
    const edited = applyEdits(document, e);
    return pages ? [edited, applyEdits(document, e.slice(0, 1))] : edited;
  });

const signalList = fc.oneof(
  { weight: 8, arbitrary: fc.constant<readonly (string | { name: string; kind: 'rate' | 'count' | 'percent' })[]>(config.signals) },
  { weight: 1, arbitrary: fc.constant<readonly string[]>(signalNames) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...signalNames, '[', '(a+)+b', '', 'a', 'Cluster', '.*', '\\'), { maxLength: 4 }) },
);

const timelineShape = <T>(items: T[], shape: number): unknown => (shape % 3 === 0 ? items : shape % 3 === 1 ? { items } : items[0]);

const auditDocument = fc
  .record({ picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), shape: fc.nat(), edits: edits(4) })
  .map(({ picks, shape, edits: e }) =>
    applyEdits(
      timelineShape(
        picks.map((p) => auditEntries[p % auditEntries.length]),
        shape,
      ),
      e,
    ),
  );

const deploySeed = fc.record({
  id: fc.oneof(fc.constant('deploy-1'), fc.string({ maxLength: 10 })),
  time: fc.oneof(
    fc.constantFrom<unknown>(
      '2025-10-02T10:00:00.000Z',
      T,
      T / 1000,
      '0',
      0,
      1e16,
      '1969-07-20T20:17:00Z',
      '2025-10-02',
      '2025-10-02 10:00',
    ),
    interestingValue,
  ),
  service: fc.constantFrom('payments-api', '', 'x'.repeat(300)),
  version: fc.constant('2.14.0'),
  environment: fc.constantFrom('production', 'constructor'),
  by: fc.option(fc.constant('bot'), { nil: undefined }),
});
const deployDocument = fc
  .record({
    base: fc.oneof(
      fc.array(fc.nat(), { minLength: 1, maxLength: 3 }).map((ps) => ps.map((p) => deployEvents[p % deployEvents.length])),
      fc.array(deploySeed, { minLength: 1, maxLength: 3 }),
    ),
    shape: fc.nat(),
    edits: edits(3),
  })
  .map(({ base, shape, edits: e }) => applyEdits(timelineShape(base as unknown[], shape), e));

/** Mostly a valid value, sometimes anything. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 60, arbitrary: valid }, { weight: 1, arbitrary: interestingValue });
/** Mostly one of the valid values, sometimes one just out of bounds, sometimes anything. */
const choice = <T>(valid: readonly T[], invalid: readonly unknown[] = []) =>
  fc.oneof(
    { weight: 60, arbitrary: fc.constantFrom(...valid) as fc.Arbitrary<unknown> },
    { weight: invalid.length > 0 ? 1 : 0, arbitrary: fc.constantFrom(...(invalid.length > 0 ? invalid : [undefined])) },
    { weight: 1, arbitrary: interestingValue },
  );
const key = (valid: readonly string[], invalid: readonly string[]) =>
  fc.oneof({ weight: 60, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });

const configObject = fc
  .record(
    {
      mode: choice(['observe', 'enforce']),
      environment: choice(['production', 'staging', 'constructor'], ['', 'e'.repeat(300)]),
      clusters: mostly(fc.array(key(['events-msk', 'orders', 'c'.repeat(250)], ['', 'a"b', 'x'.repeat(300)]), { maxLength: 3 })),
      metricPeriodSeconds: choice([1, 10, 60, 300, 3600], [0, 3601, 1.5]),
      publishDelaySeconds: choice([0, 120, 3600], [-1, 3601]),
      detector: mostly(
        fc.record(
          {
            halfLifePeriods: choice([30, 0.5, 100_000], [0, 100_001]),
            warmupPeriods: choice([2, 30, 100_000], [1, 1e6]),
            seasonPeriods: choice([0, 60, 1440], [1441, 10_080, 1e8]),
            extraHalfLives: choice([[], [10], [1, 10, 100, 1000]], [[1, 2, 3, 4, 5], [0], [1e9]]),
            likelihoodHalfLife: choice([1000, 100_000], [1e300]),
            quietPeriods: choice([0, 30], [-1]),
            confirmPeriods: choice([1, 2, 60], [61]),
            corroboratingSeries: choice([1, 3], [0]),
          },
          { requiredKeys: [] },
        ),
      ),
      signals: mostly(
        fc.dictionary(
          key(
            [...signalNames, 'ProducersCreated', 'constructor', 'toString', 'hasOwnProperty'],
            ['__proto__', '[', '(a+)+b', 'a b', 'x'.repeat(200)],
          ),
          fc.record(
            {
              kind: choice(['rate', 'count', 'percent']),
              direction: choice(['up', 'down', 'both']),
              zThreshold: choice([4, 0.1, 100], [0, 1e6]),
              minFactor: choice([1, 1.5, 1000], [0.5, 1001]),
              minChange: choice([0, 5, 100], [101]),
              logOffset: choice([1, 1e6], [1e7]),
              minSd: choice([0.05, 1e6], [1e7]),
              forecast: mostly(
                fc.record(
                  {
                    windowPeriods: choice([5, 30, 120], [4, 121]),
                    horizonMinutes: choice([120, 10_080], [1e9]),
                    limitPercent: choice([90, 100], [101]),
                  },
                  { requiredKeys: [] },
                ),
              ),
              headroomPercent: choice([60, 100], [101]),
              dimensions: choice(
                [['Cluster Name', 'Broker ID'], ['Broker ID']],
                [['a"b'], [], Array.from({ length: 31 }, (_, i) => `d${i}`)],
              ),
              namespace: choice(['AWS/Kafka', 'Custom/App'], ["x'}"]),
              enabled: choice([true, false]),
            },
            { requiredKeys: [] },
          ),
          { maxKeys: 3 },
        ),
      ),
      releaseWatch: mostly(fc.record({ heapHorizonMinutes: choice([60, 360, 10_080], [0, 10_081]) }, { requiredKeys: [] })),
      // The correlator's keys, retired: refused, now and then.
      correlation: fc.oneof(
        { weight: 30, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constant({ lookbackMinutes: 720 }) },
      ),
      rollback: mostly(
        fc.record(
          { to: choice(['previous-step', 'zero', 'off']), cooldownMinutes: choice([0, 60, 10_080], [10_081]) },
          { requiredKeys: [] },
        ),
      ),
      flags: mostly(
        fc.dictionary(
          key(['checkout', 'constructor', 'toString'], ['__proto__', '', 'f'.repeat(300)]),
          fc.record({ guarded: choice([true, false]), rollbackTo: choice(['zero', 'off']) }, { requiredKeys: [] }),
          { maxKeys: 3 },
        ),
      ),
      freshness: mostly(fc.record({ staleAfterPeriods: choice([1, 5, 1440], [1441]) }, { requiredKeys: [] })),
      gate: mostly(fc.record({ bakeMinutes: choice([0, 30, 10_080], [1e12]) }, { requiredKeys: [] })),
      heap: mostly(fc.record({ exhaustedPercent: choice([95, 100], [0]) }, { requiredKeys: [] })),
      launchDarkly: mostly(
        fc.record(
          { projectKey: choice(['default']), baseUrl: choice(['https://app.launchdarkly.com'], ['not a url']) },
          { requiredKeys: ['projectKey'] },
        ),
      ),
      cadence: mostly(
        fc.record(
          { idleMinutes: choice([1, 5, 60], [0, 61, 1.5]), watchMinutes: choice([0, 180, 10_080], [10_081]) },
          { requiredKeys: [] },
        ),
      ),
      shards: mostly(
        fc.record(
          { maxSeries: choice([1, 150, 500, 10_000], [0, 100_001, 1e9]), brokersPerCluster: choice([1, 30, 1000], [0, 1001]) },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ correlation, ...rest }) => (correlation === undefined ? rest : { ...rest, correlation }));

const yamlText = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ config: configObject, edits: fc.array(textEdit, { maxLength: 1 }) })
      .map(({ config: c, edits: e }) => applyTextEdits(safeYaml(c), e)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'a: &a [1]\nb: *a\n',
      '['.repeat(3000),
      '{a: '.repeat(16_000),
      `${'- '.repeat(2000)}x`,
      `${'- '.repeat(90)}x`,
      `${'a:\n '.repeat(500)}b`,
      Array.from({ length: 3000 }, (_, i) => `k${i}: ${i}`).join('\n'),
      `a: &a [1]\n${Array.from({ length: 3000 }, (_, i) => `b${i}: *a`).join('\n')}`,
      `mode: "${'\\"'.repeat(20_000)}"`,
      'detector: !!js/function "x"\n',
      '{"mode": "observe"}',
      '\ufeffmode: observe',
    ),
  },
);

/** JSON text of a document; one nested beyond JSON.stringify's stack is sent as the text of its nesting. */
function jsonText(document: unknown): string {
  try {
    return JSON.stringify(document) ?? '';
  } catch {
    return `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  }
}

function safeYaml(value: unknown): string {
  try {
    return stringify(value, { aliasDuplicateObjects: false });
  } catch {
    return JSON.stringify(value) ?? '';
  }
}

const csvText = fc
  .record({
    header: fc.oneof(
      { weight: 15, arbitrary: fc.constant('timestamp,value') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('timestamp,value,extra', 'time,val', '"timestamp","value"', 'value,timestamp', ...interestingStrings),
      },
    ),
    start: fc.integer({ min: Date.UTC(2006, 0, 1), max: Date.UTC(2099, 0, 1) }),
    stepMs: fc.constantFrom(60_000, 300_000, 3_600_000, 0, -60_000),
    style: fc.constantFrom('nab', 'iso', 'offset'),
    rows: fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 40, arbitrary: fc.constant(undefined) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('1969-12-31 23:59:00', '0', '', '2200-01-01 00:00:00', String(T), ...interestingStrings),
          },
        ),
        fc.oneof(
          { weight: 40, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String) },
          { weight: 1, arbitrary: fc.constantFrom('1e100', 'NaN', '', ' 7 ', 'Infinity', '"1"', ...interestingStrings) },
        ),
      ),
      { maxLength: 40 },
    ),
    edits: fc.array(textEdit, { maxLength: 1 }),
  })
  .map(({ header, start, stepMs, style, rows, edits: e }) => {
    const stamp = (i: number) => {
      const iso = new Date(start + i * stepMs).toISOString();
      return style === 'nab' ? iso.slice(0, 19).replace('T', ' ') : style === 'iso' ? iso : iso.replace('Z', '+00:00');
    };
    return applyTextEdits([header, ...rows.map(([t, v], i) => `${t ?? stamp(i)},${v}`)].join('\n'), e);
  });

const secret = 'fuzz-secret';
const webhookRequest = fc
  .record({
    document: auditDocument,
    text: fc.option(fc.array(textEdit, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    signature: fc.constantFrom('good', 'good', 'good', 'bad', 'missing', 'odd'),
    base64: fc.boolean(),
  })
  .map(({ document, text, signature, base64 }) => {
    const raw = jsonText(document);
    const body = text ? applyTextEdits(raw, text) : raw;
    const bytes = Buffer.from(body, 'utf8');
    const good = createHmac('sha256', secret).update(bytes).digest('hex');
    const header =
      signature === 'good'
        ? good
        : signature === 'bad'
          ? good.replace(/^./, (c) => (c === '0' ? '1' : '0'))
          : signature === 'odd'
            ? 'zz'
            : undefined;
    return {
      body: base64 ? bytes.toString('base64') : body,
      isBase64Encoded: base64,
      headers: header === undefined ? {} : { 'x-ld-signature': header },
    };
  });

const deploysRequest = fc
  .record({
    document: deployDocument,
    text: fc.option(fc.array(textEdit, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    base64: fc.boolean(),
    huge: fc.nat({ max: 40 }),
  })
  .map(({ document, text, base64, huge }) => {
    const raw =
      huge === 0
        ? jsonText(Array.from({ length: 2000 }, () => document))
        : huge === 1
          ? `${'['.repeat(30_000)}${']'.repeat(30_000)}`
          : jsonText(document);
    const body = text ? applyTextEdits(raw, text) : raw;
    return { body: base64 ? Buffer.from(body).toString('base64') : body, isBase64Encoded: base64 };
  });

const gateRequest = fc
  .record({
    base: fc.record({ flag: fc.constant('checkout'), environment: fc.constant('production'), targetPercent: fc.constantFrom(25, 5, 100) }),
    edits: edits(3),
  })
  .map(({ base, edits: e }) => applyEdits(base, e));

const ackRequest = fc
  .record({
    base: fc.record({
      flag: fc.constantFrom('checkout', 'constructor'),
      environment: fc.constant('production'),
      by: fc.constant('sre'),
      reason: fc.constant('fixed in 2.14.1'),
    }),
    edits: edits(3),
  })
  .map(({ base, edits: e }) => applyEdits(base, e));

const scenarioDocument = fc
  .record({ pick: fc.nat(), edits: edits(4) })
  .map(({ pick, edits: e }) => applyEdits(scenarioDocuments[pick % scenarioDocuments.length], e));

/** What commander hands a command's action: strings, string lists, booleans, absent. */
const optionValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      ...interestingStrings,
      ...interestingNumbers.map(String),
      '25',
      '60',
      '1800',
      '3600',
      '86400',
      '86401',
      '1e300',
      ` ${'9'.repeat(400)} `,
      '0.5',
      '-5',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('a.json', '', '__proto__'), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(true, false, undefined) },
);
/** A command's options as commander gives them for a valid command line, some of them changed. */
const optionsFor = (keys: readonly string[], base: Record<string, unknown>) =>
  fc
    .dictionary(fc.constantFrom(...keys, '__proto__', 'constructor', 'extra'), optionValue, { maxKeys: 2 })
    .map((changes) => ({ ...base, ...changes }));

/** A gate state: evaluated, one flag frozen. */
function gateState() {
  const state = newGuardrailState();
  state.evaluatedAt = T;
  state.freezes['checkout/production'] = {
    flag: 'checkout',
    environment: 'production',
    target: { kind: 'fallthrough' },
    percent: 1,
    since: T - 60_000,
    decisionId: 'd',
  };
  return state;
}

const rejectsInput = (error: unknown) => error instanceof InputError;
const nothing = () => [] as string[];

export const targets: FuzzTarget<never>[] = [
  {
    name: 'readGetMetricData',
    arbitrary: fc.tuple(metricsDocument, signalList),
    run: ([document, signals]: [unknown, readonly (string | { name: string; kind: 'rate' | 'count' | 'percent' })[]]) =>
      readGetMetricData([{ source: 'fuzz.json', document }], signals),
    check: (result, [, signals]: [unknown, readonly (string | { name: string; kind?: string })[]]) =>
      metricsProblems(result as MetricReadout, signals),
  },
  {
    name: 'readTimeline: audit log',
    arbitrary: auditDocument,
    run: (document: unknown) => readTimeline([{ source: 'fuzz.json', document }]),
    check: (result, document: unknown) => [...eventsProblems((result as { events: ReleaseEvent[] }).events), ...weightProblems(document)],
  },
  {
    name: 'readTimeline: deploy events',
    arbitrary: deployDocument,
    run: (document: unknown) => readTimeline([{ source: 'fuzz.json', document }]),
    check: (result) => eventsProblems((result as { events: ReleaseEvent[] }).events),
  },
  {
    name: 'webhook handler',
    arbitrary: webhookRequest,
    run: async (request: { body: string; isBase64Encoded: boolean; headers: Record<string, string> }) => {
      const stored: ReleaseEvent[] = [];
      const handler = createWebhookHandler({ store: { addReleases: async (r) => void stored.push(...r) }, secret: async () => secret });
      return { answer: await handler(request), stored };
    },
    check: (result) => {
      const { answer, stored } = result as { answer: { statusCode: number; body: string }; stored: ReleaseEvent[] };
      const problems = [200, 400, 401, 413].includes(answer.statusCode) ? [] : [`status ${answer.statusCode}`];
      return [...problems, ...eventsProblems(stored)];
    },
    rejects: () => false,
  },
  {
    name: 'deploys handler',
    arbitrary: deploysRequest,
    run: async (request: { body: string; isBase64Encoded: boolean }) => {
      const stored: ReleaseEvent[] = [];
      const answer = await createDeploysHandler({ addReleases: async (r) => void stored.push(...r) })(request);
      return { answer, stored };
    },
    check: (result) => {
      const { answer, stored } = result as { answer: { statusCode: number; body: string }; stored: ReleaseEvent[] };
      const problems = [200, 400, 413].includes(answer.statusCode) ? [] : [`status ${answer.statusCode}`];
      if (stored.some((r) => r.kind !== 'deploy')) problems.push('a flag change stored as a deploy');
      return [...problems, ...eventsProblems(stored)];
    },
    rejects: () => false,
  },
  {
    name: 'gate handler',
    arbitrary: gateRequest,
    run: (request: unknown) =>
      createGateHandler(config, { load: async () => gateState(), releases: async () => [] }, () => T + 3_600_000)(request),
    check: (result) => {
      const answer = result as { verdict: string; reasons: unknown[] };
      const problems = ['allow', 'deny', 'unknown'].includes(answer.verdict) ? [] : [`verdict ${answer.verdict}`];
      if (!Array.isArray(answer.reasons) || answer.reasons.some((r) => typeof r !== 'string')) problems.push('reasons not strings');
      return problems;
    },
    rejects: () => false,
  },
  {
    name: 'ack handler',
    arbitrary: ackRequest,
    run: (request: unknown) => {
      let saved = gateState();
      return createAckHandler(
        { load: async () => structuredClone(saved), save: async (s) => void (saved = s) },
        () => T + 3_600_000,
      )(request);
    },
    check: (result) => {
      const answer = result as { acknowledged: boolean; reason?: unknown };
      if (answer.acknowledged === true) return [];
      return answer.acknowledged === false && typeof answer.reason === 'string' ? [] : ['an answer of neither shape'];
    },
    rejects: () => false,
  },
  {
    name: 'parseConfig (YAML)',
    arbitrary: yamlText,
    run: (text: string) => parseConfig(text, 'fuzz.yaml'),
    check: (result) => configProblems(result as GuardrailConfig),
  },
  {
    name: 'resolveConfig (JSON)',
    arbitrary: fc.record({ config: configObject, edits: edits(1) }).map(({ config: c, edits: e }) => applyEdits(c, e)),
    run: (raw: unknown) => resolveConfig(raw, 'fuzz.json'),
    check: (result) => configProblems(result as GuardrailConfig),
  },
  {
    name: 'detect CSV',
    arbitrary: csvText,
    run: (text: string) => readSeries(() => Readable.from([text]), 'fuzz.csv'),
    check: (result) => {
      const { times, values } = result as { times: number[]; values: number[] };
      const problems = times.length === values.length ? [] : ['times and values differ in length'];
      for (const t of times) if (!inWindow(t)) problems.push(`time ${t} outside 2006..2100`);
      for (const v of values) if (!Number.isFinite(v)) problems.push(`value ${v} not finite`);
      return problems;
    },
  },
  {
    name: 'scenario reader',
    arbitrary: scenarioDocument,
    run: (document: unknown) => readScenario(document, 'scenario.json'),
    check: (result) => {
      const s = result as { start: string; end: string; brokers: number; flags: Array<{ steps: Array<{ at: string; percent: number }> }> };
      const [start, end] = [Date.parse(s.start), Date.parse(s.end)];
      const problems: string[] = [];
      if (!inWindow(start) || !inWindow(end)) problems.push('start or end outside 2006..2100');
      if (!(end > start) || end - start > 92 * 86_400_000) problems.push(`a span of ${end - start} ms`);
      if (!(s.brokers >= 2 && s.brokers <= 100)) problems.push(`${s.brokers} brokers`);
      for (const step of s.flags.flatMap((f) => f.steps)) {
        if (!inWindow(Date.parse(step.at))) problems.push(`step at ${step.at}`);
        if (!(step.percent >= 0 && step.percent <= 100)) problems.push(`step to ${step.percent}%`);
      }
      return problems;
    },
  },
  ...(
    [
      [
        'replay',
        replayOptions,
        [
          'scenario',
          'metrics',
          'timeline',
          'config',
          'mode',
          'state',
          'json',
          'closedLoop',
          'launchdarkly',
          'report',
          'prometheus',
          'from',
          'to',
          'sigv4',
        ],
        { metrics: ['a.json'], timeline: ['b.json'], json: true },
      ],
      ['detect', detectOptions, ['output', 'kind', 'direction'], { kind: 'auto', direction: 'both' }],
      [
        'ack',
        ackOptions,
        ['flag', 'env', 'reason', 'by', 'state', 'function', 'region'],
        { flag: 'checkout', env: 'production', reason: 'fixed', state: 'folder' },
      ],
      [
        'gate',
        gateOptions,
        ['flag', 'env', 'to', 'function', 'region', 'state', 'config', 'wait', 'timeout', 'interval', 'json', 'at'],
        { flag: 'checkout', env: 'production', to: '25', state: 'folder', timeout: '1800', interval: '60' },
      ],
      ['simulate', simulateOptions, ['scenario', 'all', 'out', 'seed'], { scenario: 'pagerduty-2025', out: 'exports' }],
    ] as const
  ).map(
    ([command, schema, keys, base]): FuzzTarget<never> => ({
      name: `options: ${command}`,
      arbitrary: optionsFor(keys, base) as fc.Arbitrary<never>,
      run: (raw: unknown) => parseOptions(schema as Parameters<typeof parseOptions>[0], raw),
      check: (result) => {
        const o = result as Record<string, unknown>;
        const problems: string[] = [];
        const number = (key: string, min: number, max: number) => {
          if (o[key] !== undefined && !(typeof o[key] === 'number' && Number.isFinite(o[key]) && o[key] >= min && o[key] <= max))
            problems.push(`--${key} = ${String(o[key])}`);
        };
        if (command === 'gate') {
          number('to', 0, 100);
          number('timeout', Number.MIN_VALUE, 86_400);
          number('interval', 1, 3600);
        }
        if (command === 'simulate' && o.seed !== undefined && !Number.isSafeInteger(o.seed)) problems.push(`--seed = ${String(o.seed)}`);
        for (const [key, value] of Object.entries(o))
          if (typeof value === 'string' && ['flag', 'env'].includes(key) && value.length > 256)
            problems.push(`--${key} of ${value.length} characters`);
        return problems;
      },
    }),
  ),
] as FuzzTarget<never>[];

export { nothing, rejectsInput };
