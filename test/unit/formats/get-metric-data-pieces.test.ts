/**
 * Which GetMetricData results are pieces of one series: those of one key, whatever their page, where
 * a later page's other value at a time is a revision; only results of one page (one response) that
 * give a time two values are two metrics. Never matched by place.
 */
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

describe('results of one page and key with another value at a time both have: two metrics, kept apart and warned about', () => {
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
      `page1.json: MetricDataResults[2] ("${broker(1)}") names the same series as an earlier result of its page, with another value at a time both have: ` +
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

  it('two clusters, queried in one request under a label that leaves out Cluster Name: two series, and the warning names Cluster Name', () => {
    const label = 'ConnectionCount Broker ID=1';
    const readout = read({ MetricDataResults: [at('m1', label, [10, 11]), at('m2', label, [50, 51])] });
    expect(valuesOf(readout)).toEqual([
      [`${label}, Id=m1`, [11, 10]],
      [`${label}, Id=m2`, [51, 50]],
    ]);
    expect(readout.warnings).toEqual([
      expect.stringMatching(/^page1\.json: MetricDataResults\[1\] .*NAME being that dimension \(Cluster Name, which it leaves out, /),
    ]);
  });

  it('with default labels: the Id tells queries apart, the order tells apart the disagreeing results of one', () => {
    const readout = read({
      MetricDataResults: [at('m0', 'ConnectionCount', [1]), at('m0', 'ConnectionCount', [3]), at('m1', 'ConnectionCount', [2])],
    });
    expect(readout.series.map((s) => [s.key, s.points[0]!.value])).toEqual([
      ['ConnectionCount Id=m0, Result=1', 1],
      ['ConnectionCount Id=m0, Result=2', 3],
      ['ConnectionCount Id=m1', 2],
    ]);
    expect(readout.warnings).toEqual([
      expect.stringContaining(
        'page1.json: MetricDataResults[1] ("ConnectionCount") names the same series as an earlier result of its page, with another value at a time both have: ' +
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

describe('a later page that gives a time another value revises it: one series, the later point kept', () => {
  // CloudWatch revises its latest points as late data arrives: an export of 14:00..14:10 taken at
  // 14:10, then one of 14:05..14:15 taken at 14:15, disagree on 14:05..14:10.
  const minutes = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => `2025-08-28T14:${String(to - i).padStart(2, '0')}:00Z`);
  const label = 'ConnectionCreationRate Cluster Name=events, Broker ID=1';
  const first = at('m0', label, [16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6], minutes(0, 10));
  const later = at('qm0', label, [215, 214, 213, 212, 211, 210, 209, 208, 207, 206, 205], minutes(5, 15));
  const kept = [6, 7, 8, 9, 10, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215];

  it('two exports with Ids m0 and qm0 overlapping by 5 minutes: one series, the later values from 14:05', () => {
    const readout = read({ MetricDataResults: [first] }, { MetricDataResults: [later] });
    expect(readout.warnings).toEqual([]);
    expect(valuesOf(readout)).toEqual([[label, kept]]);
    expect(read({ MetricDataResults: [later] }, { MetricDataResults: [first] }).series[0]!.points.at(-1)).toMatchObject({ value: 215 });
  });

  it("the same as pages of one document: an array of pages, or the CLI's concatenation (an Id that comes back after another)", () => {
    expect(valuesOf(read([{ MetricDataResults: [first] }, { MetricDataResults: [later] }]))).toEqual([[label, kept]]);
    const other = (values: number[], times: string[]) => at('m9', 'HeapMemoryAfterGC Cluster Name=events, Broker ID=1', values, times);
    const concatenated = read({ MetricDataResults: [first, other([1], [t0]), { ...later, Id: 'm0' }, other([2], [t1])] });
    expect(concatenated.warnings).toEqual([]);
    expect(valuesOf(concatenated)).toEqual([
      [label, kept],
      ['HeapMemoryAfterGC Cluster Name=events, Broker ID=1', [1, 2]],
    ]);
  });

  it('one export per cluster, both with default labels and Ids m0..: other values an hour back are no revision but two metrics, kept apart and warned about', () => {
    const hour = minutes(0, 59);
    // Newest first: value(i) is the point i minutes before 14:59.
    const heap = (value: (i: number) => number, times = hour) =>
      at(
        'm0',
        'HeapMemoryAfterGC',
        times.map((_, i) => value(i)),
        times,
      );
    const clusterA = heap((i) => 90 - i / 2);
    const clusterB = heap((i) => 30 + (i % 3));
    const readout = read({ MetricDataResults: [clusterA] }, { MetricDataResults: [clusterB] });
    expect(readout.series.map((s) => [s.key, Math.max(...s.points.map((p) => p.value))])).toEqual([
      ['HeapMemoryAfterGC Result=1', 90],
      ['HeapMemoryAfterGC Result=2', 32],
    ]);
    expect(readout.warnings).toEqual([
      expect.stringMatching(
        /^page2\.json: MetricDataResults\[0\] \("HeapMemoryAfterGC"\) names the same series as an earlier export's, with other values further back than CloudWatch revises late data \(30 minutes before its latest point\): two metrics, so they are kept apart \(as HeapMemoryAfterGC Result=2\), not merged; .*Cluster Name, which it leaves out, if they are two clusters/,
      ),
    ]);
    // The same hour exported twice, its last 30 minutes revised: one series, the later values kept.
    const revised = heap((i) => (i < 30 ? 1 : 90 - i / 2));
    expect(read({ MetricDataResults: [clusterA] }, { MetricDataResults: [revised] }).series).toHaveLength(1);
    // An hour, then a longer export taken later that revises the hour's last minutes: one series in either reading order.
    const twoHours = minutes(0, 59)
      .map((t) => t.replace('T14:', 'T15:'))
      .concat(hour);
    const later = at(
      'm0',
      'HeapMemoryAfterGC',
      twoHours.map((_, i) => (i < 65 ? 1 : 90 - (i - 60) / 2)),
      twoHours,
    );
    for (const pages of [
      [clusterA, later],
      [later, clusterA],
    ])
      expect(
        read(...pages.map((r) => ({ MetricDataResults: [r] }))).series,
        pages[0] === later ? 'the later first' : 'in order',
      ).toHaveLength(1);
  });

  it('a page with NextToken is one response whatever the order of its Ids: results of one key there that disagree stay apart', () => {
    const readout = read({
      MetricDataResults: [first, at('m9', 'HeapMemoryAfterGC', [1]), { ...first, Values: first.Values.map(() => 12) }],
      NextToken: 't',
    });
    expect(valuesOf(readout).map(([key]) => key)).toEqual([`${label}, Result=1`, `${label}, Result=2`, 'HeapMemoryAfterGC']);
  });

  it('a later export of series a page split goes on with the one it revises least (fewest times given another value)', () => {
    // Page 1: a SEARCH's two metrics per label (Client Authentication left out); the later export lists them the other way round
    // and revises 14:01, so each agrees with one of them at 14:00 only.
    const times = ['2025-08-28T14:02:00Z', t1, t0];
    const readout = read(
      { MetricDataResults: [at('q0', broker(1), [90, 80]), at('q0', broker(1), [12, 12])] },
      { MetricDataResults: [at('qq0', broker(1), [13, 11, 12], times), at('qq0', broker(1), [70, 95, 80], times)] },
    );
    expect(valuesOf(readout)).toEqual([
      [`${broker(1)}, Result=1`, [80, 95, 70]],
      [`${broker(1)}, Result=2`, [12, 11, 13]],
    ]);
    expect(readout.warnings).toEqual([expect.stringMatching(/^page1\.json: MetricDataResults\[1\] /)]);
  });
});

describe('the warning of a split: one line per label, or one for the page when more than 3 labels split there', () => {
  const search = (brokers: number) => ({
    MetricDataResults: Array.from({ length: brokers }, (_, i) => [
      at('q0', broker(i + 1), [90, 80]),
      at('q0', broker(i + 1), [12, 12]),
    ]).flat(),
  });

  it('3 labels: 3 lines', () => {
    expect(read(search(3)).warnings).toEqual(
      [1, 3, 5].map((n) => expect.stringMatching(new RegExp(`^page1\\.json: MetricDataResults\\[${n}\\] `))),
    );
  });

  it('a 30-broker SEARCH: one line naming the first three labels, and 27 more', () => {
    const readout = read(search(30));
    expect(readout.series).toHaveLength(60);
    expect(readout.warnings).toEqual([
      `page1.json: results of 30 labels name the same series as an earlier result of their page, with another value at a time both have: ` +
        `MetricDataResults[1] ("${broker(1)}"), MetricDataResults[3] ("${broker(2)}"), MetricDataResults[5] ("${broker(3)}"), and 27 more: ` +
        `two metrics each, so they are kept apart (as ${broker(1)}, Result=2, …), not merged; ` +
        "their label leaves out a dimension they differ by: name it in the query's Label, e.g. " +
        `"\${PROP('MetricName')} Cluster Name=\${PROP('Dim.Cluster Name')}, Broker ID=\${PROP('Dim.Broker ID')}, NAME=\${PROP('Dim.NAME')}", ` +
        "NAME being that dimension (Client Authentication, for MSK's ClientConnectionCount)",
    ]);
  });

  it('once per page: the same split on a second page (another export) adds a line of its own', () => {
    const readout = read(search(4), search(1));
    expect(readout.warnings).toEqual([expect.stringMatching(/^page1\.json: results of 4 labels .*, and 1 more: /)]);
    const apart = read(search(4), { MetricDataResults: [...search(1).MetricDataResults, at('q0', broker(1), [1, 1])] });
    expect(apart.warnings).toEqual([
      expect.stringMatching(/^page1\.json: results of 4 labels /),
      expect.stringMatching(/^page2\.json: MetricDataResults\[2\] .*kept apart \(as .*Broker ID=1, Result=3\)/),
    ]);
  });
});
