/**
 * Range results as the guardrail's series (series.ts seriesOf): which cluster a result is, and
 * what is said of those left out.
 */
import { describe, expect, it } from 'vitest';
import type { RangeResult } from '../../../lambdas/adapters/prometheus/matrix.ts';
import { type SeriesNaming, seriesOf } from '../../../lambdas/adapters/prometheus/series.ts';
import { defaultConfig } from '../../../lambdas/core/config-schema.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T08:00:00Z');
const signal = defaultConfig().signals.find((s) => s.name === 'ConnectionCreationRate')!;
const span = { from: t0 - 1, to: t0 + 10 * MINUTE };
const naming = (clusters: string[]): SeriesNaming => ({ clusterLabel: 'cluster', brokerLabel: 'broker', clusters, periodMs: MINUTE });

/** A broker's result: a sample at each period's end, `value(i)` for the i-th. */
const result = (metric: Record<string, string>, value = (i: number) => 10 + i): RangeResult => ({
  metric,
  values: Array.from({ length: 10 }, (_, i) => [(t0 + (i + 1) * MINUTE) / 1000, String(value(i))]),
});

describe('seriesOf: the cluster of a result', () => {
  it('reads results without the cluster label as the one configured cluster', () => {
    const { series, warnings } = seriesOf(signal, [result({ broker: '1' }), result({ broker: '2' })], span, naming(['events-msk']));
    expect(series.map((s) => s.cluster)).toEqual(['events-msk', 'events-msk']);
    expect(warnings).toEqual([]);
  });

  it('with several clusters configured, leaves out results without the cluster label and says how many, of which signal, and the label to add', () => {
    const matrix = [result({ cluster: 'a', broker: '1' }), result({ broker: '1' }), result({ broker: '2' })];
    const { series, warnings } = seriesOf(signal, matrix, span, naming(['a', 'b']));
    expect(series.map((s) => s.key)).toEqual(['ConnectionCreationRate Cluster Name=a, Broker ID=1']);
    expect(warnings).toEqual([
      'Prometheus: ConnectionCreationRate: 2 of 3 series have no `cluster` label (clusterLabel): with 2 clusters configured (a, b) they are none of them, left out; add the label where they are scraped and keep it in signals.ConnectionCreationRate.promql',
    ]);
    // A result of another cluster is left out as configured, unsaid.
    expect(seriesOf(signal, [result({ cluster: 'c', broker: '1' })], span, naming(['a', 'b'])).warnings).toEqual([]);
  });
});
