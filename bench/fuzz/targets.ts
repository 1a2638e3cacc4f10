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
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { optionsSchema as ackOptions } from '../../cli/ack.ts';
import { optionsSchema as detectOptions, readSeries } from '../../cli/detect.ts';
import { optionsSchema as gateOptions } from '../../cli/gate.ts';
import { readScenario } from '../../cli/inputs.ts';
import { parseOptions } from '../../cli/io.ts';
import { optionsSchema as replayOptions } from '../../cli/replay.ts';
import { optionsSchema as simulateOptions } from '../../cli/simulate.ts';
import { type GuardrailConfig, parseConfig, resolveConfig } from '../../lambdas/core/config.ts';
import { InputError } from '../../lambdas/core/errors.ts';
import type { MetricReadout } from '../../lambdas/core/metric-series.ts';
import type { ReleaseEvent } from '../../lambdas/core/release.ts';
import { readGetMetricData } from '../../lambdas/formats/get-metric-data.ts';
import { readTimeline } from '../../lambdas/formats/timeline.ts';
import { createAckHandler } from '../../lambdas/handlers/ack.ts';
import { createDeploysHandler } from '../../lambdas/handlers/deploys.ts';
import { createGateHandler } from '../../lambdas/handlers/gate.ts';
import { createWebhookHandler } from '../../lambdas/handlers/webhook.ts';
import { inWindow, T } from './bounds.ts';
import { configObject, yamlText } from './config-inputs.ts';
import { config } from './corpus.ts';
import { auditDocument, csvText, deployDocument, edits, metricsDocument, scenarioDocument, signalList } from './format-inputs.ts';
import { configProblems, eventsProblems, metricsProblems, weightProblems } from './invariants.ts';
import { applyEdits } from './mutate.ts';
import { optionsFor } from './option-inputs.ts';
import { ackRequest, deploysRequest, gateRequest, gateState, secret, webhookRequest } from './request-inputs.ts';

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
      // Its log of each refusal is quiet here: the fuzz refuses thousands on purpose.
      const handler = createWebhookHandler(
        { store: { addReleases: async (r) => void stored.push(...r) }, secret: async () => secret },
        () => {},
      );
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
      // Any time the arbitraries make is admitted: the fuzz is of the parsing, not of the arrival bounds.
      const guarded = { environment: 'production', now: () => Date.parse('2050-01-01T00:00:00Z') };
      const answer = await createDeploysHandler({ addReleases: async (r) => void stored.push(...r) }, guarded)(request);
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
      ['simulate', simulateOptions, ['scenario', 'all', 'out', 'seed', 'force'], { scenario: 'pagerduty-2025', out: 'exports' }],
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
