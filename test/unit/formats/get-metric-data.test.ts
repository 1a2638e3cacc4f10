import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../lambdas/core/config.ts';
import { seriesName } from '../../../lambdas/core/metric-series.ts';
import { readGetMetricData } from '../../../lambdas/formats/get-metric-data.ts';
import { identify } from '../../../lambdas/formats/metric-label.ts';

const signals = defaultConfig().signals.map((s) => s.name);
const result = (label: string, stamps: string[], values: unknown[], status = 'Complete') => ({
  Id: 'm1',
  Label: label,
  Timestamps: stamps,
  Values: values,
  StatusCode: status,
});
const read = (...pages: unknown[]) =>
  readGetMetricData(
    pages.map((document, i) => ({ source: `page${i + 1}.json`, document })),
    signals,
  );

describe('GetMetricData results', () => {
  it('reads series newest-first (the API default) into ascending points, merging pages', () => {
    const label = 'ConnectionCreationRate Cluster Name=events, Broker ID=2';
    const { series } = read(
      {
        MetricDataResults: [result(label, ['2025-08-28T14:02:00+00:00', '2025-08-28T14:01:00+00:00'], [3, 2], 'PartialData')],
        NextToken: 't',
      },
      { MetricDataResults: [result(label, ['2025-08-28T14:00:00+00:00'], [1])], Messages: [] },
    );
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({
      signal: 'ConnectionCreationRate',
      cluster: 'events',
      dimensions: { 'Cluster Name': 'events', 'Broker ID': '2' },
    });
    expect(series[0]!.points.map((p) => p.value)).toEqual([1, 2, 3]);
  });

  it('tells ClientConnectionCount from ConnectionCount', () => {
    expect(identify({ Label: 'ClientConnectionCount Broker ID=1' }, signals)?.signal).toBe('ClientConnectionCount');
    expect(identify({ Label: 'ConnectionCount Broker ID=1' }, signals)?.signal).toBe('ConnectionCount');
    expect(seriesName(identify({ Label: 'ConnectionCount Broker ID=1' }, signals)!)).toBe('ConnectionCount on broker 1');
  });

  it('warns about series that name no configured signal, and about failed statuses', () => {
    const { series, warnings } = read({
      MetricDataResults: [
        result('CpuUser Broker ID=1', [], []),
        result('ConnectionCount Broker ID=1', ['2025-01-01T00:00:00Z'], [1], 'Forbidden'),
      ],
    });
    expect(series).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/CpuUser.*names no configured signal/), expect.stringMatching(/StatusCode Forbidden/)]);
  });

  it('says what GetMetricData said of a page or its results (Messages): points it dropped are missing data, not a quiet broker', () => {
    const dropped = {
      Code: 'ArithmeticError',
      Value: 'One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)',
    };
    const label = (b: number) => `ConnectionCount Cluster Name=events, Broker ID=${b}`;
    const { series, warnings } = read({
      MetricDataResults: [1, 2, 3, 4, 5].map((b) => ({
        ...result(label(b), ['2025-01-01T00:00:00Z'], [1]),
        Messages: b < 5 ? [dropped] : [],
      })),
      Messages: [{ Code: 'MaxMetricsExceeded', Value: 'The maximum number of metrics was exceeded' }],
    });
    expect(series).toHaveLength(5);
    expect(warnings).toEqual([
      'page1.json: Messages said MaxMetricsExceeded: The maximum number of metrics was exceeded',
      `page1.json: MetricDataResults[0], MetricDataResults[1], MetricDataResults[2], and 1 more said ArithmeticError: ${dropped.Value}`,
    ]);
  });

  it('reads a result of 200,000 points, twice (a later export): no RangeError from spreading it as arguments', () => {
    const t0 = Date.parse('2025-01-01T00:00:00Z') / 1000;
    const times = Array.from({ length: 200_000 }, (_, i) => t0 + i * 60);
    const big = {
      Id: 'm1',
      Label: 'ConnectionCount Cluster Name=c, Broker ID=1',
      Timestamps: times,
      Values: times.map(() => 1),
      StatusCode: 'Complete',
    };
    expect(read({ MetricDataResults: [big] }, { MetricDataResults: [big] }).series[0]!.points).toHaveLength(200_000);
  });

  it('names the field of a value that is not a number', () => {
    expect(() => read({ MetricDataResults: [result('ConnectionCount', ['2025-01-01T00:00:00Z'], ['NaN'])] })).toThrow(
      'page1.json: field `MetricDataResults[0].Values[0]`: expected a finite number, got "NaN"',
    );
  });

  it('names the field of a bad timestamp and of unpaired arrays', () => {
    expect(() => read({ MetricDataResults: [result('ConnectionCount', ['soon'], [1])] })).toThrow(
      /Timestamps\[0\]`: expected an ISO 8601 time/,
    );
    expect(() => read({ MetricDataResults: [result('ConnectionCount', ['2025-01-01T00:00:00Z'], [1, 2])] })).toThrow(
      /has 1 Timestamps but 2 Values/,
    );
  });

  it('rejects a document that is not GetMetricData output', () => {
    expect(() => read({ Results: [] })).toThrow('page1.json: field `MetricDataResults`: expected an array (the output of GetMetricData)');
  });

  it('names get-metric-statistics output (Label, Datapoints) as such, alone or in an array of pages', () => {
    const statistics = {
      Label: 'ConnectionCreationRate',
      Datapoints: [{ Timestamp: '2025-08-28T14:00:00Z', Average: 5, Unit: 'Count/Second' }],
    };
    const said =
      'is the output of `aws cloudwatch get-metric-statistics` (Label, Datapoints); expected that of `aws cloudwatch get-metric-data` ' +
      '(MetricDataResults; docs/formats.md, "Metrics in: CloudWatch GetMetricData output")';
    expect(() => read(statistics)).toThrow(`page1.json: field \`Datapoints\`: ${said}`);
    expect(() => read([{ MetricDataResults: [] }, statistics])).toThrow(`page1.json: field \`[1].Datapoints\`: ${said}`);
  });

  it('rejects a document that is not GetMetricData output, even after good pages', () => {
    expect(() => read({ MetricDataResults: [] }, { MetricDataResults: {} })).toThrow('page2.json: field `MetricDataResults`');
  });
});

