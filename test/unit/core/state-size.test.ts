/**
 * Each series' state is one DynamoDB item, and DynamoDB refuses items over 400 KB. The bounds of
 * the configuration (config-schema.ts LIMITS) and of the readers (input-bounds.ts) must keep every
 * series item below the store's own limit (MAX_ITEM_BYTES, 350 KB) by construction: this builds
 * the largest series state they allow, through the detector itself, and weighs it.
 */
import { describe, expect, it } from 'vitest';
import { MAX_ITEM_BYTES } from '../../../lambdas/adapters/dynamodb/store.ts';
import { LIMITS, resolveConfig } from '../../../lambdas/core/config-schema.ts';
import { detectorSettings } from '../../../lambdas/core/detector-settings.ts';
import { MAX_LABEL_LENGTH } from '../../../lambdas/core/input-bounds.ts';
import { findAnomalies, type SeriesState, type Signal } from '../../../lambdas/core/series.ts';

/** The history a series keeps: the correlator's lookback in periods, and evaluation.ts's HISTORY_EXTRA_PERIODS (60) with room to spare. */
const HISTORY_CAPACITY = LIMITS.lookbackPeriods + 120;

function largestSeriesState(kind: 'rate' | 'percent'): SeriesState {
  const config = resolveConfig({
    metricPeriodSeconds: 60,
    correlation: { lookbackMinutes: LIMITS.lookbackPeriods },
    detector: {
      seasonPeriods: LIMITS.seasonPeriods,
      extraHalfLives: Array.from({ length: LIMITS.extraHalfLives }, (_, i) => 10 ** i),
      warmupPeriods: 2,
    },
    signals: { Worst: { kind, ...(kind === 'percent' ? { forecast: { windowPeriods: 120, horizonMinutes: LIMITS.minutes } } : {}) } },
  });
  const signal = config.signals.find((s) => s.name === 'Worst')!;
  const periodMs = config.metricPeriodSeconds * 1000;
  const signals = new Map<string, Signal>([['Worst', { config: signal, settings: detectorSettings(signal, config.detector, periodMs) }]]);
  // The longest label a reader accepts, in characters of three UTF-8 bytes each, and a cluster name as long as allowed.
  const rest = `Cluster Name=${'€'.repeat(256)}, Broker ID=${'€'.repeat(MAX_LABEL_LENGTH - 300)}`;
  const dimensions = { 'Cluster Name': '€'.repeat(256), 'Broker ID': '€'.repeat(MAX_LABEL_LENGTH - 300) };
  const key = `Worst ${rest}`;
  const start = Date.parse('2099-01-01T00:00:00Z');
  const count = HISTORY_CAPACITY + 2 * LIMITS.seasonPeriods;
  // Values of full precision (17 significant digits); the last ones a storm, so the anomalous run is kept too.
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
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
  findAnomalies(states, [{ key, signal: 'Worst', cluster: dimensions['Cluster Name'], dimensions, points }], {
    now: start + (count + 1) * periodMs,
    periodMs,
    signals,
    historyCapacity: HISTORY_CAPACITY,
  });
  return states[key]!;
}

describe('the largest series state the bounds allow', () => {
  it.each(['rate', 'percent'] as const)('fits one DynamoDB item with room to spare (%s)', (kind) => {
    const state = largestSeriesState(kind);
    expect(state.detector.scoring?.season).toHaveLength(LIMITS.seasonPeriods);
    expect(state.runFirst).not.toBeNull();
    const bytes = Buffer.byteLength(JSON.stringify(state)) + Buffer.byteLength(`series#${state.key}`) + 'pkskbody'.length + 5;
    // About 200 KB: under the store's limit, which is under DynamoDB's 400 KB.
    expect(bytes).toBeLessThan(MAX_ITEM_BYTES);
    expect(MAX_ITEM_BYTES).toBeLessThan(400 * 1024);
  });
});
