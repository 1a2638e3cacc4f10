/**
 * DynamoDB refuses items over 400 KB, and the store refuses to write one over MAX_ITEM_BYTES
 * (350 KB) rather than half-save. The bounds must keep every item below that by construction:
 * - a series' state alone (a journal snapshot holds series whole) is at most about 190 KB under
 *   the bounds of the configuration (config-limits.ts LIMITS) and of the readers (input-bounds.ts);
 * - a checkpoint item holds the series of one of a shard's 512 buckets: the configuration refuses
 *   a `shards.maxSeries` whose fullest bucket, at the configuration's own size of a series, could
 *   exceed it. This checks that estimate against the encoding itself, and the fullest bucket
 *   against real keys hashed.
 * The largest states are built through the detector itself, and weighed.
 */
import { describe, expect, it } from 'vitest';
import { MAX_ITEM_BYTES } from '../../../lambdas/adapters/dynamodb/item-size.ts';
import { BUCKETS, bucketOf, encodeCheckpoint } from '../../../lambdas/adapters/dynamodb/series-log.ts';
import {
  bucketLoad,
  CHECKPOINT_BUCKETS,
  CHECKPOINT_ITEM_BYTES,
  checkpointBytesPerSeries,
  type GuardrailConfig,
  LIMITS,
  resolveConfig,
} from '../../../lambdas/core/config-schema.ts';
import { detectorSettings } from '../../../lambdas/core/detector-settings.ts';
import { historyCapacity } from '../../../lambdas/core/evaluation.ts';
import { MAX_LABEL_LENGTH } from '../../../lambdas/core/input-bounds.ts';
import { findAnomalies, type SeriesState, type Signal } from '../../../lambdas/core/series.ts';

const WORST = {
  metricPeriodSeconds: 60,
  detector: {
    seasonPeriods: LIMITS.seasonPeriods,
    extraHalfLives: Array.from({ length: LIMITS.extraHalfLives }, (_, i) => 10 ** i),
    warmupPeriods: 2,
  },
  shards: { maxSeries: 50 },
};

/** A series' state after enough points to fill its season and history, the last ones a storm (so its anomalous run is kept too). */
function fullSeriesState(config: GuardrailConfig, kind: 'rate' | 'percent', key: string, dimensions: Record<string, string>): SeriesState {
  const signal = config.signals.find((s) => s.name === 'Worst')!;
  const periodMs = config.metricPeriodSeconds * 1000;
  const signals = new Map<string, Signal>([['Worst', { config: signal, settings: detectorSettings(signal, config.detector, periodMs) }]]);
  // What evaluation.ts keeps: the history capacity of this configuration.
  const capacity = historyCapacity(config);
  const start = Date.parse('2099-01-01T00:00:00Z');
  const count = capacity + 2 * Math.max(config.detector.seasonPeriods, 100);
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  // Values of full precision (17 significant digits).
  const points = Array.from({ length: count }, (_, i) => ({
    time: start + i * periodMs,
    value:
      i > count - 5
        ? kind === 'percent'
          ? 99.99999999999999
          : 9.99999999999e11
        : kind === 'percent'
          ? 10 + random() * 20
          : 1000 + random() * 1000,
  }));
  const states: Record<string, SeriesState> = {};
  findAnomalies(states, [{ key, signal: 'Worst', cluster: dimensions['Cluster Name'] ?? 'default', dimensions, points }], {
    now: start + (count + 1) * periodMs,
    periodMs,
    signals,
    historyCapacity: capacity,
  });
  return states[key]!;
}

const configOf = (raw: object, kind: 'rate' | 'percent') =>
  resolveConfig({
    ...raw,
    signals: { Worst: { kind, ...(kind === 'percent' ? { forecast: { windowPeriods: 120, horizonMinutes: LIMITS.minutes } } : {}) } },
  });

describe('the largest series state the bounds allow', () => {
  it.each(['rate', 'percent'] as const)('fits one DynamoDB item whole, with the longest label the reader takes (%s)', (kind) => {
    // The longest label a reader accepts, in characters of three UTF-8 bytes each, and a cluster name as long as allowed.
    const dimensions = { 'Cluster Name': '€'.repeat(256), 'Broker ID': '€'.repeat(MAX_LABEL_LENGTH - 300) };
    const key = `Worst Cluster Name=${dimensions['Cluster Name']}, Broker ID=${dimensions['Broker ID']}`;
    const state = fullSeriesState(configOf(WORST, kind), kind, key, dimensions);
    expect(state.detector.scoring?.season).toHaveLength(LIMITS.seasonPeriods);
    expect(state.runFirst).not.toBeNull();
    const bytes = Buffer.byteLength(JSON.stringify(state)) + Buffer.byteLength(`series#${state.key}`) + 16;
    // About 190 KB: under the store's limit, which is under DynamoDB's 400 KB.
    expect(bytes).toBeLessThan(MAX_ITEM_BYTES);
    expect(MAX_ITEM_BYTES).toBeLessThan(400 * 1024);
  });
});

describe('checkpoint items: a shard of shards.maxSeries series in 512 buckets', () => {
  it('uses the store’s own bucket count and item limit', () => {
    expect([CHECKPOINT_BUCKETS, CHECKPOINT_ITEM_BYTES]).toEqual([BUCKETS, MAX_ITEM_BYTES]);
  });

  it.each([
    ['the defaults', {}],
    ['a daily season', { detector: { seasonPeriods: 1440 } }],
    ['every bound at its largest', WORST],
  ] as const)('estimates a series from above, as the encoding weighs it (%s)', (_, raw) => {
    for (const kind of ['rate', 'percent'] as const) {
      const config = configOf({ ...raw, shards: { maxSeries: 50 } }, kind);
      const state = fullSeriesState(config, kind, 'Worst Cluster Name=events-msk, Broker ID=12', {
        'Cluster Name': 'events-msk',
        'Broker ID': '12',
      });
      const { body, history } = encodeCheckpoint([state]);
      expect(body.byteLength + history.byteLength).toBeLessThanOrEqual(checkpointBytesPerSeries(config));
    }
  });

  it.each([50, 1000, 10_000, 20_000])('puts no more than the bound in the fullest bucket (%i series of real keys)', (series) => {
    const loads = new Array<number>(BUCKETS).fill(0);
    for (let i = 0; i < series; i++)
      loads[bucketOf(`ConnectionCount Cluster Name=cluster-${Math.floor(i / 150)}, Broker ID=${i % 150}`)]!++;
    expect(Math.max(...loads)).toBeLessThanOrEqual(bucketLoad(series));
  });

  it('lets through only shards whose fullest bucket fits: the defaults hold 10,000 series with room', () => {
    const config = resolveConfig({});
    expect(bucketLoad(config.shards.maxSeries) * checkpointBytesPerSeries(config)).toBeLessThan(0.7 * MAX_ITEM_BYTES);
    const worst = configOf(WORST, 'rate');
    expect(bucketLoad(worst.shards.maxSeries) * checkpointBytesPerSeries(worst)).toBeLessThan(MAX_ITEM_BYTES);
  });
});