describe('bad input: an error naming the field, or a point skipped and counted; never a hang, a crash or a wrong series', () => {
  const at = (time: string) => [time];

  it('reads labels in one pass: the pattern it replaces (([A-Za-z][\\w .-]*?)\\s*=\\s*([^,]+)) gives the same pairs on any short label', () => {
    const old = (rest: string) =>
      [...rest.matchAll(/([A-Za-z][\w .-]*?)\s*=\s*([^,]+)/g)].map((m) => [m[1]!.trim(), m[2]!.trim()] as const);
    const pieces = fc.constantFrom('a', 'B', '1', '_', ' ', '\t', '.', '-', '=', ',', 'é', 'Cluster Name', 'Broker ID', '\u00a0');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 24 }), (parts) => {
        const rest = parts.join('');
        const label = `ConnectionCount ${rest}`;
        const expected = new Map(old(label.replace('ConnectionCount', '').trim()));
        const identity = identify({ Label: label }, signals)!;
        // The same pairs; their order is the key's fixed one (metric-label.test.ts).
        if (expected.size > 0) expect(identity.dimensions).toEqual(Object.fromEntries(expected));
      }),
      { seed: 7, numRuns: 3000 },
    );
  });

  it('refuses an 8 KB label (the pattern it replaces took 102 s on one) and reads a 2 KB one of the worst shape', () => {
    expect(() => read({ MetricDataResults: [result(`ConnectionCount ${'a '.repeat(4096)}`, [], [])] })).toThrow(
      /page1\.json: field `MetricDataResults\[0\]\.Label`: is 8208 characters long, more than 2048/,
    );
    const worst = `ConnectionCount a${' '.repeat(1000)}b${'a\t'.repeat(500)}`;
    expect(identify({ Label: worst }, signals)?.signal).toBe('ConnectionCount');
  });

  it('never builds a regular expression from a signal name: `[` and `(a+)+b` are names like any other', () => {
    expect(identify({ Label: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac' }, ['(a+)+b', '['])).toBeUndefined();
    expect(identify({ Label: '[ Broker ID=1' }, ['(a+)+b', '['])).toMatchObject({ signal: '[', dimensions: { 'Broker ID': '1' } });
  });

  it('names a Label, an Id or a StatusCode that is not a string, and a result that is not an object', () => {
    expect(() => read({ MetricDataResults: [{ Id: 'm1', Label: 5, Timestamps: [], Values: [] }] })).toThrow(
      'page1.json: field `MetricDataResults[0].Label`: expected a string, got 5',
    );
    expect(() => read({ MetricDataResults: [{ Id: ['m1'], Timestamps: [], Values: [] }] })).toThrow(
      'field `MetricDataResults[0].Id`: expected a string',
    );
    expect(() => read({ MetricDataResults: [null] })).toThrow('field `MetricDataResults[0]`: expected an object');
  });

  it('names a timestamp in milliseconds where seconds are expected, a 1969 date and a year 2200 (each once hung a replay)', () => {
    const seconds = Date.parse('2025-08-28T14:00:00Z') / 1000;
    expect(read({ MetricDataResults: [result('ConnectionCount', [seconds] as never, [1])] }).series[0]!.points[0]!.time).toBe(
      seconds * 1000,
    );
    expect(() => read({ MetricDataResults: [result('ConnectionCount', [seconds * 1000] as never, [1])] })).toThrow(
      'page1.json: field `MetricDataResults[0].Timestamps[0]`: 1756389600000 looks like epoch milliseconds (2025-08-28T14:00:00Z); expected epoch seconds',
    );
    expect(() => read({ MetricDataResults: [result('ConnectionCount', at('1969-12-31T23:00:00Z'), [1])] })).toThrow(
      /Timestamps\[0\]`: "1969-12-31T23:00:00Z" is outside the plausible window/,
    );
    expect(() => read({ MetricDataResults: [result('ConnectionCount', at('2200-01-01T00:00:00Z'), [1])] })).toThrow(
      /outside the plausible window/,
    );
  });

  it('skips, counts and warns about values out of bounds for the signal: 1e100, ±1e308, a heap at 150%', () => {
    const stamps = ['2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', '2025-01-01T00:02:00Z', '2025-01-01T00:03:00Z'];
    const kinds = defaultConfig().signals;
    const { series, warnings } = readGetMetricData(
      [
        {
          source: 'p.json',
          document: {
            MetricDataResults: [
              result('ConnectionCreationRate Broker ID=1', stamps, [1, 1e100, -1e308, 2]),
              result('HeapMemoryAfterGC Broker ID=1', stamps, [30, 150, 31, 32]),
            ],
          },
        },
      ],
      kinds,
    );
    expect(series.map((s) => s.points.map((p) => p.value))).toEqual([
      [1, 2],
      [30, 31, 32],
    ]);
    expect(warnings).toEqual([
      "p.json: 2 points of MetricDataResults[0] out of bounds for ConnectionCreationRate, skipped (the first, Values[1]: 1e+100 is beyond ±1000000000000 (no broker's rate is))",
      'p.json: 1 point of MetricDataResults[1] out of bounds for HeapMemoryAfterGC, skipped (the first, Values[1]: 150 is not a percentage (0..100))',
    ]);
  });

  it('keeps a dimension named constructor or hasOwnProperty as a dimension, and refuses a cluster name no cluster has', () => {
    const identity = identify({ Label: 'ConnectionCount constructor=x, hasOwnProperty=y' }, signals)!;
    expect(Object.getPrototypeOf(identity.dimensions)).toBe(Object.prototype);
    expect(Object.entries(identity.dimensions)).toEqual([
      ['constructor', 'x'],
      ['hasOwnProperty', 'y'],
    ]);
    expect(() => read({ MetricDataResults: [result(`ConnectionCount Cluster Name=${'c'.repeat(300)}`, [], [])] })).toThrow(
      /field `MetricDataResults\[0\]\.Label`: names a cluster of 300 characters, more than 256/,
    );
    expect(identify({ Label: `ConnectionCount Cluster Name=${'c'.repeat(240)}` }, signals)!.cluster).toHaveLength(240);
  });
});
