/**
 * The guardrail's configuration: one schema for the CLI, the Lambdas and the CDK app.
 *
 * Every field has a default, so an empty file (or none) guards an Amazon MSK cluster by its
 * CloudWatch metric names. A YAML file overrides what it names; `signals` merge by metric name.
 * Unknown keys are errors, reported with the file, line and field, because a misspelt threshold
 * that is silently ignored is a guardrail that does not guard.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { QUIET_PERIODS } from './likelihood.ts';
import { InputError } from './errors.ts';

const signalSchema = z
  .object({
    kind: z.enum(['rate', 'count', 'percent']).describe('rate and count are scored in log space, percent as is'),
    direction: z.enum(['up', 'down', 'both']).default('up'),
    zThreshold: z.number().positive().default(4),
    minFactor: z.number().min(1).default(1.5).describe('rate/count: smallest factor over baseline worth acting on'),
    minChange: z.number().nonnegative().default(5).describe('percent: smallest change in points worth acting on'),
    logOffset: z.number().positive().default(1).describe('added before the log so that zero stays finite'),
    minSd: z.number().positive().optional().describe('floor of the standard deviation, in scored units'),
    responseMinutes: z.number().positive().default(10).describe('how soon after a release this signal moves'),
    forecast: z
      .object({
        limitPercent: z.number().positive().max(100).default(90),
        horizonMinutes: z.number().positive().default(120),
        windowPeriods: z.number().int().min(5).default(30),
      })
      .strict()
      .optional(),
    headroomPercent: z.number().positive().max(100).optional().describe('the gate denies step-ups above this'),
    namespace: z.string().min(1).default('AWS/Kafka').describe('CloudWatch namespace'),
    dimensions: z.array(z.string().min(1)).min(1).default(['Cluster Name', 'Broker ID']).describe('the dimensions that make one series'),
    statistic: z.string().min(1).default('Average').describe('CloudWatch statistic'),
    promql: z.string().min(1).optional().describe('Prometheus: the query that gives one series per broker (default: JMX exporter names)'),
    enabled: z.boolean().default(true),
  })
  .strict();

export type SignalConfig = z.infer<typeof signalSchema> & { readonly name: string };

const configSchema = z
  .object({
    mode: z.enum(['observe', 'enforce']).default('enforce'),
    environment: z.string().min(1).default('production'),
    clusters: z.array(z.string().min(1)).default([]).describe('in AWS: the `Cluster Name` values to watch'),
    metricPeriodSeconds: z.number().int().positive().default(60),
    publishDelaySeconds: z.number().int().nonnegative().default(120).describe('in AWS: evaluate periods at least this old (CloudWatch publishes late)'),
    detector: z
      .object({
        halfLifePeriods: z.number().positive().default(30),
        warmupPeriods: z.number().int().min(2).default(30),
        confirmPeriods: z.number().int().min(1).default(2),
        corroboratingSeries: z.number().int().min(1).default(3),
        extraHalfLives: z.array(z.number().positive()).default([]).describe('other level baselines that may explain a point (anomaly score)'),
        seasonPeriods: z.number().int().nonnegative().default(0).describe('a seasonal baseline of this many periods; 0: none (anomaly score)'),
        likelihoodHalfLife: z.number().positive().default(1000).describe("half-life of the deviation's long-run distribution (anomaly score)"),
        quietPeriods: z.number().int().nonnegative().default(QUIET_PERIODS).describe('after a high anomaly score, only lower ones for this many periods'),
      })
      .strict()
      .default({
        halfLifePeriods: 30,
        warmupPeriods: 30,
        confirmPeriods: 2,
        corroboratingSeries: 3,
        extraHalfLives: [],
        seasonPeriods: 0,
        likelihoodHalfLife: 1000,
        quietPeriods: QUIET_PERIODS,
      }),
    signals: z.record(z.string().min(1), signalSchema.partial()).default({}),
    episodes: z
      .object({ quietPeriods: z.number().int().min(1).default(15) })
      .strict()
      .default({ quietPeriods: 15 }),
    correlation: z
      .object({
        lookbackMinutes: z.number().positive().default(720),
        minConfidence: z.number().min(0).max(1).default(0.6),
        ambiguityMargin: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .default({ lookbackMinutes: 720, minConfidence: 0.6, ambiguityMargin: 0.1 }),
    rollback: z
      .object({
        to: z.enum(['previous-step', 'zero', 'off']).default('previous-step'),
        cooldownMinutes: z.number().nonnegative().default(60),
      })
      .strict()
      .default({ to: 'previous-step', cooldownMinutes: 60 }),
    flags: z
      .record(
        z.string().min(1),
        z
          .object({
            rollbackTo: z.enum(['previous-step', 'zero', 'off']).optional(),
            guarded: z.boolean().default(true),
          })
          .strict(),
      )
      .default({}),
    freshness: z
      .object({ staleAfterPeriods: z.number().int().min(1).default(5) })
      .strict()
      .default({ staleAfterPeriods: 5 }),
    launchDarkly: z
      .object({
        projectKey: z.string().min(1).describe('the LaunchDarkly project of the guarded flags'),
        baseUrl: z.string().url().default('https://app.launchdarkly.com'),
        onApprovalRequired: z.enum(['page', 'request-approval']).default('page').describe('405: only page, or also ask for approval'),
        onConflict: z.enum(['page', 'ignore-conflicts']).default('page').describe('400 conflict with a pending change: page, or apply anyway'),
      })
      .strict()
      .optional()
      .describe('in AWS: roll flags back over the REST API; without it, decisions are recorded and alerted, no flag is changed'),
    alerts: z
      .object({
        pagerDuty: z.boolean().default(false).describe('in AWS: page through PagerDuty (a secret holds the routing key)'),
        slack: z.boolean().default(false).describe('in AWS: post to Slack (a secret holds the webhook URL)'),
      })
      .strict()
      .default({ pagerDuty: false, slack: false }),
    gate: z
      .object({ bakeMinutes: z.number().nonnegative().default(30).describe('the gate denies a step up sooner than this after the last step') })
      .strict()
      .default({ bakeMinutes: 30 }),
    heap: z
      .object({ exhaustedPercent: z.number().positive().max(100).default(95) })
      .strict()
      .default({ exhaustedPercent: 95 }),
    cadence: z
      .object({
        idleMinutes: z.number().int().min(1).default(5).describe('in AWS: read the signals this often while no release is watched'),
        watchMinutes: z.number().nonnegative().default(180).describe('read every period from a release (step or deploy) for this long'),
      })
      .strict()
      .default({ idleMinutes: 5, watchMinutes: 180 }),
    shards: z
      .object({
        maxSeries: z.number().int().min(1).default(10_000).describe('in AWS: series one detector run evaluates at most'),
        brokersPerCluster: z.number().int().min(1).default(30).describe('in AWS: the brokers a cluster is counted for when splitting clusters into shards'),
      })
      .strict()
      .default({ maxSeries: 10_000, brokersPerCluster: 30 }),
  })
  .strict();

type ParsedConfig = z.infer<typeof configSchema>;

/** The configuration after defaults: signals are a list, each complete. */
export interface GuardrailConfig extends Omit<ParsedConfig, 'signals'> {
  readonly signals: readonly SignalConfig[];
}

