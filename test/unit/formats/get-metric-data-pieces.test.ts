/** Which GetMetricData results are pieces of one series: those of one key that agree wherever both have a time, never matched by place. */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../lambdas/core/config.ts';
import { seriesName } from '../../../lambdas/core/metric-series.ts';
import { readGetMetricData } from '../../../lambdas/formats/get-metric-data.ts';

const signals = defaultConfig().signals.map((s) => s.name);
const read = (...pages: unknown[]) =>
  readGetMetricData(
    pages.map((document, i) => ({ source: `page${i + 1}.json`, document })),
    signals,
  );
const [t1, t0] = ['2025-08-28T14:01:00+00:00', '2025-08-28T14:00:00+00:00'];
const at = (id: string, label: string | undefined, values: number[], times = [t1, t0], status = 'Complete') => ({
  Id: id,
  ...(label !== undefined ? { Label: label } : {}),
  Timestamps: times.slice(0, values.length),
  Values: values,
  StatusCode: status,
});
const valuesOf = (readout: ReturnType<typeof read>) => readout.series.map((s) => [s.key, s.points.map((p) => p.value)]);
// A SEARCH over ClientConnectionCount, whose metrics also have Client Authentication, under a label that leaves it out.
const broker = (b: number) => `ClientConnectionCount Cluster Name=events, Broker ID=${b}`;

