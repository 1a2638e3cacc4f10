/** A label's dimensions name one series whatever the order they are written in. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../lambdas/core/config.ts';
import { seriesName } from '../../../lambdas/core/metric-series.ts';
import { readGetMetricData } from '../../../lambdas/formats/get-metric-data.ts';
import { identify } from '../../../lambdas/formats/metric-label.ts';

const signals = defaultConfig().signals.map((s) => s.name);
const read = (...pages: unknown[]) =>
  readGetMetricData(
    pages.map((document, i) => ({ source: `export${i + 1}.json`, document })),
    signals,
  );
const result = (label: string, stamp: string, value: number) => ({
  Id: 'm1',
  Label: label,
  Timestamps: [stamp],
  Values: [value],
  StatusCode: 'Complete',
});

describe('dimension order: one series whatever order a label writes its dimensions in', () => {
  it('joins two exports whose labels order Cluster Name and Broker ID differently, keyed as the default label keys them', () => {
    const before = {
      MetricDataResults: [1, 2].map((b) => result(`ConnectionCount Cluster Name=events, Broker ID=${b}`, '2025-08-28T11:59:00Z', b)),
    };
    const after = {
      MetricDataResults: [1, 2].map((b) => result(`ConnectionCount Broker ID=${b}, Cluster Name=events`, '2025-08-28T12:00:00Z', 10 * b)),
    };
    for (const [first, second] of [
      [before, after],
      [after, before],
    ]) {
      const { series, warnings } = read(first, second);
      expect(warnings).toEqual([]);
      expect(series.map((s) => [s.key, s.points.map((p) => p.value)])).toEqual([
        ['ConnectionCount Cluster Name=events, Broker ID=1', [1, 10]],
        ['ConnectionCount Cluster Name=events, Broker ID=2', [2, 20]],
      ]);
      expect(series.map((s) => Object.keys(s.dimensions))).toEqual([
        ['Cluster Name', 'Broker ID'],
        ['Cluster Name', 'Broker ID'],
      ]);
    }
  });

  it('gives any order of the same pairs one key, and one display name', () => {
    const pairs = [
      ['Topic', 'orders'],
      ['Broker ID', '3'],
      ['Client Authentication', 'TLS'],
      ['Cluster Name', 'events'],
    ];
    const expected = identify({ Label: `ClientConnectionCount ${pairs.map(([n, v]) => `${n}=${v}`).join(', ')}` }, signals)!;
    expect(expected.key).toBe('ClientConnectionCount Cluster Name=events, Broker ID=3, Client Authentication=TLS, Topic=orders');
    fc.assert(
      fc.property(fc.shuffledSubarray(pairs, { minLength: pairs.length }), (shuffled) => {
        const identity = identify({ Label: `ClientConnectionCount ${shuffled.map(([n, v]) => `${n}=${v}`).join(', ')}` }, signals)!;
        expect(identity.key).toBe(expected.key);
        expect(Object.entries(identity.dimensions)).toEqual(Object.entries(expected.dimensions));
      }),
    );
    const named = (label: string) => seriesName(identify({ Label: label }, signals)!);
    expect(named('ClientConnectionCount Topic=orders, Cluster Name=events')).toBe('ClientConnectionCount (events, orders)');
    expect(named('ClientConnectionCount Cluster Name=events, Topic=orders')).toBe('ClientConnectionCount (events, orders)');
  });

  it('keeps the Id that tells apart results of one label after every dimension, even one named after it', () => {
    const { series } = read({
      MetricDataResults: [
        { ...result('ClientConnectionCount Topic=orders', '2025-08-28T12:00:00Z', 1), Id: 'x1' },
        { ...result('ClientConnectionCount Topic=orders', '2025-08-28T12:00:00Z', 2), Id: 'x2' },
      ],
    });
    expect(series.map((s) => s.key)).toEqual(['ClientConnectionCount Topic=orders, Id=x1', 'ClientConnectionCount Topic=orders, Id=x2']);
  });
});
