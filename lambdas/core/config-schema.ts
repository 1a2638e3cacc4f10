/**
 * The guardrail's configuration as data: its schema, its defaults and their resolution, with no
 * file format attached. The YAML front end (config.ts) and the Lambdas (which receive the
 * configuration as JSON from the construct) both end here, so one schema decides everywhere.
 */

import * as z from 'zod/mini';
import { InputError } from './errors.ts';
import { FULL_POINTS } from './history.ts';
import { MAX_NAME_LENGTH } from './input-bounds.ts';
import { QUIET_PERIODS } from './likelihood.ts';
import './zod-messages.ts';

/**
 * The bounds of every number a configuration holds, and why. A series' state must fit a DynamoDB
 * item (400 KB at most), and a shard's checkpoint items hold many (checkpointBytesPerSeries): its
 * seasonal baseline keeps one EWMA a period of the season, its extra baselines one each, its
 * history what the release watches read. With these bounds the largest series state is about
 * 190 KB (test/unit/core/state-size.test.ts); a weekly season (10080 periods) made one 664 KB, and
 * 1e8 periods ran out of memory.
 */
export const LIMITS = {
  /** a day of one-minute periods */
  seasonPeriods: 1440,
  /** EWMA baselines besides the detector's own */
  extraHalfLives: 4,
  /** half-lives and windows in periods: ten weeks of minutes; beyond, a baseline never moves */
  periods: 100_000,
  /** minutes: a week */
  minutes: 10_080,
  /** seconds: CloudWatch periods are at most an hour apart for a guardrail to be of use */
  seconds: 3600,
  /** a z-score no point reaches: a larger threshold never alerts */
  zThreshold: 100,
  /** a factor over baseline */
  minFactor: 1000,
  /** scored units (a log or a percentage) */
  scoredUnits: 1e6,
  /** signals configured */
  signals: 32,
  /** flags configured */
  flags: 1000,
  /** clusters watched */
  clusters: 200,
  /** dimensions of one series: CloudWatch allows 30 */
  dimensions: 30,
  /** a PromQL query */
  promqlLength: 4096,
  /** a configuration file, in characters: 1000 flags take 40 KB; YAML checks keys for uniqueness pairwise, so 256 KB of keys took 5 s */
  textLength: 64 * 1024,
} as const;

const positive = () => z.number().check(z.positive());
const nonnegative = () => z.number().check(z.nonnegative());
/** A name: not empty, at most MAX_NAME_LENGTH characters. */
const text = () => z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH, `at most ${MAX_NAME_LENGTH} characters`));
/** A name that is written into a CloudWatch SEARCH expression: no quote, backslash, brace or control character can break out of it. */
const searchText = () =>
  text().check(
    z.refine(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      (value) => !/["'\\{}\u0000-\u001f]/.test(value),
      'must not contain quotes, backslashes, braces or control characters (it is written into a CloudWatch SEARCH expression)',
    ),
  );
/** A signal's name: a metric name, written into SEARCH expressions, PromQL defaults and series keys. */
export const signalName = () =>
  z
    .string()
    .check(
      z.regex(
        /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/,
        'expected a metric name: a letter, then letters, digits, _ . : or - (at most 128 characters)',
      ),
    );
const atMost = (limit: number, why: string) => z.maximum(limit, `at most ${limit} (${why})`);
const periods = (min: number) => z.int().check(z.minimum(min), atMost(LIMITS.periods, 'periods: a baseline that slow never moves'));
const minutes = () => z.number().check(z.nonnegative(), atMost(LIMITS.minutes, 'minutes: a week'));
const withDefault = <T extends z.ZodMiniType>(schema: T, value: z.output<T>) => z._default(schema, value as never);

const signalSchema = z.strictObject({
  /** rate and count are scored in log space, percent as is */
  kind: z.enum(['rate', 'count', 'percent']),
  direction: withDefault(z.enum(['up', 'down', 'both']), 'up'),
  zThreshold: withDefault(positive().check(atMost(LIMITS.zThreshold, 'no point reaches a larger z: the signal would never alert')), 4),
  /** rate/count: smallest factor over baseline worth acting on */
  minFactor: withDefault(z.number().check(z.minimum(1), atMost(LIMITS.minFactor, 'a factor over baseline no storm reaches')), 1.5),
  /** percent: smallest change in points worth acting on */
  minChange: withDefault(nonnegative().check(atMost(100, 'percentage points')), 5),
  /** added before the log so that zero stays finite */
  logOffset: withDefault(positive().check(atMost(LIMITS.scoredUnits, 'an offset that large flattens every rate')), 1),
  /** floor of the standard deviation, in scored units */
  minSd: z.optional(positive().check(atMost(LIMITS.scoredUnits, 'scored units'))),
  forecast: z.optional(
    z.strictObject({
      limitPercent: withDefault(positive().check(z.maximum(100)), 90),
      horizonMinutes: withDefault(positive().check(atMost(LIMITS.minutes, 'minutes: a week')), 120),
      windowPeriods: withDefault(
        z
          .int()
          .check(
            z.minimum(5),
            atMost(FULL_POINTS, 'periods: the history keeps its newest points at full resolution, older ones as medians'),
          ),
        30,
      ),
    }),
  ),
  /** the gate denies step-ups above this */
  headroomPercent: z.optional(positive().check(z.maximum(100))),
  /** CloudWatch namespace */
  namespace: withDefault(searchText(), 'AWS/Kafka'),
  /** the dimensions that make one series */
  dimensions: withDefault(
    z
      .array(searchText())
      .check(z.minLength(1), z.maxLength(LIMITS.dimensions, `at most ${LIMITS.dimensions} dimensions (CloudWatch's limit)`)),
    ['Cluster Name', 'Broker ID'],
  ),
  /** CloudWatch statistic */
  statistic: withDefault(searchText(), 'Average'),
  /** Prometheus: the query that gives one series per broker (default: JMX exporter names) */
  promql: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.promqlLength, `at most ${LIMITS.promqlLength} characters`))),
  enabled: withDefault(z.boolean(), true),
  /** a measure of traffic (bytes or messages in): never watched for rollbacks; the release watches judge the fast signals per unit of it */
  traffic: withDefault(z.boolean(), false),
});