/** Amazon MSK's CloudWatch metrics (namespace AWS/Kafka) and the self-managed JMX equivalent. */
const MSK_SIGNALS: Record<string, z.input<typeof signalSchema>> = {
  ConnectionCreationRate: { kind: 'rate', minFactor: 1.5, responseMinutes: 10 },
  ConnectionCount: { kind: 'count', minFactor: 1.3, responseMinutes: 10 },
  ClientConnectionCount: { kind: 'count', minFactor: 1.3, responseMinutes: 10 },
  ProducerIdCount: { kind: 'count', minFactor: 1.3, responseMinutes: 10 },
  HeapMemoryAfterGC: {
    kind: 'percent',
    minChange: 10,
    responseMinutes: 360,
    forecast: { limitPercent: 90, horizonMinutes: 120, windowPeriods: 30 },
    headroomPercent: 60,
  },
};

/** Parses and validates a YAML configuration; `source` names the file in errors. */
export function parseConfig(text: string, source = 'configuration'): GuardrailConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = lineCounter.linePos(yamlError.pos[0]);
    throw new InputError({ file: source, line: pos.line, column: pos.col }, `not valid YAML: ${firstLine(yamlError.message)}`);
  }
  const warning = doc.warnings[0];
  if (warning) {
    // An unknown tag (`!foo`) is read as a plain string: say so rather than guess what was meant.
    const pos = lineCounter.linePos(warning.pos[0]);
    throw new InputError({ file: source, line: pos.line, column: pos.col }, `not accepted: ${firstLine(warning.message)}`);
  }
  const raw = toPlain(doc, source);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map(String);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const fieldPath = keys.length > 0 ? [...path, keys[0]!] : path;
    const line = lineOf(doc, lineCounter, fieldPath);
    const message = keys.length > 0 ? `unknown key (expected one of: ${knownKeys(fieldPath)})` : issue.message;
    throw new InputError({ file: source, line, field: fieldPath.join('.') || '(top level)' }, message);
  }
  return withSignalDefaults(result.data, source);
}

/** The document as plain data; aliases are bounded (a "billion laughs" file is refused, not expanded). */
function toPlain(doc: Document, source: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 50 }) ?? {};
  } catch (error) {
    throw new InputError({ file: source }, `not accepted: ${error instanceof Error ? firstLine(error.message) : String(error)}`);
  }
}

/** The defaults: what runs when no configuration is given. */
export function defaultConfig(): GuardrailConfig {
  return parseConfig('', 'embedded defaults');
}

function withSignalDefaults(parsed: ParsedConfig, source: string): GuardrailConfig {
  const names = new Set([...Object.keys(MSK_SIGNALS), ...Object.keys(parsed.signals)]);
  const signals: SignalConfig[] = [];
  for (const name of names) {
    const merged = { ...MSK_SIGNALS[name], ...parsed.signals[name] };
    const checked = signalSchema.safeParse(merged);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      const field = ['signals', name, ...issue.path.map(String)].join('.');
      throw new InputError({ file: source, field }, issue.message);
    }
    if (checked.data.forecast && checked.data.kind !== 'percent') {
      throw new InputError({ file: source, field: `signals.${name}.forecast` }, 'a forecast needs `kind: percent` (it is a time to a percentage limit)');
    }
    if (checked.data.enabled) signals.push({ ...checked.data, name });
  }
  return { ...parsed, signals };
}

function lineOf(doc: Document, lineCounter: LineCounter, path: string[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key);
    if (!pair || !isPair(pair)) break;
    offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
    node = pair.value;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function knownKeys(path: string[]): string {
  let schema: z.ZodType = configSchema;
  for (const key of path.slice(0, -1)) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[key] ?? schema;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '?';
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
