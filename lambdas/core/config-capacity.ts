/**
 * Does a shard's state fit DynamoDB? The store keeps a shard's series in CHECKPOINT_BUCKETS items
 * by a hash of their key (adapters/dynamodb/series-log.ts BUCKETS), each at most
 * CHECKPOINT_ITEM_BYTES (store.ts MAX_ITEM_BYTES). A configuration is refused when the fullest
 * bucket of a shard of `shards.maxSeries` series could exceed it, so that the store's own check
 * never has to refuse a save: state items are sized below DynamoDB's limit by construction.
 */

import type { SignalConfig } from './config-signals.ts';
import { InputError } from './errors.ts';
import { FULL_POINTS } from './history.ts';

export const CHECKPOINT_BUCKETS = 512;
export const CHECKPOINT_ITEM_BYTES = 350 * 1024;

/** What a series' state size depends on: a part of GuardrailConfig (config-schema.ts). */
export interface CapacityConfig {
  readonly metricPeriodSeconds: number;
  readonly detector: { readonly seasonPeriods: number; readonly extraHalfLives: readonly number[] };
  readonly signals: readonly Pick<SignalConfig, 'forecast'>[];
  readonly shards: { readonly maxSeries: number };
}

/**
 * The points of history a series keeps, at most: an upper bound of core/evaluation.ts
 * historyCapacity (the release watch's window, the heap watch's span of 6 h after 120 periods
 * before, the forecast window, and a margin), which test/unit/core/state-size.test.ts checks.
 */
function historyBound(config: Pick<CapacityConfig, 'metricPeriodSeconds' | 'signals'>): number {
  const heapSpan = 120 + Math.ceil((6 * 3600) / config.metricPeriodSeconds);
  return Math.max(FULL_POINTS, heapSpan, ...config.signals.map((s) => s.forecast?.windowPeriods ?? 0)) + 60;
}
/** A checkpointed series, at most: its history as float64s (16 bytes a point), each EWMA baseline as compressed JSON, and the rest (keys of a dynamic label, counters, its anomalous run). Measured: 4.6 KB by default, 64 KB with a daily season and a week of history (test/unit/core/state-size.test.ts). */
const EWMA_BYTES = 32;
const SERIES_BYTES = 1024;

/** A series' bytes in a checkpoint, at most, under this configuration. */
export function checkpointBytesPerSeries(config: Pick<CapacityConfig, 'metricPeriodSeconds' | 'detector' | 'signals'>): number {
  const capacity = historyBound(config);
  const stored = Math.min(capacity, FULL_POINTS + Math.ceil(Math.max(0, capacity - FULL_POINTS) / 5));
  return 16 * stored + 8 + EWMA_BYTES * (config.detector.seasonPeriods + config.detector.extraHalfLives.length + 6) + SERIES_BYTES;
}

/** The fullest of CHECKPOINT_BUCKETS buckets that `series` keys fall in, near enough from above: the mean, four standard deviations and two. */
export function bucketLoad(series: number): number {
  const mean = series / CHECKPOINT_BUCKETS;
  return mean + 4 * Math.sqrt(mean) + 2;
}

/** Throws an InputError naming `shards.maxSeries`, and the largest that fits, when a shard's fullest state item could exceed CHECKPOINT_ITEM_BYTES. */
export function checkShardCapacity(config: CapacityConfig, source: string, lineOf: (path: string[]) => number | undefined): void {
  const perSeries = checkpointBytesPerSeries(config);
  const fullest = bucketLoad(config.shards.maxSeries);
  if (fullest * perSeries <= CHECKPOINT_ITEM_BYTES) return;
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
