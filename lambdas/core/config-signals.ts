/**
 * One signal's settings (`signals.<metric name>` of a configuration), the signals guarded with
 * no configuration at all (Amazon MSK's), and a signal's entry merged with them.
 */

import * as z from 'zod/mini';
import { atMost, nonnegative, positive, searchText, withDefault } from './config-fields.ts';
import { LIMITS } from './config-limits.ts';
import { InputError } from './errors.ts';
import { FULL_POINTS } from './history.ts';

export const signalSchema = z.strictObject({
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
  /** a traffic measure that a release can lower without lowering traffic (bytes in: compression, batching); a fall of it is taken out only in part */
  fallsWithCompression: withDefault(z.boolean(), false),
});

type Signal = z.output<typeof signalSchema>;

export type SignalConfig = Signal & { readonly name: string };

/**
 * What a signal's settings cannot mean together: `field` cannot be set with `cause`'s value. The
 * field at fault is the one the user wrote; where `field` is a default's, `cause` is, and the
 * message says what the default is (`byDefault`) and how to undo it (`undo`).
 */
const RULES: ReadonlyArray<{
  field: keyof Signal;
  cause: keyof Signal;
  broken: (signal: Signal) => boolean;
  message: string;
  byDefault: string;
  undo?: string;
}> = [
  {
    field: 'forecast',
    cause: 'kind',
    broken: (s) => s.forecast !== undefined && s.kind !== 'percent',
    message: 'a forecast needs `kind: percent` (it is a time to a percentage limit)',
    byDefault: 'has a forecast by default',
    undo: 'a default forecast cannot be turned off: keep `kind: percent`',
  },
  {
    field: 'traffic',
    cause: 'kind',
    broken: (s) => s.traffic && s.kind === 'percent',
    message: 'traffic is a rate or a count (bytes or messages in), not a percentage',
    byDefault: 'is a traffic signal by default',
    undo: '`traffic: false` makes it an ordinary signal',
  },
  {
    field: 'traffic',
    cause: 'headroomPercent',
    broken: (s) => s.traffic && s.headroomPercent !== undefined,
    message: 'a traffic signal is never guarded: drop its `headroomPercent`, or set `traffic: false`',
    byDefault: 'is a traffic signal by default',
  },
];

/**
 * The signal `name`: MSK's defaults for it, if any, with the fields its entry writes, checked
 * (`source` and `lineOf` place errors). Only a new signal can lack a kind: it is said to need one.
 */
export function resolveSignal(
  name: string,
  written: Partial<Signal>,
  source: string,
  lineOf: (path: string[]) => number | undefined,
): Signal {
  const at = (...fields: string[]) => {
    const path = ['signals', name, ...fields];
    return { file: source, line: lineOf(path), field: path.join('.') };
  };
  const merged = { ...(Object.hasOwn(MSK_SIGNALS, name) ? MSK_SIGNALS[name] : {}), ...written };
  if (merged.kind === undefined) {
    const kinds = signalSchema.shape.kind.options;
    throw new InputError(
      at('kind'),
      `missing: a signal that is not one of the defaults needs a kind (${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)})`,
    );
  }
  const checked = signalSchema.safeParse(merged);
  if (!checked.success) {
    // configSchema checked the entry's fields one by one: this checks them with the defaults'.
    const issue = checked.error.issues[0]!;
    throw new InputError(at(...issue.path.map(String)), issue.message);
  }
  const problem = signalProblem(name, checked.data, Object.keys(written));
  if (problem) throw new InputError(at(problem.field), problem.message);
  return checked.data;
}

/**
 * What the signal `name`'s settings cannot mean together, blaming a field in `written` (those its
 * entry sets) where one is to blame, or undefined.
 */
function signalProblem(name: string, signal: Signal, written: readonly string[]): { field: string; message: string } | undefined {
  const rule = RULES.find((r) => r.broken(signal));
  if (!rule) return undefined;
  if (written.includes(rule.field) || !written.includes(rule.cause)) return { field: rule.field, message: rule.message };
  return { field: rule.cause, message: [`${name} ${rule.byDefault}, and ${rule.message}`, rule.undo].filter(Boolean).join('; ') };
}

/** Amazon MSK's CloudWatch metrics (namespace AWS/Kafka) and the self-managed JMX equivalent. */
export const MSK_SIGNALS: Record<string, z.input<typeof signalSchema>> = {
  ConnectionCreationRate: { kind: 'rate', minFactor: 1.5 },
  ConnectionCount: { kind: 'count', minFactor: 1.3 },
  ClientConnectionCount: { kind: 'count', minFactor: 1.3 },
  ProducerIdCount: { kind: 'count', minFactor: 1.3 },
  // Traffic, read where the cluster exports it: a storm adds connections, not records or bytes, so
  // the release watches judge the fast signals per unit of the first of these a cluster exports
  // (traffic-reference.ts): records first, which compression and batching do not move.
  MessagesInPerSec: { kind: 'rate', traffic: true },
  BytesInPerSec: { kind: 'rate', traffic: true, fallsWithCompression: true },
  HeapMemoryAfterGC: {
    kind: 'percent',
    minChange: 10,
    forecast: { limitPercent: 90, horizonMinutes: 120, windowPeriods: 30 },
    headroomPercent: 60,
  },
};
