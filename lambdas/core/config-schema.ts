/**
 * The guardrail's configuration as data: its schema, its defaults and their resolution, with no
 * file format attached. The YAML front end (config.ts) and the Lambdas (which receive the
 * configuration as JSON from the construct) both end here, so one schema decides everywhere.
 */
import { InputError } from './errors.ts';
import { QUIET_PERIODS } from './likelihood.ts';
import * as z from 'zod/mini';
import './zod-messages.ts';

const positive = () => z.number().check(z.positive());
const nonnegative = () => z.number().check(z.nonnegative());
const text = () => z.string().check(z.minLength(1));
const withDefault = <T extends z.ZodMiniType>(schema: T, value: z.output<T>) => z._default(schema, value as never);

const signalSchema = z.strictObject({
  /** rate and count are scored in log space, percent as is */
  kind: z.enum(['rate', 'count', 'percent']),
  direction: withDefault(z.enum(['up', 'down', 'both']), 'up'),
  zThreshold: withDefault(positive(), 4),
  /** rate/count: smallest factor over baseline worth acting on */
  minFactor: withDefault(z.number().check(z.minimum(1)), 1.5),
  /** percent: smallest change in points worth acting on */
  minChange: withDefault(nonnegative(), 5),
  /** added before the log so that zero stays finite */
  logOffset: withDefault(positive(), 1),
  /** floor of the standard deviation, in scored units */
  minSd: z.optional(positive()),
  forecast: z.optional(
    z.strictObject({
      limitPercent: withDefault(positive().check(z.maximum(100)), 90),
      horizonMinutes: withDefault(positive(), 120),
      windowPeriods: withDefault(z.int().check(z.minimum(5)), 30),
    }),
  ),
  /** the gate denies step-ups above this */
  headroomPercent: z.optional(positive().check(z.maximum(100))),
  /** CloudWatch namespace */
  namespace: withDefault(text(), 'AWS/Kafka'),
  /** the dimensions that make one series */
  dimensions: withDefault(z.array(text()).check(z.minLength(1)), ['Cluster Name', 'Broker ID']),
  /** CloudWatch statistic */
  statistic: withDefault(text(), 'Average'),
  /** Prometheus: the query that gives one series per broker (default: JMX exporter names) */
  promql: z.optional(text()),
  enabled: withDefault(z.boolean(), true),
});

export type SignalConfig = z.output<typeof signalSchema> & { readonly name: string };

const rollbackTarget = () => z.enum(['previous-step', 'zero', 'off']);

export const configSchema = z.strictObject({
  mode: withDefault(z.enum(['observe', 'enforce']), 'enforce'),
  environment: withDefault(text(), 'production'),
  /** in AWS: the `Cluster Name` values to watch */
  clusters: withDefault(z.array(text()), []),
  metricPeriodSeconds: withDefault(z.int().check(z.positive()), 60),
  /** in AWS: evaluate periods at least this old (CloudWatch publishes late) */
  publishDelaySeconds: withDefault(z.int().check(z.nonnegative()), 120),
  detector: withDefault(
    z.strictObject({
      halfLifePeriods: withDefault(positive(), 30),
      warmupPeriods: withDefault(z.int().check(z.minimum(2)), 30),
      confirmPeriods: withDefault(z.int().check(z.minimum(1)), 2),
      corroboratingSeries: withDefault(z.int().check(z.minimum(1)), 3),
      /** other level baselines that may explain a point (anomaly score) */
      extraHalfLives: withDefault(z.array(positive()), []),
      /** a seasonal baseline of this many periods; 0: none (anomaly score) */
      seasonPeriods: withDefault(z.int().check(z.nonnegative()), 0),
      /** half-life of the deviation's long-run distribution (anomaly score) */
      likelihoodHalfLife: withDefault(positive(), 1000),
      /** after a high anomaly score, only lower ones for this many periods */
      quietPeriods: withDefault(z.int().check(z.nonnegative()), QUIET_PERIODS),
    }),
    {
      halfLifePeriods: 30,
      warmupPeriods: 30,
      confirmPeriods: 2,
      corroboratingSeries: 3,
      extraHalfLives: [],
      seasonPeriods: 0,
      likelihoodHalfLife: 1000,
      quietPeriods: QUIET_PERIODS,
    },
  ),
  signals: withDefault(z.record(text(), z.partial(signalSchema)), {}),
  episodes: withDefault(z.strictObject({ quietPeriods: withDefault(z.int().check(z.minimum(1)), 15) }), { quietPeriods: 15 }),
  releaseWatch: withDefault(
    /** a heap trend that starts at a step (with no fast-signal response) rolls it back when the limit is forecast within this */
    z.strictObject({ heapHorizonMinutes: withDefault(positive(), 360) }),
    { heapHorizonMinutes: 360 },
  ),
  rollback: withDefault(
    z.strictObject({
      to: withDefault(rollbackTarget(), 'previous-step'),
      cooldownMinutes: withDefault(nonnegative(), 60),
    }),
    { to: 'previous-step', cooldownMinutes: 60 },
  ),
  flags: withDefault(
    z.record(
      text(),
      z.strictObject({
        rollbackTo: z.optional(rollbackTarget()),
        guarded: withDefault(z.boolean(), true),
      }),
    ),
    {},
  ),
  freshness: withDefault(z.strictObject({ staleAfterPeriods: withDefault(z.int().check(z.minimum(1)), 5) }), { staleAfterPeriods: 5 }),
  /** in AWS: roll flags back over the REST API; without it, decisions are recorded and alerted, no flag is changed */
  launchDarkly: z.optional(
    z.strictObject({
      /** the LaunchDarkly project of the guarded flags */
      projectKey: text(),
      baseUrl: withDefault(z.url(), 'https://app.launchdarkly.com'),
      /** 405: only page, or also ask for approval */
      onApprovalRequired: withDefault(z.enum(['page', 'request-approval']), 'page'),
      /** 400 conflict with a pending change: page, or apply anyway */
      onConflict: withDefault(z.enum(['page', 'ignore-conflicts']), 'page'),
    }),
  ),
  alerts: withDefault(
    z.strictObject({
      /** in AWS: page through PagerDuty (a secret holds the routing key) */
      pagerDuty: withDefault(z.boolean(), false),
      /** in AWS: post to Slack (a secret holds the webhook URL) */
      slack: withDefault(z.boolean(), false),
    }),
    { pagerDuty: false, slack: false },
  ),
  gate: withDefault(
    /** the gate denies a step up sooner than this after the last step */
    z.strictObject({ bakeMinutes: withDefault(nonnegative(), 30) }),
    { bakeMinutes: 30 },
  ),
  heap: withDefault(z.strictObject({ exhaustedPercent: withDefault(positive().check(z.maximum(100)), 95) }), { exhaustedPercent: 95 }),
});

