/**
 * One signal's settings (`signals.<metric name>` of a configuration) and the signals guarded with
 * no configuration at all: Amazon MSK's.
 */

import * as z from 'zod/mini';
import { atMost, nonnegative, positive, searchText, withDefault } from './config-fields.ts';
import { LIMITS } from './config-limits.ts';
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

export type SignalConfig = z.output<typeof signalSchema> & { readonly name: string };

/** What a signal's settings cannot mean together: the field and why, or undefined. */
export function signalProblem(signal: z.output<typeof signalSchema>): { field: string; message: string } | undefined {
  if (signal.forecast && signal.kind !== 'percent')
    return { field: 'forecast', message: 'a forecast needs `kind: percent` (it is a time to a percentage limit)' };
  if (!signal.traffic) return undefined;
  if (signal.kind === 'percent')
    return { field: 'traffic', message: 'traffic is a rate or a count (bytes or messages in), not a percentage' };
  if (signal.headroomPercent !== undefined)
    return { field: 'traffic', message: 'a traffic signal is never guarded: drop its `headroomPercent`, or its `traffic`' };
  return undefined;
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
