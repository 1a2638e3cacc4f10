/**
 * The guardrail's configuration as data: its schema, its defaults and their resolution, with no
 * file format attached. The YAML front end (config.ts) and the Lambdas (which receive the
 * configuration as JSON from the construct) both end here, so one schema decides everywhere.
 * Its parts: the bounds (config-limits.ts), the field types (config-fields.ts), one signal's
 * settings and MSK's defaults (config-signals.ts), whether a shard's state fits (config-capacity.ts).
 */

import * as z from 'zod/mini';
import { checkShardCapacity } from './config-capacity.ts';
import {
  atMost,
  minutes,
  nonnegative,
  periods,
  positive,
  rollbackTarget,
  searchText,
  signalName,
  text,
  withDefault,
} from './config-fields.ts';
import { LIMITS } from './config-limits.ts';
import { MSK_SIGNALS, resolveSignal, type SignalConfig, signalSchema } from './config-signals.ts';
import { InputError } from './errors.ts';
import { QUIET_PERIODS } from './likelihood.ts';
import { reservedKeyPath } from './reserved-keys.ts';

export { bucketLoad, CHECKPOINT_BUCKETS, CHECKPOINT_ITEM_BYTES, checkpointBytesPerSeries } from './config-capacity.ts';
export { signalName } from './config-fields.ts';
export { LIMITS } from './config-limits.ts';
export type { SignalConfig } from './config-signals.ts';

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
          /** the variation exposure is measured against (a multivariate flag's control), by index; default its off variation */
          controlVariation: z.optional(z.int().check(z.nonnegative())),
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
    const issue = causeOf(result.error.issues);
    const path = issue.path.map(String);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const fieldPath = keys.length > 0 ? [...path, keys[0]!] : path;
    // A record's key that fails its check: zod says "Invalid key in record", the key's own check says why.
    const keyIssue = issue.code === 'invalid_key' ? issue.issues[0] : undefined;
    const message = keys.length > 0 ? `unknown key (expected one of: ${knownKeys(fieldPath)})` : (keyIssue?.message ?? issue.message);
    throw new InputError({ file: source, line: lineOf(fieldPath), field: fieldPath.join('.') || '(top level)' }, message);
  }
  return withSignalDefaults(result.data, writtenSignals(raw), source, lineOf);
}

/**
 * The issue to report: the first, unless its object also has an unknown key, reported instead
 * (a misspelt key leaves the field it meant missing: the unknown key is the cause, and the known
 * keys listed with it show which was meant).
 */
function causeOf(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const first = issues[0]!;
  const object = first.path.slice(0, -1);
  const unknown = issues.find(
    (i) => i.code === 'unrecognized_keys' && i.path.length === object.length && i.path.every((key, n) => key === object[n]),
  );
  return first.code === 'unrecognized_keys' ? first : (unknown ?? first);
}

/** The fields each signal's entry sets as written: those, and only those, replace the defaults' (the parse fills in the rest). */
function writtenSignals(raw: unknown): Record<string, readonly string[]> {
  const signals = (raw as { signals?: unknown } | null | undefined)?.signals;
  if (typeof signals !== 'object' || signals === null) return {};
  return Object.fromEntries(
    Object.entries(signals).map(([name, entry]) => [
      name,
      typeof entry === 'object' && entry !== null
        ? Object.keys(entry).filter((key) => (entry as Record<string, unknown>)[key] !== undefined)
        : [],
    ]),
  );
}

/** The defaults: what runs when no configuration is given. */
export function defaultConfig(): GuardrailConfig {
  return resolveConfig({}, 'embedded defaults');
}

function withSignalDefaults(
  parsed: ParsedConfig,
  written: Record<string, readonly string[]>,
  source: string,
  lineOf: (path: string[]) => number | undefined,
): GuardrailConfig {
  const names = new Set([...Object.keys(MSK_SIGNALS), ...Object.keys(parsed.signals)]);
  const signals: SignalConfig[] = [];
  for (const name of names) {
    const own: Record<string, unknown> = Object.hasOwn(parsed.signals, name) ? parsed.signals[name]! : {};
    const keys = Object.hasOwn(written, name) ? written[name]! : Object.keys(own);
    const signal = resolveSignal(name, Object.fromEntries(keys.map((key) => [key, own[key]])), source, lineOf);
    if (signal.enabled) signals.push({ ...signal, name });
  }
  const config = { ...parsed, signals };
  checkShardCapacity(config, source, lineOf);
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
