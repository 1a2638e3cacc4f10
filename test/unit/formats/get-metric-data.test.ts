import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../lambdas/core/config.ts';
import { identify, readGetMetricData } from '../../../lambdas/formats/get-metric-data.ts';
import { seriesName } from '../../../lambdas/core/metric-series.ts';

const signals = defaultConfig().signals.map((s) => s.name);
const result = (label: string, stamps: string[], values: unknown[], status = 'Complete') => ({ Id: 'm1', Label: label, Timestamps: stamps, Values: values, StatusCode: status });
const read = (...pages: unknown[]) => readGetMetricData(pages.map((document, i) => ({ source: `page${i + 1}.json`, document })), signals);

describe('GetMetricData results', () => {
  it('reads series newest-first (the API default) into ascending points, merging pages', () => {
    const label = 'ConnectionCreationRate Cluster Name=events, Broker ID=2';
    const { series } = read(
      { MetricDataResults: [result(label, ['2025-08-28T14:02:00+00:00', '2025-08-28T14:01:00+00:00'], [3, 2], 'PartialData')], NextToken: 't' },
      { MetricDataResults: [result(label, ['2025-08-28T14:00:00+00:00'], [1])], Messages: [] },
    );
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ signal: 'ConnectionCreationRate', cluster: 'events', dimensions: { 'Cluster Name': 'events', 'Broker ID': '2' } });
    expect(series[0]!.points.map((p) => p.value)).toEqual([1, 2, 3]);
  });

  it('tells ClientConnectionCount from ConnectionCount', () => {
    expect(identify({ Label: 'ClientConnectionCount Broker ID=1' }, signals)?.signal).toBe('ClientConnectionCount');
    expect(identify({ Label: 'ConnectionCount Broker ID=1' }, signals)?.signal).toBe('ConnectionCount');
    expect(seriesName(identify({ Label: 'ConnectionCount Broker ID=1' }, signals)!)).toBe('ConnectionCount on broker 1');
  });

  it('warns about series that name no configured signal, and about failed statuses', () => {
    const { series, warnings } = read({
      MetricDataResults: [result('CpuUser Broker ID=1', [], []), result('ConnectionCount Broker ID=1', ['2025-01-01T00:00:00Z'], [1], 'Forbidden')],
    });
    expect(series).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/CpuUser.*names no configured signal/), expect.stringMatching(/StatusCode Forbidden/)]);
  });

  it('names the field of a value that is not a number', () => {
    expect(() => read({ MetricDataResults: [result('ConnectionCount', ['2025-01-01T00:00:00Z'], ['NaN'])] })).toThrow(
      'page1.json: field `MetricDataResults[0].Values[0]`: expected a finite number, got "NaN"',
    );
  });

  it('names the field of a bad timestamp and of unpaired arrays', () => {
    expect(() => read({ MetricDataResults: [result('ConnectionCount', ['soon'], [1])] })).toThrow(/Timestamps\[0\]`: expected an ISO 8601 timestamp/);
    expect(() => read({ MetricDataResults: [result('ConnectionCount', ['2025-01-01T00:00:00Z'], [1, 2])] })).toThrow(/has 1 Timestamps but 2 Values/);
  });

  it('rejects a document that is not GetMetricData output', () => {
    expect(() => read({ Datapoints: [] })).toThrow('page1.json: field `MetricDataResults`: expected an array (the output of GetMetricData)');
  });
});