/**
 * The configuration as written (a YAML file's content, or the construct's `config` prop): every
 * field optional, unknown keys refused.
 */
export type StormguardConfig = z.input<typeof configSchema>;

type ParsedConfig = z.output<typeof configSchema>;

/** The configuration after defaults: signals are a list, each complete. */
export interface GuardrailConfig extends Omit<ParsedConfig, 'signals'> {
  readonly signals: readonly SignalConfig[];
}

/** Amazon MSK's CloudWatch metrics (namespace AWS/Kafka) and the self-managed JMX equivalent. */
const MSK_SIGNALS: Record<string, z.input<typeof signalSchema>> = {
  ConnectionCreationRate: { kind: 'rate', minFactor: 1.5 },
  ConnectionCount: { kind: 'count', minFactor: 1.3 },
  ClientConnectionCount: { kind: 'count', minFactor: 1.3 },
  ProducerIdCount: { kind: 'count', minFactor: 1.3 },
  HeapMemoryAfterGC: {
    kind: 'percent',
    minChange: 10,
    forecast: { limitPercent: 90, horizonMinutes: 120, windowPeriods: 30 },
    headroomPercent: 60,
  },
};

/**
 * Validates a configuration as written and applies the defaults. `source` names it in errors;
 * `lineOf`, where the configuration came from a file, finds the line of a field's path.
 */
export function resolveConfig(raw: unknown, source = 'configuration', lineOf: (path: string[]) => number | undefined = () => undefined): GuardrailConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map(String);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const fieldPath = keys.length > 0 ? [...path, keys[0]!] : path;
    const message = keys.length > 0 ? `unknown key (expected one of: ${knownKeys(fieldPath)})` : issue.message;
    throw new InputError({ file: source, line: lineOf(fieldPath), field: fieldPath.join('.') || '(top level)' }, message);
  }
  return withSignalDefaults(result.data, source);
}

/** The defaults: what runs when no configuration is given. */
export function defaultConfig(): GuardrailConfig {
  return resolveConfig({}, 'embedded defaults');
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

function knownKeys(path: string[]): string {
  let schema: z.ZodMiniType = configSchema;
  for (const key of path.slice(0, -1)) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodMiniObject) schema = (schema.shape as Record<string, z.ZodMiniType>)[key] ?? schema;
    else if (schema instanceof z.ZodMiniRecord) schema = schema.def.valueType as z.ZodMiniType;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodMiniObject ? Object.keys(schema.shape).join(', ') : '?';
}

function unwrap(schema: z.ZodMiniType): z.ZodMiniType {
  let current = schema;
  while (current instanceof z.ZodMiniDefault || current instanceof z.ZodMiniOptional) {
    current = current.def.innerType as z.ZodMiniType;
  }
  return current;
}