export type SignalConfig = z.output<typeof signalSchema> & { readonly name: string };

const rollbackTarget = () => z.enum(['previous-step', 'zero', 'off']);

export const configSchema = z.strictObject({
  mode: withDefault(z.enum(['observe', 'enforce']), 'enforce'),
  environment: withDefault(text(), 'production'),
  /** in AWS: the `Cluster Name` values to watch */
  clusters: withDefault(
    z
      .array(searchText())
      .check(
        z.maxLength(
          LIMITS.clusters,
          `at most ${LIMITS.clusters} clusters (one detector run reads them all each period: deploy another guardrail for more)`,
        ),
      ),
    [],
  ),
  metricPeriodSeconds: withDefault(z.int().check(z.positive(), atMost(LIMITS.seconds, 'seconds: an hour')), 60),
  /** in AWS: evaluate periods at least this old (CloudWatch publishes late) */
  publishDelaySeconds: withDefault(z.int().check(z.nonnegative(), atMost(LIMITS.seconds, 'seconds: an hour')), 120),
  detector: withDefault(
    z.strictObject({
      halfLifePeriods: withDefault(positive().check(atMost(LIMITS.periods, 'periods: a baseline that slow never moves')), 30),
      warmupPeriods: withDefault(periods(2), 30),
      confirmPeriods: withDefault(
        z.int().check(z.minimum(1), atMost(60, 'periods: an anomaly confirmed an hour late is a storm already')),
        2,
      ),
      corroboratingSeries: withDefault(z.int().check(z.minimum(1), atMost(10_000, 'series')), 3),
      /** other level baselines that may explain a point (anomaly score) */
      extraHalfLives: withDefault(
        z
          .array(positive().check(atMost(LIMITS.periods, 'periods: a baseline that slow never moves')))
          .check(z.maxLength(LIMITS.extraHalfLives, `at most ${LIMITS.extraHalfLives} (each is kept in every series' state)`)),
        [],
      ),
      /** a seasonal baseline of this many periods; 0: none (anomaly score) */
      seasonPeriods: withDefault(
        z
          .int()
          .check(
            z.nonnegative(),
            atMost(
              LIMITS.seasonPeriods,
              "periods, a day of minutes: every period of the season is kept in each series' state, one DynamoDB item of at most 400 KB",
            ),
          ),
        0,
      ),
      /** half-life of the deviation's long-run distribution (anomaly score) */
      likelihoodHalfLife: withDefault(positive().check(atMost(LIMITS.periods, 'periods: a baseline that slow never moves')), 1000),
      /** after a high anomaly score, only lower ones for this many periods */
      quietPeriods: withDefault(z.int().check(z.nonnegative(), atMost(LIMITS.minutes, 'periods: a week of minutes')), QUIET_PERIODS),
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
  signals: withDefault(
    z
      .record(signalName(), z.partial(signalSchema))
      .check(z.refine((signals) => Object.keys(signals).length <= LIMITS.signals, `at most ${LIMITS.signals} signals`)),
    {},
  ),
  episodes: withDefault(
    z.strictObject({ quietPeriods: withDefault(z.int().check(z.minimum(1), atMost(1440, 'periods: a day of minutes')), 15) }),
    { quietPeriods: 15 },
  ),
  releaseWatch: withDefault(
    /** a heap trend that starts at a step (with no fast-signal response) rolls it back when the limit is forecast within this */
    z.strictObject({ heapHorizonMinutes: withDefault(positive().check(atMost(LIMITS.minutes, 'minutes: a week')), 360) }),
    { heapHorizonMinutes: 360 },
  ),
  rollback: withDefault(
    z.strictObject({
      to: withDefault(rollbackTarget(), 'previous-step'),
      cooldownMinutes: withDefault(minutes(), 60),
    }),
    { to: 'previous-step', cooldownMinutes: 60 },
  ),
  flags: withDefault(
    z
      .record(
        text(),
        z.strictObject({
          rollbackTo: z.optional(rollbackTarget()),
          guarded: withDefault(z.boolean(), true),
        }),
      )
      .check(z.refine((flags) => Object.keys(flags).length <= LIMITS.flags, `at most ${LIMITS.flags} flags`)),
    {},
  ),
  freshness: withDefault(
    z.strictObject({ staleAfterPeriods: withDefault(z.int().check(z.minimum(1), atMost(1440, 'periods: a day of minutes')), 5) }),
    { staleAfterPeriods: 5 },
  ),
  /** in AWS: roll flags back over the REST API; without it, decisions are recorded and alerted, no flag is changed */
  launchDarkly: z.optional(
    z.strictObject({
      /** the LaunchDarkly project of the guarded flags */
      projectKey: text(),
      baseUrl: withDefault(z.url().check(z.maxLength(2048, 'at most 2048 characters')), 'https://app.launchdarkly.com'),
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
    z.strictObject({ bakeMinutes: withDefault(minutes(), 30) }),
    { bakeMinutes: 30 },
  ),
  heap: withDefault(z.strictObject({ exhaustedPercent: withDefault(positive().check(z.maximum(100)), 95) }), { exhaustedPercent: 95 }),
  /** In AWS: read the signals every period while a release (step or deploy) is watched, every `idleMinutes` otherwise. */
  cadence: withDefault(
    z.strictObject({
      idleMinutes: withDefault(z.int().check(z.minimum(1), atMost(60, 'minutes: an idle guardrail still reads every hour')), 5),
      watchMinutes: withDefault(nonnegative().check(atMost(LIMITS.minutes, 'minutes: a week')), 180),
    }),
    { idleMinutes: 5, watchMinutes: 180 },
  ),
  /** In AWS: how clusters are split into shards, each its own detector schedule and state partition. */
  shards: withDefault(
    z.strictObject({
      maxSeries: withDefault(
        z.int().check(z.minimum(1), atMost(100_000, 'series: one detector run reads and scores a shard within its period')),
        10_000,
      ),
      brokersPerCluster: withDefault(z.int().check(z.minimum(1), atMost(1_000, 'brokers')), 30),
    }),
    { maxSeries: 10_000, brokersPerCluster: 30 },
  ),
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
export function resolveConfig(
  raw: unknown,
  source = 'configuration',
  lineOf: (path: string[]) => number | undefined = () => undefined,
): GuardrailConfig {
  const reserved = reservedKeyPath(raw);
  if (reserved)
    throw new InputError({ file: source, line: lineOf(reserved), field: reserved.join('.') }, 'a key named __proto__ is not accepted');
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map(String);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const fieldPath = keys.length > 0 ? [...path, keys[0]!] : path;
    // A record's key that fails its check: zod says "Invalid key in record", the key's own check says why.
    const keyIssue = issue.code === 'invalid_key' ? issue.issues[0] : undefined;
    const message = keys.length > 0 ? `unknown key (expected one of: ${knownKeys(fieldPath)})` : (keyIssue?.message ?? issue.message);
    throw new InputError({ file: source, line: lineOf(fieldPath), field: fieldPath.join('.') || '(top level)' }, message);
  }
  return withSignalDefaults(result.data, source, lineOf);
}

/**
 * The DynamoDB store keeps a shard's series in CHECKPOINT_BUCKETS items by a hash of their key
 * (adapters/dynamodb/series-log.ts BUCKETS), each at most CHECKPOINT_ITEM_BYTES (store.ts
 * MAX_ITEM_BYTES). The configuration is refused when the fullest bucket of a shard of
 * `shards.maxSeries` series could exceed it, so that the store's own check never has to refuse a
 * save: state items are sized below DynamoDB's limit by construction.
 */
export const CHECKPOINT_BUCKETS = 512;
export const CHECKPOINT_ITEM_BYTES = 350 * 1024;
/**
 * The points of history a series keeps, at most: an upper bound of core/evaluation.ts
 * historyCapacity (the release watch's window, the heap watch's span of 6 h after 120 periods
 * before, the forecast window, and a margin), which test/unit/core/state-size.test.ts checks.
 */
function historyBound(config: Pick<GuardrailConfig, 'metricPeriodSeconds' | 'signals'>): number {
  const heapSpan = 120 + Math.ceil((6 * 3600) / config.metricPeriodSeconds);
  return Math.max(FULL_POINTS, heapSpan, ...config.signals.map((s) => s.forecast?.windowPeriods ?? 0)) + 60;
}
/** A checkpointed series, at most: its history as float64s (16 bytes a point), each EWMA baseline as compressed JSON, and the rest (keys of a dynamic label, counters, its anomalous run). Measured: 4.6 KB by default, 64 KB with a daily season and a week of history (test/unit/core/state-size.test.ts). */
const EWMA_BYTES = 32;
const SERIES_BYTES = 1024;

/** A series' bytes in a checkpoint, at most, under this configuration. */
export function checkpointBytesPerSeries(config: Pick<GuardrailConfig, 'metricPeriodSeconds' | 'detector' | 'signals'>): number {
  const capacity = historyBound(config);
  const stored = Math.min(capacity, FULL_POINTS + Math.ceil(Math.max(0, capacity - FULL_POINTS) / 5));
  return 16 * stored + 8 + EWMA_BYTES * (config.detector.seasonPeriods + config.detector.extraHalfLives.length + 6) + SERIES_BYTES;
}

/** The fullest of CHECKPOINT_BUCKETS buckets that `series` keys fall in, near enough from above: the mean, four standard deviations and two. */
export function bucketLoad(series: number): number {
  const mean = series / CHECKPOINT_BUCKETS;
  return mean + 4 * Math.sqrt(mean) + 2;
}

/**
 * The path of a `__proto__` key anywhere in the configuration, which zod would drop silently (an
 * unknown key must be an error). Iterative: a deeply nested document cannot overflow the stack.
 */
function reservedKeyPath(raw: unknown): string[] | undefined {
  interface Node {
    readonly value: unknown;
    readonly key?: string;
    readonly parent?: Node;
  }
  const stack: Node[] = [{ value: raw }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node.value !== 'object' || node.value === null) continue;
    for (const key of Object.keys(node.value)) {
      const child: Node = { value: (node.value as Record<string, unknown>)[key], key, parent: node };
      if (key !== '__proto__') {
        stack.push(child);
        continue;
      }
      const path: string[] = [];
      for (let at: Node | undefined = child; at?.key !== undefined; at = at.parent) path.unshift(at.key);
      return path;
    }
  }
  return undefined;
}

/** The defaults: what runs when no configuration is given. */
export function defaultConfig(): GuardrailConfig {
  return resolveConfig({}, 'embedded defaults');
}

function withSignalDefaults(parsed: ParsedConfig, source: string, lineOf: (path: string[]) => number | undefined): GuardrailConfig {
  const names = new Set([...Object.keys(MSK_SIGNALS), ...Object.keys(parsed.signals)]);
  const signals: SignalConfig[] = [];
  for (const name of names) {
    const merged = {
      ...(Object.hasOwn(MSK_SIGNALS, name) ? MSK_SIGNALS[name] : {}),
      ...(Object.hasOwn(parsed.signals, name) ? parsed.signals[name] : {}),
    };
    const checked = signalSchema.safeParse(merged);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      const field = ['signals', name, ...issue.path.map(String)].join('.');
      throw new InputError({ file: source, field }, issue.message);
    }
    if (checked.data.forecast && checked.data.kind !== 'percent') {
      throw new InputError(
        { file: source, field: `signals.${name}.forecast` },
        'a forecast needs `kind: percent` (it is a time to a percentage limit)',
      );
    }
    if (checked.data.enabled) signals.push({ ...checked.data, name });
  }
  const config = { ...parsed, signals };
  const perSeries = checkpointBytesPerSeries(config);
  const fullest = bucketLoad(config.shards.maxSeries);
  if (fullest * perSeries > CHECKPOINT_ITEM_BYTES) {
    // The largest shard that fits: bucketLoad grows with the series, so a bisection finds it.
    let [fits, over] = [0, config.shards.maxSeries];
    while (over - fits > 1) {
      const middle = Math.floor((fits + over) / 2);
      if (bucketLoad(middle) * perSeries <= CHECKPOINT_ITEM_BYTES) fits = middle;
      else over = middle;
    }
    throw new InputError(
      { file: source, line: lineOf(['shards', 'maxSeries']), field: 'shards.maxSeries' },
      `is ${config.shards.maxSeries}: with a season of ${config.detector.seasonPeriods} periods and ${historyBound(config)} periods of history, a series takes up to ${Math.ceil(perSeries / 1024)} KB of state, ` +
        `and the fullest of a shard's ${CHECKPOINT_BUCKETS} state items would hold about ${Math.ceil(fullest)} of them, more than a DynamoDB item holds: ${fits > 0 ? `set shards.maxSeries to ${fits} or less, or` : 'use'} a shorter season`,
    );
  }
  return config;
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