describe('results of one key with another value at a time both have: two metrics, kept apart and warned about once per key', () => {
  it('with dynamic labels: one series per result, none overwritten, and a warning naming the label and a label that tells them apart', () => {
    const readout = read({
      MetricDataResults: [at('ccc', broker(1), [90, 80]), at('ccc', broker(2), [9, 8]), at('ccc', broker(1), [12, 12])],
    });
    expect(valuesOf(readout)).toEqual([
      [`${broker(1)}, Result=1`, [80, 90]],
      [`${broker(1)}, Result=2`, [12, 12]],
      [broker(2), [8, 9]],
    ]);
    expect(readout.series[1]).toMatchObject({ cluster: 'events', dimensions: { 'Broker ID': '1', Result: '2' } });
    expect(seriesName({ signal: 'ConnectionCount', dimensions: { Result: '2' } })).toBe('ConnectionCount (result 2)');
    expect(readout.warnings).toEqual([
      `page1.json: MetricDataResults[2] ("${broker(1)}") names the same series as an earlier result, with another value at a time both have: ` +
        `two metrics, so they are kept apart (as ${broker(1)}, Result=2), not merged; ` +
        "their label leaves out a dimension they differ by: name it in the query's Label, e.g. " +
        `"\${PROP('MetricName')} Cluster Name=\${PROP('Dim.Cluster Name')}, Broker ID=\${PROP('Dim.Broker ID')}, NAME=\${PROP('Dim.NAME')}", ` +
        "NAME being that dimension (Client Authentication, for MSK's ClientConnectionCount)",
    ]);
  });

  it('continues each on the next pages where it does not disagree, and warns once for each label', () => {
    const page = (values: number[], time: string, more: boolean) => ({
      MetricDataResults: [1, 2].flatMap((b) => values.map((v) => at('ccc', broker(b), [v + b], [time], more ? 'PartialData' : 'Complete'))),
      ...(more ? { NextToken: 't' } : {}),
    });
    const readout = read(page([90, 12], t1, true), page([80, 12], t0, false));
    expect(valuesOf(readout)).toEqual([
      [`${broker(1)}, Result=1`, [81, 91]],
      [`${broker(1)}, Result=2`, [13, 13]],
      [`${broker(2)}, Result=1`, [82, 92]],
      [`${broker(2)}, Result=2`, [14, 14]],
    ]);
    expect(readout.warnings).toEqual([
      expect.stringMatching(/^page1\.json: MetricDataResults\[1\] \("ClientConnectionCount .*Broker ID=1"\) names the same series/),
      expect.stringMatching(/^page1\.json: MetricDataResults\[3\] \("ClientConnectionCount .*Broker ID=2"\) names the same series/),
    ]);
  });

  it('a result that said Complete on page 1 is absent from page 2: page 2 goes on with the series still open (two Ids, one label)', () => {
    const label = 'ConnectionCreationRate Cluster Name=events';
    const readout = read(
      { MetricDataResults: [at('b1', label, [5], [t1]), at('b2', label, [500], [t1], 'PartialData')], NextToken: 't' },
      { MetricDataResults: [at('b2', label, [400], [t0])] },
    );
    expect(valuesOf(readout)).toEqual([
      [`${label}, Id=b1`, [5]],
      [`${label}, Id=b2`, [400, 500]],
    ]);
    expect(readout.warnings).toEqual([expect.stringMatching(/^page1\.json: MetricDataResults\[1\] .*kept apart \(as .*, Id=b2\)/)]);
  });

  it('the same with one SEARCH Id: Result=2 takes page 2, Result=1 said Complete on page 1', () => {
    const readout = read(
      { MetricDataResults: [at('q0', broker(1), [5], [t1]), at('q0', broker(1), [500], [t1], 'PartialData')], NextToken: 't' },
      { MetricDataResults: [at('q0', broker(1), [400], [t0])] },
    );
    expect(valuesOf(readout)).toEqual([
      [`${broker(1)}, Result=1`, [5]],
      [`${broker(1)}, Result=2`, [400, 500]],
    ]);
    expect(readout.warnings).toHaveLength(1);
  });

  it('two clusters under a label that leaves out Cluster Name: two series, and the warning names Cluster Name', () => {
    const label = 'ConnectionCount Broker ID=1';
    const readout = read({ MetricDataResults: [at('m1', label, [10, 11])] }, { MetricDataResults: [at('m1', label, [50, 51])] });
    expect(valuesOf(readout)).toEqual([
      [`${label}, Result=1`, [11, 10]],
      [`${label}, Result=2`, [51, 50]],
    ]);
    expect(readout.warnings).toEqual([
      expect.stringMatching(/^page2\.json: MetricDataResults\[0\] .*NAME being that dimension \(Cluster Name, which it leaves out, /),
    ]);
  });

  it('with default labels: the Id tells queries apart, the order tells apart the disagreeing results of one', () => {
    const readout = read({
      MetricDataResults: [at('m0', 'ConnectionCount', [1]), at('m1', 'ConnectionCount', [2]), at('m0', 'ConnectionCount', [3])],
    });
    expect(readout.series.map((s) => [s.key, s.points[0]!.value])).toEqual([
      ['ConnectionCount Id=m0, Result=1', 1],
      ['ConnectionCount Id=m0, Result=2', 3],
      ['ConnectionCount Id=m1', 2],
    ]);
    expect(readout.warnings).toEqual([
      expect.stringContaining(
        'page1.json: MetricDataResults[2] ("ConnectionCount") names the same series as an earlier result, with another value at a time both have: ' +
          'two metrics, so they are kept apart (as ConnectionCount Id=m0, Result=2), not merged; ' +
          `their label leaves out a dimension they differ by: name it in the query's Label, e.g. "\${PROP('MetricName')} NAME=\${PROP('Dim.NAME')}"`,
      ),
    ]);
  });
});

describe('results of one key that agree are pieces of one series, whatever their page, document or Id', () => {
  it("the CLI's concatenated pages (one Id several times in one document, disjoint times): one series each", () => {
    const readout = read({
      MetricDataResults: [
        at('q0', broker(1), [1], [t1], 'PartialData'),
        at('q0', broker(2), [2], [t1], 'PartialData'),
        at('m0', 'ConnectionCount', [7], [t1], 'PartialData'),
        at('q0', broker(1), [10], [t0]),
        at('q0', broker(2), [20], [t0]),
        at('m0', 'ConnectionCount', [70], [t0]),
      ],
    });
    expect(readout.warnings).toEqual([]);
    expect(valuesOf(readout)).toEqual([
      [broker(1), [10, 1]],
      [broker(2), [20, 2]],
      ['ConnectionCount', [70, 7]],
    ]);
  });

  it('two exports of overlapping time ranges with other Ids and a dynamic label: one series where the shared times agree', () => {
    const readout = read(
      { MetricDataResults: [at('m1', broker(1), [5, 4])] },
      { MetricDataResults: [at('qm1', broker(1), [6, 5], ['2025-08-28T14:02:00Z', t1])] },
    );
    expect(readout.warnings).toEqual([]);
    expect(valuesOf(readout)).toEqual([[broker(1), [4, 5, 6]]]);
  });

  it('default labels with two Ids stay two series even where they agree: the metric name alone names no broker', () => {
    const readout = read({ MetricDataResults: [at('m0', 'ConnectionCount', [1], [t0]), at('m1', 'ConnectionCount', [1], [t1])] });
    expect(readout.warnings).toEqual([]);
    expect(valuesOf(readout)).toEqual([
      ['ConnectionCount Id=m0', [1]],
      ['ConnectionCount Id=m1', [1]],
    ]);
  });
});
